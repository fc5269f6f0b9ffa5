// Realtime (/realtime/v1/websocket) through the unmodified supabase-js: postgres_changes payloads,
// filters, RLS per subscriber, token checks and refresh, leave, reconnect after the server drops
// the socket, broadcast, and a 500-change burst with its commit → callback latency.
import {
	createClient,
	type RealtimeChannel,
	type RealtimePostgresChangesPayload,
	type SupabaseClient,
} from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';
import { adminUrl } from '../../stack/db.ts';
import { signJwt } from '../../stack/jwt.ts';
import { createRealtimeService } from '../../stack/realtime/index.ts';
import { clientOptions, ownerPool, serviceClient, stack } from '../support/clients.ts';
import { createUser, type TestUser } from '../support/db.ts';
import { freePort } from '../support/start-test-stack.ts';

type Row = Record<string, unknown>;
type Change = RealtimePostgresChangesPayload<Row>;

const db = ownerPool();
const clients: SupabaseClient[] = [];

const FIXTURES = `
	drop schema if exists realtime_test cascade;
	create schema realtime_test;
	grant usage on schema realtime_test to anon, authenticated, service_role;
	create table realtime_test.notes (
		id bigint generated always as identity primary key,
		workspace_id uuid not null,
		body text not null,
		tags text[] not null default '{}',
		meta jsonb,
		amount numeric,
		done boolean not null default false,
		due_at timestamptz,
		scores int[],
		ratio double precision,
		day date,
		local_at timestamp,
		created_at timestamptz not null default now()
	);
	alter table realtime_test.notes enable row level security;
	create policy "members read their workspace's notes" on realtime_test.notes for select to authenticated
		using (exists (select 1 from public.workspace_members m where m.workspace_id = notes.workspace_id and m.user_id = (select auth.uid())));
	-- anon may not read notes at all.
	grant select on realtime_test.notes to authenticated, service_role;
	alter publication supabase_realtime add table realtime_test.notes;
	-- As the app's tables are: RLS, and REPLICA IDENTITY FULL so deletes carry the whole old row.
	create table realtime_test.full_notes (
		id bigint generated always as identity primary key,
		workspace_id uuid not null,
		body text not null
	);
	alter table realtime_test.full_notes replica identity full;
	alter table realtime_test.full_notes enable row level security;
	create policy "members read their workspace's notes" on realtime_test.full_notes for select to authenticated
		using (exists (select 1 from public.workspace_members m where m.workspace_id = full_notes.workspace_id and m.user_id = (select auth.uid())));
	grant select on realtime_test.full_notes to authenticated, service_role;
	alter publication supabase_realtime add table realtime_test.full_notes;
	create table realtime_test.unpublished (id int primary key);
	grant select on realtime_test.unpublished to anon, authenticated, service_role;
`;

let userA: TestUser;
let userB: TestUser;

async function accessToken(
	user: TestUser,
	overrides: Record<string, unknown> = {},
): Promise<string> {
	return signJwt(
		{
			sub: user.id,
			email: user.email,
			role: 'authenticated',
			aud: 'authenticated',
			exp: Math.floor(Date.now() / 1000) + 3600,
			...overrides,
		},
		stack.SUPABASE_JWT_SECRET,
	);
}

/**
 * A client whose Realtime channels use `token` (the anon key without one). Like an app whose
 * session has loaded, it hands Realtime the token before joining: a join sent earlier would go
 * out with the socket's API key instead (realtime-js freezes a buffered join's payload).
 */
async function realtimeClient(
	token?: string,
	url = stack.SUPABASE_URL,
	vsn?: string,
): Promise<SupabaseClient> {
	const client = createClient(url, stack.SUPABASE_ANON_KEY, {
		...clientOptions,
		realtime: { ...clientOptions.realtime, ...(vsn ? { vsn } : {}) },
		...(token ? { accessToken: async () => token } : {}),
	});
	clients.push(client);
	await client.realtime.setAuth();
	return client;
}

function trackedServiceClient(): SupabaseClient {
	const client = serviceClient();
	clients.push(client);
	return client;
}

