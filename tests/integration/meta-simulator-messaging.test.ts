// The Meta simulator's messaging: replies to comments: private replies (`POST /{page-id}/messages` with
// `recipient: {comment_id}`) under Meta's rules, public replies under Facebook comments, their
// permissions, normal messages within the 24-hour window, viewers writing to the Page as signed
// messaging webhooks, and the control API's view of each thread. No stack.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetaSimulator, type MetaSimulator } from '../../stack/meta-simulator/index.ts';

let sim: MetaSimulator;

beforeAll(async () => {
	sim = await startMetaSimulator({ appId: '1234567890123456', appSecret: 'messaging-secret' });
});

afterAll(async () => {
	await sim?.stop();
});

interface Answer {
	status: number;
	headers: Headers;
	body: Record<string, unknown> & { error?: { code: number; error_subcode?: number } };
}

async function post(path: string, token: string, body: Record<string, unknown>): Promise<Answer> {
	const response = await fetch(`${sim.graphUrl}${path}?access_token=${token}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return {
		status: response.status,
		headers: response.headers,
		body: (await response.json()) as Answer['body'],
	};
}

const privateReply = (pageId: string, token: string, commentId: string, text = 'You got #12') =>
	post(`/${pageId}/messages`, token, { recipient: { comment_id: commentId }, message: { text } });

/** A Page token granted only `scopes`, as /me/accounts hands it out. */
async function pageTokenWith(scopes: string[]): Promise<string> {
	const user = sim.issueUserToken({
		userId: sim.demo.user.id,
		scopes: ['pages_show_list', ...scopes] as never,
	});
	const response = await fetch(
		`${sim.graphUrl}/me/accounts?fields=id,access_token&access_token=${user.accessToken}`,
	);
	const accounts = (await response.json()) as { data: { id: string; access_token: string }[] };
	return accounts.data.find((account) => account.id === sim.demo.page.id)!.access_token;
}

describe('private replies', () => {
	it('takes exactly one per comment, and the viewer receives it', async () => {
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 12', viewer: { name: 'Ana' } });
		const first = await privateReply(sim.demo.page.id, token, comment.id);
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({ recipient_id: comment.viewer.id });
		expect(String(first.body.message_id)).toMatch(/^m_/);
		expect(first.headers.get('x-business-use-case-usage')).toContain(sim.demo.page.id);

		const second = await privateReply('me', token, comment.id, 'again');
		expect(second.status).toBe(400);
		expect(second.body.error).toMatchObject({ code: 10, error_subcode: 2534014 });

		const [thread] = sim.viewerMessages({ viewerId: comment.viewer.id });
		expect(thread.messages.map((message) => [message.commentId, message.text])).toEqual([
			[comment.id, 'You got #12'],
		]);
	});

	it('closes 7 days after a Facebook comment and when an Instagram live ends', async () => {
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const live = sim.startFacebookLive({});
		const old = sim.postComment({
			liveId: live.id,
			text: 'sold 3',
			createdTime: Math.floor(Date.now() / 1000) - 8 * 86_400,
		});
		const late = await privateReply(sim.demo.page.id, token, old.id);
		expect(late.body.error).toMatchObject({ code: 10, error_subcode: 2018278 });

		const media = sim.startInstagramLive({});
		const during = sim.postComment({ liveId: media.id, text: 'sold 4' });
		const after = sim.postComment({ liveId: media.id, text: 'sold 5' });
		expect((await privateReply(sim.demo.page.id, token, during.id)).status).toBe(200);
		sim.endInstagramLive({ mediaId: media.id });
		const ended = await privateReply(sim.demo.page.id, token, after.id);
		expect(ended.body.error).toMatchObject({ code: 10, error_subcode: 2018278 });
	});

	it('needs pages_messaging and a comment of the Page', async () => {
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 1' });
		const withoutMessaging = await pageTokenWith(['pages_read_engagement']);
		const refused = await privateReply(sim.demo.page.id, withoutMessaging, comment.id);
		expect(refused.status).toBe(403);
		expect(refused.body.error).toMatchObject({ code: 230 });

		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const unknown = await privateReply(sim.demo.page.id, token, `${live.id}_1`);
		expect(unknown.body.error).toMatchObject({ code: 100, error_subcode: 2018001 });
	});

	it('is throttled like every Graph call', async () => {
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 2' });
		sim.throttle({ code: 80001, regainMinutes: 2, path: '/messages' });
		const throttled = await privateReply(sim.demo.page.id, token, comment.id);
		expect(throttled.status).toBe(429);
		expect(throttled.body.error).toMatchObject({ code: 80001 });
		expect(throttled.headers.get('x-business-use-case-usage')).toContain(
			'"estimated_time_to_regain_access":2',
		);
		// Nothing was delivered, so the reply may still be sent.
		expect((await privateReply(sim.demo.page.id, token, comment.id)).status).toBe(200);
	});
});

const normalMessage = (
	pageId: string,
	token: string,
	recipientId: string,
	text: string,
	messagingType: string | null = 'RESPONSE',
) =>
	post(`/${pageId}/messages`, token, {
		recipient: { id: recipientId },
		...(messagingType === null ? {} : { messaging_type: messagingType }),
		message: { text },
	});

describe('normal messages to a recipient id', () => {
	it("go out only within 24 hours of the viewer's last message, and the thread keeps both ways", async () => {
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 7', viewer: { name: 'Bea' } });
		const reply = await privateReply(sim.demo.page.id, token, comment.id, 'You got #7');
		const psid = String(reply.body.recipient_id);
		expect(psid).toBe(comment.viewer.id);

		// A private reply does not open the window: the viewer has not written yet.
		const early = await normalMessage(sim.demo.page.id, token, psid, 'Your cart: #7');
		expect(early.status).toBe(400);
		expect(early.body.error).toMatchObject({ code: 10, error_subcode: 2018278 });

		sim.sendViewerMessage({ senderId: psid, text: 'cart' });
		const answer = await normalMessage('me', token, psid, 'Your cart: #7');
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ recipient_id: psid });
		expect(String(answer.body.message_id)).toMatch(/^m_/);
		const [thread] = sim.viewerMessages({ viewerId: psid });
		expect(thread.messages.map((message) => [message.direction, message.text])).toEqual([
			['outbound', 'You got #7'],
			['inbound', 'cart'],
			['outbound', 'Your cart: #7'],
		]);
		expect(thread.messages[2]).toMatchObject({
			commentId: null,
			viewerScopedId: psid,
			platform: 'facebook',
		});

		sim.advanceClock({ ms: 24 * 60 * 60 * 1000 });
		sim.advanceClock({ ms: 1000 });
		const late = await normalMessage(sim.demo.page.id, token, psid, 'Still there?');
		expect(late.body.error).toMatchObject({ code: 10, error_subcode: 2018278 });
		expect(sim.viewerMessages({ viewerId: psid })[0].messages).toHaveLength(3);
	});

	it('reach an Instagram viewer by IGSID with instagram_manage_messages, and need a messaging type', async () => {
		const media = sim.startInstagramLive({});
		const comment = sim.postComment({ liveId: media.id, text: 'sold 2', viewer: { name: 'Cy' } });
		const igsid = comment.viewer.id;
		const written = sim.sendViewerMessage({
			senderId: igsid,
			platform: 'instagram',
			text: 'total?',
		});
		expect(written).toMatchObject({ direction: 'inbound', viewerScopedId: igsid });

		const pageId = sim.demo.page.id;
		const withoutInstagram = await pageTokenWith(['pages_messaging']);
		const refused = await normalMessage(pageId, withoutInstagram, igsid, 'Total: 12.00');
		expect(refused.status).toBe(403);
		const token = sim.issuePageToken({ pageId }).accessToken;
		const untyped = await normalMessage(pageId, token, igsid, 'Total: 12.00', null);
		expect(untyped.body.error).toMatchObject({ code: 100 });
		const sent = await normalMessage(pageId, token, igsid, 'Total: 12.00');
		expect(sent.body).toMatchObject({ recipient_id: igsid });
		const unknown = await normalMessage(pageId, token, '99999999', 'hello');
		expect(unknown.body.error).toMatchObject({ code: 100, error_subcode: 2018001 });
	});
});

describe('public replies', () => {
	it('posts under a Facebook comment with pages_manage_engagement and lists them', async () => {
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 9' });
		const withoutEngagement = await pageTokenWith(['pages_read_engagement']);
		const refused = await post(`/${comment.id}/comments`, withoutEngagement, { message: 'hi' });
		expect(refused.status).toBe(403);
		expect(refused.body.error).toMatchObject({ code: 200 });

		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const reply = await post(`/${comment.id}/comments`, token, { message: 'You got #9!' });
		expect(reply.status).toBe(200);
		const listed = await fetch(`${sim.graphUrl}/${comment.id}/comments?access_token=${token}`);
		expect(await listed.json()).toMatchObject({
			data: [{ id: reply.body.id, message: 'You got #9!', from: { id: sim.demo.page.id } }],
		});
		const control = await fetch(`${sim.url}/_control/commentReplies?commentId=${comment.id}`);
		expect(await control.json()).toMatchObject([{ commentId: comment.id, message: 'You got #9!' }]);
	});
});

describe('viewers writing to the Page', () => {
	const received: { headers: IncomingHttpHeaders; raw: string; path: string }[] = [];
	const answers: number[] = [];
	const receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({
				headers: req.headers,
				raw: Buffer.concat(chunks).toString('utf8'),
				path: req.url ?? '',
			});
			res.writeHead(answers.shift() ?? 200).end();
		});
	});
	const deliveriesTo = (path: string) =>
		received.filter((delivery) => delivery.path === path).map((delivery) => delivery);

	beforeAll(async () => {
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
		sim.setWebhook({ object: 'page', callbackUrl: `${base}/page`, retryDelayMs: 20 });
		sim.setWebhook({ callbackUrl: `${base}/instagram`, retryDelayMs: 20 });
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		// Messenger events need the Page's own subscription to messages (and message_echoes).
		const subscribed = await post(`/${sim.demo.page.id}/subscribed_apps`, token, {
			subscribed_fields: 'messages,message_echoes',
		});
		expect(subscribed.body).toEqual({ success: true });
	});

	afterAll(async () => {
		sim.setWebhook({ object: 'page', callbackUrl: null });
		sim.setWebhook({ callbackUrl: null });
		sim.setViewerReplies({ share: 0 });
		await new Promise((resolve) => receiver.close(resolve));
	});

	it('delivers what a viewer writes as a signed Messenger webhook, retried until accepted', async () => {
		const live = sim.startFacebookLive({});
		const comment = sim.postComment({ liveId: live.id, text: 'sold 3', viewer: { name: 'Dee' } });
		answers.push(500);
		const written = sim.sendViewerMessage({ senderId: comment.viewer.id, text: 'Kabuuan?' });
		await sim.flushWebhooks();
		await new Promise((resolve) => setTimeout(resolve, 100));
		await sim.flushWebhooks();
		const attempts = deliveriesTo('/page').filter((delivery) =>
			delivery.raw.includes(written.messageId),
		);
		expect(attempts).toHaveLength(2);
		const [first, second] = attempts;
		expect(second.raw).toBe(first.raw);
		expect(first.headers['x-hub-signature-256']).toBe(
			`sha256=${createHmac('sha256', 'messaging-secret').update(first.raw).digest('hex')}`,
		);
		expect(JSON.parse(first.raw)).toMatchObject({
			object: 'page',
			entry: [
				{
					id: sim.demo.page.id,
					messaging: [
						{
							sender: { id: comment.viewer.id },
							recipient: { id: sim.demo.page.id },
							timestamp: new Date(written.sentAt).getTime(),
							message: { mid: written.messageId, text: 'Kabuuan?' },
						},
					],
				},
			],
		});
	});

	it("answers some private replies with `cart`, and the Page's messages come back as echoes", async () => {
		sim.setViewerReplies({ share: 1, delayMs: 10 });
		const token = sim.issuePageToken({ pageId: sim.demo.page.id }).accessToken;
		const media = sim.startInstagramLive({});
		const comment = sim.postComment({ liveId: media.id, text: 'sold 8', viewer: { name: 'Eli' } });
		const reply = await privateReply(sim.demo.page.id, token, comment.id, 'You got #8');
		expect(reply.body.recipient_id).toBe(comment.viewer.id);
		await new Promise((resolve) => setTimeout(resolve, 100));
		await sim.flushWebhooks();
		const [thread] = sim
			.viewerMessages()
			.filter((candidate) =>
				candidate.messages.some((message) => message.commentId === comment.id),
			);
		expect(thread.messages.map((message) => [message.direction, message.text])).toEqual([
			['outbound', 'You got #8'],
			['inbound', 'cart'],
		]);
		expect(thread.messages[1].messageId).not.toBe(thread.messages[0].messageId);
		const events = deliveriesTo('/instagram')
			.flatMap(
				(delivery) => (JSON.parse(delivery.raw) as { entry: { messaging?: unknown[] }[] }).entry,
			)
			.flatMap((entry) => entry.messaging ?? []);
		const igUserId = sim.demo.instagram!.id;
		expect(events).toContainEqual(
			expect.objectContaining({
				sender: { id: igUserId },
				recipient: { id: comment.viewer.id },
				message: expect.objectContaining({ is_echo: true, text: 'You got #8' }),
			}),
		);
		expect(events).toContainEqual(
			expect.objectContaining({
				sender: { id: comment.viewer.id },
				recipient: { id: igUserId },
				message: { mid: thread.messages[1].messageId, text: 'cart' },
			}),
		);
	});
});
