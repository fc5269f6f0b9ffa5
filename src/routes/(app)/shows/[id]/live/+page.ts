import { pageSupabaseClient } from '$lib/supabase-client';
import type { PageLoad } from './$types';

// The live console reads and acts over Realtime and RPC from the browser.
export const load: PageLoad = async ({ data, fetch }) => {
	const { cookies, ...page } = data;
	return { ...page, supabase: pageSupabaseClient(fetch, cookies) };
};
