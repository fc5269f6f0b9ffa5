// Realtime under /realtime/v1: the Phoenix WebSocket that realtime-js connects to, serving
// postgres_changes from logical replication of the supabase_realtime publication, with Supabase's
// authorization (role, claims, RLS) per subscriber, and public broadcast between clients.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import type { ServiceContext } from '../index.ts';
import { sendJson } from '../http.ts';
import { Connection, type BroadcastHub } from './connection.ts';
import { Dispatcher } from './dispatcher.ts';
import { SUPPORTED_VSNS, type Vsn } from './protocol.ts';
import { startChangeFeed } from './replication.ts';
import { PUBLICATION } from './subscriptions.ts';

/** Phoenix's default when a client names no protocol version. */
const DEFAULT_VSN: Vsn = '1.0.0';
const MAX_FRAME_BYTES = 3 * 1024 * 1024;
const SLOT_RELEASE_TIMEOUT_MS = 5000;

export async function createRealtimeService(context: ServiceContext) {
	const db = new pg.Pool({
		connectionString: context.adminUrl,
		max: 4,
		application_name: 'realtime',
	});
	db.on('error', (error) =>
		context.log(`realtime: idle database connection failed: ${error.message}`),
	);
	const dispatcher = new Dispatcher(db, context.log);
	const feed = await startChangeFeed(
		context.adminUrl,
		PUBLICATION,
		(changes) => dispatcher.enqueue(changes),
		(error) =>
			context.fail(
				`realtime: logical replication stopped: ${(error as Error).message ?? String(error)}`,
			),
	).catch(async (error: unknown) => {
		await db.end();
		throw error;
	});

	const broadcasts: BroadcastHub = new Map();
	const connections = new Set<Connection>();
	const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
	let closing = false;

	return {
		/** Only the WebSocket is served; the REST broadcast API is not. */
		async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
			sendJson(res, 404, { message: 'Not found' });
		},

		/** The gateway has checked the API key already. */
		upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
			const vsn = url.searchParams.get('vsn') ?? DEFAULT_VSN;
			if (closing || !(SUPPORTED_VSNS as readonly string[]).includes(vsn)) {
				socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
				return;
			}
			const apiKey = url.searchParams.get('apikey') ?? (req.headers.apikey as string);
			sockets.handleUpgrade(req, socket, head, (ws) => {
				const connection = new Connection(ws, vsn as Vsn, apiKey, {
					jwtSecret: context.config.jwtSecret,
					db,
					dispatcher,
					broadcasts,
					log: context.log,
				});
				connections.add(connection);
				ws.on('close', () => connections.delete(connection));
			});
		},

		async close(): Promise<void> {
			closing = true;
			for (const connection of connections) connection.terminate();
			await new Promise<void>((resolve) => sockets.close(() => resolve()));
			await feed.stop();
			await dispatcher.idle();
			// PostgreSQL drops the temporary slot as the walsender exits; wait for it.
			const deadline = Date.now() + SLOT_RELEASE_TIMEOUT_MS;
			while (
				(await db.query('select 1 from pg_replication_slots where slot_name = $1', [feed.slotName]))
					.rowCount &&
				Date.now() < deadline
			) {
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			await db.end();
		},
	};
}
