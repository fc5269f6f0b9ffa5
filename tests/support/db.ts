// Acting as the app's roles over a direct Postgres connection, exactly as PostgREST does: log in
// as `authenticator`, then per transaction `set local role` to the JWT's role and publish the
// claims in `request.jwt.claims`. RLS, grants and auth.uid() then behave as behind the API.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { stack } from './clients.ts';

export type Actor =
	| { role: 'anon' }
	| { role: 'service_role' }
	| { role: 'authenticated'; userId: string; email?: string };

export const anon: Actor = { role: 'anon' };
export const serviceRole: Actor = { role: 'service_role' };
export function asUser(user: { id: string; email?: string }): Actor {
	return { role: 'authenticated', userId: user.id, email: user.email };
}

/** A pool logged in as `authenticator`, the role PostgREST connects as. */
export function authenticatorPool(max = 10): pg.Pool {
	const url = new URL(stack.SUPABASE_DB_URL);
	url.username = 'authenticator';
	url.password = 'postgres';
	return new pg.Pool({ connectionString: url.toString(), max });
}

function claimsOf(actor: Actor): Record<string, unknown> {
	if (actor.role !== 'authenticated') return { role: actor.role };
	return {
		sub: actor.userId,
		role: 'authenticated',
		aud: 'authenticated',
		email: actor.email ?? null,
	};
}

/**
 * Runs work in one transaction as actor, committed when it resolves and rolled back when it
 * throws. Pass a pg.Client to stay on one connection (e.g. to hold it across steps).
 */
export async function actAs<T>(
	db: pg.Pool | pg.PoolClient,
	actor: Actor,
	work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
	const client = db instanceof pg.Pool ? await db.connect() : db;
	try {
		await client.query('begin');
		await client.query(
			"select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
			[actor.role, JSON.stringify(claimsOf(actor))],
		);
		const result = await work(client);
		await client.query('commit');
		return result;
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	} finally {
		if (db instanceof pg.Pool) client.release();
	}
}

/** One statement as actor, in its own transaction; returns the rows. */
export async function queryAs<R extends pg.QueryResultRow = Record<string, unknown>>(
	db: pg.Pool,
	actor: Actor,
	sql: string,
	params: unknown[] = [],
): Promise<R[]> {
	return actAs(db, actor, async (client) => (await client.query<R>(sql, params)).rows);
}

/**
 * Calls a database function as actor with named arguments, as PostgREST's /rpc does, and returns
 * its result as JSON (a row type becomes an object). Objects and arrays are passed as JSON; give
 * a text[] argument as a Postgres array literal ('{mine,claim}').
 */
export async function rpc<T = unknown>(
	db: pg.Pool,
	actor: Actor,
	fn: string,
	args: Record<string, unknown> = {},
): Promise<T> {
	if (!/^[a-z_][a-z0-9_]*$/.test(fn)) throw new Error(`not a function name: ${fn}`);
	const names = Object.keys(args);
	for (const name of names)
		if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an argument name: ${name}`);
	const list = names.map((name, index) => `${name} => $${index + 1}`).join(', ');
	const values = names.map((name) => {
		const value = args[name];
		return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
	});
	const rows = await queryAs<{ result: T }>(
		db,
		actor,
		`select to_jsonb(called) as result from public.${fn}(${list}) as called`,
		values,
	);
	return rows[0].result;
}

export interface TestUser {
	id: string;
	email: string;
	/** The workspace the sign-up trigger created for them. */
	workspaceId: string;
}

/** Signs a user up the way Auth does (a row in auth.users) and returns their own workspace. */
export async function createUser(
	owner: pg.Pool,
	metadata: Record<string, unknown> = {},
): Promise<TestUser> {
	const id = randomUUID();
	const email = `user-${id}@example.test`;
	await owner.query(
		`insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
		 values ($1, 'authenticated', 'authenticated', $2, $3, '{"provider":"email","providers":["email"]}', now(), now())`,
		[id, email, JSON.stringify(metadata)],
	);
	const { rows } = await owner.query<{ workspace_id: string }>(
		`select workspace_id from public.workspace_members where user_id = $1 and role = 'owner'`,
		[id],
	);
	if (rows.length !== 1)
		throw new Error(`sign-up gave user ${id} ${rows.length} workspaces, expected 1`);
	return { id, email, workspaceId: rows[0].workspace_id };
}

/** Adds user to workspace with role (as the project owner, bypassing the API). */
export async function addMember(
	owner: pg.Pool,
	workspaceId: string,
	userId: string,
	role: 'owner' | 'admin' | 'assistant',
): Promise<void> {
	await owner.query(
		'insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, $3)',
		[workspaceId, userId, role],
	);
}
