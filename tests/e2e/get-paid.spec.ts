// Getting paid, the whole way through the product's real parts: the seller connects Stripe (the
// simulator) on the Integrations page with a restricted key; after a show with claims stops, Send
// invoices has the payments worker make each buyer's Stripe invoice; a buyer pays on the
// simulator's hosted page and the summary shows Paid within 2 s (the signed webhook, then
// Realtime); another buyer's hold runs out while Stripe fails the void, so the summary shows the
// void pending, she pays late and the seller decides to keep the sale; the next in line, who won
// the item at expiry, is invoiced in turn. Prints how long a payment takes to reach the screen.
// Assistants, as on Connections, neither see the Integrations page nor reach its actions.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';

const password = 'correct horse battery staple';

async function control<T>(operation: string, input: Record<string, unknown>): Promise<T> {
	const response = await fetch(`${process.env.STRIPE_SIMULATOR_URL}/_control/${operation}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(input),
	});
	if (!response.ok) throw new Error(`${operation}: ${response.status} ${await response.text()}`);
	return (await response.json()) as T;
}

async function call<T = unknown>(
	client: SupabaseClient,
	name: string,
	args: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await client.rpc(name, args);
	if (error) throw new Error(`${name} failed: ${error.message}`);
	return data as T;
}

function orderRow(page: Page, buyer: string) {
	return page.locator(`[data-testid="order-row"][data-buyer="${buyer}"]`);
}

test('a buyer pays a Stripe invoice and the console shows it; an expired hold passes the item on', async ({
	page,
	context,
}) => {
	test.setTimeout(120_000);
	const config = await loadConfig();
	const service = createClient(config.apiUrl, config.serviceRoleKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
	const db = new pg.Client({ connectionString: config.dbUrl });
	await db.connect();
	try {
		// The seller signs up and connects Stripe with a restricted key of their (simulated) account.
		const email = `get-paid-${randomUUID().slice(0, 8)}@example.test`;
		await page.goto('/signup');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(password);
		await page.getByLabel(/Shop or workspace name/).fill('Kimono Corner');
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);
		const seller = createClient(config.apiUrl, config.anonKey, {
			auth: { persistSession: false, autoRefreshToken: false },
			realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
		});
		const signIn = await seller.auth.signInWithPassword({ email, password });
		if (signIn.error) throw signIn.error;
		const { data: workspace } = await seller.from('workspaces').select('id').single();
		const workspaceId = (workspace as { id: string }).id;

		const { accountId } = await control<{ accountId: string }>('createAccount', {
			name: 'Kimono Corner',
			defaultCurrency: 'jpy',
		});
		const { key } = await control<{ key: string }>('createRestrictedKey', {
			accountId,
			permissions: {
				customers: 'write',
				invoices: 'write',
				checkout_sessions: 'write',
				webhook_endpoints: 'write',
			},
		});
		await page.getByRole('link', { name: 'Integrations' }).click();
		await page.getByLabel('Restricted key').fill(key);
		await page.getByRole('button', { name: 'Connect Stripe' }).click();
		await expect(
			page.getByText(`Connected Stripe account Kimono Corner (key ending in ${key.slice(-4)}).`),
		).toBeVisible();
		await expect(page.getByText(`Restricted key ending in ${key.slice(-4)}`)).toBeVisible();
		await expect(page.getByText(key)).toHaveCount(0);

		// A JPY show: ana wins item 1 with bruno waiting behind her, cleo wins item 2.
		await db.query(
			"update public.workspaces set currency = 'JPY', pay_within_hours = 24 where id = $1",
			[workspaceId],
		);
		const show = await call<{ id: string }>(seller, 'create_show', {
			workspace_id: workspaceId,
			platform: 'facebook',
			name: 'Kimono night',
		});
		await call(seller, 'add_show_items', { show_id: show.id, items: ['1-2'] });
		const { live_id: liveId } = await call<{ live_id: string }>(seller, 'activate_show', {
			show_id: show.id,
		});
		await db.query(
			"update public.show_items set price = case item_number when '1' then 4800 else 1500 end where show_id = $1",
			[show.id],
		);
		for (const [handle, item] of [
			['ana', '1'],
			['bruno', '1'],
			['cleo', '2'],
		])
			await call(service, 'ingest_comment', {
				comment: {
					show_id: show.id,
					platform: 'facebook',
					live_id: liveId,
					comment_id: randomUUID(),
					platform_user_id: `fb-${handle}`,
					user_handle: handle,
					user_display_name: handle,
					text: `sold ${item}`,
					created_at: new Date().toISOString(),
				},
			});
		await call(seller, 'stop_show', { show_id: show.id });

		await page.goto(`/shows/${show.id}/summary`);
		const orders = page.getByRole('region', { name: 'Orders and payments' });
		await expect(orders.getByTestId('order-row')).toHaveCount(2);
		await orders.getByRole('button', { name: 'Send invoices' }).click();
		// The payments worker (every 2 s) makes the invoices at Stripe; the links arrive over Realtime.
		await expect(orderRow(page, '@cleo')).toContainText('Unpaid', { timeout: 15_000 });
		await expect(orderRow(page, '@ana')).toContainText('Unpaid', { timeout: 15_000 });
		const cleoLink = await orderRow(page, '@cleo')
			.getByRole('textbox', { name: 'Payment link for @cleo' })
			.inputValue();
		expect(cleoLink).toMatch(new RegExp(`^${process.env.STRIPE_SIMULATOR_URL}/i/${accountId}/in_`));

		// Cleo pays on Stripe's hosted page, in her own tab. The webhook function is started first
		// (an unsigned call it refuses), as on a platform that is handling deliveries: the 2 s are
		// the product's path, not a process boot.
		const warmUp = await fetch(`${config.apiUrl}/functions/v1/stripe-webhook/${workspaceId}`, {
			method: 'POST',
			body: '{}',
		});
		expect(warmUp.status).toBe(400);
		const buyerPage = await context.newPage();
		await buyerPage.goto(cleoLink);
		await expect(buyerPage.getByText('¥1,500').first()).toBeVisible();
		const paidAt = Date.now();
		await buyerPage.getByRole('button', { name: 'Pay' }).click();
		await expect(buyerPage.getByText('Payment successful.')).toBeVisible();
		await expect(orderRow(page, '@cleo')).toContainText('Paid', { timeout: 2000 });
		console.log(
			`get-paid: hosted-page payment to Paid on the summary in ${Date.now() - paidAt} ms`,
		);
		await buyerPage.close();

		// Ana does not pay in time: her hold runs out (moved into the past here instead of waiting a
		// day) while Stripe fails every void of her invoice, so the console shows the void pending.
		const anaInvoice = (
			await db.query<{ external_invoice_id: string }>(
				"select external_invoice_id from public.orders where workspace_id = $1 and user_handle = 'ana'",
				[workspaceId],
			)
		).rows[0].external_invoice_id;
		await control('failNextRequests', { status: 503, path: `${anaInvoice}/void`, calls: 1000 });
		await db.query(
			"update public.orders set due_at = now() - interval '1 minute' where workspace_id = $1 and user_handle = 'ana'",
			[workspaceId],
		);
		await expect(orderRow(page, '@ana')).toContainText('Expired', { timeout: 15_000 });
		await expect(orderRow(page, '@ana')).toContainText(
			'Void pending at Stripe: the buyer can still pay this invoice until it goes through. Last attempt failed: Stripe: An unknown error occurred',
			{ timeout: 15_000 },
		);
		// She pays the invoice still open: the money is recorded and the seller asked what to do.
		const lateBuyer = await context.newPage();
		await lateBuyer.goto(
			await orderRow(page, '@ana')
				.getByRole('textbox', { name: 'Payment link for @ana' })
				.inputValue(),
		);
		await lateBuyer.getByRole('button', { name: 'Pay' }).click();
		await expect(lateBuyer.getByText('Payment successful.')).toBeVisible();
		await lateBuyer.close();
		await expect(orderRow(page, '@ana')).toContainText('Paid after expiry: refund or restore', {
			timeout: 5000,
		});
		await expect(orderRow(page, '@ana')).not.toContainText('Void pending');
		await orderRow(page, '@ana').getByRole('button', { name: 'Keep the sale' }).click();
		await expect(orderRow(page, '@ana')).toContainText(
			'Paid after expiry: you chose to keep the sale.',
		);
		await control('clearFaults', {});
		expect(
			(
				await db.query(
					"select details from public.audit_log where action = 'order.resolve_late_payment' and workspace_id = $1",
					[workspaceId],
				)
			).rows,
		).toEqual([{ details: { resolution: 'restore' } }]);
		// Bruno, next in line, wins item 1: his order appears, and Send invoices bills him.
		await expect(orderRow(page, '@bruno')).toContainText('Not invoiced', { timeout: 10_000 });
		await orders.getByRole('button', { name: 'Send invoices' }).click();
		await expect(orderRow(page, '@bruno')).toContainText('Unpaid', { timeout: 15_000 });
		await expect(orderRow(page, '@bruno')).toContainText('¥4,800');
		const brunoLink = await orderRow(page, '@bruno')
			.getByRole('textbox', { name: 'Payment link for @bruno' })
			.inputValue();
		const brunoInvoice = (
			await control<{ hosted_invoice_url: string; amount_due: number; currency: string }[]>(
				'invoices',
				{ accountId },
			)
		).find((invoice) => invoice.hosted_invoice_url === brunoLink);
		expect(brunoInvoice).toMatchObject({ amount_due: 4800, currency: 'jpy' });
	} finally {
		await db.end();
	}
});

test('assistants have no Integrations page and no Stripe actions', async ({
	page,
	consoleErrors,
}) => {
	consoleErrors.allow(/status of 403 .*\/integrations\)$/);
	const config = await loadConfig();
	const db = new pg.Client({ connectionString: config.dbUrl });
	await db.connect();
	try {
		const users = [];
		for (const role of ['seller', 'assistant']) {
			const client = createClient(config.apiUrl, config.anonKey, {
				auth: { persistSession: false, autoRefreshToken: false },
				realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
			});
			const email = `get-paid-${role}-${randomUUID().slice(0, 8)}@example.test`;
			const { data, error } = await client.auth.signUp({ email, password });
			if (error) throw error;
			users.push({ email, id: data.user!.id });
		}
		const [seller, assistant] = users;
		const { rows } = await db.query<{ workspace_id: string }>(
			'select workspace_id from public.workspace_members where user_id = $1',
			[seller.id],
		);
		await db.query("update public.workspaces set name = 'Stripe Shop' where id = $1", [
			rows[0].workspace_id,
		]);
		await db.query(
			"insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'assistant')",
			[rows[0].workspace_id, assistant.id],
		);

		await page.goto('/login');
		await page.getByLabel('Email').fill(assistant.email);
		await page.getByLabel('Password', { exact: true }).fill(password);
		await page.getByRole('button', { name: 'Log in' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);
		await page.locator('summary', { hasText: 'Account menu' }).click();
		await page.getByRole('button', { name: /Stripe Shop/ }).click();
		await expect(page.locator('header .workspace')).toContainText('Stripe Shop');

		await expect(page.getByRole('navigation', { name: 'Console' })).not.toContainText(
			'Integrations',
		);
		const integrations = await page.goto('/integrations');
		expect(integrations?.status()).toBe(403);
		await expect(
			page.getByText(/Managing integrations is for the workspace’s owners and admins/),
		).toBeVisible();
		const origin = new URL(page.url()).origin;
		for (const [action, form] of [
			['/integrations?/connect', { apiKey: 'rk_test_0123456789abcdef0123' }],
			['/integrations?/check', {}],
			['/integrations?/disconnect', {}],
			['/integrations?/connectWithStripe', {}],
		] as const) {
			const refused = await page.request.post(action, { form, headers: { origin } });
			expect(refused.status(), action).toBe(403);
		}
	} finally {
		await db.end();
	}
});
