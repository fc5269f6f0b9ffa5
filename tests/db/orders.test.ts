// Buyer orders: lines follow claims (wins, passes, releases, promotions, awards; never test
// claims), one open order per buyer per workspace or per show, totals in integer minor units with
// shipping (USD, JPY, KWD), and the functions the invoicing worker and the payment webhook call:
// request_invoices, take_invoice_requests, mark_order_invoiced, mark_order_invoice_failed,
// record_payment_event (replays, out of order) and expire_unpaid_orders (the waitlist promotes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { ownerPool, signedInUser } from '../support/clients.ts';
import {
	actAs,
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type LiveShow } from './fixtures.ts';

interface OrderRow {
	id: string;
	workspace_id: string;
	show_id: string | null;
	platform_user_id: string | null;
	user_handle: string | null;
	buyer_key: string;
	currency: string;
	status: string;
	subtotal: number;
	shipping: number;
	total: number;
	unpriced_lines: number;
	paid_amount: number | null;
	refunded_amount: number;
	invoice_requested_at: string | null;
	invoice_attempts: number;
	next_invoice_attempt_at: string | null;
	last_invoice_error: string | null;
	external_invoice_id: string | null;
	payment_url: string | null;
	lines_changed_after_invoice_at: string | null;
	voided_at: string | null;
	void_requested_at: string | null;
	void_attempts: number;
	next_void_attempt_at: string | null;
	last_void_error: string | null;
	void_settled_at: string | null;
	void_outcome: string | null;
	late_payment_at: string | null;
	late_payment_resolution: string | null;
	late_payment_resolved_at: string | null;
	superseded_invoice_ids: string[];
	invoiced_at: string | null;
	due_at: string | null;
	paid_at: string | null;
}

interface LineRow {
	order_id: string;
	claim_id: string;
	show_id: string;
	item_number: string;
	unit_price: number | null;
	quantity: number;
	line_total: number | null;
	removed_at: string | null;
}

interface TakenOrder {
	order: OrderRow;
	lines: LineRow[];
	workspace_id: string;
	currency: string;
	currency_minor_unit: number;
}

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

/** A seller with their own workspace, its order settings set as given. */
async function seller(settings: Record<string, unknown> = {}): Promise<TestUser> {
	const user = await createUser(owner);
	await setWorkspace(user.workspaceId, settings);
	return user;
}

async function setWorkspace(workspaceId: string, settings: Record<string, unknown>) {
	for (const [column, value] of Object.entries(settings))
		await owner.query(`update public.workspaces set ${column} = $2 where id = $1`, [
			workspaceId,
			value,
		]);
}

/** A running show whose items (number -> price in minor units, null for none) have one unit each. */
async function showWithPrices(
	user: TestUser,
	prices: Record<string, number | null>,
	quantities: Record<string, number> = {},
): Promise<LiveShow> {
	const live = await createShow(
		api,
		user,
		Object.keys(prices).map((number) => ({
			item_number: number,
			quantity: quantities[number] ?? 1,
		})),
	);
	for (const [number, price] of Object.entries(prices))
		await owner.query('update public.show_items set price = $2 where id = $1', [
			live.items.get(number),
			price,
		]);
	return live;
}

async function ordersOf(workspaceId: string): Promise<OrderRow[]> {
	// As JSON, so bigint amounts come back as numbers.
	const { rows } = await owner.query<{ row: OrderRow }>(
		'select to_jsonb(o) as row from public.orders o where workspace_id = $1 order by created_at, id',
		[workspaceId],
	);
	return rows.map(({ row }) => row);
}

async function orderOf(workspaceId: string, buyerKey: string, status = 'open'): Promise<OrderRow> {
	const found = (await ordersOf(workspaceId)).filter(
		(order) => order.buyer_key === buyerKey && order.status === status,
	);
	expect(found).toHaveLength(1);
	return found[0];
}

async function linesOf(orderId: string): Promise<LineRow[]> {
	const { rows } = await owner.query<{ row: LineRow }>(
		'select to_jsonb(l) as row from public.order_lines l where order_id = $1 order by item_number, created_at',
		[orderId],
	);
	return rows.map(({ row }) => row);
}

async function auditOf(
	entityId: string,
): Promise<{ action: string; details: Record<string, unknown> }[]> {
	const { rows } = await owner.query(
		'select action, details from public.audit_log where entity_id = $1 order by created_at, id',
		[entityId],
	);
	return rows as { action: string; details: Record<string, unknown> }[];
}

/** Takes every requested order of the workspace and marks it invoiced with a fresh invoice id. */
async function invoiceAll(workspaceId: string): Promise<Map<string, string>> {
	const taken = await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', {
		max_orders: 100,
	});
	const invoices = new Map<string, string>();
	for (const { order } of taken.filter((entry) => entry.workspace_id === workspaceId)) {
		const invoiceId = `in_${randomUUID()}`;
		await rpc(api, serviceRole, 'mark_order_invoiced', {
			order_id: order.id,
			provider: 'stripe',
			external_invoice_id: invoiceId,
			payment_url: `https://pay.example.test/${invoiceId}`,
		});
		invoices.set(order.buyer_key, invoiceId);
	}
	return invoices;
}

/** A payment event as the webhook of the workspace holding the invoice applies it. */
async function payment(
	invoiceId: string,
	kind: string,
	amount: number | null,
	occurredAt = new Date(),
) {
	const { rows } = await owner.query<{ workspace_id: string }>(
		'select workspace_id from public.orders where external_invoice_id = $1 or superseded_invoice_ids @> array[$1]',
		[invoiceId],
	);
	return rpc<{ order_id?: string; status?: string; ignored?: string }>(
		api,
		serviceRole,
		'record_payment_event',
		{
			workspace_id: rows[0]?.workspace_id ?? randomUUID(),
			provider: 'stripe',
			external_invoice_id: invoiceId,
			kind,
			amount,
			occurred_at: occurredAt.toISOString(),
		},
	);
}

async function claimOf(showId: string, buyer: string, itemNumber: string) {
	const { rows } = await owner.query<{ id: string; status: string }>(
		`select id, status from public.claims where show_id = $1 and platform_user_id = $2 and item_number = $3
		 order by created_at desc limit 1`,
		[showId, buyer, itemNumber],
	);
	return rows[0];
}

