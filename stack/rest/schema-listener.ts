// Keeps the schema cache current: loads it at start and again on `NOTIFY pgrst, 'reload schema'`
// (sent by the pgrst_ddl_watch / pgrst_drop_watch event triggers after DDL), as PostgREST does.
import pg from 'pg';
import { ApiError } from './errors.ts';
import { loadSchemaCache, type SchemaCache } from './schema-cache.ts';

const RETRY_MS = 1000;

export class SchemaCacheHolder {
	private loaded: SchemaCache | undefined;
	/** The load in progress; requests wait for it so they see the schema a NOTIFY announced. */
	private loading: Promise<void> | undefined;
	private listener: pg.Client | undefined;
	private closed = false;
	private retryTimer: NodeJS.Timeout | undefined;

	constructor(
		private readonly url: string,
		private readonly schemas: string[],
		private readonly log: (line: string) => void,
	) {
		void this.listen();
	}

	async current(): Promise<SchemaCache> {
		if (!this.loaded && !this.loading) this.reload();
		await this.loading;
		if (!this.loaded)
			throw new ApiError(
				503,
				'PGRST002',
				'Could not query the database for the schema cache. Retrying.',
			);
		return this.loaded;
	}

	/** Starts a load; one that arrives while another runs is queued behind it, so none is missed. */
	private reload(): void {
		const previous = this.loading ?? Promise.resolve();
		const next = previous.then(async () => {
			const client = new pg.Client({ connectionString: this.url });
			try {
				await client.connect();
				this.loaded = await loadSchemaCache(client, this.schemas);
			} catch (error) {
				this.log(`rest: loading the schema cache failed: ${(error as Error).message}`);
			} finally {
				await client.end().catch(() => {});
			}
		});
		this.loading = next;
		void next.then(() => {
			if (this.loading === next) this.loading = undefined;
		});
	}

	private async listen(): Promise<void> {
		if (this.closed) return;
		const client = new pg.Client({ connectionString: this.url });
		this.listener = client;
		client.on('notification', (message) => {
			if (
				message.channel === 'pgrst' &&
				(message.payload === 'reload schema' ||
					message.payload === '' ||
					message.payload === undefined)
			)
				this.reload();
		});
		client.on('error', (error) => {
			if (this.closed) return;
			this.log(`rest: schema listener failed, reconnecting: ${error.message}`);
			void client.end().catch(() => {});
			this.scheduleListen();
		});
		try {
			await client.connect();
			await client.query('listen pgrst');
			// Anything may have changed while no one listened.
			this.reload();
		} catch (error) {
			if (this.closed) return;
			this.log(`rest: schema listener could not connect: ${(error as Error).message}`);
			await client.end().catch(() => {});
			this.scheduleListen();
		}
	}

	private scheduleListen(): void {
		if (this.closed || this.retryTimer) return;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			void this.listen();
		}, RETRY_MS);
	}

	async close(): Promise<void> {
		this.closed = true;
		clearTimeout(this.retryTimer);
		await this.listener?.end().catch(() => {});
		await this.loading;
	}
}
