// HMAC-SHA256 checks for what Meta signs with the app secret: webhook deliveries
// (X-Hub-Signature-256 over the raw body) and signed_request (deauthorize, data deletion); plus
// appsecret_proof for our own Graph calls. Every comparison of secret-derived bytes is constant time.
import { fromBase64Url, fromHex, fromUtf8, toHex, utf8, type Bytes } from './bytes.ts';

export async function hmacSha256(key: Bytes | string, data: Bytes | string): Promise<Bytes> {
	const cryptoKey = await crypto.subtle.importKey(
		'raw',
		typeof key === 'string' ? utf8(key) : key,
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	);
	return new Uint8Array(
		await crypto.subtle.sign('HMAC', cryptoKey, typeof data === 'string' ? utf8(data) : data),
	);
}

/** Constant time for equal lengths; lengths are not secret here (digests have a fixed size). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let difference = 0;
	for (let index = 0; index < a.length; index += 1) difference |= a[index] ^ b[index];
	return difference === 0;
}

/** Compares two secrets of any length without revealing where, or whether their lengths, differ. */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
	const key = crypto.getRandomValues(new Uint8Array(32));
	const [a, b] = await Promise.all([hmacSha256(key, given), hmacSha256(key, expected)]);
	return timingSafeEqual(a, b);
}

const SIGNATURE_HEADER = /^sha256=([0-9a-f]{64})$/i;

/** Whether `header` (X-Hub-Signature-256: sha256=<hex>) signs exactly `body` with the app secret. */
export async function verifyHubSignature(
	body: Bytes,
	header: string | null,
	appSecret: string,
): Promise<boolean> {
	const match = header === null ? null : SIGNATURE_HEADER.exec(header.trim());
	if (!match) return false;
	const expected = await hmacSha256(appSecret, body);
	return timingSafeEqual(fromHex(match[1])!, expected);
}

/** The header value Meta would send with `body`. */
export async function hubSignature(body: Bytes | string, appSecret: string): Promise<string> {
	return `sha256=${toHex(await hmacSha256(appSecret, body))}`;
}

export class SignedRequestError extends Error {}

/** signed_request = base64url(HMAC-SHA256(payload part)) "." base64url(JSON); returns the JSON. */
export async function parseSignedRequest(
	signedRequest: string,
	appSecret: string,
): Promise<Record<string, unknown>> {
	const parts = signedRequest.split('.');
	if (parts.length !== 2)
		throw new SignedRequestError('signed_request must be <signature>.<payload>');
	const [signaturePart, payloadPart] = parts;
	const signature = fromBase64Url(signaturePart);
	const payloadBytes = fromBase64Url(payloadPart);
	if (!signature || !payloadBytes) throw new SignedRequestError('signed_request is not base64url');
	if (!timingSafeEqual(signature, await hmacSha256(appSecret, payloadPart)))
		throw new SignedRequestError('signed_request has a bad signature');
	let payload: unknown;
	try {
		payload = JSON.parse(fromUtf8(payloadBytes));
	} catch {
		throw new SignedRequestError('signed_request payload is not JSON');
	}
	if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
		throw new SignedRequestError('signed_request payload is not an object');
	const algorithm = (payload as { algorithm?: unknown }).algorithm;
	if (typeof algorithm !== 'string' || algorithm.toUpperCase() !== 'HMAC-SHA256') {
		throw new SignedRequestError(
			`signed_request algorithm must be HMAC-SHA256, not ${String(algorithm)}`,
		);
	}
	return payload as Record<string, unknown>;
}

/** appsecret_proof for a Graph call: proves the call comes from the app's server. */
export async function appSecretProof(accessToken: string, appSecret: string): Promise<string> {
	return toHex(await hmacSha256(appSecret, accessToken));
}