describe('order lines follow claims', () => {
	it('a win adds a line at the item price, a pass takes it off, and an emptied order goes', async () => {
		const user = await seller();
		const { show } = await showWithPrices(user, { '1': 1250, '2': 800 });
		await ingest(api, commentOn(show, 'b1', 'sold 1 sold 2'));
		let order = await orderOf(user.workspaceId, 'b1');
		expect(order).toMatchObject({ currency: 'USD', subtotal: 2050, shipping: 0, total: 2050 });
		expect(order.show_id).toBeNull();
		expect((await linesOf(order.id)).map((line) => [line.item_number, line.line_total])).toEqual([
			['1', 1250],
			['2', 800],
		]);

		await ingest(api, commentOn(show, 'b1', 'pass 2'));
		order = await orderOf(user.workspaceId, 'b1');
		expect(order.total).toBe(1250);

		await ingest(api, commentOn(show, 'b1', 'pass 1'));
		expect(await ordersOf(user.workspaceId)).toEqual([]);
		expect((await auditOf(order.id)).map((entry) => entry.action)).toEqual([
			'order.open',
			'order.discard',
		]);
	});

	it('a release moves the line to the promoted waiter; a manual award adds one; test claims add none', async () => {
		const user = await seller();
		const { show, items } = await showWithPrices(user, { '3': 500, '4': 700 });
		await ingest(api, commentOn(show, 'b1', 'sold 3'));
		await ingest(api, commentOn(show, 'b2', 'sold 3'));
		expect((await ordersOf(user.workspaceId)).map((order) => order.buyer_key)).toEqual(['b1']);

		await rpc(api, asUser(user), 'release_claim', {
			claim_id: (await claimOf(show.id, 'b1', '3')).id,
		});
		expect((await ordersOf(user.workspaceId)).map((order) => order.buyer_key)).toEqual(['b2']);
		expect((await orderOf(user.workspaceId, 'b2')).total).toBe(500);

		await rpc(api, asUser(user), 'award_item', { item_id: items.get('4'), user_handle: '@WalkIn' });
		const awarded = await orderOf(user.workspaceId, '@walkin');
		expect(awarded).toMatchObject({ platform_user_id: null, user_handle: 'WalkIn', total: 700 });

		await rpc(api, asUser(user), 'emit_test_comment', {
			show_id: show.id,
			text: 'sold 4',
			user_handle: 'tester',
		});
		const { rows } = await owner.query(
			'select count(*)::int as n from public.claims where show_id = $1 and is_test',
			[show.id],
		);
		expect(rows[0].n).toBe(1);
		expect((await ordersOf(user.workspaceId)).map((order) => order.buyer_key).sort()).toEqual([
			'@walkin',
			'b2',
		]);
	});

	it('lets two releases that promote the same two buyers in opposite orders both finish, without a deadlock', async () => {
		const user = await seller();
		const { show } = await showWithPrices(user, { '1': 1000, '2': 1000 });
		for (const [buyer, item] of [
			['a', '1'],
			['u1', '1'],
			['u2', '1'],
			['b', '2'],
			['u2', '2'],
			['u1', '2'],
		])
			await ingest(api, commentOn(show, buyer, `sold ${item}`));
		const release = (client: pg.PoolClient, buyer: string, item: string) =>
			claimOf(show.id, buyer, item).then((claim) =>
				client.query('select public.release_claim($1)', [claim.id]),
			);
		const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
		// Each transaction releases its item's winner (promoting its first waiter), then that waiter
		// (promoting the other buyer): item 1 promotes u1 then u2, item 2 u2 then u1.
		let firstDone: () => void = () => {};
		const first = new Promise<void>((resolve) => (firstDone = resolve));
		const results = await Promise.allSettled([
			actAs(api, asUser(user), async (client) => {
				await release(client, 'a', '1');
				firstDone();
				await pause();
				await release(client, 'u1', '1');
			}),
			actAs(api, asUser(user), async (client) => {
				await first;
				await release(client, 'b', '2');
				await pause();
				await release(client, 'u2', '2');
			}),
		]);
		expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
		expect((await claimOf(show.id, 'u2', '1')).status).toBe('winner');
		expect((await claimOf(show.id, 'u1', '2')).status).toBe('winner');
		for (const buyer of ['u1', 'u2'])
			expect((await orderOf(user.workspaceId, buyer)).total).toBe(1000);
	});

	it('gives a buyer who wins many items at once, and is invoiced meanwhile, no order twice', async () => {
		const user = await seller({ invoicing_mode: 'each_win' });
		const numbers = Array.from({ length: 8 }, (_, index) => String(index + 1));
		const { show } = await showWithPrices(
			user,
			Object.fromEntries(numbers.map((number) => [number, 100])),
		);
		await Promise.all([
			...numbers.map((number) => ingest(api, commentOn(show, 'b1', `sold ${number}`))),
			rpc(api, serviceRole, 'take_invoice_requests', { max_orders: 100 }),
			rpc(api, serviceRole, 'take_invoice_requests', { max_orders: 100 }),
		]);
		const orders = await ordersOf(user.workspaceId);
		expect(orders.filter((order) => order.status === 'open').length).toBeLessThanOrEqual(1);
		const lines = await Promise.all(orders.map((order) => linesOf(order.id)));
		expect(
			lines
				.flat()
				.map((line) => line.item_number)
				.sort(),
		).toEqual(numbers);
		expect(orders.reduce((sum, order) => sum + order.total, 0)).toBe(800);
	});

	it('merges a buyer’s wins across shows, or keeps one order per show', async () => {
		const merging = await seller({ order_shipping_fee: 500 });
		const first = await showWithPrices(merging, { '1': 1000 });
		const second = await showWithPrices(merging, { '1': 2000 });
		await ingest(api, commentOn(first.show, 'b1', 'sold 1'));
		await ingest(api, commentOn(second.show, 'b1', 'sold 1'));
		const merged = await orderOf(merging.workspaceId, 'b1');
		expect(merged).toMatchObject({ show_id: null, subtotal: 3000, shipping: 500, total: 3500 });
		expect((await linesOf(merged.id)).map((line) => line.show_id).sort()).toEqual(
			[first.show.id, second.show.id].sort(),
		);
		// A new fee reaches open orders.
		await setWorkspace(merging.workspaceId, { order_shipping_fee: 650 });
		expect((await orderOf(merging.workspaceId, 'b1')).total).toBe(3650);

		const apart = await seller({ orders_merge_across_shows: false });
		const one = await showWithPrices(apart, { '1': 1000 });
		const two = await showWithPrices(apart, { '1': 2000 });
		await ingest(api, commentOn(one.show, 'b1', 'sold 1'));
		await ingest(api, commentOn(two.show, 'b1', 'sold 1'));
		const orders = await ordersOf(apart.workspaceId);
		expect(orders.map((order) => [order.show_id, order.total])).toEqual([
			[one.show.id, 1000],
			[two.show.id, 2000],
		]);
	});

	it('keeps integer minor units in currencies without decimals (JPY) and with three (KWD)', async () => {
		const yen = await seller({ currency: 'JPY', order_shipping_fee: 300 });
		const yenShow = await showWithPrices(yen, { '1': 1500, '2': 980 });
		await ingest(api, commentOn(yenShow.show, 'b1', 'sold 1 sold 2'));
		expect(await orderOf(yen.workspaceId, 'b1')).toMatchObject({
			currency: 'JPY',
			subtotal: 2480,
			shipping: 300,
			total: 2780,
		});

		const dinar = await seller({ currency: 'KWD', order_shipping_fee: 1500 });
		const dinarShow = await showWithPrices(dinar, { '1': 12345 }, { '1': 2 });
		await ingest(api, commentOn(dinarShow.show, 'b1', 'sold 1'));
		await ingest(api, commentOn(dinarShow.show, 'b2', 'sold 1'));
		expect(await orderOf(dinar.workspaceId, 'b1')).toMatchObject({
			currency: 'KWD',
			subtotal: 12345,
			total: 13845,
		});

		await rpc(api, asUser(yen), 'request_invoices', { show_id: yenShow.show.id });
		await rpc(api, asUser(dinar), 'request_invoices', { show_id: dinarShow.show.id });
		const taken = await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', {
			max_orders: 100,
		});
		const mine = taken.filter((entry) =>
			[yen.workspaceId, dinar.workspaceId].includes(entry.workspace_id),
		);
		expect(
			mine.map((entry) => [entry.currency, entry.currency_minor_unit, entry.order.total]).sort(),
		).toEqual([
			['JPY', 0, 2780],
			['KWD', 3, 13845],
			['KWD', 3, 13845],
		]);
	});
});

