// The Meta simulator against the shapes in ../shared/reference: OAuth dialog and token endpoints,
// Page and Instagram discovery, comment paging, webhook delivery and signatures, rate limits,
// faults and the HTTP control API. It needs no stack, so it does not use inject('stack').
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetaSimulator, type MetaSimulator } from '../../stack/meta-simulator/index.ts';

const appId = '1234567890123456';
const appSecret = 'simulated-app-secret';
const verifyToken = 'verify-me';
const redirectUri = 'http://localhost:5173/connections/meta/callback';

let sim: MetaSimulator;

interface GraphAnswer {
	status: number;
	headers: Headers;
	body: Record<string, unknown> & {
		error?: {
			code: number;
			error_subcode?: number;
			message: string;
			type: string;
			is_transient?: boolean;
			fbtrace_id: string;
		};
	};
}

async function graph(
	path: string,
	params: Record<string, string> = {},
	init: RequestInit = {},
): Promise<GraphAnswer> {
	const url = new URL(`${sim.graphUrl}${path}`);
	for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
	const response = await fetch(url, init);
	return {
		status: response.status,
		headers: response.headers,
		body: (await response.json()) as GraphAnswer['body'],
	};
}

async function control<T = Record<string, unknown>>(
	operation: string,
	input?: unknown,
): Promise<{ status: number; body: T }> {
	const response = await fetch(`${sim.url}/_control/${operation}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(input ?? {}),
	});
	return { status: response.status, body: (await response.json()) as T };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Runs the dialog as a browser would: load the page, press a button, follow nothing. */
async function runDialog(
	decision: 'continue' | 'cancel',
	query: Record<string, string>,
): Promise<{ page: string; location: URL }> {
	const dialog = new URL(sim.dialogUrl);
	for (const [name, value] of Object.entries(query)) dialog.searchParams.set(name, value);
	const page = await (await fetch(dialog)).text();
	const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
	if (!action) throw new Error(`no form on the dialog page: ${page}`);
	const form = new URLSearchParams(
		[...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
			match[1],
			match[2].replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))),
		]),
	);
	form.set('decision', decision);
	const response = await fetch(new URL(action, sim.url), {
		method: 'POST',
		body: form,
		redirect: 'manual',
	});
	expect(response.status).toBe(302);
	return { page, location: new URL(response.headers.get('location') ?? '') };
}

async function pageToken(pageId = sim.demo.page.id): Promise<string> {
	return sim.issuePageToken({ pageId }).accessToken;
}

beforeAll(async () => {
	sim = await startMetaSimulator({ appId, appSecret });
});

afterAll(async () => {
	await sim?.stop();
});

beforeEach(() => {
	sim.clearFaults();
	sim.setUsage({});
	sim.setWebhookFaults({});
});

describe('OAuth', () => {
	it('runs dialog → code → short-lived → long-lived token → Pages → Instagram account', async () => {
		const state = 'signed.state-value';
		const scope =
			'pages_show_list,pages_read_engagement,pages_read_user_content,pages_manage_metadata,instagram_basic,instagram_manage_comments';
		const { page, location } = await runDialog('continue', {
			client_id: appId,
			redirect_uri: redirectUri,
			state,
			scope,
			response_type: 'code',
		});
		expect(page).toContain(
			'<button class="primary" type="submit" name="decision" value="continue">Continue as Demo Seller</button>',
		);
		expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
		expect(location.searchParams.get('state')).toBe(state);
		expect(location.hash).toBe('#_=_');
		const code = location.searchParams.get('code') ?? '';
		expect(code).not.toBe('');

		const exchange = {
			client_id: appId,
			client_secret: appSecret,
			redirect_uri: redirectUri,
			code,
		};
		const wrongSecret = await graph('/oauth/access_token', { ...exchange, client_secret: 'nope' });
		expect(wrongSecret.status).toBe(400);
		expect(wrongSecret.body.error).toMatchObject({
			code: 1,
			type: 'OAuthException',
			message: 'Error validating client secret.',
		});
		const wrongRedirect = await graph('/oauth/access_token', {
			...exchange,
			redirect_uri: 'http://localhost/elsewhere',
		});
		expect(wrongRedirect.body.error).toMatchObject({ code: 100, error_subcode: 36008 });

		const short = await graph('/oauth/access_token', exchange);
		expect(short.status).toBe(200);
		expect(short.body).toMatchObject({
			token_type: 'bearer',
			access_token: expect.stringMatching(/^EAA/),
		});
		expect(short.body.expires_in).toBeGreaterThan(3000);
		expect(short.body.expires_in).toBeLessThanOrEqual(2 * 60 * 60);
		const reused = await graph('/oauth/access_token', exchange);
		expect(reused.body.error).toMatchObject({
			code: 100,
			error_subcode: 36009,
			message: 'This authorization code has been used.',
		});

		const long = await graph('/oauth/access_token', {
			grant_type: 'fb_exchange_token',
			client_id: appId,
			client_secret: appSecret,
			fb_exchange_token: String(short.body.access_token),
		});
		expect(long.status).toBe(200);
		expect(long.body.expires_in).toBeGreaterThan(59 * 24 * 60 * 60);
		const userToken = String(long.body.access_token);

		const me = await graph('/me', { access_token: userToken });
		expect(me.body).toEqual({ name: 'Demo Seller', id: sim.demo.user.id });

		const accounts = await graph('/me/accounts', {
			fields: 'id,name,access_token,tasks',
			access_token: userToken,
		});
		expect(accounts.status).toBe(200);
		const [account] = accounts.body.data as {
			id: string;
			name: string;
			access_token: string;
			tasks: string[];
		}[];
		expect(account).toMatchObject({
			id: sim.demo.page.id,
			name: 'Demo Boutique',
			tasks: expect.arrayContaining(['MANAGE', 'MODERATE']),
		});
		expect(Object.keys(account).sort()).toEqual(['access_token', 'id', 'name', 'tasks']);

		const linked = await graph(`/${account.id}`, {
			fields: 'instagram_business_account{id,username}',
			access_token: account.access_token,
		});
		expect(linked.body).toEqual({
			id: account.id,
			instagram_business_account: { id: sim.demo.instagram?.id, username: 'demo.boutique' },
		});

		// A Page token derived from a long-lived user token never expires.
		const debug = await graph('/debug_token', {
			input_token: account.access_token,
			access_token: `${appId}|${appSecret}`,
		});
		expect(debug.body.data).toMatchObject({
			app_id: appId,
			type: 'PAGE',
			is_valid: true,
			expires_at: 0,
			profile_id: account.id,
			user_id: sim.demo.user.id,
		});
		expect((debug.body.data as { scopes: string[] }).scopes).toEqual(scope.split(','));
	});

	it('redirects a cancel with Meta access_denied error and the state', async () => {
		const { location } = await runDialog('cancel', {
			client_id: appId,
			redirect_uri: redirectUri,
			state: 's1',
			scope: 'pages_show_list',
			response_type: 'code',
		});
		expect(Object.fromEntries(location.searchParams)).toEqual({
			error: 'access_denied',
			error_code: '200',
			error_description: 'Permissions error',
			error_reason: 'user_denied',
			state: 's1',
		});
	});

	it('shows an error page, never a redirect, for a wrong client_id, redirect_uri or scope', async () => {
		const open = (query: Record<string, string>) =>
			fetch(`${sim.dialogUrl}?${new URLSearchParams(query)}`, { redirect: 'manual' });
		const wrongApp = await open({
			client_id: '999',
			redirect_uri: redirectUri,
			response_type: 'code',
		});
		expect(wrongApp.status).toBe(400);
		expect(await wrongApp.text()).toContain('Invalid App ID');
		sim.setAllowedRedirectUris({ uris: [redirectUri] });
		try {
			const blocked = await open({
				client_id: appId,
				redirect_uri: 'https://attacker.example/cb',
				response_type: 'code',
			});
			expect(blocked.status).toBe(400);
			expect(await blocked.text()).toContain('URL blocked');
			// The confirm step checks again: a forged form cannot reach an unlisted redirect_uri.
			const forged = await fetch(`${sim.dialogUrl}/confirm`, {
				method: 'POST',
				body: new URLSearchParams({
					client_id: appId,
					redirect_uri: 'https://attacker.example/cb',
					decision: 'continue',
				}),
				redirect: 'manual',
			});
			expect(forged.status).toBe(400);
			expect(forged.headers.get('location')).toBeNull();
		} finally {
			sim.setAllowedRedirectUris({ uris: null });
		}
		const badScope = await open({
			client_id: appId,
			redirect_uri: redirectUri,
			scope: 'pages_show_list,read_everything',
			response_type: 'code',
		});
		expect(await badScope.text()).toContain('Invalid Scopes: read_everything');
	});
});

describe('live discovery', () => {
	it('lists live videos while LIVE and live media while broadcasting', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({ title: 'Discovery test' });
		const fields = 'id,title,status,creation_time,permalink_url,live_views';
		const listed = await graph(`/${sim.demo.page.id}/live_videos`, {
			broadcast_status: '["LIVE"]',
			fields,
			access_token: token,
		});
		expect(listed.status).toBe(200);
		const entry = (listed.body.data as Record<string, unknown>[]).find(
			(video) => video.id === live.id,
		);
		expect(entry).toEqual({
			id: live.id,
			title: 'Discovery test',
			status: 'LIVE',
			creation_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/),
			permalink_url: `/${sim.demo.page.id}/videos/${live.id}/`,
			live_views: 214,
		});

		sim.endFacebookLive({ liveId: live.id });
		const afterEnd = await graph(`/${sim.demo.page.id}/live_videos`, {
			broadcast_status: '["LIVE"]',
			fields,
			access_token: token,
		});
		expect((afterEnd.body.data as { id: string }[]).map((video) => video.id)).not.toContain(
			live.id,
		);
		const asVideo = await graph(`/${sim.demo.page.id}/live_videos`, {
			broadcast_status: '["VOD"]',
			fields: 'id,status',
			access_token: token,
		});
		expect(asVideo.body.data).toContainEqual({ id: live.id, status: 'VOD' });

		const userToken = sim.issueUserToken({ userId: sim.demo.user.id }).accessToken;
		const withUserToken = await graph(`/${sim.demo.page.id}/live_videos`, {
			access_token: userToken,
		});
		expect(withUserToken.body.error).toMatchObject({ code: 210 });
		const badStatus = await graph(`/${sim.demo.page.id}/live_videos`, {
			broadcast_status: '["ON_AIR"]',
			access_token: token,
		});
		expect(badStatus.body.error?.code).toBe(100);

		const igUserId = sim.demo.instagram?.id ?? '';
		const media = sim.startInstagramLive({});
		const liveMedia = await graph(`/${igUserId}/live_media`, {
			fields: 'id,media_type,media_product_type,owner,username,timestamp',
			access_token: token,
		});
		expect(liveMedia.body.data).toEqual([
			{
				id: media.id,
				media_type: 'BROADCAST',
				media_product_type: 'LIVE',
				owner: { id: igUserId },
				username: 'demo.boutique',
				timestamp: expect.stringMatching(/\+0000$/),
			},
		]);
		sim.endInstagramLive({ mediaId: media.id });
		expect((await graph(`/${igUserId}/live_media`, { access_token: token })).body).toEqual({
			data: [],
		});
	});
});

describe('a live that ended', () => {
	it('reports a changing live_views while live and none after, and takes comments on the replay', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({ liveViews: 500 });
		const views = async () =>
			(await graph(`/${live.id}`, { fields: 'status,live_views', access_token: token })).body;
		expect(await views()).toEqual({ id: live.id, status: 'LIVE', live_views: 500 });
		const seen = new Set<number>();
		for (let step = 0; step < 6; step += 1) {
			sim.advanceClock({ ms: 10_000 });
			const { live_views } = (await views()) as { live_views: number };
			expect(live_views).toBeGreaterThanOrEqual(425);
			expect(live_views).toBeLessThanOrEqual(575);
			seen.add(live_views);
		}
		expect(seen.size).toBeGreaterThan(3);
		sim.setLiveViews({ liveId: live.id, liveViews: 2000 });
		expect(((await views()) as { live_views: number }).live_views).toBeGreaterThan(1500);

		sim.endFacebookLive({ liveId: live.id });
		expect(await views()).toEqual({ id: live.id, status: 'VOD', live_views: 0 });
		expect(() => sim.setLiveViews({ liveId: live.id, liveViews: 10 })).toThrow(/already ended/);
		// Facebook publishes the ended live as a video whose comments stay open: the replay.
		const onReplay = sim.postComment({ liveId: live.id, text: 'sold 12 from the replay' });
		const listed = await graph(`/${live.id}/comments`, {
			order: 'chronological',
			fields: 'id,message',
			access_token: token,
		});
		expect(listed.body.data).toContainEqual({
			id: onReplay.id,
			message: 'sold 12 from the replay',
		});
	});
});

describe('comments', () => {
	it('pages newest first with cursors and next links, honours since, order and fields', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({});
		const base = Math.floor(Date.now() / 1000) - 100;
		const posted = [0, 10, 20, 30, 40].map((offset, index) =>
			sim.postComment({
				liveId: live.id,
				text: `sold ${index + 1}`,
				viewer: { name: `Buyer ${index}` },
				createdTime: base + offset,
			}),
		);

		const seen: string[] = [];
		let answer = await graph(`/${live.id}/comments`, {
			fields: 'id,message,created_time,from{id,name}',
			order: 'reverse_chronological',
			filter: 'stream',
			live_filter: 'no_filter',
			limit: '2',
			access_token: token,
		});
		for (;;) {
			expect(answer.status).toBe(200);
			const data = answer.body.data as { id: string }[];
			const paging = answer.body.paging as {
				cursors: { before: string; after: string };
				next?: string;
			};
			expect(Buffer.from(paging.cursors.before, 'base64').toString()).toBe(data[0].id);
			expect(Buffer.from(paging.cursors.after, 'base64').toString()).toBe(data[data.length - 1].id);
			seen.push(...data.map((comment) => comment.id));
			if (!paging.next) break;
			const next = await fetch(paging.next);
			answer = {
				status: next.status,
				headers: next.headers,
				body: (await next.json()) as GraphAnswer['body'],
			};
		}
		expect(seen).toEqual(posted.map((comment) => comment.id).reverse());

		const first = (
			await graph(`/${live.id}/comments`, {
				fields: 'id,message,created_time,from{id,name}',
				order: 'chronological',
				access_token: token,
			})
		).body.data as Record<string, unknown>[];
		expect(first[0]).toEqual({
			id: posted[0].id,
			message: 'sold 1',
			created_time: new Date(base * 1000).toISOString().replace('.000Z', '+0000'),
			from: { id: posted[0].viewer.id, name: 'Buyer 0' },
		});

		const since = await graph(`/${live.id}/comments`, {
			since: String(base + 20),
			order: 'chronological',
			fields: 'message',
			access_token: token,
		});
		expect((since.body.data as { message: string }[]).map((comment) => comment.message)).toEqual([
			'sold 3',
			'sold 4',
			'sold 5',
		]);
		// `id` comes back whatever the selection, as at Meta.
		expect((since.body.data as object[])[0]).toEqual({ message: 'sold 3', id: posted[2].id });

		const unknownField = await graph(`/${live.id}/comments`, {
			fields: 'id,author',
			access_token: token,
		});
		expect(unknownField.body.error).toMatchObject({
			code: 100,
			message: '(#100) Tried accessing nonexisting field (author) on node type (Comment)',
		});
		const badSyntax = await graph(`/${live.id}/comments`, {
			fields: 'id,from{id',
			access_token: token,
		});
		expect(badSyntax.body.error?.code).toBe(2500);
		const badOrder = await graph(`/${live.id}/comments`, { order: 'newest', access_token: token });
		expect(badOrder.body.error?.code).toBe(100);
	});

	it('omits from for hidden commenters and for tokens that may not see them, keeps the comment', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({});
		const open = sim.postComment({
			liveId: live.id,
			text: 'sold 7',
			viewer: { name: 'Open Viewer' },
		});
		const hiddenOnce = sim.postComment({
			liveId: live.id,
			text: 'what size is 14?',
			viewer: { name: 'Open Viewer' },
			hideFrom: true,
		});
		const privateViewer = sim.postComment({
			liveId: live.id,
			text: '14 sold',
			viewer: { name: 'Private Viewer' },
		});
		sim.setViewerVisibility({ viewerId: privateViewer.viewer.id, visible: false });

		const read = async (accessToken: string) =>
			(
				await graph(`/${live.id}/comments`, {
					fields: 'id,message,from{id,name}',
					access_token: accessToken,
				})
			).body.data as { id: string; from?: { id: string } }[];
		const comments = await read(token);
		expect(comments.map((comment) => [comment.id, comment.from?.id])).toEqual([
			[open.id, open.viewer.id],
			[hiddenOnce.id, undefined],
			[privateViewer.id, undefined],
		]);
		expect(comments[1]).not.toHaveProperty('from');

		// Without pages_read_user_content nobody's `from` is visible.
		const narrowUser = sim.issueUserToken({
			userId: sim.demo.user.id,
			scopes: ['pages_show_list', 'pages_read_engagement'],
		});
		const accounts = await graph('/me/accounts', { access_token: narrowUser.accessToken });
		const narrowPageToken = (accounts.body.data as { access_token: string }[])[0].access_token;
		expect((await read(narrowPageToken)).every((comment) => !('from' in comment))).toBe(true);
	});

	it('lets comments arrive late and back-dated', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({});
		sim.postComment({ liveId: live.id, text: 'sold 1' });
		const late = sim.postComment({ liveId: live.id, text: 'sold 2', delayMs: 300 });
		const backDated = sim.postComment({
			liveId: live.id,
			text: 'sold 3',
			createdTime: Math.floor(Date.now() / 1000) - 3600,
		});
		const ids = async () =>
			(
				(await graph(`/${live.id}/comments`, { order: 'chronological', access_token: token })).body
					.data as { id: string }[]
			).map((comment) => comment.id);
		const before = await ids();
		expect(before).not.toContain(late.id);
		expect(before[0]).toBe(backDated.id);
		await new Promise((resolve) => setTimeout(resolve, 350));
		expect(await ids()).toContain(late.id);
	});

	it('moves its clock ahead: viewers write what they would have meanwhile, late comments come due, Date follows', async () => {
		// A simulator of its own, so the other tests keep the machine's clock.
		const ahead = await startMetaSimulator({ appId, appSecret });
		try {
			const token = ahead.issuePageToken({ pageId: ahead.demo.page.id }).accessToken;
			const live = ahead.startFacebookLive({});
			const late = ahead.postComment({ liveId: live.id, text: 'sold 1', delayMs: 20_000 });
			const { viewersId } = ahead.startViewers({
				liveId: live.id,
				commentsPerSecond: 10,
				script: Array.from({ length: 2000 }, (_, index) => `line ${index}`),
			});
			const from = Date.now();
			const { now, written } = ahead.advanceClock({ ms: 120_000 });
			ahead.stopViewers({ viewersId });
			expect(written).toBe(1200);
			expect(Date.parse(now) - from).toBeGreaterThanOrEqual(120_000);

			const read: { id: string; message: string; created_time: string }[] = [];
			let answer = await fetch(
				`${ahead.graphUrl}/${live.id}/comments?order=chronological&limit=100&fields=id,message,created_time&access_token=${token}`,
			);
			expect(Date.parse(answer.headers.get('date')!)).toBeGreaterThanOrEqual(from + 119_000);
			for (;;) {
				const page = (await answer.json()) as {
					data: typeof read;
					paging?: { next?: string };
				};
				read.push(...page.data);
				if (!page.paging?.next) break;
				answer = await fetch(page.paging.next);
			}
			expect(read.map((comment) => comment.id)).toContain(late.id);
			const lines = read.filter((comment) => comment.message.startsWith('line '));
			// The first line or two came in real time; the rest are dated across the skipped two minutes.
			expect(lines.length).toBeGreaterThanOrEqual(1200);
			expect(lines.map((comment) => comment.message)).toEqual(
				lines.map((_, index) => `line ${index}`),
			);
			const times = lines.map((comment) => Date.parse(comment.created_time.replace('+0000', 'Z')));
			expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(118_000);
		} finally {
			await ahead.stop();
		}
	});
});

describe('Instagram webhooks', () => {
	let receiver: Server;
	let callbackUrl: string;
	const received: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];
	const answers: number[] = [];

	beforeAll(async () => {
		receiver = createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://receiver');
			if (req.method === 'GET') {
				const ok =
					url.searchParams.get('hub.mode') === 'subscribe' &&
					url.searchParams.get('hub.verify_token') === verifyToken;
				res
					.writeHead(ok ? 200 : 403)
					.end(ok ? (url.searchParams.get('hub.challenge') ?? '') : 'forbidden');
				return;
			}
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
				res.writeHead(answers.shift() ?? 200).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/functions/v1/ig-webhook`;
		sim.setWebhook({ callbackUrl, retryDelayMs: 50 });
		// As a connecting app does: Meta delivers an account's webhooks once its Page has installed the app.
		const subscribed = await graph(
			`/${sim.demo.page.id}/subscribed_apps`,
			{ subscribed_fields: 'feed', access_token: await pageToken() },
			{ method: 'POST' },
		);
		expect(subscribed.body).toEqual({ success: true });
	});

	afterAll(async () => {
		sim.setWebhook({ callbackUrl: null });
		await new Promise((resolve) => receiver.close(resolve));
	});

	beforeEach(() => {
		received.length = 0;
		answers.length = 0;
	});

	const payloads = () =>
		received.map(
			(delivery) =>
				JSON.parse(delivery.raw.toString('utf8')) as {
					object: string;
					entry: {
						id: string;
						time: number;
						changes: { field: string; value: { id: string; text: string } }[];
					}[];
				},
		);
	const commentIds = () =>
		payloads().flatMap((payload) =>
			payload.entry.flatMap((entry) => entry.changes.map((change) => change.value.id)),
		);
	const validSignature = (delivery: { headers: IncomingHttpHeaders; raw: Buffer }) =>
		delivery.headers['x-hub-signature-256'] ===
		`sha256=${createHmac('sha256', appSecret).update(delivery.raw).digest('hex')}`;

	it('performs the subscription handshake and reports the result', async () => {
		expect(await sim.verifyWebhook({ verifyToken })).toMatchObject({
			ok: true,
			status: 200,
			callbackUrl,
		});
		expect(await sim.verifyWebhook({ verifyToken: 'wrong' })).toMatchObject({
			ok: false,
			status: 403,
		});
	});

	it('delivers live_comments signed with the app secret over the exact bytes, in the reference shape', async () => {
		const media = sim.startInstagramLive({});
		const comment = sim.postComment({
			liveId: media.id,
			text: 'sold 22 💕',
			viewer: { name: 'Test Shopper' },
		});
		await waitFor(() => received.length === 1);
		const [delivery] = received;
		expect(delivery.headers['content-type']).toBe('application/json');
		expect(validSignature(delivery)).toBe(true);
		// Meta signs an escaped-unicode rendering: non-ASCII travels as \uXXXX.
		expect(delivery.raw.toString('utf8')).toContain('sold 22 \\ud83d\\udc95');
		expect(payloads()[0]).toEqual({
			object: 'instagram',
			entry: [
				{
					id: sim.demo.instagram?.id,
					time: expect.any(Number),
					changes: [
						{
							field: 'live_comments',
							value: {
								from: { id: comment.viewer.id, username: 'test.shopper' },
								media: { id: media.id, media_product_type: 'LIVE' },
								id: comment.id,
								text: 'sold 22 💕',
							},
						},
					],
				},
			],
		});
		sim.endInstagramLive({ mediaId: media.id });
	});

	it('delivers nothing for accounts whose Page has not subscribed the app, and records what it dropped', async () => {
		const account = sim.createAccount({
			userName: 'Quiet Seller',
			pageName: 'Quiet Shop',
			instagramUsername: 'quiet.shop',
		});
		const igUserId = account.instagram!.id;
		const media = sim.startInstagramLive({ igUserId });
		const subscriptions = async () =>
			(
				await control<{ pageId: string; instagramId: string; subscribedFields: string[] }[]>(
					'pageSubscriptions',
				)
			).body.find((page) => page.pageId === account.page.id);
		expect(await subscriptions()).toEqual({
			pageId: account.page.id,
			instagramId: igUserId,
			subscribedFields: [],
		});

		const unsent = sim.postComment({ liveId: media.id, text: 'sold 1' });
		await sim.flushWebhooks();
		expect(received).toEqual([]);
		const dropped = await fetch(`${sim.url}/_control/droppedWebhooks`);
		expect((await dropped.json()).recent).toContainEqual({
			at: expect.any(String),
			igUserId,
			pageId: account.page.id,
			commentId: unsent.id,
			reason: 'page_not_subscribed',
		});

		// Subscribing needs the Page token, pages_manage_metadata and a Page field; live_comments is an Instagram field.
		const token = await pageToken(account.page.id);
		const subscribe = (fields: string, accessToken = token) =>
			graph(
				`/${account.page.id}/subscribed_apps`,
				{ subscribed_fields: fields, access_token: accessToken },
				{ method: 'POST' },
			);
		expect((await subscribe('live_comments')).body.error).toMatchObject({
			code: 100,
			message: expect.stringContaining('Param subscribed_fields[0] must be one of'),
		});
		const userToken = sim.issueUserToken({
			userId: account.user.id,
			scopes: ['pages_show_list', 'pages_read_engagement', 'instagram_basic'],
		}).accessToken;
		const withoutMetadata = (
			(await graph('/me/accounts', { access_token: userToken })).body.data as {
				access_token: string;
			}[]
		)[0].access_token;
		expect((await subscribe('feed', withoutMetadata)).body.error).toMatchObject({
			code: 200,
			message:
				'(#200) To subscribe to the feed field, one of these permissions is needed: pages_manage_metadata',
		});
		expect((await subscribe('feed', userToken)).body.error?.code).toBe(210);
		expect(await subscriptions()).toMatchObject({ subscribedFields: [] });

		expect((await subscribe('feed')).body).toEqual({ success: true });
		expect(
			(await graph(`/${account.page.id}/subscribed_apps`, { access_token: token })).body,
		).toEqual({ data: [expect.objectContaining({ id: appId, subscribed_fields: ['feed'] })] });
		const sent = sim.postComment({ liveId: media.id, text: 'sold 2' });
		await sim.flushWebhooks();
		expect(commentIds()).toEqual([sent.id]);
		expect(payloads()[0].entry[0].id).toBe(igUserId);

		expect(
			(
				await graph(
					`/${account.page.id}/subscribed_apps`,
					{ access_token: token },
					{ method: 'DELETE' },
				)
			).body,
		).toEqual({ success: true });
		const unsentAgain = sim.postComment({ liveId: media.id, text: 'sold 3' });
		await sim.flushWebhooks();
		expect(commentIds()).toEqual([sent.id]);
		expect(sim.droppedWebhooks().recent.map((change) => change.commentId)).toEqual(
			expect.arrayContaining([unsent.id, unsentAgain.id]),
		);
		expect(sim.droppedWebhooks().recent.map((change) => change.commentId)).not.toContain(sent.id);
		expect(sim.droppedWebhooks().total).toBe(sim.droppedWebhooks().recent.length);
		sim.endInstagramLive({ mediaId: media.id });
	});

	it('retries a delivery the callback refused until it is accepted', async () => {
		const media = sim.startInstagramLive({});
		answers.push(500, 503);
		const comment = sim.postComment({ liveId: media.id, text: 'sold 3' });
		await waitFor(() => received.length === 3);
		await sim.flushWebhooks();
		expect(commentIds()).toEqual([comment.id, comment.id, comment.id]);
		const attempts = sim.webhookDeliveries().filter((attempt) => attempt.body.includes(comment.id));
		expect(attempts.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
			[1, 500],
			[2, 503],
			[3, 200],
		]);
		sim.endInstagramLive({ mediaId: media.id });
	});

	it('sends duplicates, out-of-order, batched and badly signed deliveries on request', async () => {
		const media = sim.startInstagramLive({});
		const post = (text: string) => sim.postComment({ liveId: media.id, text }).id;

		sim.setWebhookFaults({ duplicates: 1 });
		const duplicated = post('sold 1');
		await waitFor(() => received.length === 2);
		expect(commentIds()).toEqual([duplicated, duplicated]);
		expect(received[0].raw.equals(received[1].raw)).toBe(true);

		received.length = 0;
		sim.setWebhookFaults({ outOfOrder: true });
		const inOrder = [post('sold 2'), post('sold 3'), post('sold 4')];
		await sim.flushWebhooks();
		expect(commentIds()).toEqual([...inOrder].reverse());
		expect(received).toHaveLength(3);

		received.length = 0;
		sim.setWebhookFaults({ batchSize: 3 });
		const batched = [post('sold 5'), post('sold 6'), post('sold 7')];
		await sim.flushWebhooks();
		expect(received).toHaveLength(1);
		expect(payloads()[0].entry).toHaveLength(1);
		expect(commentIds()).toEqual(batched);
		expect(validSignature(received[0])).toBe(true);

		received.length = 0;
		sim.setWebhookFaults({ badSignature: true });
		post('sold 8');
		await sim.flushWebhooks();
		expect(received).toHaveLength(1);
		expect(received[0].headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
		expect(validSignature(received[0])).toBe(false);
		sim.endInstagramLive({ mediaId: media.id });
	});
});

