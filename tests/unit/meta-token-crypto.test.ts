// Tokens at rest: AES-256-GCM round trip, tampering, and key rotation through TOKEN_ENCRYPTION_KEY.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	createTokenCipher,
	TokenDecryptionError,
	TokenKeyError,
} from '../../supabase/functions/_shared/token-crypto.ts';

const newKey = () => randomBytes(32).toString('base64');

describe('token encryption', () => {
	it('round-trips a token as v1:<key id>:<iv>:<ciphertext>, with a fresh IV every time', async () => {
		const cipher = await createTokenCipher(newKey());
		const first = await cipher.encrypt('EAAB-PAGE-TOKEN');
		const second = await cipher.encrypt('EAAB-PAGE-TOKEN');
		expect(first).toMatch(
			new RegExp(`^v1:${cipher.currentKeyId}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`),
		);
		expect(first).not.toBe(second);
		expect(first).not.toContain('EAAB');
		expect(await cipher.decrypt(first)).toBe('EAAB-PAGE-TOKEN');
		expect(await cipher.decrypt(second)).toBe('EAAB-PAGE-TOKEN');
	});

	it('refuses a tampered ciphertext, IV or key id', async () => {
		const cipher = await createTokenCipher(newKey());
		const stored = await cipher.encrypt('EAAB-PAGE-TOKEN');
		const [version, keyId, iv, ciphertext] = stored.split(':');
		const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
		await expect(cipher.decrypt([version, keyId, iv, flip(ciphertext)].join(':'))).rejects.toThrow(
			/failed authentication/,
		);
		await expect(cipher.decrypt([version, keyId, flip(iv), ciphertext].join(':'))).rejects.toThrow(
			/failed authentication/,
		);
		await expect(cipher.decrypt([version, flip(keyId), iv, ciphertext].join(':'))).rejects.toThrow(
			/no longer holds/,
		);
		await expect(cipher.decrypt(['v2', keyId, iv, ciphertext].join(':'))).rejects.toThrow(
			TokenDecryptionError,
		);
		await expect(cipher.decrypt('EAAB-PLAINTEXT')).rejects.toThrow(/not a v1 encrypted token/);
	});

	it('rotates: the new key encrypts, the old one still decrypts, and dropping it makes old tokens unreadable', async () => {
		const oldKey = newKey();
		const nextKey = newKey();
		const before = await createTokenCipher(oldKey);
		const storedBefore = await before.encrypt('old token');
		const during = await createTokenCipher(`${nextKey},${oldKey}`);
		expect(during.currentKeyId).not.toBe(before.currentKeyId);
		expect(await during.decrypt(storedBefore)).toBe('old token');
		const storedDuring = await during.encrypt('new token');
		expect(storedDuring.split(':')[1]).toBe(during.currentKeyId);
		const after = await createTokenCipher(nextKey);
		expect(await after.decrypt(storedDuring)).toBe('new token');
		await expect(after.decrypt(storedBefore)).rejects.toThrow(/no longer holds/);
	});

	it('names what is wrong with a bad key', async () => {
		await expect(createTokenCipher('')).rejects.toThrow(TokenKeyError);
		await expect(createTokenCipher(randomBytes(16).toString('base64'))).rejects.toThrow(
			/key 1 must be 32 random bytes/,
		);
		await expect(createTokenCipher(`${newKey()},not base64!`)).rejects.toThrow(
			/key 2 must be 32 random bytes/,
		);
	});

	it('derives purpose keys that differ by purpose and by key', async () => {
		const key = newKey();
		const one = await createTokenCipher(key);
		const same = await createTokenCipher(key);
		const other = await createTokenCipher(newKey());
		const state = await one.deriveKey('meta-oauth-state v1');
		expect(state).toHaveLength(32);
		expect(await same.deriveKey('meta-oauth-state v1')).toEqual(state);
		expect(await one.deriveKey('another purpose')).not.toEqual(state);
		expect(await other.deriveKey('meta-oauth-state v1')).not.toEqual(state);
	});
});