describe('invoicing', () => {
	it('lets owners and admins request a show’s invoices, not assistants or strangers', async () => {
		const user = await seller();
		const admin = await createUser(owner);
		const assistant = await createUser(owner);
		const stranger = await createUser(owner);
		await addMember(owner, user.workspaceId, admin.id, 'admin');
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		const { show } = await showWithPrices(user, { '1': 1000, '2': null });
		await ingest(api, commentOn(show, 'b1', 'sold 1'));
		await ingest(api, commentOn(show, 'b2', 'sold 2'));

		await expect(
			rpc(api, asUser(assistant), 'request_invoices', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(stranger), 'request_invoices', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT404' });
		expect(await rpc(api, asUser(admin), 'request_invoices', { show_id: show.id })).toEqual({
			requested: 1,
			already_requested: 0,
			skipped_without_price: 1,
		});
		expect(await rpc(api, asUser(user), 'request_invoices', { show_id: show.id })).toEqual({
			requested: 0,
			already_requested: 1,
			skipped_without_price: 1,
		});
		expect((await auditOf(show.id)).map((entry) => entry.action)).toContain(
			'show.request_invoices',
		);
		for (const fn of ['take_invoice_requests', 'expire_unpaid_orders'])
			await expect(rpc(api, asUser(user), fn, {})).rejects.toMatchObject({ code: '42501' });
	});

	it('takes requests once, invoices idempotently, opens a new order for later wins, and retries failures with backoff', async () => {
		const user = await seller({ pay_within_hours: 24 });
		const { show } = await showWithPrices(user, { '1': 1000, '2': 400, '3': 300 });
		await ingest(api, commentOn(show, 'b1', 'sold 1'));
		await rpc(api, asUser(user), 'request_invoices', { show_id: show.id });

		const taken = (
			await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', { max_orders: 100 })
		).filter((entry) => entry.workspace_id === user.workspaceId);
		expect(taken).toHaveLength(1);
		expect(taken[0].order.status).toBe('invoicing');
		expect(taken[0].lines.map((line) => line.item_number)).toEqual(['1']);
		const again = await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', {
			max_orders: 100,
		});
		expect(again.filter((entry) => entry.workspace_id === user.workspaceId)).toEqual([]);

		// A win while invoicing opens a second order; a failure folds it back into the first.
		await ingest(api, commentOn(show, 'b1', 'sold 2'));
		expect((await ordersOf(user.workspaceId)).map((order) => order.status)).toEqual([
			'invoicing',
			'open',
		]);
		const orderId = taken[0].order.id;
		const failed = await rpc<OrderRow>(api, serviceRole, 'mark_order_invoice_failed', {
			order_id: orderId,
			reason: 'card_declined',
		});
		expect(failed).toMatchObject({
			status: 'open',
			invoice_attempts: 1,
			last_invoice_error: 'card_declined',
			total: 1400,
		});
		expect(failed.invoice_requested_at).not.toBeNull();
		expect(Date.parse(failed.next_invoice_attempt_at!)).toBeGreaterThan(Date.now() + 20_000);
		expect((await ordersOf(user.workspaceId)).map((order) => order.id)).toEqual([orderId]);
		// Not due yet.
		expect(
			(
				await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', { max_orders: 100 })
			).filter((entry) => entry.workspace_id === user.workspaceId),
		).toEqual([]);
		// Send invoices again retries at once.
		expect(await rpc(api, asUser(user), 'request_invoices', { show_id: show.id })).toMatchObject({
			already_requested: 1,
		});
		const invoices = await invoiceAll(user.workspaceId);
		const invoiced = await orderOf(user.workspaceId, 'b1', 'invoiced');
		expect(invoiced.total).toBe(1400);
		expect(Date.parse(invoiced.due_at!) - Date.parse(invoiced.invoiced_at!)).toBe(24 * 3600_000);

		// The same report again answers the order as it is; another invoice id is refused.
		const replay = await rpc<OrderRow>(api, serviceRole, 'mark_order_invoiced', {
			order_id: orderId,
			provider: 'stripe',
			external_invoice_id: invoices.get('b1'),
			payment_url: 'https://pay.example.test/other',
		});
		expect(replay.payment_url).toBe(invoiced.payment_url);
		await expect(
			rpc(api, serviceRole, 'mark_order_invoiced', {
				order_id: orderId,
				provider: 'stripe',
				external_invoice_id: 'in_other',
				payment_url: null,
			}),
		).rejects.toMatchObject({ code: 'PT409' });

		// A later win opens a new order; a release of an invoiced line is recorded, not dropped.
		await ingest(api, commentOn(show, 'b1', 'sold 3'));
		expect((await orderOf(user.workspaceId, 'b1')).total).toBe(300);
		await rpc(api, asUser(user), 'release_claim', {
			claim_id: (await claimOf(show.id, 'b1', '2')).id,
		});
		const changed = await orderOf(user.workspaceId, 'b1', 'invoiced');
		expect(changed.total).toBe(1000);
		expect(changed.lines_changed_after_invoice_at).not.toBeNull();
		expect(
			(await linesOf(orderId)).map((line) => [line.item_number, line.removed_at !== null]),
		).toEqual([
			['1', false],
			['2', true],
		]);
		const actions = (await auditOf(orderId)).map((entry) => entry.action);
		expect(actions.slice(0, 6)).toEqual([
			'order.open',
			'order.request_invoice',
			'order.invoicing',
			'order.invoice_failed',
			'order.invoicing',
			'order.invoiced',
		]);
		// One transaction: the same time.
		expect(actions.slice(6).sort()).toEqual([
			'order.line_removed_after_invoice',
			'order.reissue_requested',
		]);
	});

	it('takes only the named workspaces’ requests when asked to', async () => {
		const connected = await seller({ invoicing_mode: 'each_win' });
		const unconnected = await seller({ invoicing_mode: 'each_win' });
		for (const user of [connected, unconnected]) {
			const { show } = await showWithPrices(user, { '1': 1000 });
			await ingest(api, commentOn(show, 'b1', 'sold 1'));
		}
		const taken = await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', {
			max_orders: 100,
			workspace_ids: `{${connected.workspaceId},${randomUUID()}}`,
		});
		expect(
			taken
				.map((entry) => entry.workspace_id)
				.filter((id) => [connected.workspaceId, unconnected.workspaceId].includes(id)),
		).toEqual([connected.workspaceId]);
		expect((await orderOf(unconnected.workspaceId, 'b1')).invoice_requested_at).not.toBeNull();
	});

	it('requests invoices when the show stops, or at each win, as the workspace says', async () => {
		const atStop = await seller({ invoicing_mode: 'show_stop' });
		const stopping = await showWithPrices(atStop, { '1': 1000 });
		await ingest(api, commentOn(stopping.show, 'b1', 'sold 1'));
		expect((await orderOf(atStop.workspaceId, 'b1')).invoice_requested_at).toBeNull();
		await rpc(api, asUser(atStop), 'stop_show', { show_id: stopping.show.id });
		expect((await orderOf(atStop.workspaceId, 'b1')).invoice_requested_at).not.toBeNull();

		const eachWin = await seller({ invoicing_mode: 'each_win' });
		const winning = await showWithPrices(eachWin, { '1': 1000 });
		await ingest(api, commentOn(winning.show, 'b1', 'sold 1'));
		expect((await orderOf(eachWin.workspaceId, 'b1')).invoice_requested_at).not.toBeNull();
	});
});