describe('rate limits and faults', () => {
	it('sends usage headers that rise with calls', async () => {
		const token = await pageToken();
		sim.setUsage({ percentPerCall: 10, windowMs: 60_000 });
		const first = await graph('/me', { access_token: token });
		const second = await graph('/me', { access_token: token });
		const appUsage = (answer: GraphAnswer) =>
			JSON.parse(answer.headers.get('x-app-usage') ?? '{}') as {
				call_count: number;
				total_time: number;
				total_cputime: number;
			};
		expect(Object.keys(appUsage(first)).sort()).toEqual([
			'call_count',
			'total_cputime',
			'total_time',
		]);
		expect(appUsage(second).call_count).toBe(appUsage(first).call_count + 10);
		const business = JSON.parse(second.headers.get('x-business-use-case-usage') ?? '{}') as Record<
			string,
			{ type: string; call_count: number; estimated_time_to_regain_access: number }[]
		>;
		expect(business[sim.demo.page.id][0]).toMatchObject({
			type: 'pages',
			estimated_time_to_regain_access: 0,
		});
	});

	it('throttles on its own once usage reaches 100 %', async () => {
		const token = await pageToken();
		sim.setUsage({ baselinePercent: 95, percentPerCall: 100, windowMs: 60_000 });
		const answer = await graph('/me', { access_token: token });
		expect(answer.status).toBe(429);
		expect(answer.body.error).toMatchObject({
			code: 80001,
			is_transient: true,
			type: 'OAuthException',
		});
		const business = JSON.parse(answer.headers.get('x-business-use-case-usage') ?? '{}') as Record<
			string,
			{ call_count: number; estimated_time_to_regain_access: number }[]
		>;
		expect(business[sim.demo.page.id][0].call_count).toBeGreaterThanOrEqual(100);
		expect(business[sim.demo.page.id][0].estimated_time_to_regain_access).toBeGreaterThan(0);
	});

	it('throttles the next N matching calls with the code, status and regain time asked for', async () => {
		const token = await pageToken();
		const live = sim.startFacebookLive({});
		sim.throttle({ code: 32, calls: 2, path: '/comments', regainMinutes: 7 });
		const path = `/${live.id}/comments`;
		const throttled = [
			await graph(path, { access_token: token }),
			await graph('/me', { access_token: token }),
			await graph(path, { access_token: token }),
		];
		expect(throttled.map((answer) => answer.status)).toEqual([403, 200, 403]);
		expect(throttled[0].body.error).toEqual({
			message: '(#32) Page request limit reached',
			type: 'OAuthException',
			is_transient: true,
			code: 32,
			fbtrace_id: expect.any(String),
		});
		const business = JSON.parse(
			throttled[0].headers.get('x-business-use-case-usage') ?? '{}',
		) as Record<string, { estimated_time_to_regain_access: number }[]>;
		expect(business[sim.demo.page.id][0].estimated_time_to_regain_access).toBe(7);
		expect((await graph(path, { access_token: token })).status).toBe(200);

		sim.throttle({ code: 4, forMs: 200 });
		const app = await graph('/me', { access_token: token });
		expect(app.status).toBe(403);
		expect(app.body.error?.code).toBe(4);
		expect(JSON.parse(app.headers.get('x-app-usage') ?? '{}').call_count).toBeGreaterThanOrEqual(
			100,
		);
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect((await graph('/me', { access_token: token })).status).toBe(200);

		sim.throttle({ code: 613 });
		expect((await graph('/me', { access_token: token })).body.error).toMatchObject({ code: 613 });
	});

	it('injects transient 5xx errors and slow responses', async () => {
		const token = await pageToken();
		sim.injectServerErrors({ calls: 1 });
		const failed = await graph('/me', { access_token: token });
		expect(failed.status).toBe(500);
		expect(failed.body.error).toMatchObject({ code: 1, is_transient: true });
		sim.injectServerErrors({ status: 503 });
		expect((await graph('/me', { access_token: token })).body.error).toMatchObject({
			code: 2,
			is_transient: true,
		});
		expect((await graph('/me', { access_token: token })).status).toBe(200);

		sim.delayResponses({ ms: 300 });
		const started = performance.now();
		expect((await graph('/me', { access_token: token })).status).toBe(200);
		expect(performance.now() - started).toBeGreaterThanOrEqual(290);
	});
});

