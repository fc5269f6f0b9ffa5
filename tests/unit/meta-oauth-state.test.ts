// The signed, expiring OAuth state bound to the user and workspace that started the sign-in.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	browserBinding,
	browserMatches,
	signState,
	STATE_LIFETIME_SECONDS,
	verifyState,
} from '../../supabase/functions/_shared/oauth-state.ts';

const key = new Uint8Array(randomBytes(32));
const browserNonce = randomBytes(32).toString('base64url');
const binding = {
	userId: '2f0c8a4e-8f6b-4b0e-9c44-0a4c0d7c1b11',
	workspaceId: '7d6c5b4a-3f2e-4d1c-8b0a-998877665544',
	platform: 'facebook' as const,
	returnTo: 'http://127.0.0.1:5173/connections',
	browserBinding: await browserBinding(browserNonce),
};

describe('OAuth state', () => {
	it('carries the binding back when verified before it expires', async () => {
		const now = Date.UTC(2026, 10, 20, 19, 0, 0);
		const state = await signState(binding, key, now);
		expect(state).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
		const verified = await verifyState(state, key, now + (STATE_LIFETIME_SECONDS - 1) * 1000);
		expect(verified).toMatchObject({ ...binding, expiresAt: now / 1000 + STATE_LIFETIME_SECONDS });
		expect(verified.nonce).toMatch(/^[A-Za-z0-9_-]{16}$/);
	});

	it('belongs to the browser holding its nonce, and to no other', async () => {
		const state = await verifyState(await signState(binding, key), key);
		expect(state.browserBinding).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(await browserMatches(state, browserNonce)).toBe(true);
		for (const other of [randomBytes(32).toString('base64url'), '', state.browserBinding])
			expect(await browserMatches(state, other), other).toBe(false);
	});

	it('is different every time, even for the same binding', async () => {
		expect(await signState(binding, key)).not.toBe(await signState(binding, key));
	});

	it('expires', async () => {
		const now = Date.now();
		const state = await signState(binding, key, now);
		await expect(verifyState(state, key, now + STATE_LIFETIME_SECONDS * 1000)).rejects.toThrow(
			/expired/,
		);
	});

	it('refuses a changed binding, another key and garbage', async () => {
		const state = await signState(binding, key);
		const [payload, signature] = state.split('.');
		const forged = Buffer.from(
			JSON.stringify({
				...JSON.parse(Buffer.from(payload, 'base64url').toString()),
				workspaceId: 'another',
			}),
		).toString('base64url');
		await expect(verifyState(`${forged}.${signature}`, key)).rejects.toThrow(/bad signature/);
		await expect(verifyState(state, new Uint8Array(randomBytes(32)))).rejects.toThrow(
			/bad signature/,
		);
		for (const garbage of [
			'',
			'abc',
			`${payload}.`,
			`${payload}.${signature}.x`,
			`${payload}.!!`,
		]) {
			await expect(verifyState(garbage, key), garbage).rejects.toThrow(/malformed/);
		}
	});
});
