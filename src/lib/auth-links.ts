import { resolve } from '$app/paths';

/** The other sign-in form, keeping where the visitor was going (an invitation link, say). */
export function otherAuthForm(path: '/login' | '/signup', url: URL): string {
	const redirectTo = url.searchParams.get('redirectTo');
	return resolve(path) + (redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : '');
}
