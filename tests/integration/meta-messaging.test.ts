// The buyer inbox end to end, on a stack of its own whose functions talk to the Meta simulator:
// a simulated viewer writes to the Page (Messenger) or to its Instagram account, the simulator
// delivers Meta's signed messaging webhook (meta-messaging for the `page` object, ig-webhook for
// `instagram`), and the message lands in the buyer's conversation; a forged delivery stores
// nothing; a `cart` is answered through the outbox: queued with the message, sent by meta-outbox
// to the buyer at the simulator.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetaSimulator, type MetaSimulator } from '../../stack/meta-simulator/index.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';
import { asUser, createUser, rpc, serviceRole } from '../support/db.ts';
import { startTestStack } from '../support/start-test-stack.ts';

const APP_ID = '987654321012377';
const APP_SECRET = randomBytes(16).toString('hex');
const VERIFY_TOKEN = randomBytes(12).toString('hex');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

const root = mkdtempSync(join(tmpdir(), 'lsl-messaging-'));
let simulator: MetaSimulator;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;

beforeAll(async () => {
	simulator = await startMetaSimulator({ appId: APP_ID, appSecret: APP_SECRET });
	const envFile = join(root, '.env');
	writeFileSync(
		envFile,
		[
			`META_APP_ID=${APP_ID}`,
			`META_APP_SECRET=${APP_SECRET}`,
			`META_GRAPH_URL=${simulator.graphUrl}`,
			`META_DIALOG_URL=${simulator.dialogUrl}`,
			`META_WEBHOOK_VERIFY_TOKEN=${VERIFY_TOKEN}`,
			`TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`,
		].join('\n'),
	);
	stack = await startTestStack(() => {}, { functionsEnvFile: envFile });
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
	const functions = `${stack.env.SUPABASE_URL}/functions/v1`;
	simulator.setWebhook({ callbackUrl: `${functions}/ig-webhook`, retryDelayMs: 100 });
	simulator.setWebhook({
		object: 'page',
		callbackUrl: `${functions}/meta-messaging`,
		retryDelayMs: 100,
	});
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
	timeoutMs = 10_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(20);
	}
}

