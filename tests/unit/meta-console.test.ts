// The console's side of the Meta functions: their failures in words, their answers checked, and
// the warning before a connection's Meta access runs out.
import { describe, expect, it } from 'vitest';
import { expiryWarning } from '$lib/connections';
import { describeFunctionFailure, pendingSignInSchema } from '$lib/server/meta';

describe('describeFunctionFailure', () => {
	it('passes the function’s own message on, as a sentence', () => {
		expect(describeFunctionFailure(404, { error: 'not_found', message: 'this Meta sign-in has expired or is not yours; connect again' })).toBe(
			'This Meta sign-in has expired or is not yours; connect again',
		);
	});

	it('names the failure when the body says nothing useful', () => {
		expect(describeFunctionFailure(401, null)).toBe('Your session has expired. Reload the page and sign in again.');
		expect(describeFunctionFailure(0, null)).toBe('Could not reach the server. Check your connection and try again.');
		expect(describeFunctionFailure(503, '<html>Bad gateway</html>')).toBe('The server answered HTTP 503.');
		expect(describeFunctionFailure(500, { message: '' })).toBe('The server answered HTTP 500.');
	});
});

describe('pendingSignInSchema', () => {
	it('reads what meta-oauth/pending answers, and refuses a token in it', () => {
		const answer = {
			id: '00000000-0000-4000-8000-000000000001',
			workspace_id: '00000000-0000-4000-8000-000000000002',
			platform: 'facebook',
			scopes: ['pages_show_list'],
			expires_at: '2026-11-22T10:15:00+00:00',
			accounts: [{ platform: 'facebook', external_account_id: '100064000000001', display_name: 'Demo Boutique', connection_id: null, connection_status: null }],
		};
		expect(pendingSignInSchema.parse(answer).accounts[0].display_name).toBe('Demo Boutique');
		expect(pendingSignInSchema.safeParse({ ...answer, accounts: [{ ...answer.accounts[0], platform: 'tiktok' }] }).success).toBe(false);
	});
});

describe('expiryWarning', () => {
	const now = Date.parse('2026-11-22T12:00:00Z');
	const inDays = (days: number) => new Date(now + days * 24 * 3600 * 1000).toISOString();

	it('is silent with a week or more left, or no expiry known', () => {
		expect(expiryWarning(inDays(60), now)).toBeNull();
		expect(expiryWarning(inDays(7), now)).toBeNull();
		expect(expiryWarning(null, now)).toBeNull();
	});

	it('counts the days left, rounding up, and says when access has ended', () => {
		expect(expiryWarning(inDays(6.2), now)).toBe('Meta access ends in 7 days: reconnect before your next live.');
		expect(expiryWarning(inDays(0.5), now)).toBe('Meta access ends in 1 day: reconnect before your next live.');
		expect(expiryWarning(inDays(-1), now)).toBe('Meta access has expired: reconnect to keep taking claims.');
	});
});
