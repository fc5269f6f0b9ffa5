// The buyer inbox in the database: Meta's messaging webhook events stored as conversations
// (idempotent by mid, echoes as outbound, bad events beside good ones), keyword answers queued in
// the outbox in the same transaction, the buyer's orders beside the thread, marking read and the
// seller's reply within the 24-hour window, and workspaces reading only their own.
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type ShowRow } from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

interface Ingested {
	status: string;
	results: {
		mid?: string;
		outcome: string;
		reason?: string;
		direction?: string;
		keyword?: string | null;
		answered?: boolean;
	}[];
}

interface ConversationRow {
	id: string;
	workspace_id: string;
	platform: string;
	buyer_platform_id: string;
	buyer_handle: string | null;
	buyer_name: string | null;
	last_inbound_at: string | null;
	unread_count: number;
}

const ingestEvents = (payload: unknown) =>
	rpc<Ingested>(api, serviceRole, 'ingest_messaging_events', { payload });

/** A Messenger delivery for the Page: each event a message from (or, echoed, to) a buyer. */
function messengerDelivery(
	pageId: string,
	events: { buyer: string; text?: string; mid?: string; echo?: boolean; at?: number }[],
) {
	return {
		object: 'page',
		entry: [
			{
				id: pageId,
				time: Date.now(),
				messaging: events.map((event) => ({
					sender: { id: event.echo ? pageId : event.buyer },
					recipient: { id: event.echo ? event.buyer : pageId },
					timestamp: event.at ?? Date.now(),
					message: {
						mid: event.mid ?? `m_${randomUUID()}`,
						...(event.text === undefined ? {} : { text: event.text }),
						...(event.echo ? { is_echo: true, app_id: 1234 } : {}),
					},
				})),
			},
		],
	};
}

async function conversationOf(workspaceId: string, buyer: string): Promise<ConversationRow> {
	const { rows } = await owner.query<ConversationRow>(
		'select * from public.conversations where workspace_id = $1 and buyer_platform_id = $2',
		[workspaceId, buyer],
	);
	expect(rows).toHaveLength(1);
	return rows[0];
}

async function threadOf(conversationId: string) {
	const { rows } = await owner.query<{
		direction: string;
		text: string | null;
		external_message_id: string;
	}>(
		'select direction, text, external_message_id from public.conversation_messages where conversation_id = $1 order by sent_at, created_at',
		[conversationId],
	);
	return rows;
}

async function answersOf(conversationId: string) {
	const { rows } = await owner.query<{
		event: string;
		channel: string;
		recipient_id: string;
		text: string;
		order_id: string | null;
		status: string;
		idempotency_key: string;
	}>('select * from public.buyer_messages where conversation_id = $1 order by created_at', [
		conversationId,
	]);
	return rows;
}

/** A seller whose Facebook Page is connected, with a running show on it. */
async function sellerWithPage(): Promise<{ user: TestUser; pageId: string; show: ShowRow }> {
	const user = await createUser(owner);
	const { show } = await createShow(api, user, ['1', '2'], { owned: true });
	const { rows } = await owner.query<{ external_account_id: string }>(
		'select external_account_id from public.social_connections where id = $1',
		[show.connection_id],
	);
	await owner.query(
		`update public.show_items set price = case item_number when '1' then 1250 else 800 end, title = case item_number when '1' then 'Silk scarf' else 'Belt' end where show_id = $1`,
		[show.id],
	);
	return { user, pageId: rows[0].external_account_id, show };
}

