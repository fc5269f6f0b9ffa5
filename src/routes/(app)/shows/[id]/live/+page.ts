import { withSupabaseClient } from '$lib/supabase-client';
import type { PageLoad } from './$types';

export const load: PageLoad = (event) => withSupabaseClient(event);
