// A Supabase client for a page that talks to Supabase from the browser (Realtime, RPC). Only such
// pages load supabase-js. In the browser the client keeps the session in the cookies the server
// set; while rendering on the server it reads them from the request (the page's server load
// returns `cookies.getAll()`).
import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import { supabaseEnv } from '$lib/supabase-env';

export function pageSupabaseClient(
	fetch: typeof globalThis.fetch,
	cookies: { name: string; value: string }[],
): SupabaseClient {
	const { url, anonKey } = supabaseEnv();
	return isBrowser()
		? createBrowserClient(url, anonKey, { global: { fetch } })
		: createServerClient(url, anonKey, { global: { fetch }, cookies: { getAll: () => cookies } });
}
