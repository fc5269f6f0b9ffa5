// Byte encodings the Meta integration speaks: UTF-8, hex (webhook signatures), base64 (keys) and
// base64url (signed_request, OAuth state, stored tokens). Web-standard APIs only, so the same
// code runs in Deno (Edge Functions) and Node (unit tests).

export type Bytes = Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text: string): Bytes => encoder.encode(text);
/** Throws TypeError on bytes that are not valid UTF-8. */
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

export function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Undefined unless `text` is an even number of hex digits. */
export function fromHex(text: string): Bytes | undefined {
	if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined;
	const bytes = new Uint8Array(text.length / 2);
	for (let index = 0; index < bytes.length; index += 1)
		bytes[index] = parseInt(text.slice(index * 2, index * 2 + 2), 16);
	return bytes;
}

export function toBase64(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

/** Undefined unless `text` is standard base64 (padding optional). */
export function fromBase64(text: string): Bytes | undefined {
	const bare = text.replace(/={1,2}$/, '');
	if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1) return undefined;
	const binary = atob(bare + '='.repeat((4 - (bare.length % 4)) % 4));
	return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export const toBase64Url = (bytes: Uint8Array): string =>
	toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Undefined unless `text` is base64url (Meta's signed_request pads it sometimes, so padding is allowed). */
export function fromBase64Url(text: string): Bytes | undefined {
	if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
	return fromBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}
