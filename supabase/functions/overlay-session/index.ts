// The OBS overlay's sign-in: POST {token} (the random token of an overlay link, from the page's
// address) answers {access_token, expires_at, show_id}: a JWT of a few minutes with role anon and
// the claim overlay_link_id, signed like the project's own JWTs so PostgREST and Realtime take it.
// All it opens is the show's overlay feed, and only while the link is the show's current one: the
// policy on public.overlay_feeds checks that on every read and every Realtime change, so a revoked
// or replaced link stops at once, sessions already handed out included. The page asks again
// before its session expires. A token that is not a current link answers 404 overlay_link_revoked.
// No user JWT: the gateway's verify_jwt is off for this function (supabase/config.toml).
import { toBase64Url, utf8 } from '../_shared/bytes.ts';
import { config } from '../_shared/config.ts';
import { handle, HttpError, json, readJsonObject, requireMethod } from '../_shared/http.ts';
import { rpc, serviceClient } from '../_shared/supabase.ts';

/** A session's lifetime: short, since a revoked link must not be renewed for long. */
const SESSION_SECONDS = 300;
/** 32 random bytes, base64url without padding (public.create_overlay_link). */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const revoked = () =>
	new HttpError(404, 'overlay_link_revoked', 'this overlay link was revoked or replaced');

async function signJwt(claims: Record<string, unknown>, secret: string): Promise<string> {
	const encode = (part: unknown) => toBase64Url(utf8(JSON.stringify(part)));
	const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
	const key = await crypto.subtle.importKey(
		'raw',
		utf8(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	);
	const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(unsigned)));
	return `${unsigned}.${toBase64Url(signature)}`;
}

Deno.serve(
	handle('overlay-session', async (req) => {
		requireMethod(req, 'POST');
		const { token } = await readJsonObject(req, 1024);
		if (typeof token !== 'string' || !TOKEN_FORMAT.test(token)) throw revoked();
		const { OVERLAY_JWT_SECRET } = config('OVERLAY_JWT_SECRET');
		const session = await rpc<{ show_id: string; link_id: string }>(
			serviceClient(),
			'open_overlay_session',
			{ token },
		).catch((error) => {
			throw error instanceof HttpError && error.status === 404 ? revoked() : error;
		});
		const issuedAt = Math.floor(Date.now() / 1000);
		const expiresAt = issuedAt + SESSION_SECONDS;
		const accessToken = await signJwt(
			{
				role: 'anon',
				iss: 'overlay-session',
				iat: issuedAt,
				exp: expiresAt,
				overlay_link_id: session.link_id,
				overlay_show_id: session.show_id,
			},
			OVERLAY_JWT_SECRET,
		);
		return json({
			access_token: accessToken,
			expires_at: new Date(expiresAt * 1000).toISOString(),
			show_id: session.show_id,
		});
	}),
);