async function waitFor<T>(
	probe: () => T | undefined | false,
	what: string,
	timeoutMs = 8000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

interface Listener {
	channel: RealtimeChannel;
	changes: { payload: Change; receivedAt: number }[];
	systems: { extension: string; status: string; message: string }[];
	statuses: string[];
	errors: Error[];
}

/**
 * Joins a channel with one postgres_changes binding and waits for SUBSCRIBED and for the server's
 * postgres_changes system message (the subscription is made after the join reply, as on Supabase).
 */
async function listen(
	client: SupabaseClient,
	binding: {
		table: string;
		event?: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
		filter?: string;
		schema?: string;
	},
): Promise<Listener> {
	const listener: Listener = {
		channel: client.channel(`test-${randomUUID()}`),
		changes: [],
		systems: [],
		statuses: [],
		errors: [],
	};
	listener.channel
		.on(
			'postgres_changes',
			{
				event: binding.event ?? '*',
				schema: binding.schema ?? 'realtime_test',
				table: binding.table,
				filter: binding.filter,
			},
			(payload: Change) => listener.changes.push({ payload, receivedAt: Date.now() }),
		)
		.on('system', {}, (payload: Listener['systems'][number]) => listener.systems.push(payload))
		.subscribe((status, error) => {
			listener.statuses.push(status);
			if (error) listener.errors.push(error);
		});
	await waitFor(
		() => listener.statuses.includes('SUBSCRIBED') || listener.errors[0],
		'the join reply',
	);
	if (listener.errors.length > 0) throw listener.errors[0];
	await waitFor(
		() => listener.systems.find((system) => system.extension === 'postgres_changes'),
		'the postgres_changes system message',
	);
	return listener;
}

/** Joins and returns how the join failed. */
async function failedJoin(client: SupabaseClient): Promise<Error> {
	const errors: Error[] = [];
	client
		.channel(`test-${randomUUID()}`)
		.on('postgres_changes', { event: '*', schema: 'realtime_test', table: 'notes' }, () => {})
		.subscribe((status, error) => {
			if (status === 'CHANNEL_ERROR' && error) errors.push(error);
		});
	return waitFor(() => errors[0], 'the join to fail');
}

async function insertNote(workspaceId: string, body: string, extra: Row = {}): Promise<Row> {
	const columns = ['workspace_id', 'body', ...Object.keys(extra)];
	const values = [workspaceId, body, ...Object.values(extra)];
	const { rows } = await db.query(
		`insert into realtime_test.notes (${columns.join(', ')}) values (${columns.map((_, index) => `$${index + 1}`).join(', ')}) returning *`,
		values,
	);
	return rows[0] as Row;
}

/** The row as PostgreSQL's to_jsonb writes it (in UTC, as Supabase's database runs). */
async function toJsonb(id: number): Promise<Row> {
	const client = await db.connect();
	try {
		await client.query('begin');
		await client.query("set local time zone 'UTC'");
		const { rows } = await client.query(
			'select to_jsonb(n) as json from realtime_test.notes n where id = $1',
			[id],
		);
		await client.query('commit');
		return rows[0].json as Row;
	} finally {
		client.release();
	}
}

const bodies = (listener: Listener) =>
	listener.changes.map(({ payload }) => (payload.new as Row).body ?? (payload.old as Row).body);

beforeAll(async () => {
	await db.query(FIXTURES);
	[userA, userB] = [await createUser(db), await createUser(db)];
});

afterEach(async () => {
	await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
});

afterAll(async () => {
	await db.query('drop schema if exists realtime_test cascade');
	await db.end();
});

describe('postgres_changes payloads', () => {
	it('sends inserts, updates and deletes as Supabase does, values typed as to_jsonb writes them', async () => {
		const listener = await listen(trackedServiceClient(), { table: 'notes' });
		const binding = (listener.channel.bindings.postgres_changes ?? [])[0];
		expect(binding.id).toEqual(expect.any(Number));

		const inserted = await insertNote(userA.workspaceId, 'first', {
			tags: ['a', 'b c'],
			meta: JSON.stringify({ k: 1, nested: [true] }),
			amount: '12.50',
			done: true,
			due_at: '2030-01-02 03:04:05.678+00',
			scores: '{{1,2},{3,NULL}}',
			ratio: 'NaN',
			day: '2030-01-02',
			local_at: '2030-01-02 03:04:05',
		});
		// RLS is checked against the table when the change is processed, as on Supabase: a row
		// deleted by then is not delivered. So each change is awaited before the next.
		await waitFor(() => listener.changes.length === 1, 'the insert');
		const stored = await toJsonb(Number(inserted.id));
		await db.query(`update realtime_test.notes set body = 'edited', amount = null where id = $1`, [
			inserted.id,
		]);
		await waitFor(() => listener.changes.length === 2, 'the update');
		await db.query('delete from realtime_test.notes where id = $1', [inserted.id]);
		await waitFor(() => listener.changes.length === 3, 'the delete');

		const [insert, update, remove] = listener.changes.map(({ payload }) => payload);
		expect(insert).toMatchObject({
			schema: 'realtime_test',
			table: 'notes',
			eventType: 'INSERT',
			errors: null,
			old: {},
		});
		expect(insert.commit_timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
		expect(insert.new).toEqual({
			id: Number(inserted.id),
			workspace_id: userA.workspaceId,
			body: 'first',
			tags: ['a', 'b c'],
			meta: { k: 1, nested: [true] },
			amount: 12.5,
			done: true,
			due_at: '2030-01-02T03:04:05.678+00:00',
			scores: [
				[1, 2],
				[3, null],
			],
			ratio: 'NaN',
			day: '2030-01-02',
			local_at: '2030-01-02T03:04:05',
			created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+\+00:00$/),
		});
		expect(insert.new).toEqual(stored);
		expect(update).toMatchObject({
			eventType: 'UPDATE',
			new: { id: Number(inserted.id), body: 'edited', amount: null },
			old: { id: Number(inserted.id) },
		});
		// REPLICA IDENTITY DEFAULT and RLS on: a delete carries the primary key only.
		expect(remove).toMatchObject({
			eventType: 'DELETE',
			new: {},
			old: { id: Number(inserted.id) },
		});
		expect(Object.keys(remove.old)).toEqual(['id']);
	});

	it('delivers only the events a binding asks for, on several channels of one socket', async () => {
		const client = trackedServiceClient();
		const inserts = await listen(client, { table: 'notes', event: 'INSERT' });
		const deletes = await listen(client, { table: 'notes', event: 'DELETE' });
		const note = await insertNote(userA.workspaceId, 'events');
		await waitFor(() => inserts.changes.length === 1, 'the insert');
		await db.query('delete from realtime_test.notes where id = $1', [note.id]);
		await waitFor(() => deletes.changes.length === 1, 'the delete');
		expect(inserts.changes.map(({ payload }) => payload.eventType)).toEqual(['INSERT']);
		expect(deletes.changes.map(({ payload }) => payload.eventType)).toEqual(['DELETE']);
	});

	it('reports a bad filter and an unpublished table in a system message, as Realtime does', async () => {
		const client = trackedServiceClient();
		const badFilter = await listen(client, { table: 'notes', filter: 'body=foo.bar' });
		expect(badFilter.systems).toContainEqual(
			expect.objectContaining({
				extension: 'postgres_changes',
				status: 'error',
				message: 'Error parsing `filter` params: ["foo", "bar"]',
			}),
		);
		const unknownColumn = await listen(client, { table: 'notes', filter: 'nope=eq.1' });
		expect(unknownColumn.systems[0]).toMatchObject({
			status: 'error',
			message: expect.stringContaining(
				'Exception: ERROR P0001 (raise_exception) invalid column for filter nope',
			),
		});
		const badValue = await listen(client, { table: 'notes', filter: 'id=eq.abc' });
		expect(badValue.systems[0]).toMatchObject({
			status: 'error',
			message: expect.stringContaining('invalid input syntax for type bigint: "abc"'),
		});
		const unpublished = await listen(client, { table: 'unpublished' });
		expect(unpublished.systems[0]).toMatchObject({
			status: 'error',
			message: expect.stringContaining(
				'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: realtime_test, table: unpublished',
			),
		});
	});
});

describe('filters', () => {
	it('applies eq, in and gt to the new row, over protocol 2.0.0 and 1.0.0', async () => {
		const eq = await listen(trackedServiceClient(), { table: 'notes', filter: 'body=eq.hello' });
		const within = await listen(
			await realtimeClient(stack.SUPABASE_SERVICE_ROLE_KEY, undefined, '1.0.0'),
			{ table: 'notes', filter: 'body=in.(x,"y,z")' },
		);
		const greater = await listen(trackedServiceClient(), {
			table: 'notes',
			filter: 'amount=gt.10',
		});
		for (const [body, amount] of [
			['hello', '5'],
			['x', '11'],
			['y,z', null],
			['other', '10.5'],
			['hello!', '10'],
		]) {
			await insertNote(userA.workspaceId, body as string, { amount });
		}
		await waitFor(
			() => eq.changes.length === 1 && within.changes.length === 2 && greater.changes.length === 2,
			'the filtered changes',
		);
		const marker = await insertNote(userA.workspaceId, 'hello', { amount: '100' });
		await waitFor(() => eq.changes.length === 2, 'the marker');
		expect(bodies(eq)).toEqual(['hello', 'hello']);
		expect(bodies(within)).toEqual(['x', 'y,z']);
		expect(bodies(greater)).toEqual(['x', 'other', 'hello']);
		expect(eq.changes[1].payload.new).toMatchObject({ id: Number(marker.id) });
	});

	it('matches deletes on the old identity columns only', async () => {
		const byId = await listen(trackedServiceClient(), {
			table: 'notes',
			event: 'DELETE',
			filter: 'id=gte.0',
		});
		// REPLICA IDENTITY DEFAULT: the old row has no body to filter on.
		const byBody = await listen(trackedServiceClient(), {
			table: 'notes',
			event: 'DELETE',
			filter: 'body=eq.gone',
		});
		const note = await insertNote(userA.workspaceId, 'gone');
		await db.query('delete from realtime_test.notes where id = $1', [note.id]);
		await waitFor(() => byId.changes.length === 1, 'the delete');
		expect(byBody.changes).toEqual([]);
	});
});

describe('authorization', () => {
	it('delivers a row only to subscribers whose role and claims may select it under RLS', async () => {
		const a = await listen(await realtimeClient(await accessToken(userA)), { table: 'notes' });
		const b = await listen(await realtimeClient(await accessToken(userB)), { table: 'notes' });
		const service = await listen(trackedServiceClient(), { table: 'notes' });
		await insertNote(userA.workspaceId, 'for A');
		await insertNote(userB.workspaceId, 'for B');
		await waitFor(
			() => a.changes.length === 1 && b.changes.length === 1 && service.changes.length === 2,
			'the changes',
		);
		expect(bodies(a)).toEqual(['for A']);
		expect(bodies(b)).toEqual(['for B']);
		expect(bodies(service)).toEqual(['for A', 'for B']);
	});

	it('sends a delete only to subscribers who could read the old row, so a filter probes nothing', async () => {
		const insertFull = async (workspaceId: string, body: string) =>
			(
				await db.query<{ id: string }>(
					'insert into realtime_test.full_notes (workspace_id, body) values ($1, $2) returning id',
					[workspaceId, body],
				)
			).rows[0].id;
		const owner = await listen(await realtimeClient(await accessToken(userA)), {
			table: 'full_notes',
			event: 'DELETE',
			filter: `workspace_id=eq.${userA.workspaceId}`,
		});
		const prober = await listen(await realtimeClient(await accessToken(userB)), {
			table: 'full_notes',
			event: 'DELETE',
			filter: 'body=eq.address: 1 Main St',
		});
		const theirs = await insertFull(userA.workspaceId, 'address: 1 Main St');
		await db.query('delete from realtime_test.full_notes where id = $1', [theirs]);
		await waitFor(() => owner.changes.length === 1, "the owner's delete");
		expect(owner.changes[0].payload.old).toEqual({ id: Number(theirs) });
		// The prober's own row, deleted after: it arrives, and the other workspace's never did.
		const own = await insertFull(userB.workspaceId, 'address: 1 Main St');
		await db.query('delete from realtime_test.full_notes where id = $1', [own]);
		await waitFor(() => prober.changes.length > 0, "the prober's own delete");
		expect(prober.changes.map(({ payload }) => payload.old)).toEqual([{ id: Number(own) }]);
	});

	it('sends a role without SELECT on the table an error in place of the row', async () => {
		const anon = await listen(await realtimeClient(), { table: 'notes' });
		await insertNote(userA.workspaceId, 'secret');
		await waitFor(() => anon.changes.length === 1, 'the error');
		expect(anon.changes[0].payload).toMatchObject({
			eventType: 'INSERT',
			errors: ['Error 401: Unauthorized'],
			new: {},
			old: {},
		});
		expect(JSON.stringify(anon.changes[0].payload)).not.toContain('secret');
	});

	it('refuses a socket without a valid API key', async () => {
		const url = `${stack.SUPABASE_URL.replace(/^http/, 'ws')}/realtime/v1/websocket?vsn=2.0.0&apikey=not-a-key`;
		const status = await new Promise<number>((resolve, reject) => {
			const socket = new WebSocket(url);
			socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
			socket.on('open', () => reject(new Error('the socket opened')));
			socket.on('error', () => {});
		});
		expect(status).toBe(401);
	});

	it('refuses joins with a bad, expired or malformed token, with Realtime’s reasons', async () => {
		const forged = await signJwt(
			{ sub: userA.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 },
			'another-secret-of-at-least-32-characters',
		);
		expect((await failedJoin(await realtimeClient(forged))).message).toBe(
			'JwtSignatureError: Failed to validate JWT signature',
		);
		const expired = await accessToken(userA, { exp: Math.floor(Date.now() / 1000) - 60 });
		expect((await failedJoin(await realtimeClient(expired))).message).toMatch(
			/^InvalidJWTToken: Token has expired \d+ seconds ago$/,
		);
		expect((await failedJoin(await realtimeClient('not.a.jwt'))).message).toBe(
			'MalformedJWT: The token provided is not a valid JWT',
		);
		const roleless = await signJwt(
			{ sub: userA.id, exp: Math.floor(Date.now() / 1000) + 3600 },
			stack.SUPABASE_JWT_SECRET,
		);
		expect((await failedJoin(await realtimeClient(roleless))).message).toBe(
			'InvalidJWTToken: Fields `role` and `exp` are required in JWT',
		);
	});

	it('re-authorizes on setAuth, and closes the channel when the new token has expired', async () => {
		const client = await realtimeClient();
		const listener = await listen(client, { table: 'notes', event: 'INSERT' });
		await client.realtime.setAuth(await accessToken(userA));
		await waitFor(
			() =>
				listener.systems.filter((system) => system.message === 'Subscribed to PostgreSQL')
					.length === 2,
			'the new subscription',
		);
		await insertNote(userA.workspaceId, 'after setAuth');
		await waitFor(() => listener.changes.length === 1, 'the change');
		expect(listener.changes[0].payload).toMatchObject({
			errors: null,
			new: { body: 'after setAuth' },
		});

		await client.realtime.setAuth(
			await accessToken(userA, { exp: Math.floor(Date.now() / 1000) - 5 }),
		);
		await waitFor(() => listener.statuses.includes('CLOSED'), 'the channel to close');
		expect(listener.systems.at(-1)).toMatchObject({
			extension: 'system',
			status: 'error',
			message: expect.stringMatching(/^Token has expired \d+ seconds ago$/),
		});
	});
});

describe('channel lifecycle', () => {
	it('stops delivering once the channel is left', async () => {
		const client = trackedServiceClient();
		const leaving = await listen(client, { table: 'notes' });
		const staying = await listen(client, { table: 'notes' });
		await insertNote(userA.workspaceId, 'before leave');
		await waitFor(() => leaving.changes.length === 1, 'the first change');
		expect(await client.removeChannel(leaving.channel)).toBe('ok');
		await insertNote(userA.workspaceId, 'after leave');
		await waitFor(() => staying.changes.length === 2, 'the marker');
		expect(bodies(leaving)).toEqual(['before leave']);
	});

	it('resumes delivery after the server drops the socket, and closes without leaving a slot', async () => {
		const config = { ...(await loadConfig()), jwtSecret: stack.SUPABASE_JWT_SECRET };
		const context = {
			config,
			adminUrl: adminUrl({ ...config, dbPort: Number(new URL(stack.SUPABASE_DB_URL).port) }),
			log: () => {},
			fail: (reason: string) => {
				throw new Error(reason);
			},
		};
		const port = await freePort();
		const slots = async () =>
			Number((await db.query('select count(*) from pg_replication_slots')).rows[0].count);
		const slotsBefore = await slots();

		const serve = async (): Promise<{ server: Server; close(): Promise<void> }> => {
			const service = await createRealtimeService(context);
			const server = createServer((_req, res) => res.writeHead(404).end());
			server.on('upgrade', (req, socket, head) =>
				service.upgrade(req, socket, head, new URL(req.url ?? '/', `http://127.0.0.1:${port}`)),
			);
			await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
			return {
				server,
				async close() {
					await service.close();
					server.closeAllConnections();
					await new Promise<void>((resolve) => server.close(() => resolve()));
				},
			};
		};

		let running = await serve();
		expect(await slots()).toBe(slotsBefore + 1);
		try {
			const client = await realtimeClient(
				stack.SUPABASE_SERVICE_ROLE_KEY,
				`http://127.0.0.1:${port}`,
			);
			const listener = await listen(client, { table: 'notes', event: 'INSERT' });
			await insertNote(userA.workspaceId, 'before drop');
			await waitFor(() => listener.changes.length === 1, 'the first change');

			await running.close();
			expect(await slots()).toBe(slotsBefore);
			running = await serve();
			// realtime-js reconnects (after 1 s) and joins again; the server subscribes again.
			await waitFor(
				() =>
					listener.systems.filter((system) => system.message === 'Subscribed to PostgreSQL')
						.length === 2,
				'the rejoin',
				15_000,
			);
			await insertNote(userA.workspaceId, 'after drop');
			await waitFor(() => listener.changes.length === 2, 'the change after the reconnect');
			expect(bodies(listener)).toEqual(['before drop', 'after drop']);
		} finally {
			await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
			await running.close();
		}
		expect(await slots()).toBe(slotsBefore);
	});

	it('relays broadcasts between clients, binary frames on 2.0.0 and JSON on 1.0.0', async () => {
		const topic = `room-${randomUUID()}`;
		const received: { via: string; payload: unknown }[] = [];
		const join = (client: SupabaseClient, via: string, self = false) =>
			new Promise<RealtimeChannel>((resolve) => {
				const channel = client
					.channel(topic, { config: { broadcast: { self, ack: true } } })
					.on('broadcast', { event: 'cursor' }, (message) =>
						received.push({ via, payload: message.payload }),
					)
					.subscribe((status) => status === 'SUBSCRIBED' && resolve(channel));
			});
		const sender = await join(await realtimeClient(), 'sender', true);
		await join(await realtimeClient(undefined, undefined, '1.0.0'), 'v1');
		await join(await realtimeClient(), 'v2');
		expect(
			await sender.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, label: 'é' } }),
		).toBe('ok');
		await waitFor(() => received.length === 3, 'three deliveries');
		expect(received.map(({ via }) => via).sort()).toEqual(['sender', 'v1', 'v2']);
		for (const { payload } of received) expect(payload).toEqual({ x: 1, label: 'é' });
	});
});