describe('payment events', () => {
	async function invoicedOrder(buyer: string): Promise<{ user: TestUser; invoiceId: string }> {
		const user = await seller();
		const { show } = await showWithPrices(user, { '1': 2500 });
		await ingest(api, commentOn(show, buyer, 'sold 1'));
		await rpc(api, asUser(user), 'request_invoices', { show_id: show.id });
		const invoices = await invoiceAll(user.workspaceId);
		return { user, invoiceId: invoices.get(buyer)! };
	}

	it('pays once: replays and a late void change nothing; refunds are cumulative', async () => {
		const { user, invoiceId } = await invoicedOrder('b1');
		const paid = await payment(invoiceId, 'paid', 2500);
		expect(paid.status).toBe('paid');
		expect(await payment(invoiceId, 'paid', 2500)).toMatchObject({ ignored: 'already paid' });
		expect(await payment(invoiceId, 'void', null)).toMatchObject({ ignored: 'already paid' });
		expect(await orderOf(user.workspaceId, 'b1', 'paid')).toMatchObject({ paid_amount: 2500 });

		expect(await payment(invoiceId, 'refunded', 1000)).toMatchObject({ status: 'refunded' });
		expect(await payment(invoiceId, 'refunded', 1000)).toMatchObject({
			ignored: 'refund already recorded',
		});
		expect(await payment(invoiceId, 'refunded', 2500)).toMatchObject({ status: 'refunded' });
		expect(await orderOf(user.workspaceId, 'b1', 'refunded')).toMatchObject({
			refunded_amount: 2500,
		});
		expect((await auditOf(paid.order_id!)).map((entry) => entry.action).slice(-3)).toEqual([
			'order.paid',
			'order.refunded',
			'order.refunded',
		]);
	});

	it('takes a refund that overtakes its payment as paid and refunded, then ignores the late paid', async () => {
		const { user, invoiceId } = await invoicedOrder('b1');
		expect(await payment(invoiceId, 'refunded', null)).toMatchObject({ status: 'refunded' });
		const order = await orderOf(user.workspaceId, 'b1', 'refunded');
		expect(order.refunded_amount).toBe(2500);
		expect(order.paid_at).not.toBeNull();
		expect(await payment(invoiceId, 'paid', 2500)).toMatchObject({ ignored: 'already paid' });
	});

	it('voids an unpaid invoice, records failed payments, ignores unknown invoices and bad kinds', async () => {
		const { user, invoiceId } = await invoicedOrder('b1');
		expect(await payment(invoiceId, 'payment_failed', 2500)).toMatchObject({ status: 'invoiced' });
		expect(await payment(invoiceId, 'void', null)).toMatchObject({ status: 'void' });
		expect(await payment(invoiceId, 'void', null)).toMatchObject({ ignored: 'already void' });
		expect(await orderOf(user.workspaceId, 'b1', 'void')).toBeTruthy();
		expect(await payment('in_nobody', 'paid', 1)).toEqual({ ignored: 'unknown invoice' });
		await expect(payment(invoiceId, 'chargeback', 1)).rejects.toMatchObject({ code: '22023' });
	});
});

