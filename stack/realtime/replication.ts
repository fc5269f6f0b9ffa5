// The change feed: logical replication of the supabase_realtime publication with pgoutput, from
// a temporary slot that PostgreSQL drops by itself when the replication connection ends (on
// close, or if the stack dies), so no slot is ever left behind to hold WAL.
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';

/** Column values as PostgreSQL's text output; undefined for a value the WAL record does not carry. */
export type Tuple = Record<string, string | null | undefined>;

export interface RowChange {
	relation: number;
	schema: string;
	table: string;
	type: 'INSERT' | 'UPDATE' | 'DELETE';
	/** The writing transaction's id (32 bits, as pgoutput sends it). */
	xid: number;
	/** Commit time as Supabase formats it: ISO 8601, milliseconds, UTC. */
	commitTimestamp: string;
	/** The new row (INSERT, UPDATE). */
	record: Tuple | null;
	/** The old row's replica identity columns (UPDATE when the key changed or identity is FULL, DELETE). */
	old: Tuple | null;
}

const keepText = (text: string) => text;

/** pgoutput on a temporary slot made on the replication connection itself, values kept as text. */
class TemporarySlotPgoutput extends PgoutputPlugin {
	async start(client: Client, slotName: string, lastLsn: string): Promise<unknown> {
		await client.query(`CREATE_REPLICATION_SLOT "${slotName}" TEMPORARY LOGICAL pgoutput`);
		return super.start(client, slotName, lastLsn);
	}

	parse(buffer: Buffer): Pgoutput.Message {
		const message = super.parse(buffer) as Pgoutput.Message;
		// The parser would turn values into JS types with pg's global parsers; Realtime's JSON
		// conversion starts from the text. A Relation message always precedes its rows.
		if (message.tag === 'relation') for (const column of message.columns) column.parser = keepText;
		return message;
	}
}

export interface ChangeFeed {
	slotName: string;
	stop(): Promise<void>;
}

export async function startChangeFeed(
	adminUrl: string,
	publication: string,
	onTransaction: (changes: RowChange[]) => void,
	onFailure: (error: unknown) => void,
): Promise<ChangeFeed> {
	const slotName = `local_realtime_${randomBytes(6).toString('hex')}`;
	// Text output in UTC and ISO style, which values.ts converts as to_jsonb would.
	const service = new LogicalReplicationService(
		{ connectionString: adminUrl, options: '-c TimeZone=UTC -c DateStyle=ISO,MDY' },
		{ acknowledge: { auto: true, timeoutSeconds: 10 } },
	);
	const plugin = new TemporarySlotPgoutput({ protoVersion: 1, publicationNames: [publication] });

	let stopping = false;
	let commitTimestamp = '';
	let xid = 0;
	let pending: RowChange[] = [];
	service.on('data', (_lsn: string, message: Pgoutput.Message) => {
		switch (message.tag) {
			case 'begin':
				commitTimestamp = new Date(
					Number(BigInt(message.commitTime as bigint) / 1000n),
				).toISOString();
				xid = message.xid;
				pending = [];
				return;
			case 'insert':
			case 'update':
			case 'delete': {
				const { relation } = message;
				pending.push({
					relation: relation.relationOid,
					schema: relation.schema,
					table: relation.name,
					type:
						message.tag === 'insert' ? 'INSERT' : message.tag === 'update' ? 'UPDATE' : 'DELETE',
					xid,
					commitTimestamp,
					record: message.tag === 'delete' ? null : (message.new as Tuple),
					old: message.tag === 'insert' ? null : ((message.old ?? message.key) as Tuple | null),
				});
				return;
			}
			case 'commit':
				if (pending.length > 0) onTransaction(pending);
				pending = [];
				return;
		}
	});

	const started = new Promise<void>((resolve, reject) => {
		service.once('start', () => resolve());
		service.on('error', (error: Error) => {
			reject(error);
			if (!stopping) onFailure(error);
		});
	});
	service
		.subscribe(plugin, slotName)
		.then(() => {
			if (!stopping) onFailure(new Error('the replication stream ended'));
		})
		.catch(() => {
			// subscribe() also emits 'error', handled above.
		});
	await started;

	return {
		slotName,
		async stop() {
			stopping = true;
			await service.destroy();
		},
	};
}
