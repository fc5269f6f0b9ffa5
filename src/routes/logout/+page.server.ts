import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

// Logging out is a POST (a link prefetch must never end a session); a plain visit goes home.
export const load: PageServerLoad = async () => {
	redirect(303, '/');
};

export const actions: Actions = {
	default: async ({ locals }) => {
		// 'local' ends this browser's session only: logging out on a phone must not also end the
		// session of the laptop running a live show.
		await locals.supabase.auth.signOut({ scope: 'local' });
		redirect(303, '/login');
	},
};
