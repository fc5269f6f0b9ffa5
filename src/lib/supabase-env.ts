// The project the console talks to, read at run time ($env/dynamic/public) so one build serves
// the local stack, a test stack or hosted Supabase.
import { env } from '$env/dynamic/public';

export function supabaseEnv(): { url: string; anonKey: string } {
	const url = env.PUBLIC_SUPABASE_URL;
	const anonKey = env.PUBLIC_SUPABASE_ANON_KEY;
	if (!url || !anonKey) {
		throw new Error(
			'PUBLIC_SUPABASE_URL and PUBLIC_SUPABASE_ANON_KEY must be set (see `npm run stack -- status` for local values)',
		);
	}
	return { url, anonKey };
}
