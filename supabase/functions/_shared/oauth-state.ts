// The OAuth `state` parameter: base64url(JSON) "." base64url(HMAC-SHA256), bound to the user and
// workspace that started the flow, the browser they started it in (the SHA-256 of a nonce the
// console keeps in an HttpOnly cookie), the platform asked for and where the browser returns, and
// valid for a few minutes. The provider (Meta, Stripe Connect) echoes it to the callback, which trusts nothing else; the sign-in
// completes only for that user in that browser, once (RFC 6749 10.12: "bind the value of the state
// parameter to the user-agent's authenticated state").
import { fromBase64Url, fromUtf8, toBase64Url, utf8, type Bytes } from './bytes.ts';
import { hmacSha256, timingSafeEqual } from './signatures.ts';

export const STATE_LIFETIME_SECONDS = 600;

export interface OAuthState {
	userId: string;
	workspaceId: string;
	/** Each provider signs with its own derived key, so one's state never verifies at another. */
	platform: 'facebook' | 'instagram' | 'stripe';
	/** The console page the callback redirects to (its origin checked against the allow-list). */
	returnTo: string;
	/** base64url(SHA-256) of the browser's nonce (see browserBinding). */
	browserBinding: string;
	/** Unix seconds. */
	expiresAt: number;
	nonce: string;
}

export class OAuthStateError extends Error {}

export async function signState(
	state: Omit<OAuthState, 'expiresAt' | 'nonce'>,
	key: Bytes,
	now = Date.now(),
): Promise<string> {
	const full: OAuthState = {
		...state,
		expiresAt: Math.floor(now / 1000) + STATE_LIFETIME_SECONDS,
		nonce: toBase64Url(crypto.getRandomValues(new Uint8Array(12))),
	};
	const payload = toBase64Url(utf8(JSON.stringify(full)));
	return `${payload}.${toBase64Url(await hmacSha256(key, payload))}`;
}

export async function verifyState(
	state: string,
	key: Bytes,
	now = Date.now(),
): Promise<OAuthState> {
	const [payload, signature, ...rest] = state.split('.');
	const signatureBytes = signature === undefined ? undefined : fromBase64Url(signature);
	if (rest.length > 0 || !payload || signatureBytes?.length !== 32)
		throw new OAuthStateError('the state parameter is malformed');
	if (!timingSafeEqual(signatureBytes, await hmacSha256(key, payload)))
		throw new OAuthStateError('the state parameter has a bad signature');
	const parsed = JSON.parse(fromUtf8(fromBase64Url(payload)!)) as OAuthState;
	if (!(parsed.expiresAt * 1000 > now))
		throw new OAuthStateError('the sign-in took too long and its state has expired; start again');
	return parsed;
}

const BROWSER_NONCE = /^[A-Za-z0-9_-]{43}$/;

/** What the state carries for a browser's nonce (32 random bytes, base64url): its SHA-256. */
export async function browserBinding(browserNonce: string): Promise<string> {
	return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(browserNonce))));
}

/** Whether the browser completing the sign-in holds the nonce the state was bound to. */
export async function browserMatches(state: OAuthState, browserNonce: string): Promise<boolean> {
	if (!BROWSER_NONCE.test(browserNonce)) return false;
	const expected = fromBase64Url(state.browserBinding);
	const given = fromBase64Url(await browserBinding(browserNonce));
	return expected !== undefined && given !== undefined && timingSafeEqual(expected, given);
}