describe('access tokens', () => {
	it('refuses missing, unparseable, expired and revoked tokens with Meta codes', async () => {
		const live = sim.startFacebookLive({});
		expect((await graph(`/${live.id}/comments`)).body.error).toMatchObject({ code: 104 });
		const garbage = await graph('/me', { access_token: 'EAAB-not-a-token' });
		expect(garbage.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
		expect(garbage.body.error).not.toHaveProperty('error_subcode');
		expect(garbage.headers.get('www-authenticate')).toContain('invalid_token');

		const expiring = await pageToken();
		expect(sim.invalidateTokens({ token: expiring })).toEqual({ invalidated: 1 });
		const expired = await graph(`/${live.id}/comments`, { access_token: expiring });
		expect(expired.status).toBe(400);
		expect(expired.body.error).toMatchObject({
			code: 190,
			error_subcode: 463,
			message: expect.stringMatching(
				/^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d P[SD]T\. The current time is /,
			),
		});

		// The user removes the app: their user and Page tokens fail with 458, tokens of other users do not.
		const other = sim.createAccount({
			userName: 'Other Seller',
			pageName: 'Other Shop',
			instagramUsername: null,
		});
		const otherToken = sim.issuePageToken({ pageId: other.page.id }).accessToken;
		const userToken = sim.issueUserToken({ userId: sim.demo.user.id }).accessToken;
		const derived = (
			(await graph('/me/accounts', { access_token: userToken })).body.data as {
				access_token: string;
			}[]
		)[0].access_token;
		expect(
			(
				await graph(
					'/me/permissions',
					{},
					{ method: 'DELETE', headers: { authorization: `Bearer ${userToken}` } },
				)
			).body,
		).toEqual({ success: true });
		for (const revoked of [userToken, derived]) {
			expect((await graph('/me', { access_token: revoked })).body.error).toMatchObject({
				code: 190,
				error_subcode: 458,
				message: `Error validating access token: The user has not authorized application ${appId}.`,
			});
		}
		const debug = await graph('/debug_token', {
			input_token: derived,
			access_token: `${appId}|${appSecret}`,
		});
		expect(debug.body.data).toMatchObject({ is_valid: false, error: { code: 190, subcode: 458 } });
		expect((await graph('/me', { access_token: otherToken })).body).toEqual({
			name: 'Other Shop',
			id: other.page.id,
		});
	});

	it("keeps one Page away from another Page's objects", async () => {
		const other = sim.createAccount({
			userName: 'Third Seller',
			pageName: 'Third Shop',
			instagramUsername: 'third.shop',
		});
		const otherToken = sim.issuePageToken({ pageId: other.page.id }).accessToken;
		const live = sim.startFacebookLive({ pageId: sim.demo.page.id });
		const answer = await graph(`/${live.id}/comments`, { access_token: otherToken });
		expect(answer.body.error).toMatchObject({
			code: 100,
			error_subcode: 33,
			type: 'GraphMethodException',
		});
		expect(
			(await graph(`/${sim.demo.page.id}/live_videos`, { access_token: otherToken })).body.error,
		).toMatchObject({ code: 100, error_subcode: 33 });
	});
});

describe('robustness', () => {
	it('answers Meta error objects for unknown paths, edges and bad input, and keeps serving', async () => {
		const token = await pageToken();
		expect((await graph('/me/accounts/extra', { access_token: token })).body.error).toMatchObject({
			code: 2500,
			message: 'Unknown path components: /extra',
		});
		expect(
			(await graph(`/${sim.demo.page.id}/videos_of_cats`, { access_token: token })).body.error,
		).toMatchObject({
			code: 100,
			message: '(#100) Tried accessing nonexisting field (videos_of_cats) on node type (Page)',
		});
		const badJson = await graph(
			`/${sim.demo.page.id}/subscribed_apps`,
			{},
			{
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: `OAuth ${token}` },
				body: '{"subscribed_fields":',
			},
		);
		expect(badJson.body.error?.code).toBe(100);
		const badCursor = await graph(`/${sim.demo.page.id}/live_videos`, {
			after: '%%%',
			access_token: token,
		});
		expect(badCursor.body.error?.code).toBe(100);
		expect((await graph('/me', { access_token: token })).status).toBe(200);
	});
});

