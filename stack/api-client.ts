// supabase-js as the stack's own scripts (the demo, the benchmark) use it from Node.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

export function apiClient(apiUrl: string, key: string): SupabaseClient {
	return createClient(apiUrl, key, {
		auth: { persistSession: false, autoRefreshToken: false },
		// Node 20 has no global WebSocket, and supabase-js sets up its Realtime client eagerly.
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
}

/** Calls a database function over /rest/v1/rpc; a PostgREST error becomes an exception. */
export async function rpc<T>(
	supabase: SupabaseClient,
	fn: string,
	args: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await supabase.rpc(fn, args);
	if (error) throw new Error(`${fn} failed: ${error.message}`);
	return data as T;
}
