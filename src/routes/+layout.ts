// One Supabase client for pages: in the browser it keeps the session in cookies shared with the
// server; while rendering on the server it reads the request's cookies.
import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import { supabaseEnv } from '$lib/supabase-env';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ data, depends, fetch }) => {
	// Re-run when the auth state changes (see +layout.svelte).
	depends('supabase:auth');
	const { url, anonKey } = supabaseEnv();
	const supabase = isBrowser()
		? createBrowserClient(url, anonKey, { global: { fetch } })
		: createServerClient(url, anonKey, {
				global: { fetch },
				cookies: { getAll: () => data.cookies },
			});
	// The client's own copy of the session (kept fresh by its token refreshes); the user is the one
	// the server validated with Auth in hooks.server.ts.
	const {
		data: { session },
	} = await supabase.auth.getSession();
	return { supabase, session, user: data.user };
};