describe('HTTP control API', () => {
	it('drives accounts, lives, comments, viewers and the request log over JSON', async () => {
		const account = await control<{
			user: { id: string };
			page: { id: string; name: string };
			instagram: { username: string };
		}>('createAccount', {
			userName: 'Http Seller',
			pageName: 'Http Shop',
			instagramUsername: 'http.shop',
		});
		expect(account.status).toBe(200);
		expect(account.body.instagram.username).toBe('http.shop');
		const token = (
			await control<{ accessToken: string }>('issuePageToken', { pageId: account.body.page.id })
		).body.accessToken;
		const live = (
			await control<{ id: string; status: string }>('startFacebookLive', {
				pageId: account.body.page.id,
				title: 'Over HTTP',
			})
		).body;
		expect(live.status).toBe('LIVE');
		const comment = await control<{ id: string; platform: string }>('postComment', {
			liveId: live.id,
			text: 'sold 9',
			viewer: { name: 'Http Viewer' },
		});
		expect(comment.body.platform).toBe('facebook');

		const script = ['sold 1', '1 sold', 'Sold #2!!', 'pass 1'];
		const crowd = await control<{ viewersId: string }>('startViewers', {
			liveId: live.id,
			commentsPerSecond: 100,
			script,
		});
		expect(crowd.status).toBe(200);
		await waitFor(
			() =>
				(sim.state().facebookLives.find((candidate) => candidate.id === live.id)?.commentCount ??
					0) === 5,
		);
		await control('clearRequests');
		const messages = (
			(
				await graph(`/${live.id}/comments`, {
					fields: 'message',
					limit: '100',
					access_token: token,
				})
			).body.data as { message: string }[]
		).map((entry) => entry.message);
		expect(messages).toEqual(['sold 9', ...script]);

		const log = await fetch(`${sim.url}/_control/requests?path=/comments`);
		expect(await log.json()).toEqual([
			expect.objectContaining({
				method: 'GET',
				path: `/${live.id}/comments`,
				status: 200,
				query: expect.objectContaining({ access_token: expect.stringMatching(/^EAAG.{6}…$/) }),
			}),
		]);

		expect((await control('startFacebookLive', { pageId: 'not-a-number' })).status).toBe(400);
		expect((await control('endFacebookLive', { liveId: '42' })).status).toBe(404);
		expect((await control('endFacebookLive', { liveId: live.id })).status).toBe(200);
		expect((await control('endFacebookLive', { liveId: live.id })).status).toBe(409);
		expect((await control('noSuchThing')).status).toBe(404);
		const badJson = await fetch(`${sim.url}/_control/postComment`, { method: 'POST', body: '{' });
		expect(badJson.status).toBe(400);
	});

	it('runs realistic viewer traffic until stopped', async () => {
		const live = sim.startFacebookLive({});
		const { viewersId } = sim.startViewers({
			liveId: live.id,
			commentsPerSecond: 100,
			viewerCount: 20,
			hiddenShare: 0.2,
		});
		const count = () =>
			sim.state().facebookLives.find((candidate) => candidate.id === live.id)?.commentCount ?? 0;
		await waitFor(() => count() >= 40);
		expect(sim.stopViewers({ viewersId })).toEqual({ stopped: 1 });
		const stoppedAt = count();
		await new Promise((resolve) => setTimeout(resolve, 150));
		expect(count()).toBe(stoppedAt);

		const token = await pageToken();
		const comments = (
			await graph(`/${live.id}/comments`, {
				fields: 'message,from',
				limit: '100',
				access_token: token,
			})
		).body.data as { message: string; from?: unknown }[];
		expect(comments.some((comment) => /\bsold\b/i.test(comment.message))).toBe(true);
		expect(comments.some((comment) => !('from' in comment))).toBe(true);
		expect(comments.some((comment) => 'from' in comment)).toBe(true);
	});
});
