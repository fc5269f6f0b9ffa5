// The Graph client: Meta's error objects classified, usage headers read, tokens kept on Graph's origin.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	classifyGraphError,
	GraphApiError,
	GraphClient,
	parseUsage,
} from '../../supabase/functions/_shared/graph.ts';

const sample = (name: string) =>
	JSON.parse(readFileSync(new URL(`../fixtures/meta/${name}`, import.meta.url), 'utf8'));
const metaError = (code: number, extra: Record<string, unknown> = {}) => ({
	error: { message: `error ${code}`, type: 'OAuthException', code, fbtrace_id: 'Abc', ...extra },
});

describe('classifyGraphError', () => {
	it('reads the documented samples', () => {
		const throttled = classifyGraphError(403, sample('fb-error-throttled.json'));
		expect(throttled).toMatchObject({ kind: 'throttled', status: 403, code: 32 });
		expect(throttled.message).toBe('Meta error 32: (#32) Page request limit reached');
		const expired = classifyGraphError(400, sample('fb-error-token-expired.json'));
		expect(expired).toMatchObject({
			kind: 'token',
			code: 190,
			subcode: 463,
			connectionStatus: 'expired',
		});
	});

	it.each([
		[4, 403, 'throttled'],
		[17, 403, 'throttled'],
		[32, 403, 'throttled'],
		[613, 400, 'throttled'],
		[80001, 429, 'throttled'],
		[80004, 400, 'throttled'],
		[190, 400, 'token'],
		[102, 400, 'token'],
		[10, 403, 'permission'],
		[200, 403, 'permission'],
		[299, 403, 'permission'],
		[1, 500, 'transient'],
		[2, 503, 'transient'],
		[100, 400, 'request'],
		[2500, 400, 'request'],
		[100, 502, 'transient'],
	])('code %i with HTTP %i is %s', (code, status, kind) => {
		expect(classifyGraphError(status, metaError(code)).kind).toBe(kind);
	});

	it('takes is_transient as Meta means it, and bodies without an error object by status', () => {
		expect(classifyGraphError(400, metaError(368, { is_transient: true })).kind).toBe('transient');
		expect(classifyGraphError(502, '<html>Bad Gateway</html>').kind).toBe('transient');
		expect(classifyGraphError(429, undefined).kind).toBe('throttled');
		expect(classifyGraphError(404, {}).kind).toBe('request');
	});

	it('tells a revoked app (458) from tokens that need a new sign-in', () => {
		expect(classifyGraphError(400, metaError(190, { error_subcode: 458 })).connectionStatus).toBe(
			'revoked',
		);
		for (const subcode of [460, 463, 467, undefined]) {
			expect(
				classifyGraphError(400, metaError(190, { error_subcode: subcode })).connectionStatus,
			).toBe('expired');
		}
		expect(classifyGraphError(403, metaError(10)).connectionStatus).toBeUndefined();
	});
});

describe('parseUsage', () => {
	it('takes the highest percentage of the app, Page and business use case headers', () => {
		const headers = new Headers();
		for (const line of readFileSync(
			new URL('../fixtures/meta/fb-usage-headers.txt', import.meta.url),
			'utf8',
		)
			.trim()
			.split('\n')) {
			const [name, ...value] = line.split(': ');
			headers.set(name, value.join(': '));
		}
		expect(parseUsage(headers)).toEqual({ percent: 92 });
	});

	it('reads the regain time in minutes, and ignores malformed headers', () => {
		const headers = new Headers({
			'x-app-usage': 'not json',
			'x-business-use-case-usage': JSON.stringify({
				1: [
					{
						type: 'pages',
						call_count: 100,
						total_time: 20,
						total_cputime: 5,
						estimated_time_to_regain_access: 3,
					},
				],
			}),
		});
		expect(parseUsage(headers)).toEqual({ percent: 100, regainAfterMs: 180_000 });
		expect(parseUsage(new Headers())).toEqual({});
	});
});

