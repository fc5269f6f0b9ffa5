// Binds a provider sign-in (Meta's, Stripe Connect's) to the browser that started it: a random
// nonce in an HttpOnly cookie scoped to the console page the provider sends the browser back to;
// the sign-in's signed state carries only its SHA-256, and completing needs the nonce itself.
import { createHash, randomBytes } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';

export function signInCookie(url: URL, path: string) {
	return {
		path,
		httpOnly: true,
		// Lax: sent on the top-level navigation the provider's redirect makes back here.
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: 600,
	} as const;
}

/** A fresh nonce in the browser's cookie; returns what the sign-in's state carries for it. */
export function bindSignInToBrowser(
	cookies: Cookies,
	url: URL,
	name: string,
	path: string,
): string {
	const nonce = randomBytes(32).toString('base64url');
	cookies.set(name, nonce, signInCookie(url, path));
	return createHash('sha256').update(nonce).digest('base64url');
}
