// Supabase from inside a function: the service-role client (RLS bypassed: only after the caller
// is checked), a client acting as the calling user (RLS and auth.uid() as in the browser), the
// checks themselves, and RPC errors mapped to HTTP as PostgREST maps them.
import { createClient, type SupabaseClient } from 'npm:@supabase/supabase-js@2';
import { config } from './config.ts';
import { HttpError } from './http.ts';
import { secretsEqual } from './signatures.ts';

const options = {
	auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
};

let service: SupabaseClient | undefined;

export function serviceClient(): SupabaseClient {
	const { SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY } = config(
		'SUPABASE_URL',
		'SUPABASE_SERVICE_ROLE_KEY',
	);
	service ??= createClient(SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, options);
	return service;
}

export function bearerToken(req: Request): string | undefined {
	const match = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '');
	return match?.[1];
}

export interface Caller {
	userId: string;
	email: string | undefined;
	/** Acts as the user: RLS applies, auth.uid() is theirs. */
	client: SupabaseClient;
}

/** The signed-in user behind the request's JWT, verified with Auth (401 otherwise). */
export async function requireUser(req: Request): Promise<Caller> {
	const token = bearerToken(req);
	if (!token)
		throw new HttpError(401, 'unauthorized', 'sign in first: the request carries no bearer token');
	const { SUPABASE_URL, SUPABASE_ANON_KEY } = config('SUPABASE_URL', 'SUPABASE_ANON_KEY');
	const client = createClient(SUPABASE_URL, SUPABASE_ANON_KEY, {
		...options,
		global: { headers: { Authorization: `Bearer ${token}` } },
	});
	const { data, error } = await client.auth.getUser(token);
	if (error || !data.user)
		throw new HttpError(
			401,
			'unauthorized',
			`the session is not valid: ${error?.message ?? 'no user'}; sign in again`,
		);
	return { userId: data.user.id, email: data.user.email, client };
}

/** Whether the request carries the service-role key (the scheduler, other functions). */
export async function isServiceRole(req: Request): Promise<boolean> {
	const token = bearerToken(req);
	return (
		token !== undefined &&
		(await secretsEqual(token, config('SUPABASE_SERVICE_ROLE_KEY').SUPABASE_SERVICE_ROLE_KEY))
	);
}

export async function requireServiceRole(req: Request): Promise<void> {
	if (!(await isServiceRole(req)))
		throw new HttpError(401, 'unauthorized', 'only the service role may call this');
}

const ROLE_RANK = { assistant: 1, admin: 2, owner: 3 } as const;
export type WorkspaceRole = keyof typeof ROLE_RANK;

/** 404 for a non-member (other tenants' ids reveal nothing), 403 for too low a role, as the SQL API answers. */
export async function requireWorkspaceRole(
	caller: Caller,
	workspaceId: string,
	minRole: WorkspaceRole,
): Promise<WorkspaceRole> {
	const { data, error } = await caller.client
		.from('workspace_members')
		.select('role')
		.eq('workspace_id', workspaceId)
		.eq('user_id', caller.userId)
		.maybeSingle<{ role: WorkspaceRole }>();
	if (error)
		throw new HttpError(
			500,
			'database_error',
			`reading the workspace membership failed: ${error.message}`,
		);
	if (!data) throw new HttpError(404, 'not_found', 'workspace not found');
	if (ROLE_RANK[data.role] < ROLE_RANK[minRole]) {
		throw new HttpError(
			403,
			'forbidden',
			`this needs the ${minRole} role in the workspace; you are ${data.role}`,
		);
	}
	return data.role;
}

const SQLSTATE_STATUS: Record<string, number> = {
	PT404: 404,
	PT403: 403,
	PT409: 409,
	'22023': 400,
	'42501': 403,
	'23505': 409,
};

/** Calls a database function; its errors keep their message and get PostgREST's HTTP status. */
export async function rpc<T>(
	client: SupabaseClient,
	fn: string,
	args: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await client.rpc(fn, args);
	if (error) {
		const status = SQLSTATE_STATUS[error.code] ?? 500;
		if (status === 500) console.error(`rpc ${fn} failed:`, error);
		throw new HttpError(
			status,
			status === 500 ? 'database_error' : 'rejected',
			status === 500 ? `${fn} failed: ${error.message}` : error.message,
		);
	}
	return data as T;
}
