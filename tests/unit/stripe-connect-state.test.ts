// Stripe Connect's OAuth state: the shared signed state (oauth-state.ts) with the Stripe purpose's
// own key, so a Meta sign-in's state never starts or completes a Stripe connection (and back), and
// the authorize URL the seller is sent to.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	browserBinding,
	signState,
	STATE_LIFETIME_SECONDS,
	verifyState,
} from '../../supabase/functions/_shared/oauth-state.ts';
import { authorizeUrl } from '../../supabase/functions/_shared/payments/stripe-connect.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';

const cipher = await createTokenCipher(randomBytes(32).toString('base64'));
const stripeKey = await cipher.deriveKey('stripe-connect-state v1');
const metaKey = await cipher.deriveKey('meta-oauth-state v1');
const binding = {
	userId: '2f0c8a4e-8f6b-4b0e-9c44-0a4c0d7c1b11',
	workspaceId: '7d6c5b4a-3f2e-4d1c-8b0a-998877665544',
	platform: 'stripe' as const,
	returnTo: 'http://127.0.0.1:5173/integrations',
	browserBinding: await browserBinding(randomBytes(32).toString('base64url')),
};

describe('Stripe Connect state', () => {
	it('verifies with the Stripe key until it expires, and never with Meta’s', async () => {
		const now = Date.UTC(2026, 11, 1, 6, 0, 0);
		const state = await signState(binding, stripeKey, now);
		await expect(verifyState(state, stripeKey, now + 1000)).resolves.toMatchObject(binding);
		await expect(verifyState(state, metaKey, now + 1000)).rejects.toThrow('bad signature');
		await expect(
			verifyState(state, stripeKey, now + STATE_LIFETIME_SECONDS * 1000),
		).rejects.toThrow('expired');
		const metaState = await signState({ ...binding, platform: 'facebook' }, metaKey, now);
		await expect(verifyState(metaState, stripeKey, now)).rejects.toThrow('bad signature');
	});

	it('sends the seller to Connect’s authorize page for read_write with the state and callback', () => {
		const url = new URL(
			authorizeUrl(
				{
					clientId: 'ca_test123456',
					secretKey: 'sk_test_x',
					connectUrl: 'https://connect.stripe.com',
				},
				'the.state',
				'https://project.supabase.co/functions/v1/integrations/oauth-callback',
			),
		);
		expect(url.origin + url.pathname).toBe('https://connect.stripe.com/oauth/authorize');
		expect(Object.fromEntries(url.searchParams)).toEqual({
			response_type: 'code',
			client_id: 'ca_test123456',
			scope: 'read_write',
			state: 'the.state',
			redirect_uri: 'https://project.supabase.co/functions/v1/integrations/oauth-callback',
		});
	});
});
