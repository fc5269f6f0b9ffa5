import type { LayoutServerLoad } from './$types';

// The session the guard validated, plus the cookies so +layout.ts can build a server-side client
// with the same session while rendering.
export const load: LayoutServerLoad = async ({ locals, cookies }) => {
	return { session: locals.session, user: locals.user, cookies: cookies.getAll() };
};