/** A workspace connected to a new simulated Page (and its Instagram account), which installed the app for messages. */
async function seller(name: string) {
	const account = simulator.createAccount({
		userName: `${name} Seller`,
		pageName: `${name} Shop`,
		instagramUsername: `${name.toLowerCase()}.shop`,
	});
	const user = await createUser(db);
	const token = simulator.issuePageToken({ pageId: account.page.id }).accessToken;
	const encrypted = await (await createTokenCipher(ENCRYPTION_KEY)).encrypt(token);
	const { rows: connections } = await db.query<{ id: string; platform: string }>(
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name)
		values ($1, 'facebook', $2, $3), ($1, 'instagram', $4, $5) returning id, platform`,
		[user.workspaceId, account.page.id, account.page.name, account.instagram!.id, name],
	);
	for (const connection of connections)
		await db.query(
			'insert into private.social_connection_tokens (connection_id, encrypted_access_token) values ($1, $2)',
			[connection.id, encrypted],
		);
	// As the connecting app does (POST /{page-id}/subscribed_apps with the Page token).
	const subscribed = await fetch(`${simulator.graphUrl}/${account.page.id}/subscribed_apps`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			subscribed_fields: 'feed,messages,message_echoes',
			access_token: token,
		}),
	});
	expect(subscribed.status).toBe(200);
	const facebookConnectionId = connections.find((row) => row.platform === 'facebook')!.id;
	return { account, user, workspaceId: user.workspaceId, facebookConnectionId };
}

async function threadOf(workspaceId: string, buyer: string) {
	const { rows } = await db.query<{
		conversation_id: string;
		platform: string;
		unread_count: number;
		direction: string;
		text: string;
		created_at: Date;
	}>(
		`select c.id as conversation_id, c.platform, c.unread_count, m.direction, m.text, m.created_at
		from public.conversations c join public.conversation_messages m on m.conversation_id = c.id
		where c.workspace_id = $1 and c.buyer_platform_id = $2 order by m.sent_at, m.created_at`,
		[workspaceId, buyer],
	);
	return rows;
}

describe('messaging webhooks', () => {
	it('answers the subscription handshake on meta-messaging', async () => {
		const verified = await simulator.verifyWebhook({ object: 'page', verifyToken: VERIFY_TOKEN });
		expect(verified).toMatchObject({ ok: true, status: 200 });
		const refused = await simulator.verifyWebhook({ object: 'page', verifyToken: 'wrong' });
		expect(refused).toMatchObject({ ok: false, status: 403 });
	});

	it('stores what a viewer writes on Messenger in their conversation', async () => {
		const { account, workspaceId } = await seller('Messenger');
		const live = simulator.startFacebookLive({ pageId: account.page.id });
		const viewer = simulator.postComment({
			liveId: live.id,
			text: 'hi',
			viewer: { name: 'Ana' },
		}).viewer;
		const started = Date.now();
		simulator.sendViewerMessage({
			senderId: viewer.id,
			pageId: account.page.id,
			text: 'Is #4 still there?',
		});
		const [message] = await waitFor('the conversation', async () => {
			const rows = await threadOf(workspaceId, viewer.id);
			return rows.length > 0 && rows;
		});
		console.log(`webhook -> conversation: ${Date.now() - started} ms`);
		expect(message).toMatchObject({
			platform: 'facebook',
			direction: 'inbound',
			text: 'Is #4 still there?',
			unread_count: 1,
		});
	});

	it('stores nothing from a forged delivery, which Meta sends again', async () => {
		const { account, workspaceId } = await seller('Forged');
		const live = simulator.startFacebookLive({ pageId: account.page.id });
		const viewer = simulator.postComment({
			liveId: live.id,
			text: 'hi',
			viewer: { name: 'Bo' },
		}).viewer;
		simulator.setWebhookFaults({ object: 'page', badSignature: true });
		try {
			const written = simulator.sendViewerMessage({
				senderId: viewer.id,
				pageId: account.page.id,
				text: 'forged?',
			});
			const attempt = await waitFor('the refused delivery', () =>
				simulator
					.webhookDeliveries()
					.find(
						(delivery) => delivery.body.includes(written.messageId) && delivery.status !== null,
					),
			);
			expect(attempt).toMatchObject({ object: 'page', status: 401 });
		} finally {
			simulator.setWebhookFaults({ object: 'page' });
		}
		expect(await threadOf(workspaceId, viewer.id)).toEqual([]);
	});

	it('takes Instagram messages at ig-webhook and answers cart in the outbox', async () => {
		const { account, workspaceId } = await seller('Insta');
		const media = simulator.startInstagramLive({ igUserId: account.instagram!.id });
		const viewer = simulator.postComment({
			liveId: media.id,
			text: 'hi',
			viewer: { name: 'Cy' },
		}).viewer;
		simulator.sendViewerMessage({
			senderId: viewer.id,
			pageId: account.page.id,
			platform: 'instagram',
			text: 'Cart',
		});
		const [message] = await waitFor('the Instagram conversation', async () => {
			const rows = await threadOf(workspaceId, viewer.id);
			return rows.length > 0 && rows;
		});
		expect(message).toMatchObject({ platform: 'instagram', direction: 'inbound', unread_count: 0 });
		const { rows: answers } = await db.query(
			`select event, channel, recipient_id, text from public.buyer_messages where conversation_id = $1`,
			[message.conversation_id],
		);
		expect(answers).toEqual([
			expect.objectContaining({
				event: 'keyword_answer',
				channel: 'message',
				recipient_id: viewer.id,
				text: expect.stringContaining('we found no open order for you'),
			}),
		]);
	});
});

/** POSTs a body to meta-messaging signed with the app secret, as Meta does. */
function deliverSigned(body: string) {
	return fetch(`${stack.env.SUPABASE_URL}/functions/v1/meta-messaging`, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
		},
		body,
	});
}

describe('bad deliveries', () => {
	it('keeps a message whose text holds NUL, refuses broken JSON, and stores nothing unsigned', async () => {
		const { account, workspaceId } = await seller('Nul');
		const event = (mid: string, text: string) =>
			JSON.stringify({
				object: 'page',
				entry: [
					{
						id: account.page.id,
						time: Date.now(),
						messaging: [
							{
								sender: { id: 'psid-nul' },
								recipient: { id: account.page.id },
								timestamp: Date.now(),
								message: { mid, text },
							},
						],
					},
				],
			});
		const stored = await deliverSigned(event('m_nul_1', 'size\u0000 M?'));
		expect(stored.status).toBe(200);
		expect(await stored.json()).toMatchObject({ results: [{ outcome: 'stored' }] });
		expect((await threadOf(workspaceId, 'psid-nul')).map((row) => row.text)).toEqual(['size M?']);

		const broken = await deliverSigned('{"object": "page", "entry": [');
		expect(broken.status).toBe(400);
		const unsigned = await fetch(`${stack.env.SUPABASE_URL}/functions/v1/meta-messaging`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: event('m_nul_2', 'unsigned'),
		});
		expect(unsigned.status).toBe(401);
		expect(await threadOf(workspaceId, 'psid-nul')).toHaveLength(1);
	});
});

describe('keyword answers at the simulator', () => {
	it('a viewer who claimed answers the private reply with cart and gets their order', async () => {
		const { account, user, facebookConnectionId } = await seller('Cart');
		const live = simulator.startFacebookLive({ pageId: account.page.id });
		await db.query('select public.meta_confirm_lives($1, $2)', [facebookConnectionId, [live.id]]);
		const operator = asUser(user);
		const show = await rpc<{ id: string }>(db, operator, 'create_show', {
			workspace_id: user.workspaceId,
			platform: 'facebook',
			name: 'Cart show',
			connection_id: facebookConnectionId,
		});
		await rpc(db, operator, 'add_show_items', { show_id: show.id, items: ['1-3'] });
		await db.query(
			`update public.show_items set price = 1500, title = 'Linen top' where show_id = $1`,
			[show.id],
		);
		await rpc(db, operator, 'activate_show', { show_id: show.id, live_id: live.id });
		simulator.setViewerReplies({ share: 1, delayMs: 100 });
		try {
			const comment = simulator.postComment({
				liveId: live.id,
				text: 'sold 2',
				viewer: { name: 'Dana Cruz' },
			});
			await rpc(db, serviceRole, 'ingest_comment', {
				comment: {
					show_id: show.id,
					platform: 'facebook',
					live_id: live.id,
					comment_id: comment.id,
					platform_user_id: comment.viewer.id,
					user_handle: null,
					user_display_name: comment.viewer.name,
					text: comment.text,
					created_at: comment.createdTime,
				},
			});
			const thread = await waitFor(
				'the automatic answer at the simulator',
				() => {
					const [found] = simulator.viewerMessages({ viewerId: comment.viewer.id });
					const answer = found.messages.find(
						(message) => message.direction === 'outbound' && message.commentId === null,
					);
					return answer && found.messages;
				},
				20_000,
			);
			const cart = thread.find((message) => message.direction === 'inbound')!;
			const answer = thread.find(
				(message) => message.direction === 'outbound' && message.commentId === null,
			)!;
			console.log(
				`cart -> answer at the simulator: ${Date.parse(answer.sentAt) - Date.parse(cart.sentAt)} ms`,
			);
			expect(cart.text).toBe('cart');
			expect(answer.text).toBe(
				'Automatic answer: your order\n#2 Linen top x1 15.00 USD\nTotal: 15.00 USD',
			);
			// The echo of the answer comes back and is stored once, as the Page's message.
			const rows = await waitFor('the echo in the conversation', async () => {
				const stored = await threadOf(user.workspaceId, comment.viewer.id);
				return stored.some((row) => row.text === answer.text) && stored;
			});
			expect(rows.map((row) => [row.direction, row.text])).toEqual(
				expect.arrayContaining([
					['inbound', 'cart'],
					['outbound', answer.text],
				]),
			);
		} finally {
			simulator.setViewerReplies({ share: 0 });
		}
	});
});
