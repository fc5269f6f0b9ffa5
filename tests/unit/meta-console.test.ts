// The console's side of the Meta functions: their failures in words, their answers checked, and
// the warning before a connection's Meta access runs out.
import { describe, expect, it } from 'vitest';
import { expiryWarning } from '$lib/connections';
import type { SupabaseClient } from '@supabase/supabase-js';
import {
	checkHealth,
	describeFunctionFailure,
	detectLives,
	liveSchema,
	MetaFunctionError,
	pendingSignInSchema,
} from '$lib/server/meta';

describe('describeFunctionFailure', () => {
	it('passes the function’s own message on, as a sentence', () => {
		expect(
			describeFunctionFailure(404, {
				error: 'not_found',
				message: 'this Meta sign-in has expired or is not yours; connect again',
			}),
		).toBe('This Meta sign-in has expired or is not yours; connect again');
	});

	it('names the failure when the body says nothing useful', () => {
		expect(describeFunctionFailure(401, null)).toBe(
			'Your session has expired. Reload the page and sign in again.',
		);
		expect(describeFunctionFailure(0, null)).toBe(
			'Could not reach the server. Check your connection and try again.',
		);
		expect(describeFunctionFailure(503, '<html>Bad gateway</html>')).toBe(
			'The server answered HTTP 503.',
		);
		expect(describeFunctionFailure(500, { message: '' })).toBe('The server answered HTTP 500.');
	});
});

describe('pendingSignInSchema', () => {
	it('reads what meta-oauth/pending answers, keeps only what the page shows, and refuses an unknown platform', () => {
		const answer = {
			id: '00000000-0000-4000-8000-000000000001',
			workspace_id: '00000000-0000-4000-8000-000000000002',
			platform: 'facebook',
			scopes: ['pages_show_list'],
			expires_at: '2026-11-22T10:15:00+00:00',
			accounts: [
				{
					platform: 'facebook',
					external_account_id: '100064000000001',
					display_name: 'Demo Boutique',
					connection_id: null,
					connection_status: null,
					connected_elsewhere: false,
				},
			],
		};
		expect(pendingSignInSchema.parse(answer).accounts[0].display_name).toBe('Demo Boutique');
		// Page data goes to the browser: a token the function sent by mistake must not ride along.
		const withToken = {
			...answer,
			accounts: [{ ...answer.accounts[0], encrypted_access_token: 'v1.secret' }],
		};
		expect(pendingSignInSchema.parse(withToken).accounts[0]).not.toHaveProperty(
			'encrypted_access_token',
		);
		expect(
			pendingSignInSchema.safeParse({
				...answer,
				accounts: [{ ...answer.accounts[0], platform: 'tiktok' }],
			}).success,
		).toBe(false);
	});
});

describe('liveSchema', () => {
	const live = {
		live_id: '900000000000001',
		platform: 'facebook',
		title: 'Sunday drop',
		status: 'LIVE',
		is_live: true,
		started_at: '2026-11-22T10:00:00.000Z',
		viewers: 187,
		permalink_url: 'https://www.facebook.com/100064000000001/videos/900000000000001/',
	};

	it('reads a live as meta-lives describes it, with Instagram’s missing viewer count', () => {
		expect(liveSchema.parse(live)).toEqual(live);
		expect(
			liveSchema.parse({ ...live, platform: 'instagram', viewers: null, title: null }).viewers,
		).toBeNull();
	});

	it('refuses a live without an id or with a count that is not a number', () => {
		expect(liveSchema.safeParse({ ...live, live_id: undefined }).success).toBe(false);
		expect(liveSchema.safeParse({ ...live, viewers: '187' }).success).toBe(false);
	});
});

/** A client whose functions.invoke answers as functions-js does: data, or an error with the response. */
function answering(status: number, body: unknown): SupabaseClient {
	const response = new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json' },
	});
	const invoke = async () =>
		response.ok
			? { data: body, error: null, response }
			: { data: null, error: new Error('Edge Function returned a non-2xx status code'), response };
	return { functions: { invoke } } as unknown as SupabaseClient;
}

describe('calling the functions', () => {
	const connectionId = '00000000-0000-4000-8000-000000000003';

	it('turns a refusal into a MetaFunctionError carrying the function’s message and status', async () => {
		const refusal = checkHealth(
			answering(403, {
				error: 'forbidden',
				message: 'only admins and owners of the workspace may do this',
			}),
			connectionId,
		);
		await expect(refusal).rejects.toBeInstanceOf(MetaFunctionError);
		await expect(refusal).rejects.toMatchObject({
			status: 403,
			message: 'Only admins and owners of the workspace may do this',
		});
	});

	it('refuses an answer in a shape the console does not know, naming the function', async () => {
		await expect(
			detectLives(answering(200, { lives: [{ live_id: 5 }] }), connectionId),
		).rejects.toMatchObject({
			status: 502,
			message: expect.stringMatching(/^meta-lives answered in a shape/),
		});
	});

	it('returns the lives of a well-formed answer', async () => {
		await expect(
			detectLives(answering(200, { connection: {}, lives: [] }), connectionId),
		).resolves.toEqual([]);
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
		expect(expiryWarning(inDays(6.2), now)).toBe(
			'Meta access ends in 7 days: reconnect before your next live.',
		);
		expect(expiryWarning(inDays(0.5), now)).toBe(
			'Meta access ends in 1 day: reconnect before your next live.',
		);
		expect(expiryWarning(inDays(-1), now)).toBe(
			'Meta access has expired: reconnect to keep taking claims.',
		);
	});
});
