// The Stripe Edge Functions end to end, on a stack of their own whose functions talk to the Stripe
// simulator: connecting with a restricted key (validated before saving, stored encrypted, shown
// as its last 4), checking and disconnecting; the payments worker on its schedule invoicing a
// buyer's order in JPY (one invoice even when Stripe fails midway and the worker retries), the
// buyer paying on the hosted page and the signed webhook marking the order paid; forged, replayed
// and out-of-order deliveries; and an expired hold voiding the invoice at Stripe.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
	productPermissions,
	startStripeSimulator,
	type StripeSimulator,
} from '../../stack/stripe-simulator/index.ts';
import { stripeClient } from '../../supabase/functions/_shared/payments/stripe.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';
import { clientOptions } from '../support/clients.ts';
import { startTestStack } from '../support/start-test-stack.ts';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const root = mkdtempSync(join(tmpdir(), 'lsl-stripe-'));
const stackLog: string[] = [];
let simulator: StripeSimulator;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;
let service: SupabaseClient;

beforeAll(async () => {
	simulator = await startStripeSimulator();
	const envFile = join(root, '.env');
	writeFileSync(
		envFile,
		[`STRIPE_API_URL=${simulator.url}`, `TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`].join('\n'),
	);
	stack = await startTestStack((line) => stackLog.push(line), { functionsEnvFile: envFile });
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
	service = createClient(
		stack.env.SUPABASE_URL,
		stack.env.SUPABASE_SERVICE_ROLE_KEY,
		clientOptions,
	);
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
	simulator.clearFaults({});
	simulator.setWebhookSettings({ retryDelayMs: 200, maxAttempts: 5 });
});

