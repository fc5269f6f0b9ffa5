// Clients the db and integration tests use: supabase-js exactly as the app uses it, and a
// direct Postgres connection as the project owner for setup and for checking what was stored.
import {
	createClient,
	type SupabaseClient,
	type SupabaseClientOptions,
} from '@supabase/supabase-js';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import WebSocket from 'ws';

export const stack = inject('stack');

// Node 20 has no global WebSocket; browsers and Deno do.
export const clientOptions: SupabaseClientOptions<'public'> = {
	auth: { persistSession: false, autoRefreshToken: false },
	realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
};

export function anonClient(): SupabaseClient {
	return createClient(stack.SUPABASE_URL, stack.SUPABASE_ANON_KEY, clientOptions);
}

export function serviceClient(): SupabaseClient {
	return createClient(stack.SUPABASE_URL, stack.SUPABASE_SERVICE_ROLE_KEY, clientOptions);
}

/** A new user, signed up and signed in through Auth, with a client carrying their session. */
export async function signedInUser(): Promise<{
	client: SupabaseClient;
	userId: string;
	email: string;
	password: string;
}> {
	const client = anonClient();
	const email = `user-${randomUUID()}@example.test`;
	const password = 'correct horse battery staple';
	const { data, error } = await client.auth.signUp({ email, password });
	if (error || !data.session || !data.user) throw error ?? new Error('sign-up returned no session');
	return { client, userId: data.user.id, email, password };
}

/** A pool connected as `postgres`, the role migrations run as. */
export function ownerPool(): pg.Pool {
	return new pg.Pool({ connectionString: stack.SUPABASE_DB_URL, max: 4 });
}
