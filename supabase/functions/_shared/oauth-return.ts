// The browser's way back from a provider's OAuth dialog (Meta's, Stripe Connect's) to the console:
// the console origins it may return to, the redirect carrying the provider's answer, and the
// signed state (oauth-state.ts) as an HTTP error when it does not verify.
import type { Bytes } from './bytes.ts';
import { config } from './config.ts';
import { HttpError } from './http.ts';
import { OAuthStateError, verifyState, type OAuthState } from './oauth-state.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Where the browser may be sent back: CONSOLE_ORIGINS, or loopback origins when it is unset. */
export function allowedOrigin(origin: string): boolean {
	const { CONSOLE_ORIGINS } = config('CONSOLE_ORIGINS');
	if (CONSOLE_ORIGINS) return CONSOLE_ORIGINS.includes(origin);
	return LOOPBACK.has(new URL(origin).hostname);
}

/** The console page to return to: `return_to` (absolute URL) or defaultPath on the request's Origin, on the allow-list. */
export function returnTarget(
	req: Request,
	returnTo: unknown,
	defaultPath: string,
): { origin: string; path: string } {
	let target: URL;
	try {
		if (typeof returnTo === 'string' && returnTo !== '') target = new URL(returnTo);
		else target = new URL(defaultPath, req.headers.get('origin') ?? '');
	} catch {
		throw new HttpError(
			400,
			'invalid_parameter',
			'return_to must be the absolute URL of a console page (or send an Origin header)',
		);
	}
	if (!['http:', 'https:'].includes(target.protocol) || !allowedOrigin(target.origin)) {
		throw new HttpError(
			400,
			'return_not_allowed',
			`${target.origin} is not a console origin this project allows; add it to CONSOLE_ORIGINS`,
		);
	}
	return { origin: target.origin, path: target.pathname };
}

export function consoleRedirect(returnTo: string, params: Record<string, string>): Response {
	const target = new URL(returnTo);
	for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
	return new Response(null, {
		status: 303,
		headers: { Location: target.href, 'Cache-Control': 'no-store' },
	});
}

/** The state signed with key, or 400 invalid_state saying why not. */
export async function verifiedState(state: string, key: Bytes): Promise<OAuthState> {
	try {
		return await verifyState(state, key);
	} catch (error) {
		if (!(error instanceof OAuthStateError)) throw error;
		throw new HttpError(
			400,
			'invalid_state',
			`${error.message}. Start the connection again from the console.`,
		);
	}
}