const functionUrl = (path: string) => `${stack.env.SUPABASE_URL}/functions/v1/${path}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false>,
	timeoutMs = 20_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(
				`timed out after ${timeoutMs} ms waiting for ${what}\n${stackLog.slice(-20).join('\n')}`,
			);
		await sleep(100);
	}
}

async function call<T = Record<string, unknown>>(
	path: string,
	token: string,
	body: unknown,
	headers: Record<string, string> = {},
) {
	const response = await fetch(functionUrl(path), {
		method: 'POST',
		headers: {
			apikey: stack.env.SUPABASE_ANON_KEY,
			authorization: `Bearer ${token}`,
			'content-type': 'application/json',
			...headers,
		},
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as T };
}

interface Seller {
	client: SupabaseClient;
	token: string;
	userId: string;
	workspaceId: string;
}

async function newUser(): Promise<Seller> {
	const client = createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, clientOptions);
	const { data, error } = await client.auth.signUp({
		email: `seller-${randomUUID()}@example.test`,
		password: 'correct horse battery staple',
	});
	if (error || !data.session) throw error ?? new Error('no session');
	const { rows } = await db.query<{ workspace_id: string }>(
		'select workspace_id from public.workspace_members where user_id = $1',
		[data.user!.id],
	);
	return {
		client,
		token: data.session.access_token,
		userId: data.user!.id,
		workspaceId: rows[0].workspace_id,
	};
}

function stripeAccount(currency = 'jpy') {
	const { accountId } = simulator.createAccount({
		name: 'Kimono Corner',
		defaultCurrency: currency,
	});
	return {
		accountId,
		key: simulator.createRestrictedKey({ accountId, permissions: productPermissions }).key,
	};
}

async function connected(seller: Seller, key: string) {
	const answer = await call<{ integration: Record<string, unknown>; webhook_url: string }>(
		'integrations/connect',
		seller.token,
		{
			workspace_id: seller.workspaceId,
			api_key: key,
		},
	);
	expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	return answer.body;
}

async function webhookSecret(workspaceId: string): Promise<string> {
	const { rows } = await db.query<{ secret: string }>(
		`select c.encrypted_webhook_secret as secret from private.integration_credentials c
		 join public.integrations i on i.id = c.integration_id where i.workspace_id = $1`,
		[workspaceId],
	);
	return (await createTokenCipher(ENCRYPTION_KEY)).decrypt(rows[0].secret);
}

interface OrderRow {
	id: string;
	status: string;
	total: number;
	external_invoice_id: string | null;
	payment_url: string | null;
	last_invoice_error: string | null;
	invoice_attempts: number;
	paid_amount: number | null;
	refunded_amount: number;
	expired_at: string | null;
	void_attempts: number;
	last_void_error: string | null;
	void_settled_at: string | null;
	void_outcome: string | null;
	late_payment_at: string | null;
}

async function ordersOf(workspaceId: string): Promise<OrderRow[]> {
	const { rows } = await db.query<{ row: OrderRow }>(
		'select to_jsonb(o) as row from public.orders o where workspace_id = $1 order by created_at',
		[workspaceId],
	);
	return rows.map(({ row }) => row);
}

/** A running JPY show with priced items, buyers' winning comments, and its invoices requested. */
async function showWithWins(
	seller: Seller,
	prices: Record<string, number>,
	comments: [string, string][],
) {
	await db.query("update public.workspaces set currency = 'JPY' where id = $1", [
		seller.workspaceId,
	]);
	const rpc = async <T>(fn: string, args: Record<string, unknown>, client = seller.client) => {
		const { data, error } = await client.rpc(fn, args);
		if (error) throw new Error(`${fn}: ${error.message}`);
		return data as T;
	};
	const show = await rpc<{ id: string; platform: string; live_id: string | null }>('create_show', {
		workspace_id: seller.workspaceId,
		platform: 'facebook',
		name: 'Kimono live',
	});
	await rpc('add_show_items', {
		show_id: show.id,
		items: Object.keys(prices).map((number) => ({
			item_number: number,
			title: `Kimono ${number}`,
			quantity: 1,
		})),
	});
	for (const [number, price] of Object.entries(prices))
		await db.query(
			'update public.show_items set price = $3 where show_id = $1 and item_number = $2',
			[show.id, number, price],
		);
	const active = await rpc<{ live_id: string | null }>('activate_show', {
		show_id: show.id,
		live_id: null,
	});
	for (const [buyer, text] of comments)
		await rpc(
			'ingest_comment',
			{
				comment: {
					show_id: show.id,
					platform: 'facebook',
					live_id: active.live_id,
					comment_id: `c-${randomUUID()}`,
					platform_user_id: buyer,
					user_handle: `handle_${buyer}`,
					user_display_name: `Buyer ${buyer}`,
					text,
					created_at: new Date().toISOString(),
				},
			},
			service,
		);
	return {
		showId: show.id,
		request: () => rpc<Record<string, number>>('request_invoices', { show_id: show.id }),
	};
}

function sign(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) {
	return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function deliver(workspaceId: string, body: string, signature: string) {
	const response = await fetch(functionUrl(`stripe-webhook/${workspaceId}`), {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body,
	});
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('integrations', () => {
	it('connects a restricted key validated at Stripe, keeps it encrypted and shows its last 4', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		const { integration, webhook_url } = await connected(seller, key);
		expect(integration).toMatchObject({
			provider: 'stripe',
			status: 'active',
			external_account_id: accountId,
			display_name: 'Kimono Corner',
			key_hint: key.slice(-4),
			livemode: false,
		});
		expect(webhook_url).toBe(functionUrl(`stripe-webhook/${seller.workspaceId}`));
		const endpoints = simulator
			.state({})
			.accounts.find((account) => account.id === accountId)!.webhookEndpoints;
		expect(endpoints.map((endpoint) => [endpoint.id, endpoint.url])).toEqual([
			[integration.webhook_endpoint_id, webhook_url],
		]);
		const { rows } = await db.query(
			'select c.* from private.integration_credentials c join public.integrations i on i.id = c.integration_id where i.workspace_id = $1',
			[seller.workspaceId],
		);
		expect(JSON.stringify(rows)).not.toContain(key);
		expect(rows[0].encrypted_api_key).toMatch(/^v1:/);
		const { data } = await seller.client
			.from('integrations')
			.select('key_hint, status')
			.eq('workspace_id', seller.workspaceId)
			.single();
		expect(data).toEqual({ key_hint: key.slice(-4), status: 'active' });
	});

	it('refuses secret keys, keys Stripe refuses, keys without permissions, and assistants, saving nothing', async () => {
		const seller = await newUser();
		const { accountId, secretKey } = simulator.createAccount({ name: 'Other' });
		const refusals: [Record<string, unknown>, number, string][] = [
			[{ api_key: secretKey }, 400, 'secret_key_refused'],
			[{ api_key: 'rk_test_thisKeyDoesNotExist000' }, 400, 'key_refused'],
			[
				{
					api_key: simulator.createRestrictedKey({ accountId, permissions: { customers: 'write' } })
						.key,
				},
				400,
				'missing_permission',
			],
			[
				{
					api_key: simulator.createRestrictedKey({
						accountId,
						permissions: { customers: 'write', invoices: 'write' },
					}).key,
				},
				400,
				'webhook_permission',
			],
			[{ api_key: 'rk_test_short', webhook_secret: 'whsec_x' }, 400, 'invalid_parameter'],
		];
		for (const [body, status, error] of refusals) {
			const answer = await call('integrations/connect', seller.token, {
				workspace_id: seller.workspaceId,
				...body,
			});
			expect([answer.status, answer.body.error], JSON.stringify(answer.body)).toEqual([
				status,
				error,
			]);
		}
		const assistant = await newUser();
		await db.query(
			"insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'assistant')",
			[seller.workspaceId, assistant.userId],
		);
		const forbidden = await call('integrations/connect', assistant.token, {
			workspace_id: seller.workspaceId,
			api_key: stripeAccount().key,
		});
		expect(forbidden.status).toBe(403);
		expect(
			(
				await db.query('select 1 from public.integrations where workspace_id = $1', [
					seller.workspaceId,
				])
			).rowCount,
		).toBe(0);

		// A key without webhook permission works with the signing secret of an endpoint made by hand.
		const withSecret = await call<{ integration: Record<string, unknown> }>(
			'integrations/connect',
			seller.token,
			{
				workspace_id: seller.workspaceId,
				api_key: simulator.createRestrictedKey({
					accountId,
					permissions: { customers: 'write', invoices: 'write' },
				}).key,
				webhook_secret: 'whsec_madeInTheDashboard0123456789',
			},
		);
		expect(withSecret.status, JSON.stringify(withSecret.body)).toBe(200);
		expect(withSecret.body.integration.webhook_endpoint_id).toBeNull();
		expect(await webhookSecret(seller.workspaceId)).toBe('whsec_madeInTheDashboard0123456789');
	});

	it('checks the key (failing once revoked) and disconnects, removing the webhook endpoint', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		const healthy = await call<{ integration: Record<string, unknown> }>(
			'integrations/check',
			seller.token,
			{ workspace_id: seller.workspaceId },
		);
		expect(healthy.body.integration.status).toBe('active');
		simulator.revokeKey({ key });
		const failing = await call<{ integration: Record<string, unknown> }>(
			'integrations/check',
			seller.token,
			{ workspace_id: seller.workspaceId },
		);
		expect(failing.body.integration).toMatchObject({
			status: 'failing',
			status_detail: expect.stringContaining('Invalid API Key'),
		});

		const fresh = simulator.createRestrictedKey({ accountId, permissions: productPermissions }).key;
		await connected(seller, fresh);
		const gone = await call<{ integration: Record<string, unknown> }>(
			'integrations/disconnect',
			seller.token,
			{ workspace_id: seller.workspaceId },
		);
		expect(gone.body.integration.status).toBe('disconnected');
		// The revoked key's endpoint could not be removed with it; the fresh key's was.
		expect(
			simulator.state({}).accounts.find((account) => account.id === accountId)!.webhookEndpoints,
		).toHaveLength(1);
		const after = await call('integrations/check', seller.token, {
			workspace_id: seller.workspaceId,
		});
		expect([after.status, after.body.error]).toEqual([409, 'not_connected']);
	});
});

describe('invoicing and payment status', () => {
	it('invoices a JPY order once despite a failure midway, and the buyer’s payment marks it paid', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		const show = await showWithWins(seller, { '1': 1500, '2': 300, '3': 9900 }, [
			['ana', 'sold 1 sold 2'],
			['ben', 'sold 3'],
		]);
		// The first finalize fails for good (past the client's own retries): the order goes back
		// with a backoff, and the next attempt must reuse the draft, not make a second invoice.
		simulator.failNextRequests({ status: 500, path: '/finalize', calls: 3 });
		expect(await show.request()).toMatchObject({ requested: 2 });
		// The other order of the batch waits too: Stripe failing is a reason to slow down.
		const failedOnce = await waitFor('a failed attempt of both orders', async () => {
			const orders = await ordersOf(seller.workspaceId);
			return (
				orders.every((order) => order.invoice_attempts === 1 && order.status === 'open') && orders
			);
		});
		expect(failedOnce.map((order) => order.last_invoice_error)).toEqual([
			expect.stringContaining('Stripe: An unknown error occurred'),
			expect.stringContaining('Stripe: An unknown error occurred'),
		]);
		await db.query(
			'update public.orders set next_invoice_attempt_at = now() where workspace_id = $1',
			[seller.workspaceId],
		);
		const invoiced = await waitFor('both orders invoiced', async () => {
			const orders = await ordersOf(seller.workspaceId);
			return orders.every((order) => order.status === 'invoiced') && orders;
		});
		const invoices = simulator.invoices({ accountId });
		expect(invoices).toHaveLength(2);
		const ana = invoiced.find((order) => order.total === 1800)!;
		const anaInvoice = invoices.find((invoice) => invoice.id === ana.external_invoice_id)!;
		expect(anaInvoice).toMatchObject({
			status: 'open',
			currency: 'jpy',
			amount_due: 1800,
			metadata: { order_id: ana.id },
		});
		expect(anaInvoice.lines.data.map((line) => [line.description, line.amount])).toEqual([
			['#1 Kimono 1', 1500],
			['#2 Kimono 2', 300],
		]);
		expect(ana.payment_url).toBe(anaInvoice.hosted_invoice_url);
		expect(await (await fetch(ana.payment_url!)).text()).toContain('¥1,800');

		await fetch(ana.payment_url!, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'pay' }),
			redirect: 'manual',
		});
		const paid = await waitFor(
			'the order paid',
			async () =>
				(await ordersOf(seller.workspaceId)).find(
					(order) => order.id === ana.id && order.status === 'paid',
				),
			5000,
		);
		expect(paid.paid_amount).toBe(1800);
		// One Stripe customer per buyer, however many attempts their invoice took.
		expect(
			simulator.state({}).accounts.find((account) => account.id === accountId)!.customers,
		).toBe(2);
	});

	it('leaves the invoice requests of a workspace without Stripe untouched', async () => {
		const seller = await newUser();
		const show = await showWithWins(seller, { '5': 700 }, [['fay', 'sold 5']]);
		expect(await show.request()).toMatchObject({ requested: 1 });
		// Two ticks of the worker's 2-second schedule.
		await sleep(4500);
		expect(await ordersOf(seller.workspaceId)).toMatchObject([
			{ status: 'open', invoice_attempts: 0, last_invoice_error: null },
		]);
	});

	it('refuses forged and stale deliveries without storing them; replays and late voids change nothing', async () => {
		const seller = await newUser();
		const { key } = stripeAccount();
		await connected(seller, key);
		const show = await showWithWins(seller, { '7': 2500 }, [['cho', 'sold 7']]);
		await show.request();
		const order = await waitFor('the order invoiced', async () =>
			(await ordersOf(seller.workspaceId)).find((candidate) => candidate.status === 'invoiced'),
		);
		const secret = await webhookSecret(seller.workspaceId);
		const event = (id: string, type: string, object: Record<string, unknown>) =>
			JSON.stringify({
				id,
				object: 'event',
				type,
				created: Math.floor(Date.now() / 1000),
				data: { object: { id: order.external_invoice_id, currency: 'jpy', ...object } },
			});
		const paid = event('evt_paid_1', 'invoice.paid', {
			amount_paid: 2500,
			status: 'paid',
			metadata: { order_id: order.id },
		});

		const stored = async () =>
			(
				await db.query(
					'select event_id, status from private.payment_events where workspace_id = $1 order by received_at',
					[seller.workspaceId],
				)
			).rows;
		expect((await deliver(seller.workspaceId, paid, sign(paid, 'whsec_forged'))).status).toBe(400);
		expect(
			(
				await deliver(
					seller.workspaceId,
					paid,
					sign(paid, secret, Math.floor(Date.now() / 1000) - 301),
				)
			).status,
		).toBe(400);
		expect(
			(await deliver(seller.workspaceId, paid.replace('2500', '25'), sign(paid, secret))).status,
		).toBe(400);
		expect((await deliver(seller.workspaceId, paid, '')).status).toBe(400);
		expect(await stored()).toEqual([]);

		// Out of order: the void Stripe sent first arrives after the payment.
		const first = await deliver(seller.workspaceId, paid, sign(paid, secret));
		expect(first).toMatchObject({
			status: 200,
			body: { status: 'processed', outcome: { status: 'paid' } },
		});
		const replay = await deliver(seller.workspaceId, paid, sign(paid, secret));
		expect(replay).toMatchObject({ status: 200, body: { replay: true, status: 'processed' } });
		const lateVoid = event('evt_void_0', 'invoice.voided', { status: 'void' });
		expect(await deliver(seller.workspaceId, lateVoid, sign(lateVoid, secret))).toMatchObject({
			status: 200,
			body: { status: 'ignored' },
		});
		expect((await ordersOf(seller.workspaceId))[0]).toMatchObject({
			status: 'paid',
			paid_amount: 2500,
		});
		expect(await stored()).toEqual([
			{ event_id: 'evt_paid_1', status: 'processed' },
			{ event_id: 'evt_void_0', status: 'ignored' },
		]);
		const audit = await db.query(
			"select action from public.audit_log where entity_id = $1 and action = 'order.paid'",
			[order.id],
		);
		expect(audit.rowCount).toBe(1);

		// Another workspace's path never verifies with this workspace's secret.
		const other = await newUser();
		await connected(other, stripeAccount().key);
		expect((await deliver(other.workspaceId, paid, sign(paid, secret))).status).toBe(400);
		expect((await deliver(randomUUID(), paid, sign(paid, secret))).status).toBe(404);
	});

	it('holds out-of-order simulator deliveries and still ends paid; an expired hold voids the invoice at Stripe', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		await db.query('update public.workspaces set pay_within_hours = 1 where id = $1', [
			seller.workspaceId,
		]);
		const show = await showWithWins(seller, { '1': 1000, '2': 2000 }, [
			['dee', 'sold 1'],
			['eve', 'sold 2'],
		]);
		await show.request();
		const orders = await waitFor('two invoiced orders', async () => {
			const found = await ordersOf(seller.workspaceId);
			return found.length === 2 && found.every((order) => order.status === 'invoiced') && found;
		});
		const [dee, eve] = orders;
		simulator.setWebhookFaults({ hold: true });
		simulator.payInvoice({ invoiceId: dee.external_invoice_id!, decline: true });
		simulator.payInvoice({ invoiceId: dee.external_invoice_id! });
		simulator.setWebhookFaults({ hold: false });
		simulator.releaseDeliveries({ order: 'reverse' });
		await waitFor('dee paid', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === dee.id && order.status === 'paid',
			),
		);

		await db.query("update public.orders set due_at = now() - interval '1 minute' where id = $1", [
			eve.id,
		]);
		await waitFor('eve expired', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === eve.id && order.status === 'expired',
			),
		);
		const voided = await waitFor('the invoice voided at Stripe', async () =>
			simulator
				.invoices({ accountId })
				.find((invoice) => invoice.id === eve.external_invoice_id && invoice.status === 'void'),
		);
		expect(voided).toBeTruthy();
		// The voided event that follows changes nothing: the order stays expired.
		await sleep(500);
		expect((await ordersOf(seller.workspaceId)).find((order) => order.id === eve.id)!.status).toBe(
			'expired',
		);
	});

	it('retries a void that fails at Stripe until it is done, and flags a payment that lands on the expired order meanwhile', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		await db.query('update public.workspaces set pay_within_hours = 1 where id = $1', [
			seller.workspaceId,
		]);
		const show = await showWithWins(seller, { '1': 1000, '2': 2000 }, [
			['gus', 'sold 1'],
			['hal', 'sold 2'],
		]);
		await show.request();
		const [gus, hal] = await waitFor('two invoiced orders', async () => {
			const found = await ordersOf(seller.workspaceId);
			return found.length === 2 && found.every((order) => order.status === 'invoiced') && found;
		});
		// Gus's void fails past the client's own retries once; Hal's keeps failing while he pays.
		simulator.failNextRequests({ status: 500, path: `${gus.external_invoice_id}/void`, calls: 3 });
		simulator.failNextRequests({
			status: 503,
			path: `${hal.external_invoice_id}/void`,
			calls: 1000,
		});
		await db.query(
			"update public.orders set due_at = now() - interval '1 minute' where workspace_id = $1",
			[seller.workspaceId],
		);
		const failedOnce = await waitFor('both voids failed once', async () => {
			const found = await ordersOf(seller.workspaceId);
			return (
				found.every((order) => order.status === 'expired' && order.void_attempts >= 1) && found
			);
		});
		expect(failedOnce.map((order) => order.last_void_error)).toEqual([
			expect.stringContaining('Stripe: An unknown error occurred'),
			expect.stringContaining('Stripe: An unknown error occurred'),
		]);
		expect(
			simulator.invoices({ accountId }).map((invoice) => [invoice.id, invoice.status]),
		).toEqual(
			expect.arrayContaining([
				[gus.external_invoice_id, 'open'],
				[hal.external_invoice_id, 'open'],
			]),
		);

		// Hal pays the invoice that is still open: recorded, flagged, never lost.
		simulator.payInvoice({ invoiceId: hal.external_invoice_id! });
		const late = await waitFor('Hal’s late payment recorded', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === hal.id && order.status === 'paid',
			),
		);
		expect(late).toMatchObject({
			paid_amount: 2000,
			late_payment_at: expect.any(String),
			void_outcome: 'already_paid',
		});

		const settled = await waitFor('Gus’s void done at Stripe on a later attempt', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === gus.id && order.void_settled_at !== null,
			),
		);
		expect(settled).toMatchObject({
			status: 'expired',
			void_outcome: 'voided',
			void_attempts: 1,
			last_void_error: null,
		});
		expect(
			simulator.invoices({ accountId }).find((invoice) => invoice.id === gus.external_invoice_id)!
				.status,
		).toBe('void');
		console.info(
			`void retry: expired -> voided at Stripe in ${Date.parse(settled.void_settled_at!) - Date.parse(settled.expired_at!)} ms (one failed attempt)`,
		);
		const audit = await db.query<{ action: string }>(
			"select action from public.audit_log where entity_id = $1 and action like 'order.invoice_void%' order by created_at",
			[gus.id],
		);
		expect(audit.rows.map((row) => row.action)).toEqual([
			'order.invoice_void_failed',
			'order.invoice_void_settled',
		]);
	});

	it('ends an order whose invoice the seller voids at Stripe, and the next in line is invoiced', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		await db.query("update public.workspaces set invoicing_mode = 'each_win' where id = $1", [
			seller.workspaceId,
		]);
		const show = await showWithWins(seller, { '1': 1000 }, [
			['ida', 'sold 1'],
			['jon', 'sold 1'],
		]);
		const ida = await waitFor('Ida invoiced', async () =>
			(await ordersOf(seller.workspaceId)).find((order) => order.status === 'invoiced'),
		);
		// The seller voids it in their Stripe dashboard.
		await stripeClient({ apiKey: key, apiUrl: simulator.url }).invoices.voidInvoice(
			ida.external_invoice_id!,
		);
		const jon = await waitFor('Jon promoted and invoiced', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id !== ida.id && order.status === 'invoiced',
			),
		);
		expect(jon.total).toBe(1000);
		expect((await ordersOf(seller.workspaceId)).find((order) => order.id === ida.id)).toMatchObject(
			{
				status: 'void',
				void_settled_at: null,
			},
		);
		expect(
			simulator
				.invoices({ accountId })
				.map((invoice) => invoice.status)
				.sort(),
		).toEqual(['open', 'void']);
		const released = await db.query<{ status: string }>(
			"select status from public.claims where show_id = $1 and platform_user_id = 'ida'",
			[show.showId],
		);
		expect(released.rows).toEqual([{ status: 'released' }]);
	});

	it('reissues a changed invoice after Stripe voids the old one, never leaving two payable', async () => {
		const seller = await newUser();
		const { accountId, key } = stripeAccount();
		await connected(seller, key);
		const show = await showWithWins(seller, { '1': 1000, '2': 400 }, [['kim', 'sold 1 sold 2']]);
		await show.request();
		const first = await waitFor('Kim invoiced', async () =>
			(await ordersOf(seller.workspaceId)).find((order) => order.status === 'invoiced'),
		);
		simulator.failNextRequests({
			status: 500,
			path: `${first.external_invoice_id}/void`,
			calls: 3,
		});
		const { data: claim } = await seller.client
			.from('claims')
			.select('id')
			.eq('show_id', show.showId)
			.eq('item_number', '2')
			.single();
		const releasedAt = Date.now();
		const released = await seller.client.rpc('release_claim', { claim_id: claim!.id });
		expect(released.error).toBeNull();
		await waitFor('the void failed once', async () =>
			(await ordersOf(seller.workspaceId)).find((order) => order.void_attempts === 1),
		);
		// While the old invoice may still be paid, no second one exists.
		expect(simulator.invoices({ accountId }).map((invoice) => invoice.status)).toEqual(['open']);
		const reissued = await waitFor('the order invoiced anew', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) =>
					order.status === 'invoiced' && order.external_invoice_id !== first.external_invoice_id,
			),
		);
		console.info(
			`reissue: release -> new invoice on the order in ${Date.now() - releasedAt} ms (one failed void attempt)`,
		);
		expect(reissued).toMatchObject({ id: first.id, total: 1000 });
		// Stripe lists the newest first.
		const invoices = simulator.invoices({ accountId });
		expect(invoices.map((invoice) => [invoice.id, invoice.status, invoice.amount_due])).toEqual([
			[reissued.external_invoice_id, 'open', 1000],
			[first.external_invoice_id, 'void', 1400],
		]);
		expect(invoices[0].lines.data.map((line) => [line.description, line.amount])).toEqual([
			['#1 Kimono 1', 1000],
		]);
		// Stripe's invoice.voided for the old one changes nothing.
		await sleep(500);
		expect((await ordersOf(seller.workspaceId))[0]).toMatchObject({
			status: 'invoiced',
			external_invoice_id: reissued.external_invoice_id,
		});
	});

	it('applies a refund whose charge names only its PaymentIntent, through the invoice it paid', async () => {
		const seller = await newUser();
		const { key } = stripeAccount();
		await connected(seller, key);
		const show = await showWithWins(seller, { '1': 3000 }, [['lea', 'sold 1']]);
		await show.request();
		const order = await waitFor('Lea invoiced', async () =>
			(await ordersOf(seller.workspaceId)).find((found) => found.status === 'invoiced'),
		);
		simulator.payInvoice({ invoiceId: order.external_invoice_id! });
		await waitFor('Lea paid', async () =>
			(await ordersOf(seller.workspaceId)).find((found) => found.status === 'paid'),
		);
		simulator.refundInvoice({ invoiceId: order.external_invoice_id!, amount: 1000 });
		const refunded = await waitFor('the refund applied', async () =>
			(await ordersOf(seller.workspaceId)).find((found) => found.status === 'refunded'),
		);
		expect(refunded).toMatchObject({ id: order.id, refunded_amount: 1000, paid_amount: 3000 });
		const { rows } = await db.query<{ status: string }>(
			"select status from private.payment_events where workspace_id = $1 and event_type = 'charge.refunded'",
			[seller.workspaceId],
		);
		expect(rows).toEqual([{ status: 'processed' }]);
	});

	it('sends Checkout links when the workspace says so: paid and refunded, replaced when they lapse within the hold, expired with it', async () => {
		const seller = await newUser();
		const { key } = stripeAccount();
		await connected(seller, key);
		const stripe = stripeClient({ apiKey: key, apiUrl: simulator.url });
		await db.query(
			"update public.workspaces set payment_link_kind = 'checkout', pay_within_hours = 48 where id = $1",
			[seller.workspaceId],
		);
		const show = await showWithWins(seller, { '1': 1500, '2': 700 }, [
			['mia', 'sold 1'],
			['ned', 'sold 2'],
		]);
		await show.request();
		const [mia] = await waitFor('Mia’s checkout link', async () => {
			const found = await ordersOf(seller.workspaceId);
			return found.every((order) => order.status === 'invoiced') && found;
		});
		expect(mia.external_invoice_id).toMatch(/^cs_/);
		const first = await stripe.checkout.sessions.retrieve(mia.external_invoice_id!);
		expect(first).toMatchObject({
			status: 'open',
			amount_total: 1500,
			currency: 'jpy',
			url: mia.payment_url,
			metadata: { order_id: mia.id },
		});
		const { rows } = await db.query<{ requested: number; due: number }>(
			'select extract(epoch from invoice_requested_at) as requested, extract(epoch from due_at) as due from public.orders where id = $1',
			[mia.id],
		);
		// A 48-hour hold: the session lives as long as Stripe lets it, counted from the request.
		expect(first.expires_at - Number(rows[0].requested)).toBeCloseTo(23 * 3600, -1);

		// The session lapses at Stripe within the hold: Mia gets a new link, her hold unchanged.
		await stripe.checkout.sessions.expire(first.id);
		const renewed = await waitFor('a new link for Mia', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) =>
					order.id === mia.id &&
					order.status === 'invoiced' &&
					order.external_invoice_id !== first.id,
			),
		);
		const { rows: after } = await db.query<{ due: number; superseded: string[] }>(
			'select extract(epoch from due_at) as due, superseded_invoice_ids as superseded from public.orders where id = $1',
			[mia.id],
		);
		expect(after[0]).toEqual({ due: rows[0].due, superseded: [first.id] });
		await fetch(renewed.payment_url!, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'pay' }),
			redirect: 'manual',
		});
		await waitFor('Mia paid', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === mia.id && order.status === 'paid' && order.paid_amount === 1500,
			),
		);
		// A refund names only the PaymentIntent, which Stripe maps to the session.
		simulator.refundCheckoutSession({ sessionId: renewed.external_invoice_id!, amount: 500 });
		await waitFor('Mia’s refund applied', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) =>
					order.id === mia.id && order.status === 'refunded' && order.refunded_amount === 500,
			),
		);

		// Ned's hold runs out: his session is expired at Stripe like an invoice is voided.
		const ned = (await ordersOf(seller.workspaceId)).find((order) => order.id !== mia.id)!;
		await db.query("update public.orders set due_at = now() - interval '1 minute' where id = $1", [
			ned.id,
		]);
		await waitFor('Ned’s session expired', async () =>
			(await ordersOf(seller.workspaceId)).find(
				(order) => order.id === ned.id && order.void_outcome === 'voided',
			),
		);
		expect((await stripe.checkout.sessions.retrieve(ned.external_invoice_id!)).status).toBe(
			'expired',
		);
		expect((await ordersOf(seller.workspaceId)).find((order) => order.id === ned.id)!.status).toBe(
			'expired',
		);
	});
});