describe('hold timers', () => {
	it('expires unpaid orders: claims released as expired, the next in line wins and is invoiced', async () => {
		const user = await seller({ invoicing_mode: 'show_stop', pay_within_hours: 1 });
		const { show } = await showWithPrices(user, { '1': 1000, '2': 600 });
		await ingest(api, commentOn(show, 'b1', 'sold 1 sold 2'));
		await ingest(api, commentOn(show, 'b2', 'sold 1'));
		await rpc(api, asUser(user), 'stop_show', { show_id: show.id });
		const invoices = await invoiceAll(user.workspaceId);
		const invoiced = await orderOf(user.workspaceId, 'b1', 'invoiced');
		expect(await rpc(api, serviceRole, 'expire_unpaid_orders', {})).not.toContainEqual(
			expect.objectContaining({ order_id: invoiced.id }),
		);

		await owner.query(
			"update public.orders set due_at = now() - interval '1 second' where id = $1",
			[invoiced.id],
		);
		const expired = await rpc<{ order_id: string }[]>(api, serviceRole, 'expire_unpaid_orders', {});
		expect(expired).toContainEqual({
			order_id: invoiced.id,
			workspace_id: user.workspaceId,
			payment_provider: 'stripe',
			external_invoice_id: invoices.get('b1'),
		});
		const after = await orderOf(user.workspaceId, 'b1', 'expired');
		expect((await linesOf(after.id)).map((line) => [line.item_number, line.removed_at])).toEqual([
			['1', null],
			['2', null],
		]);
		const released = await claimOf(show.id, 'b1', '1');
		expect(released.status).toBe('released');
		expect(await auditOf(released.id)).toContainEqual(
			expect.objectContaining({
				action: 'claim.release',
				details: expect.objectContaining({ reason: 'expired', order_id: invoiced.id }),
			}),
		);
		const promoted = await orderOf(user.workspaceId, 'b2');
		expect(promoted.total).toBe(1000);
		expect(promoted.invoice_requested_at).not.toBeNull();

		// The provider's void event confirms the void owed and leaves the order expired.
		expect(await payment(invoices.get('b1')!, 'void', null)).toMatchObject({
			status: 'expired',
		});
		expect(await orderOf(user.workspaceId, 'b1', 'expired')).toMatchObject({
			void_outcome: 'voided',
		});
		expect(await payment(invoices.get('b1')!, 'void', null)).toMatchObject({
			ignored: 'already expired',
		});
	});
});

