// The live console is the one page that talks to Supabase from the browser (Realtime and the
// operator functions), so supabase-js loads with it and nowhere else. In the browser the client
// keeps the session in the cookies the server set; while rendering on the server it reads them
// from the request.
import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import { supabaseEnv } from '$lib/supabase-env';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ data, fetch }) => {
	const { url, anonKey } = supabaseEnv();
	const { cookies, ...page } = data;
	const supabase = isBrowser()
		? createBrowserClient(url, anonKey, { global: { fetch } })
		: createServerClient(url, anonKey, { global: { fetch }, cookies: { getAll: () => cookies } });
	return { ...page, supabase };
};
