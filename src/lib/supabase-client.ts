// A Supabase client for a page that talks to Supabase from the browser (Realtime, RPC). Only such
// pages load supabase-js. In the browser the client keeps the session in the cookies the server
// set; while rendering on the server it reads them from the request, which the page's server load
// passes on as `cookies: cookies.getAll()`.
import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import { supabaseEnv } from '$lib/supabase-env';

type Cookie = { name: string; value: string };

/** A page's universal load: its server data, with the cookies swapped for a client. */
export function withSupabaseClient<Data extends { cookies: Cookie[] }>({
	data,
	fetch,
}: {
	data: Data;
	fetch: typeof globalThis.fetch;
}): Omit<Data, 'cookies'> & { supabase: SupabaseClient } {
	const { cookies, ...page } = data;
	const { url, anonKey } = supabaseEnv();
	const supabase = isBrowser()
		? createBrowserClient(url, anonKey, { global: { fetch } })
		: createServerClient(url, anonKey, { global: { fetch }, cookies: { getAll: () => cookies } });
	return { ...page, supabase };
}

/**
 * The browser's client, for a component that reads after the page has loaded: import this module
 * dynamically there, so supabase-js never delays the page.
 */
export function browserSupabaseClient(): SupabaseClient {
	const { url, anonKey } = supabaseEnv();
	return createBrowserClient(url, anonKey);
}