describe('throughput', () => {
	it('delivers a burst of 500 committed inserts in order, through RLS, within a second each', async () => {
		const listener = await listen(await realtimeClient(await accessToken(userA)), {
			table: 'notes',
			event: 'INSERT',
			filter: `workspace_id=eq.${userA.workspaceId}`,
		});
		const started = Date.now();
		for (let index = 0; index < 500; index++) await insertNote(userA.workspaceId, `burst ${index}`);
		const committed = Date.now();
		await waitFor(() => listener.changes.length === 500, 'all 500 changes', 20_000);
		const finished = Date.now();

		expect(bodies(listener)).toEqual(Array.from({ length: 500 }, (_, index) => `burst ${index}`));
		const latencies = listener.changes
			.map(({ payload, receivedAt }) => receivedAt - Date.parse(payload.commit_timestamp))
			.sort((x, y) => x - y);
		const percentile = (p: number) =>
			latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
		const rate = Math.round((500 / Math.max(1, finished - started)) * 1000);
		console.log(
			`realtime burst: 500 inserts committed in ${committed - started} ms, all delivered after ${finished - started} ms (${rate}/s); ` +
				`commit → callback latency p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, max ${latencies.at(-1)} ms`,
		);
		expect(rate).toBeGreaterThanOrEqual(50);
		expect(percentile(99)).toBeLessThan(1000);
	});
});
