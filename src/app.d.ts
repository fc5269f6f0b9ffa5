// Types SvelteKit shares between hooks, loads and pages (https://svelte.dev/docs/kit/types#app.d.ts).
import type { Session, SupabaseClient, User } from '@supabase/supabase-js';

declare global {
	namespace App {
		interface Locals {
			/** The request's server client: it reads and refreshes the session cookies of this request. */
			supabase: SupabaseClient;
			/** The session only once Auth has confirmed its access token (`auth.getUser()`); else nulls. */
			safeGetSession(): Promise<{ session: Session | null; user: User | null }>;
			session: Session | null;
			user: User | null;
		}
		interface PageData {
			user: User | null;
		}
	}
}

export {};
