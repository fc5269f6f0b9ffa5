// Meta access tokens at rest: AES-256-GCM, stored as `v1:<key id>:<iv>:<ciphertext>` (base64url,
// the GCM tag at the end of the ciphertext). TOKEN_ENCRYPTION_KEY holds one or more base64 keys of
// 32 bytes, comma-separated: the first encrypts, all decrypt. To rotate, put the new key first and
// keep the old one after it until every stored token has been re-encrypted (reconnected).
import { fromBase64, fromBase64Url, fromUtf8, toBase64Url, utf8, type Bytes } from './bytes.ts';

const VERSION = 'v1';
const IV_BYTES = 12;

export class TokenKeyError extends Error {}
export class TokenDecryptionError extends Error {}

interface TokenKey {
	id: string;
	key: CryptoKey;
	raw: Bytes;
}

export interface TokenCipher {
	/** The id of the key new tokens are encrypted with. */
	readonly currentKeyId: string;
	encrypt(plaintext: string): Promise<string>;
	decrypt(stored: string): Promise<string>;
	/** A key for another purpose (e.g. signing OAuth state), derived from the current key. */
	deriveKey(purpose: string): Promise<Bytes>;
}

/** The key id: the first 8 base64url characters of SHA-256(key), so it names a key without revealing it. */
async function keyId(raw: Bytes): Promise<string> {
	return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', raw))).slice(0, 8);
}

async function importKey(encoded: string, position: number): Promise<TokenKey> {
	const raw = fromBase64(encoded.trim());
	if (!raw || raw.length !== 32) {
		throw new TokenKeyError(
			`TOKEN_ENCRYPTION_KEY key ${position} must be 32 random bytes in base64 (openssl rand -base64 32)`,
		);
	}
	const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
	return { id: await keyId(raw), key, raw };
}

export async function createTokenCipher(keySpec: string): Promise<TokenCipher> {
	const encodedKeys = keySpec.split(',').filter((part) => part.trim() !== '');
	if (encodedKeys.length === 0) throw new TokenKeyError('TOKEN_ENCRYPTION_KEY is empty');
	const keys = await Promise.all(
		encodedKeys.map((encoded, index) => importKey(encoded, index + 1)),
	);
	const byId = new Map(keys.map((key) => [key.id, key]));
	const current = keys[0];

	return {
		currentKeyId: current.id,
		async encrypt(plaintext) {
			const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
			const header = `${VERSION}:${current.id}`;
			const ciphertext = await crypto.subtle.encrypt(
				{ name: 'AES-GCM', iv, additionalData: utf8(header) },
				current.key,
				utf8(plaintext),
			);
			return `${header}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(ciphertext))}`;
		},
		async decrypt(stored) {
			const parts = stored.split(':');
			if (parts.length !== 4 || parts[0] !== VERSION)
				throw new TokenDecryptionError(`not a ${VERSION} encrypted token`);
			const [version, id, ivPart, ciphertextPart] = parts;
			const key = byId.get(id);
			if (!key)
				throw new TokenDecryptionError(
					`the token was encrypted with key ${id}, which TOKEN_ENCRYPTION_KEY no longer holds`,
				);
			const iv = fromBase64Url(ivPart);
			const ciphertext = fromBase64Url(ciphertextPart);
			if (!iv || iv.length !== IV_BYTES || !ciphertext)
				throw new TokenDecryptionError('the encrypted token is malformed');
			try {
				const plaintext = await crypto.subtle.decrypt(
					{ name: 'AES-GCM', iv, additionalData: utf8(`${version}:${id}`) },
					key.key,
					ciphertext,
				);
				return fromUtf8(new Uint8Array(plaintext));
			} catch {
				throw new TokenDecryptionError(
					'the encrypted token failed authentication (tampered with, or a different key)',
				);
			}
		},
		async deriveKey(purpose) {
			const base = await crypto.subtle.importKey('raw', current.raw, 'HKDF', false, ['deriveBits']);
			const bits = await crypto.subtle.deriveBits(
				{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(purpose) },
				base,
				256,
			);
			return new Uint8Array(bits);
		},
	};
}
