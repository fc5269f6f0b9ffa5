import type { LayoutServerLoad } from './$types';

// The user the guard in hooks.server.ts validated with Auth.
export const load: LayoutServerLoad = async ({ locals }) => {
	return { user: locals.user };
};