describe('voids owed at the provider', () => {
	/** b1 wins item 1 (b2 waits for it) and is invoiced; the hold runs out, or not, as asked. */
	async function expiredOrder(expire = true) {
		const user = await seller({ pay_within_hours: 1 });
		const { show } = await showWithPrices(user, { '1': 1000 });
		await ingest(api, commentOn(show, 'b1', 'sold 1'));
		await ingest(api, commentOn(show, 'b2', 'sold 1'));
		await rpc(api, asUser(user), 'request_invoices', { show_id: show.id });
		const invoiceId = (await invoiceAll(user.workspaceId)).get('b1')!;
		const order = await orderOf(user.workspaceId, 'b1', 'invoiced');
		if (expire) {
			await owner.query(
				"update public.orders set due_at = now() - interval '1 second' where id = $1",
				[order.id],
			);
			await rpc(api, serviceRole, 'expire_unpaid_orders', {});
		}
		return { user, show, invoiceId, order };
	}

	const takeVoids = (workspaceId: string) =>
		rpc<{ order_id: string; external_invoice_id: string; void_attempts: number }[]>(
			api,
			serviceRole,
			'take_void_requests',
			{ workspace_ids: `{${workspaceId}}` },
		);

	it('owes an expired order’s void until the provider settles it, retrying failures with backoff', async () => {
		const { user, invoiceId, order } = await expiredOrder();
		expect(await orderOf(user.workspaceId, 'b1', 'expired')).toMatchObject({
			void_requested_at: expect.any(String),
			void_settled_at: null,
		});
		expect(await takeVoids(user.workspaceId)).toEqual([
			{
				order_id: order.id,
				workspace_id: user.workspaceId,
				payment_provider: 'stripe',
				external_invoice_id: invoiceId,
				void_attempts: 0,
			},
		]);
		// Leased: a second worker run does not take it again.
		expect(await takeVoids(user.workspaceId)).toEqual([]);

		const backoffs = [];
		for (const attempt of [1, 2]) {
			const failed = await rpc<{ void_attempts: number; next_void_attempt_at: string }>(
				api,
				serviceRole,
				'mark_order_void_failed',
				{ order_id: order.id, reason: 'Stripe: An unknown error occurred' },
			);
			expect(failed.void_attempts).toBe(attempt);
			backoffs.push((Date.parse(failed.next_void_attempt_at) - Date.now()) / 1000);
			expect(await takeVoids(user.workspaceId)).toEqual([]);
			await owner.query(
				"update public.orders set next_void_attempt_at = now() - interval '1 second' where id = $1",
				[order.id],
			);
			expect(await takeVoids(user.workspaceId)).toMatchObject([{ void_attempts: attempt }]);
		}
		expect(backoffs[0]).toBeGreaterThan(3);
		expect(backoffs[0]).toBeLessThanOrEqual(5);
		expect(backoffs[1]).toBeGreaterThan(8);
		expect(backoffs[1]).toBeLessThanOrEqual(10);
		expect(await orderOf(user.workspaceId, 'b1', 'expired')).toMatchObject({
			last_void_error: 'Stripe: An unknown error occurred',
		});

		await rpc(api, serviceRole, 'mark_order_void_settled', {
			order_id: order.id,
			outcome: 'voided',
		});
		expect(await orderOf(user.workspaceId, 'b1', 'expired')).toMatchObject({
			void_settled_at: expect.any(String),
			void_outcome: 'voided',
			last_void_error: null,
			late_payment_at: null,
		});
		await owner.query('update public.orders set next_void_attempt_at = null where id = $1', [
			order.id,
		]);
		expect(await takeVoids(user.workspaceId)).toEqual([]);
		expect(
			(await auditOf(order.id)).map((entry) => entry.action).filter((a) => a.includes('void')),
		).toEqual([
			'order.invoice_void_failed',
			'order.invoice_void_failed',
			'order.invoice_void_settled',
		]);

		await expect(
			rpc(api, serviceRole, 'mark_order_void_settled', { order_id: order.id, outcome: 'maybe' }),
		).rejects.toMatchObject({ code: '22023' });
		const unpaid = await expiredOrder(false);
		await expect(
			rpc(api, serviceRole, 'mark_order_void_failed', { order_id: unpaid.order.id, reason: 'x' }),
		).rejects.toMatchObject({ code: 'PT409' });
		for (const [fn, args] of [
			['take_void_requests', {}],
			['mark_order_void_settled', { order_id: order.id, outcome: 'voided' }],
			['mark_order_void_failed', { order_id: order.id, reason: 'x' }],
		] as const)
			await expect(rpc(api, asUser(user), fn, args)).rejects.toMatchObject({ code: '42501' });
	});

	it('records a payment that lands on an expired order and flags it for the seller to refund or restore', async () => {
		const { user, show, invoiceId, order } = await expiredOrder();
		// The item went to the next in line meanwhile.
		expect((await orderOf(user.workspaceId, 'b2')).total).toBe(1000);
		expect(await payment(invoiceId, 'paid', 1000)).toEqual({ order_id: order.id, status: 'paid' });
		const late = await orderOf(user.workspaceId, 'b1', 'paid');
		expect(late).toMatchObject({
			paid_amount: 1000,
			late_payment_at: expect.any(String),
			late_payment_resolution: null,
			// A paid invoice cannot be voided: nothing is owed any more.
			void_outcome: 'already_paid',
			void_settled_at: expect.any(String),
		});
		expect(await takeVoids(user.workspaceId)).toEqual([]);
		expect((await auditOf(order.id)).at(-1)).toMatchObject({
			action: 'order.paid',
			details: expect.objectContaining({ late_payment: true, after_expiry: true }),
		});
		expect((await claimOf(show.id, 'b1', '1')).status).toBe('released');

		const assistant = await createUser(owner);
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		await expect(
			rpc(api, asUser(assistant), 'resolve_late_payment', {
				order_id: order.id,
				resolution: 'refund',
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(user), 'resolve_late_payment', { order_id: order.id, resolution: 'keep' }),
		).rejects.toMatchObject({ code: '22023' });
		await rpc(api, asUser(user), 'resolve_late_payment', {
			order_id: order.id,
			resolution: 'restore',
		});
		expect(await orderOf(user.workspaceId, 'b1', 'paid')).toMatchObject({
			late_payment_resolution: 'restore',
			late_payment_resolved_at: expect.any(String),
		});
		expect((await auditOf(order.id)).at(-1)).toMatchObject({
			action: 'order.resolve_late_payment',
			details: { resolution: 'restore' },
		});
		const onTime = await expiredOrder(false);
		await expect(
			rpc(api, asUser(onTime.user), 'resolve_late_payment', {
				order_id: onTime.order.id,
				resolution: 'refund',
			}),
		).rejects.toMatchObject({ code: 'PT409' });
	});

	it('flags the payment the worker finds when it comes to void, before the payment’s webhook', async () => {
		const { user, invoiceId, order } = await expiredOrder();
		await takeVoids(user.workspaceId);
		await rpc(api, serviceRole, 'mark_order_void_settled', {
			order_id: order.id,
			outcome: 'already_paid',
		});
		expect(await orderOf(user.workspaceId, 'b1', 'expired')).toMatchObject({
			late_payment_at: expect.any(String),
			void_outcome: 'already_paid',
		});
		expect(await payment(invoiceId, 'paid', 1000)).toMatchObject({ status: 'paid' });
		expect(await orderOf(user.workspaceId, 'b1', 'paid')).toMatchObject({
			late_payment_at: expect.any(String),
		});
	});

	it('reissues a changed invoice only once the old one is void, and voids an order left empty', async () => {
		const user = await seller({ pay_within_hours: 24 });
		const { show } = await showWithPrices(user, { '1': 1000, '2': 400, '3': 300, '4': 200 });
		await ingest(api, commentOn(show, 'b1', 'sold 1 sold 2'));
		await ingest(api, commentOn(show, 'b2', 'sold 3'));
		await rpc(api, asUser(user), 'request_invoices', { show_id: show.id });
		const first = await invoiceAll(user.workspaceId);
		const order = await orderOf(user.workspaceId, 'b1', 'invoiced');
		const release = async (buyer: string, item: string) =>
			rpc(api, asUser(user), 'release_claim', {
				claim_id: (await claimOf(show.id, buyer, item)).id,
			});

		// Item 2 released: the old invoice's void is owed first, and no second invoice is asked yet.
		await release('b1', '2');
		expect(await orderOf(user.workspaceId, 'b1', 'invoiced')).toMatchObject({
			total: 1000,
			void_requested_at: expect.any(String),
			void_settled_at: null,
		});
		expect(await takeVoids(user.workspaceId)).toMatchObject([
			{ order_id: order.id, external_invoice_id: first.get('b1') },
		]);
		expect(await invoiceAll(user.workspaceId)).toEqual(new Map());
		// A new win meanwhile opens a second order, which the reissue takes in.
		await ingest(api, commentOn(show, 'b1', 'sold 4'));
		await rpc(api, serviceRole, 'mark_order_void_settled', {
			order_id: order.id,
			outcome: 'voided',
		});
		expect(await ordersOf(user.workspaceId)).toContainEqual(
			expect.objectContaining({
				id: order.id,
				status: 'open',
				total: 1200,
				external_invoice_id: null,
				payment_url: null,
				superseded_invoice_ids: [first.get('b1')],
				invoice_requested_at: expect.any(String),
				lines_changed_after_invoice_at: null,
				void_requested_at: null,
			}),
		);
		const second = await invoiceAll(user.workspaceId);
		expect(second.get('b1')).not.toBe(first.get('b1'));
		expect(await orderOf(user.workspaceId, 'b1', 'invoiced')).toMatchObject({
			id: order.id,
			total: 1200,
			external_invoice_id: second.get('b1'),
		});
		expect(await payment(first.get('b1')!, 'void', null)).toEqual({
			ignored: 'superseded invoice',
			order_id: order.id,
		});
		expect(await payment(second.get('b1')!, 'paid', 1200)).toMatchObject({ status: 'paid' });
		expect((await auditOf(order.id)).map((entry) => entry.action)).toEqual(
			expect.arrayContaining([
				'order.reissue_requested',
				'order.invoice_void_settled',
				'order.reissue',
			]),
		);

		// B2's only line released: the order is void, its invoice's void owed.
		await release('b2', '3');
		const emptied = await orderOf(user.workspaceId, 'b2', 'void');
		expect(emptied).toMatchObject({ void_requested_at: expect.any(String), total: 0 });
		expect(await takeVoids(user.workspaceId)).toMatchObject([
			{ order_id: emptied.id, external_invoice_id: first.get('b2') },
		]);
	});

	it('reissues when the provider’s void event confirms the old invoice, or the lines changed while invoicing', async () => {
		const user = await seller({ pay_within_hours: 24 });
		const { show } = await showWithPrices(user, { '1': 1000, '2': 400, '3': 300, '4': 200 });
		await ingest(api, commentOn(show, 'b1', 'sold 1 sold 2'));
		await ingest(api, commentOn(show, 'b2', 'sold 3 sold 4'));
		await rpc(api, asUser(user), 'request_invoices', { show_id: show.id });
		// B1 is invoiced; b2's invoice is still being made when one of b2's items is released.
		const taken = await rpc<TakenOrder[]>(api, serviceRole, 'take_invoice_requests', {
			max_orders: 100,
			workspace_ids: `{${user.workspaceId}}`,
		});
		const mark = (entry: TakenOrder, invoiceId: string) =>
			rpc<OrderRow>(api, serviceRole, 'mark_order_invoiced', {
				order_id: entry.order.id,
				provider: 'stripe',
				external_invoice_id: invoiceId,
				payment_url: null,
			});
		const b1 = taken.find((entry) => entry.order.buyer_key === 'b1')!;
		const b2 = taken.find((entry) => entry.order.buyer_key === 'b2')!;
		await mark(b1, 'in_b1_first');
		for (const [buyer, item] of [
			['b1', '2'],
			['b2', '4'],
		])
			await rpc(api, asUser(user), 'release_claim', {
				claim_id: (await claimOf(show.id, buyer, item)).id,
			});
		// The invoice made from b2's old lines is reported: its void is owed at once.
		expect(await mark(b2, 'in_b2_stale')).toMatchObject({
			status: 'invoiced',
			void_requested_at: expect.any(String),
		});

		// Stripe's invoice.voided for b1's old invoice arrives before the worker reports its void.
		expect(await payment('in_b1_first', 'void', null)).toEqual({
			order_id: b1.order.id,
			status: 'open',
		});
		expect((await claimOf(show.id, 'b1', '1')).status).toBe('winner');
		expect(await orderOf(user.workspaceId, 'b1')).toMatchObject({
			total: 1000,
			invoice_requested_at: expect.any(String),
		});
		// The worker's own report, late, changes nothing.
		expect(
			await rpc(api, serviceRole, 'mark_order_void_settled', {
				order_id: b1.order.id,
				outcome: 'voided',
			}),
		).toMatchObject({ status: 'open' });
		expect(
			await rpc(api, serviceRole, 'mark_order_void_failed', { order_id: b1.order.id, reason: 'x' }),
		).toMatchObject({ status: 'open', void_attempts: 0 });
	});

	it('gives a new link for a payment link that lapses within the hold, keeping the due time', async () => {
		const { user, show, invoiceId, order } = await expiredOrder(false);
		const lapsed = (id: string) =>
			rpc(api, serviceRole, 'record_payment_link_lapsed', {
				workspace_id: user.workspaceId,
				provider: 'stripe',
				external_invoice_id: id,
			});
		expect(await lapsed(invoiceId)).toEqual({ order_id: order.id, status: 'open' });
		expect(await orderOf(user.workspaceId, 'b1')).toMatchObject({
			due_at: order.due_at,
			superseded_invoice_ids: [invoiceId],
			invoice_requested_at: expect.any(String),
		});
		expect((await claimOf(show.id, 'b1', '1')).status).toBe('winner');
		expect(await lapsed(invoiceId)).toEqual({ ignored: 'superseded invoice' });
		expect(await lapsed('cs_nobody')).toEqual({ ignored: 'unknown invoice' });
		// Invoiced again with the first due time; once that has passed a lapse changes nothing.
		const renewed = (await invoiceAll(user.workspaceId)).get('b1')!;
		expect((await orderOf(user.workspaceId, 'b1', 'invoiced')).due_at).toBe(order.due_at);
		await owner.query(
			"update public.orders set due_at = now() - interval '1 second' where id = $1",
			[order.id],
		);
		expect(await lapsed(renewed)).toMatchObject({ ignored: 'hold has ended' });
		await expect(
			rpc(api, asUser(user), 'record_payment_link_lapsed', {
				workspace_id: user.workspaceId,
				provider: 'stripe',
				external_invoice_id: renewed,
			}),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('applies a payment event only to the workspace whose webhook received it', async () => {
		const { user, invoiceId, order } = await expiredOrder(false);
		const other = await seller();
		const forged = (kind: string) =>
			rpc(api, serviceRole, 'record_payment_event', {
				workspace_id: other.workspaceId,
				provider: 'stripe',
				external_invoice_id: invoiceId,
				kind,
				amount: 1,
				occurred_at: new Date().toISOString(),
			});
		for (const kind of ['paid', 'void', 'refunded', 'payment_failed'])
			expect(await forged(kind)).toEqual({ ignored: 'unknown invoice' });
		expect(
			await rpc(api, serviceRole, 'record_payment_link_lapsed', {
				workspace_id: other.workspaceId,
				provider: 'stripe',
				external_invoice_id: invoiceId,
			}),
		).toEqual({ ignored: 'unknown invoice' });
		expect(await orderOf(user.workspaceId, 'b1', 'invoiced')).toMatchObject({
			id: order.id,
			paid_at: null,
			external_invoice_id: invoiceId,
		});
		expect(await payment(invoiceId, 'paid', 1000)).toEqual({ order_id: order.id, status: 'paid' });
	});

	it('ends an order whose invoice the seller voids at the provider, and the waitlist promotes the next buyer', async () => {
		const { user, show, invoiceId, order } = await expiredOrder(false);
		expect((await ordersOf(user.workspaceId)).map((found) => found.buyer_key)).toEqual(['b1']);
		expect(await payment(invoiceId, 'void', null)).toEqual({ order_id: order.id, status: 'void' });
		expect(await orderOf(user.workspaceId, 'b1', 'void')).toMatchObject({
			voided_at: expect.any(String),
			// The provider voided it itself: nothing owed.
			void_requested_at: null,
		});
		const released = await claimOf(show.id, 'b1', '1');
		expect(released.status).toBe('released');
		expect(await auditOf(released.id)).toContainEqual(
			expect.objectContaining({
				action: 'claim.release',
				details: expect.objectContaining({
					reason: 'invoice_voided_at_provider',
					order_id: order.id,
				}),
			}),
		);
		expect((await claimOf(show.id, 'b2', '1')).status).toBe('winner');
		expect((await orderOf(user.workspaceId, 'b2')).total).toBe(1000);
		expect((await auditOf(order.id)).map((entry) => entry.action)).toContain('order.void');
		expect(await takeVoids(user.workspaceId)).toEqual([]);
	});
});

describe('access', () => {
	it('lets members read their workspace’s orders and lines, nobody write them', async () => {
		const user = await seller();
		const assistant = await createUser(owner);
		const stranger = await createUser(owner);
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		const { show } = await showWithPrices(user, { '1': 1000 });
		await ingest(api, commentOn(show, 'b1', 'sold 1'));
		const order = await orderOf(user.workspaceId, 'b1');

		const read = (who: TestUser, table: string) =>
			queryAs(api, asUser(who), `select id from public.${table} where workspace_id = $1`, [
				user.workspaceId,
			]);
		expect(await read(assistant, 'orders')).toHaveLength(1);
		expect(await read(assistant, 'order_lines')).toHaveLength(1);
		expect(await read(stranger, 'orders')).toEqual([]);
		expect(await read(stranger, 'order_lines')).toEqual([]);
		await expect(
			queryAs(api, asUser(user), "update public.orders set status = 'paid' where id = $1", [
				order.id,
			]),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			rpc(api, asUser(user), 'record_payment_event', {
				workspace_id: user.workspaceId,
				provider: 'stripe',
				external_invoice_id: 'x',
				kind: 'paid',
				amount: 1,
				occurred_at: new Date().toISOString(),
			}),
		).rejects.toMatchObject({ code: '42501' });

		const { rows } = await owner.query(
			"select tablename from pg_publication_tables where pubname = 'supabase_realtime' and tablename in ('orders', 'order_lines') order by 1",
		);
		expect(rows.map((row) => row.tablename)).toEqual(['order_lines', 'orders']);
	});

	it('publishes order changes over Realtime to the workspace’s members only', async () => {
		const member = await signedInUser();
		const stranger = await signedInUser();
		const { rows } = await owner.query<{ workspace_id: string }>(
			'select workspace_id from public.workspace_members where user_id = $1',
			[member.userId],
		);
		const memberUser = {
			id: member.userId,
			email: member.email,
			workspaceId: rows[0].workspace_id,
		};
		const received = new Map<SupabaseClient, { workspace_id: string; status: string }[]>();
		// Subscribed to every order, unfiltered: RLS alone decides what each one sees.
		const subscribe = (client: SupabaseClient) =>
			new Promise<void>((ready, failed) => {
				received.set(client, []);
				void client.realtime.setAuth().then(() =>
					client
						.channel(`orders-test-${randomUUID()}`)
						.on('postgres_changes', { event: '*', schema: 'public', table: 'orders' }, (change) =>
							received.get(client)!.push(change.new as { workspace_id: string; status: string }),
						)
						.on('system', {}, (message: { extension?: string; status?: string }) => {
							if (message.extension !== 'postgres_changes') return;
							if (message.status === 'ok') ready();
							else failed(new Error(`Realtime refused: ${JSON.stringify(message)}`));
						})
						.subscribe(),
				);
			});
		try {
			await Promise.all([subscribe(member.client), subscribe(stranger.client)]);
			const { show } = await showWithPrices(memberUser, { '1': 1000 });
			await ingest(api, commentOn(show, 'b1', 'sold 1'));
			const deadline = Date.now() + 5000;
			while (received.get(member.client)!.length === 0 && Date.now() < deadline)
				await new Promise((resolve) => setTimeout(resolve, 50));
			expect(received.get(member.client)).toContainEqual(
				expect.objectContaining({ workspace_id: memberUser.workspaceId, status: 'open' }),
			);
			// The stranger's socket had as long, and more, to hear of it.
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(received.get(stranger.client)).toEqual([]);
		} finally {
			await Promise.all([member.client.removeAllChannels(), stranger.client.removeAllChannels()]);
		}
	});
});