describe('GraphClient', () => {
	function recordingClient(answer: () => Response) {
		const calls: URL[] = [];
		const client = new GraphClient({
			baseUrl: 'https://graph.example.test/v24.0/',
			appSecret: 'app-secret',
			fetch: async (input) => {
				calls.push(new URL(String(input)));
				return answer();
			},
		});
		return { client, calls };
	}

	it('builds URLs under the versioned base, with the token and appsecret_proof', async () => {
		const { client, calls } = recordingClient(() =>
			Response.json({ data: [] }, { headers: { 'x-app-usage': '{"call_count":80}' } }),
		);
		const answer = await client.get(
			'/123/live_videos',
			{ broadcast_status: ['LIVE'], limit: 25, skipped: undefined },
			'EAAB-TOKEN',
		);
		expect(answer).toEqual({ body: { data: [] }, usage: { percent: 80 } });
		expect(calls[0].origin + calls[0].pathname).toBe(
			'https://graph.example.test/v24.0/123/live_videos',
		);
		expect(Object.fromEntries(calls[0].searchParams)).toEqual({
			broadcast_status: '["LIVE"]',
			limit: '25',
			access_token: 'EAAB-TOKEN',
			appsecret_proof: expect.stringMatching(/^[0-9a-f]{64}$/),
		});
	});

	it('throws typed errors carrying the usage, and turns network failures into transient ones', async () => {
		const throttled = recordingClient(() =>
			Response.json(metaError(80001), {
				status: 429,
				headers: {
					'x-business-use-case-usage':
						'{"1":[{"call_count":100,"estimated_time_to_regain_access":2}]}',
				},
			}),
		);
		const error = await throttled.client
			.get('/123/comments', {}, 'T')
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(GraphApiError);
		expect(error).toMatchObject({
			kind: 'throttled',
			status: 429,
			usage: { percent: 100, regainAfterMs: 120_000 },
		});

		const offline = new GraphClient({
			baseUrl: 'https://graph.example.test/v24.0',
			fetch: async () => {
				throw new TypeError('fetch failed');
			},
		});
		await expect(offline.get('/me', {}, 'T')).rejects.toMatchObject({
			kind: 'transient',
			status: 0,
		});
		const notJson = recordingClient(() => new Response('<html>', { status: 200 }));
		await expect(notJson.client.get('/me', {}, 'T')).rejects.toMatchObject({ kind: 'transient' });
	});

	it('sends POST and DELETE with their parameters in the query string, as Meta documents them', async () => {
		const sent: { method: string | undefined; url: URL }[] = [];
		const client = new GraphClient({
			baseUrl: 'https://graph.example.test/v24.0',
			fetch: async (input, init) => {
				sent.push({ method: init?.method, url: new URL(String(input)) });
				return Response.json({ success: true });
			},
		});
		expect(
			(
				await client.post(
					'/100064000000001/subscribed_apps',
					{ subscribed_fields: 'feed' },
					'PAGE-TOKEN',
				)
			).body,
		).toEqual({ success: true });
		await client.delete('/100064000000001/subscribed_apps', {}, 'PAGE-TOKEN');
		expect(
			sent.map(({ method, url }) => [
				method,
				url.pathname,
				url.searchParams.get('subscribed_fields'),
				url.searchParams.get('access_token'),
			]),
		).toEqual([
			['POST', '/v24.0/100064000000001/subscribed_apps', 'feed', 'PAGE-TOKEN'],
			['DELETE', '/v24.0/100064000000001/subscribed_apps', null, 'PAGE-TOKEN'],
		]);
	});

	it('follows paging.next only on the Graph origin, and refuses paths that are not Graph paths', async () => {
		const { client, calls } = recordingClient(() => Response.json({ data: [] }));
		await client.next(
			'https://graph.example.test/v24.0/123/comments?after=QQ&access_token=OLD',
			'NEW',
		);
		expect(calls[0].searchParams.get('access_token')).toBe('NEW');
		expect(calls[0].searchParams.get('after')).toBe('QQ');
		expect(() => client.next('https://evil.example/v24.0/123/comments', 'NEW')).toThrow(
			/refusing to follow/,
		);
		expect(() => client.url('/../admin')).toThrow(/not a Graph API path/);
		expect(() => client.url('/123?x=1')).toThrow(/not a Graph API path/);
		expect(() => client.url('https://evil.example/')).toThrow(/not a Graph API path/);
	});
});