describe('ingesting messaging webhooks', () => {
	it('stores each message once in the buyer conversation, echoes as outbound, and counts unread', async () => {
		const { user, pageId } = await sellerWithPage();
		const mid = `m_${randomUUID()}`;
		const at = Date.UTC(2026, 11, 1, 5, 0, 0);
		const first = await ingestEvents(
			messengerDelivery(pageId, [{ buyer: 'psid-1', text: 'is #2 still there?', mid, at }]),
		);
		expect(first.results).toEqual([
			expect.objectContaining({ mid, outcome: 'stored', direction: 'inbound', answered: false }),
		]);
		// Meta delivers again (at least once): nothing is stored twice.
		const again = await ingestEvents(
			messengerDelivery(pageId, [{ buyer: 'psid-1', text: 'is #2 still there?', mid, at }]),
		);
		expect(again.results).toEqual([expect.objectContaining({ mid, outcome: 'duplicate' })]);
		await ingestEvents(
			messengerDelivery(pageId, [
				{ buyer: 'psid-1', text: 'Yes, it is!', echo: true, at: at + 1000 },
			]),
		);

		const conversation = await conversationOf(user.workspaceId, 'psid-1');
		expect(conversation).toMatchObject({ platform: 'facebook', unread_count: 1 });
		expect(new Date(conversation.last_inbound_at!).getTime()).toBe(at);
		expect((await threadOf(conversation.id)).map((row) => [row.direction, row.text])).toEqual([
			['inbound', 'is #2 still there?'],
			['outbound', 'Yes, it is!'],
		]);
	});

	it('reports bad events beside the good ones, and keeps long texts to 2000 characters', async () => {
		const { user, pageId } = await sellerWithPage();
		const good = messengerDelivery(pageId, [{ buyer: 'psid-2', text: 'x'.repeat(2500) }]);
		const payload = {
			object: 'page',
			entry: [
				{
					id: pageId,
					messaging: ['not an event', { sender: { id: 'psid-2' }, read: { watermark: 1 } }],
				},
				{
					id: pageId,
					messaging: [
						{ sender: { id: 'psid-2' }, recipient: { id: pageId }, message: { text: 'no mid' } },
					],
				},
				{
					id: pageId,
					messaging: [
						{
							sender: { id: 'psid-2' },
							recipient: { id: 'another-page' },
							message: { mid: 'm_x', text: 'hi' },
						},
					],
				},
				{
					id: 'page-nobody-connected',
					messaging: [
						{
							sender: { id: 'psid-2' },
							recipient: { id: 'page-nobody-connected' },
							message: { mid: 'm_y', text: 'hi' },
						},
					],
				},
				...good.entry,
			],
		};
		const result = await ingestEvents(payload);
		expect(result.results.map((entry) => entry.reason ?? entry.outcome)).toEqual([
			'not_a_message',
			'not_a_message',
			'malformed_message',
			'malformed_message',
			'no_active_connection',
			'stored',
		]);
		const conversation = await conversationOf(user.workspaceId, 'psid-2');
		const [stored] = await threadOf(conversation.id);
		expect(stored.text).toHaveLength(2000);
		expect(await ingestEvents({ object: 'user', entry: [] })).toMatchObject({ status: 'ignored' });
		expect(await ingestEvents(['not an object'])).toMatchObject({ status: 'ignored' });
	});
});

describe('keyword answers', () => {
	it('answers cart with the open order (lines, total, link), once per mid, in the same transaction', async () => {
		const { user, pageId, show } = await sellerWithPage();
		await ingest(api, commentOn(show, 'psid-3', 'sold 1 sold 2'));
		const mid = `m_${randomUUID()}`;
		const delivery = messengerDelivery(pageId, [{ buyer: 'psid-3', text: ' Cárt! ', mid }]);
		const result = await ingestEvents(delivery);
		expect(result.results).toEqual([expect.objectContaining({ keyword: 'cart', answered: true })]);
		await ingestEvents(delivery);

		const conversation = await conversationOf(user.workspaceId, 'psid-3');
		// Answered without a person: nothing waits for the seller.
		expect(conversation).toMatchObject({
			unread_count: 0,
			buyer_handle: 'handle_psid-3',
			buyer_name: 'User psid-3',
		});
		const answers = await answersOf(conversation.id);
		expect(answers).toHaveLength(1);
		expect(answers[0]).toMatchObject({
			event: 'keyword_answer',
			channel: 'message',
			recipient_id: 'psid-3',
			status: 'queued',
			idempotency_key: `keyword_answer:${conversation.id}:${mid}`,
		});
		expect(answers[0].order_id).not.toBeNull();
		expect(answers[0].text).toBe(
			'Automatic answer: your order\n#1 Silk scarf x1 12.50 USD\n#2 Belt x1 8.00 USD\nTotal: 20.50 USD',
		);

		await owner.query(
			`update public.orders set payment_url = 'https://pay.example/inv_1' where id = $1`,
			[answers[0].order_id],
		);
		await ingestEvents(messengerDelivery(pageId, [{ buyer: 'psid-3', text: 'PAY' }]));
		const paid = (await answersOf(conversation.id)).at(-1)!;
		expect(paid.text).toBe(
			'Automatic answer: your order\nTotal: 20.50 USD\nPay here: https://pay.example/inv_1',
		);
	});

	it('tells a buyer without an order so politely, and leaves anything else to the seller', async () => {
		const { user, pageId } = await sellerWithPage();
		await ingestEvents(
			messengerDelivery(pageId, [
				{ buyer: 'psid-4', text: 'magkano?' },
				{ buyer: 'psid-4', text: 'can I pay tomorrow?' },
			]),
		);
		const conversation = await conversationOf(user.workspaceId, 'psid-4');
		const answers = await answersOf(conversation.id);
		expect(answers.map((answer) => answer.text)).toEqual([
			expect.stringContaining('we found no open order for you'),
		]);
		expect(conversation.unread_count).toBe(1);
	});

	it('finds the order through the private reply Meta answered with this id', async () => {
		const { user, pageId, show } = await sellerWithPage();
		// The comment named the buyer differently; the private reply's answer named them psid-5.
		await ingest(api, commentOn(show, 'commenter-5', 'sold 2'));
		await owner.query(
			`update public.buyer_messages set recipient_id = 'psid-5' where show_id = $1 and buyer_key = 'commenter-5' and channel = 'private_reply'`,
			[show.id],
		);
		await ingestEvents(messengerDelivery(pageId, [{ buyer: 'psid-5', text: 'total' }]));
		const conversation = await conversationOf(user.workspaceId, 'psid-5');
		expect((await answersOf(conversation.id)).map((answer) => answer.text)).toEqual([
			'Automatic answer: your order\nTotal: 8.00 USD',
		]);
		const orders = await queryAs<{ buyer_key: string }>(
			api,
			asUser(user),
			'select buyer_key from public.conversation_orders($1)',
			[conversation.id],
		);
		expect(orders.map((order) => order.buyer_key)).toEqual(['commenter-5']);
	});
});

