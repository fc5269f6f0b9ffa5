// Buyer messages about orders and variants: queued in the transaction of the order change or the
// variant request that causes them, once per event and order (a reissued payment link is new),
// routed as Meta allows (a private reply on a comment not yet answered, else a normal message
// within 24 hours of the buyer's last message, else skipped with the reason), the hold-expiring
// reminder queued once by the sender's lease, and a win waiting for its payment link.
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDeadline } from '../../src/lib/buyer-message-preview.ts';
import { ownerPool } from '../support/clients.ts';
import {
	actAs,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { addVariants, commentOn, createShow, ingest, type ShowRow } from './fixtures.ts';

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

interface MessageRow {
	id: string;
	order_id: string | null;
	variant_request_id: string | null;
	comment_id: string | null;
	recipient_id: string | null;
	conversation_id: string | null;
	event: string;
	channel: string;
	text: string;
	status: string;
	reason_code: string | null;
	reason: string | null;
}

interface OrderRow {
	id: string;
	buyer_key: string;
	status: string;
	due_at: string | null;
	payment_url: string | null;
}

const now = () => new Date().toISOString();

/** A seller whose workspace gives 24 hours to pay, with an owned Facebook show of priced items. */
async function sellerWithShow(
	workspace: Record<string, unknown> = {},
): Promise<{ seller: TestUser; show: ShowRow }> {
	const seller = await createUser(owner);
	await owner.query(
		`update public.workspaces set pay_within_hours = 24, invoicing_mode = coalesce($2, invoicing_mode) where id = $1`,
		[seller.workspaceId, workspace.invoicing_mode ?? null],
	);
	const { show } = await createShow(api, seller, ['1-5'], { owned: true });
	await owner.query(`update public.show_items set price = 1250 where show_id = $1`, [show.id]);
	return { seller, show };
}

async function messagesOfWorkspace(workspaceId: string): Promise<MessageRow[]> {
	const { rows } = await owner.query<MessageRow>(
		`select * from public.buyer_messages where workspace_id = $1 order by created_at, event, channel`,
		[workspaceId],
	);
	return rows;
}

async function orderOf(workspaceId: string, buyerKey: string): Promise<OrderRow> {
	const { rows } = await owner.query<OrderRow>(
		`select * from public.orders where workspace_id = $1 and buyer_key = $2 order by created_at desc limit 1`,
		[workspaceId, buyerKey],
	);
	return rows[0];
}

/** The invoicing worker's two steps for the workspace's requested orders, or one given order. */
async function invoice(
	workspaceId: string,
	buyerKey: string,
	url = `https://pay.example.test/${randomUUID()}`,
) {
	await owner.query(
		`update public.orders set invoice_requested_at = coalesce(invoice_requested_at, now())
		where workspace_id = $1 and buyer_key = $2 and status = 'open'`,
		[workspaceId, buyerKey],
	);
	const taken = await rpc<{ order: OrderRow; workspace_id: string }[]>(
		api,
		serviceRole,
		'take_invoice_requests',
		{ max_orders: 100, workspace_ids: `{${workspaceId}}` },
	);
	const order = taken.find((entry) => entry.order.buyer_key === buyerKey)!.order;
	await rpc(api, serviceRole, 'mark_order_invoiced', {
		order_id: order.id,
		provider: 'stripe',
		external_invoice_id: `in_${order.id}`,
		payment_url: url,
	});
	return { orderId: order.id, url };
}

/** The sender's lease (service role), narrowed to the workspace's rows. */
async function lease(workspaceId: string) {
	const rows = await rpc<
		{ id: string; event: string; channel: string; comment_id: string | null; lease_token: string }[]
	>(api, serviceRole, 'meta_outbox_lease', { max_rows: 1000, lease_seconds: 30 });
	const ids = new Set((await messagesOfWorkspace(workspaceId)).map((row) => row.id));
	return rows.filter((row) => ids.has(row.id));
}

/** The won private reply went out, and Meta answered it with the buyer's recipient id. */
async function privateReplySent(workspaceId: string, recipientId: string | null = null) {
	await owner.query(
		`update public.buyer_messages set status = 'sent', sent_at = now(), carrier_id = id, sent_text = text,
			recipient_id = $2, lease_token = null, lease_until = null
		where workspace_id = $1 and channel = 'private_reply' and event = 'won'`,
		[workspaceId, recipientId],
	);
}

describe('order events', () => {
	it('queues the payment link in the invoicing transaction as a private reply, once per link', async () => {
		const { seller, show } = await sellerWithShow();
		await ingest(
			api,
			commentOn(show, 'ann', 'sold 1', { created_at: now(), user_display_name: 'Ann' }),
		);
		await owner.query(
			`update public.orders set invoice_requested_at = now() where workspace_id = $1`,
			[seller.workspaceId],
		);
		const [{ order }] = await rpc<{ order: OrderRow }[]>(
			api,
			serviceRole,
			'take_invoice_requests',
			{
				max_orders: 10,
				workspace_ids: `{${seller.workspaceId}}`,
			},
		);
		// Inside the invoicing transaction, then rolled back: no message is left.
		const rollback = new Error('roll back');
		let inside: MessageRow[] = [];
		await expect(
			actAs(api, serviceRole, async (client) => {
				await client.query(
					`select public.mark_order_invoiced($1, 'stripe', 'in_rolled', 'https://pay.example.test/a')`,
					[order.id],
				);
				inside = (
					await client.query<MessageRow>(
						`select * from public.buyer_messages where order_id = $1`,
						[order.id],
					)
				).rows;
				throw rollback;
			}),
		).rejects.toBe(rollback);
		expect(inside.map((row) => [row.event, row.channel, row.status])).toEqual([
			['invoice_ready', 'private_reply', 'queued'],
		]);
		expect(await messagesOfWorkspace(seller.workspaceId)).not.toContainEqual(
			expect.objectContaining({ event: 'invoice_ready' }),
		);

		await rpc(api, serviceRole, 'mark_order_invoiced', {
			order_id: order.id,
			provider: 'stripe',
			external_invoice_id: 'in_kept',
			payment_url: 'https://pay.example.test/a',
		});
		const invoiced = await orderOf(seller.workspaceId, 'ann');
		const won = (await messagesOfWorkspace(seller.workspaceId)).find(
			(row) => row.event === 'won' && row.channel === 'private_reply',
		)!;
		const [ready] = (await messagesOfWorkspace(seller.workspaceId)).filter(
			(row) => row.event === 'invoice_ready',
		);
		// On the comment whose private reply is still to go: both go out as one.
		expect(ready).toMatchObject({
			channel: 'private_reply',
			comment_id: won.comment_id,
			status: 'queued',
		});
		expect(ready.text).toBe(
			`Your total is 12.50 USD. Pay here: https://pay.example.test/a Please pay by ${formatDeadline(invoiced.due_at!)} to keep your items.`,
		);
		expect(formatDeadline(invoiced.due_at!)).toMatch(
			/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d UTC$/,
		);

		// The same link again is no new message; a reissued link is.
		await rpc(api, serviceRole, 'mark_order_invoiced', {
			order_id: order.id,
			provider: 'stripe',
			external_invoice_id: 'in_kept',
			payment_url: 'https://pay.example.test/a',
		});
		await owner.query(`update public.orders set payment_url = payment_url where id = $1`, [
			order.id,
		]);
		expect(
			(await messagesOfWorkspace(seller.workspaceId)).filter(
				(row) => row.event === 'invoice_ready',
			),
		).toHaveLength(1);
		await owner.query(
			`update public.orders set payment_url = 'https://pay.example.test/b' where id = $1`,
			[order.id],
		);
		expect(
			(await messagesOfWorkspace(seller.workspaceId))
				.filter((row) => row.event === 'invoice_ready')
				.map((row) => row.text.includes('/b ')),
		).toEqual([false, true]);
	});

	it('goes as a normal message within 24 hours of the buyer writing, and is skipped with the reason after', async () => {
		const { seller, show } = await sellerWithShow();
		await ingest(api, commentOn(show, 'bo', 'sold 1', { created_at: now() }));
		await privateReplySent(seller.workspaceId);
		// The comment had its private reply and the buyer never wrote: nothing reaches them.
		await invoice(seller.workspaceId, 'bo', 'https://pay.example.test/first');
		const [skipped] = (await messagesOfWorkspace(seller.workspaceId)).filter(
			(row) => row.event === 'invoice_ready',
		);
		expect(skipped).toMatchObject({
			channel: 'private_reply',
			status: 'skipped',
			reason_code: 'window_closed',
			reason: 'window closed: the buyer has not written in 24 hours; hand the link over yourself',
		});

		// Meta answered the private reply with the buyer's recipient id; the buyer wrote back an hour ago.
		await privateReplySent(seller.workspaceId, 'psid-bo');
		const { rows: connection } = await owner.query<{ connection_id: string }>(
			`select connection_id from public.shows where id = $1`,
			[show.id],
		);
		const { rows: conversation } = await owner.query<{ id: string }>(
			`insert into public.conversations (workspace_id, connection_id, platform, buyer_platform_id, last_inbound_at)
			values ($1, $2, 'facebook', 'psid-bo', now() - interval '1 hour') returning id`,
			[seller.workspaceId, connection[0].connection_id],
		);
		await owner.query(
			`update public.orders set payment_url = 'https://pay.example.test/second' where workspace_id = $1`,
			[seller.workspaceId],
		);
		const message = (await messagesOfWorkspace(seller.workspaceId)).find((row) =>
			row.text.includes('/second'),
		)!;
		expect(message).toMatchObject({
			channel: 'message',
			recipient_id: 'psid-bo',
			conversation_id: conversation[0].id,
			status: 'queued',
		});
		expect((await lease(seller.workspaceId)).map((row) => row.id)).toContain(message.id);

		// The window closed before it went: skipped, never attempted.
		await owner.query(
			`update public.buyer_messages set lease_token = null, lease_until = null where id = $1`,
			[message.id],
		);
		await owner.query(
			`update public.conversations set last_inbound_at = now() - interval '25 hours' where id = $1`,
			[conversation[0].id],
		);
		expect(await lease(seller.workspaceId)).toEqual([]);
		expect(
			(await messagesOfWorkspace(seller.workspaceId)).find((row) => row.id === message.id),
		).toMatchObject({
			status: 'skipped',
			reason_code: 'window_closed',
		});
	});

	it('tells the buyer once when they pay, and when their hold expires', async () => {
		const { seller, show } = await sellerWithShow();
		await ingest(
			api,
			commentOn(show, 'cy', 'sold 1', { created_at: now(), user_display_name: 'Cy' }),
		);
		await ingest(
			api,
			commentOn(show, 'di', 'sold 2', { created_at: now(), user_display_name: 'Di' }),
		);
		await ingest(
			api,
			commentOn(show, 'di', 'sold 3', { created_at: now(), user_display_name: 'Di' }),
		);
		const paid = await invoice(seller.workspaceId, 'cy');
		const expiring = await invoice(seller.workspaceId, 'di');
		for (let replay = 0; replay < 2; replay += 1)
			await rpc(api, serviceRole, 'record_payment_event', {
				workspace_id: seller.workspaceId,
				provider: 'stripe',
				external_invoice_id: `in_${paid.orderId}`,
				kind: 'paid',
				amount: 1250,
				occurred_at: now(),
			});
		await owner.query(
			`update public.orders set due_at = now() - interval '1 minute' where id = $1`,
			[expiring.orderId],
		);
		await rpc(api, serviceRole, 'expire_unpaid_orders', { max_orders: 1000 });
		const texts = (await messagesOfWorkspace(seller.workspaceId))
			.filter((row) => row.event === 'payment_received' || row.event === 'hold_expired')
			.map((row) => [row.event, row.channel, row.text]);
		expect(texts).toEqual([
			['payment_received', 'private_reply', 'Thank you Cy, we received your payment of 12.50 USD.'],
			[
				'hold_expired',
				'private_reply',
				'Sorry Di, the time to pay has passed, so your items went to the next buyer in line.',
			],
		]);
	});

	it('queues the hold-expiring reminder once, within the hours the workspace chose', async () => {
		const { seller, show } = await sellerWithShow();
		await ingest(api, commentOn(show, 'ed', 'sold 1', { created_at: now() }));
		const { orderId } = await invoice(seller.workspaceId, 'ed');
		// The pass runs at most every 30 seconds: each lease here may run it.
		const reminderPass = () =>
			owner.query(`update private.hold_expiring_passes set last_run_at = '-infinity'`);
		const reminders = async () =>
			(await messagesOfWorkspace(seller.workspaceId)).filter(
				(row) => row.event === 'hold_expiring',
			);
		await reminderPass();
		await lease(seller.workspaceId);
		// Due in 24 hours: not yet (2 hours before by default).
		expect(await reminders()).toEqual([]);
		await owner.query(
			`update public.orders set invoiced_at = now() - interval '23 hours', due_at = now() + interval '90 minutes' where id = $1`,
			[orderId],
		);
		await reminderPass();
		await lease(seller.workspaceId);
		await reminderPass();
		await lease(seller.workspaceId);
		const queued = await reminders();
		expect(queued).toHaveLength(1);
		expect(queued[0].text).toMatch(
			/^Reminder: your items are held until .* UTC\. Pay 12\.50 USD here: https:/,
		);

		// Switched off: no reminder.
		const other = await sellerWithShow();
		await rpc(api, asUser(other.seller), 'set_buyer_message_settings', {
			workspace_id: other.seller.workspaceId,
			settings: { hold_expiring: { enabled: false } },
		});
		await ingest(api, commentOn(other.show, 'fi', 'sold 1', { created_at: now() }));
		const off = await invoice(other.seller.workspaceId, 'fi');
		await owner.query(
			`update public.orders set invoiced_at = now() - interval '23 hours', due_at = now() + interval '1 hour' where id = $1`,
			[off.orderId],
		);
		await reminderPass();
		await lease(other.seller.workspaceId);
		expect(
			(await messagesOfWorkspace(other.seller.workspaceId)).filter(
				(row) => row.event === 'hold_expiring',
			),
		).toEqual([]);
	});

	it('reads hours_before written as 2.0 straight into the settings as 2, and keeps leasing', async () => {
		const { seller, show } = await sellerWithShow();
		await queryAs(
			api,
			asUser(seller),
			`update public.workspaces set settings = jsonb_set(settings, '{buyer_messages}', '{"hold_expiring": {"hours_before": 2.0}}') where id = $1`,
			[seller.workspaceId],
		);
		await ingest(api, commentOn(show, 'hal', 'sold 1', { created_at: now() }));
		const { orderId } = await invoice(seller.workspaceId, 'hal');
		await owner.query(
			`update public.orders set invoiced_at = now() - interval '23 hours', due_at = now() + interval '90 minutes' where id = $1`,
			[orderId],
		);
		for (let run = 0; run < 2; run += 1) {
			await owner.query(`update private.hold_expiring_passes set last_run_at = '-infinity'`);
			await lease(seller.workspaceId);
		}
		expect(
			(await messagesOfWorkspace(seller.workspaceId)).filter(
				(row) => row.event === 'hold_expiring',
			),
		).toHaveLength(1);
		const settings = await rpc<{ events: { hold_expiring: { hours_before: unknown } } }>(
			api,
			asUser(seller),
			'buyer_message_settings',
			{ workspace_id: seller.workspaceId },
		);
		expect(settings.events.hold_expiring.hours_before).toBe(2);
	});

	it('holds a win for its payment link when invoicing at each win, then leases both together', async () => {
		const { seller, show } = await sellerWithShow({ invoicing_mode: 'each_win' });
		await ingest(api, commentOn(show, 'gil', 'sold 4', { created_at: now() }));
		const first = await lease(seller.workspaceId);
		expect(first.map((row) => row.channel)).toEqual(['public_reply']);
		await invoice(seller.workspaceId, 'gil');
		const both = await lease(seller.workspaceId);
		expect(both.map((row) => [row.event, row.channel])).toEqual([
			['won', 'private_reply'],
			['invoice_ready', 'private_reply'],
		]);
		expect(new Set(both.map((row) => row.comment_id)).size).toBe(1);
	});
});

describe('messages in a conversation', () => {
	it('leases a seller reply, which has no show, while the window is open and skips it after', async () => {
		const { seller, show } = await sellerWithShow();
		const { rows } = await owner.query<{ id: string }>(
			`insert into public.conversations (workspace_id, connection_id, platform, buyer_platform_id, last_inbound_at)
			select $1, connection_id, 'facebook', 'psid-reply', now() from public.shows where id = $2 returning id`,
			[seller.workspaceId, show.id],
		);
		const reply = await rpc<MessageRow>(api, asUser(seller), 'send_conversation_reply', {
			conversation_id: rows[0].id,
			text: 'Your parcel leaves tomorrow.',
			request_key: randomUUID(),
		});
		expect((await lease(seller.workspaceId)).map((row) => row.id)).toEqual([reply.id]);

		const later = await rpc<MessageRow>(api, asUser(seller), 'send_conversation_reply', {
			conversation_id: rows[0].id,
			text: 'And here is the tracking number.',
			request_key: randomUUID(),
		});
		await owner.query(
			`update public.conversations set last_inbound_at = now() - interval '25 hours' where id = $1`,
			[rows[0].id],
		);
		expect(await lease(seller.workspaceId)).toEqual([]);
		expect(
			(await messagesOfWorkspace(seller.workspaceId)).find((row) => row.id === later.id),
		).toMatchObject({
			status: 'skipped',
			reason: 'window closed: the buyer has not written in 24 hours; tell them yourself',
		});
	});
});

describe('needs a variant', () => {
	it('asks which variant under the comment, listing them, in the request transaction', async () => {
		const { seller, show } = await sellerWithShow();
		await addVariants(owner, show.id, '9', [{ label: 'Red / S' }, { label: 'Blue / M' }]);
		const result = await ingest(
			api,
			commentOn(show, 'hal', 'sold 9', { created_at: now(), user_handle: 'hal' }),
		);
		expect(result.results[0].outcome).toBe('needs_variant');
		const asked = (await messagesOfWorkspace(seller.workspaceId)).filter(
			(row) => row.event === 'needs_variant',
		);
		expect(asked.map((row) => [row.channel, row.text, row.variant_request_id])).toEqual([
			[
				'public_reply',
				'@hal which one of #9 would you like: Blue / M, Red / S? Comment again with your choice.',
				result.results[0].variant_request!.id,
			],
		]);
	});
});

describe('settings', () => {
	it('keeps order messages private, takes hours_before 1-48, and fills in the defaults', async () => {
		const seller = await createUser(owner);
		const save = (settings: unknown) =>
			rpc(api, asUser(seller), 'set_buyer_message_settings', {
				workspace_id: seller.workspaceId,
				settings,
			});
		await expect(save({ invoice_ready: { channel: 'both' } })).rejects.toMatchObject({
			code: '22023',
			message: 'invoice_ready goes by private message only',
		});
		await expect(save({ invoice_ready: { public_template: 'pay {link}' } })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(save({ hold_expiring: { hours_before: 0 } })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(save({ hold_expiring: { hours_before: 1.5 } })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(save({ won: { hours_before: 3 } })).rejects.toMatchObject({ code: '22023' });
		const saved = await save({
			hold_expiring: { hours_before: 6, private_template: 'Pay {total} by {deadline}: {link}' },
		});
		expect((saved as { events: Record<string, unknown> }).events).toMatchObject({
			hold_expiring: {
				enabled: true,
				channel: 'private',
				hours_before: 6,
				private_template: 'Pay {total} by {deadline}: {link}',
			},
			invoice_ready: { channel: 'private' },
			needs_variant: { channel: 'public' },
		});
		expect(
			(saved as { events: { invoice_ready: object } }).events.invoice_ready,
		).not.toHaveProperty('public_template');
	});
});