describe('the console: read, reply, and only your own workspace', () => {
	it('marks read, queues a reply within 24 hours once per request key, and refuses after', async () => {
		const { user, pageId } = await sellerWithPage();
		const assistant = await createUser(owner);
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		await ingestEvents(messengerDelivery(pageId, [{ buyer: 'psid-6', text: 'hello' }]));
		const conversation = await conversationOf(user.workspaceId, 'psid-6');

		const read = await rpc<ConversationRow>(api, asUser(assistant), 'mark_conversation_read', {
			conversation_id: conversation.id,
		});
		expect(read.unread_count).toBe(0);
		const requestKey = randomUUID();
		const reply = () =>
			rpc<{ id: string; event: string; recipient_id: string; status: string }>(
				api,
				asUser(assistant),
				'send_conversation_reply',
				{
					conversation_id: conversation.id,
					text: '  Yes, #2 is yours!  ',
					request_key: requestKey,
				},
			);
		const first = await reply();
		expect(first).toMatchObject({
			event: 'seller_reply',
			recipient_id: 'psid-6',
			status: 'queued',
		});
		expect((await reply()).id).toBe(first.id);
		const { rows: audit } = await owner.query(
			`select action from public.audit_log where workspace_id = $1 and action like 'conversation.%' order by created_at`,
			[user.workspaceId],
		);
		expect(audit.map((row) => row.action)).toEqual(['conversation.read', 'conversation.reply']);

		await expect(
			rpc(api, asUser(assistant), 'send_conversation_reply', {
				conversation_id: conversation.id,
				text: '   ',
				request_key: randomUUID(),
			}),
		).rejects.toMatchObject({ code: '22023' });
		await owner.query(
			`update public.conversations set last_inbound_at = '2026-11-01T10:00:00Z' where id = $1`,
			[conversation.id],
		);
		await expect(
			rpc(api, asUser(assistant), 'send_conversation_reply', {
				conversation_id: conversation.id,
				text: 'Still there?',
				request_key: randomUUID(),
			}),
		).rejects.toMatchObject({
			code: 'PT409',
			message: expect.stringContaining('the 24-hour window closed at 2026-11-02 10:00 UTC'),
		});
	});

	it('shows another workspace nothing, and keeps ingestion to the service role', async () => {
		const { user, pageId } = await sellerWithPage();
		await ingestEvents(messengerDelivery(pageId, [{ buyer: 'psid-7', text: 'hello' }]));
		const conversation = await conversationOf(user.workspaceId, 'psid-7');
		const stranger = await createUser(owner);
		const as = asUser(stranger);
		expect(
			await queryAs(api, as, 'select * from public.conversations where id = $1', [conversation.id]),
		).toEqual([]);
		expect(
			await queryAs(
				api,
				as,
				'select * from public.conversation_messages where conversation_id = $1',
				[conversation.id],
			),
		).toEqual([]);
		expect(
			await queryAs(api, as, 'select * from public.conversation_orders($1)', [conversation.id]),
		).toEqual([]);
		await expect(
			rpc(api, as, 'mark_conversation_read', { conversation_id: conversation.id }),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			rpc(api, as, 'send_conversation_reply', {
				conversation_id: conversation.id,
				text: 'hi',
				request_key: randomUUID(),
			}),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			rpc(api, asUser(user), 'ingest_messaging_events', { payload: messengerDelivery(pageId, []) }),
		).rejects.toMatchObject({ code: '42501' });
	});
});
