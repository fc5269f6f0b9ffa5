// Orders in the console: after a show, the summary lists each buyer's order with its status chip;
// Send invoices queues them; as the invoicing worker and the payment webhook report (service-role
// calls, as the Stripe side makes them) the chips, the totals and the Orders page follow over
// Realtime without a reload. Prints how long a payment takes to reach the screen.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';
import { parseCsv } from '../../src/lib/csv.ts';

const password = 'correct horse battery staple';
const screenshotDir = join(import.meta.dirname, 'screenshots');

async function clients(): Promise<{
	url: string;
	anonKey: string;
	dbUrl: string;
	service: SupabaseClient;
}> {
	const config = await loadConfig();
	return {
		url: config.apiUrl,
		dbUrl: config.dbUrl,
		anonKey: config.anonKey,
		service: createClient(config.apiUrl, config.serviceRoleKey, {
			auth: { persistSession: false, autoRefreshToken: false },
			realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
		}),
	};
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

/** Signs up in the browser, then the same seller from Node; returns their client and workspace. */
async function signUpSeller(page: Page, url: string, anonKey: string) {
	const email = `orders-${randomUUID().slice(0, 8)}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill('Vintage Vault');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	const seller = createClient(url, anonKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
	const { error } = await seller.auth.signInWithPassword({ email, password });
	if (error) throw error;
	const { data } = await seller.from('workspaces').select('id').single();
	return { seller, workspaceId: (data as { id: string }).id };
}

function orderRow(page: Page, buyer: string) {
	return page.locator(`[data-testid="order-row"][data-buyer="${buyer}"]`);
}

test('order status follows invoicing and payment live on the summary and the Orders page', async ({
	page,
}) => {
	test.setTimeout(90_000);
	const { url, anonKey, dbUrl, service } = await clients();
	const { seller, workspaceId } = await signUpSeller(page, url, anonKey);

	const show = await call<{ id: string }>(seller, 'create_show', {
		workspace_id: workspaceId,
		platform: 'facebook',
		name: 'Orders night',
	});
	await call(seller, 'add_show_items', { show_id: show.id, items: ['1-3'] });
	const { live_id: liveId } = await call<{ live_id: string }>(seller, 'activate_show', {
		show_id: show.id,
	});
	// Prices as a show drawn from the catalog carries them (set directly: this spec is about orders).
	const db = new pg.Client({ connectionString: dbUrl });
	await db.connect();
	await db.query('update public.show_items set price = 1250 where show_id = $1', [show.id]);
	await db.end();
	for (const [handle, item] of [
		['ana', '1'],
		['bruno', '2'],
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
	// A buyer known only by the handle the seller typed: Meta did not identify them.
	const { data: items } = await seller
		.from('show_items')
		.select('id')
		.eq('show_id', show.id)
		.eq('item_number', '3');
	await call(seller, 'award_item', { item_id: items![0].id, user_handle: 'walkin' });
	await call(seller, 'stop_show', { show_id: show.id });

	await page.goto(`/shows/${show.id}/summary`);
	const orders = page.getByRole('region', { name: 'Orders and payments' });
	await expect(orders.getByTestId('order-row')).toHaveCount(3);
	await expect(orderRow(page, '@ana')).toContainText('Not invoiced');
	await expect(orderRow(page, '@walkin')).toContainText('Meta did not identify this buyer');
	await expect(orders.getByTestId('outstanding-total')).toHaveText('$37.50');

	await orders.getByRole('button', { name: 'Send invoices' }).click();
	await expect(orders.getByText('3 invoices are on their way.')).toBeVisible();
	await expect(orderRow(page, '@bruno')).toContainText('Invoice queued');

	// The invoicing worker takes the requests and reports the invoices.
	const taken = await call<{ order: { id: string; user_handle: string } }[]>(
		service,
		'take_invoice_requests',
		{ max_orders: 10 },
	);
	const invoiceOf = new Map<string, string>();
	for (const { order } of taken) {
		const invoiceId = `in_${randomUUID()}`;
		invoiceOf.set(order.user_handle, invoiceId);
		await call(service, 'mark_order_invoiced', {
			order_id: order.id,
			provider: 'stripe',
			external_invoice_id: invoiceId,
			payment_url: `https://pay.example.test/${invoiceId}`,
		});
	}
	await expect(orderRow(page, '@ana')).toContainText('Unpaid');
	await expect(orderRow(page, '@walkin').getByLabel('Payment link for @walkin')).toHaveValue(
		`https://pay.example.test/${invoiceOf.get('walkin')}`,
	);

	// A payment reaches the summary without a reload.
	const paidAt = Date.now();
	await call(service, 'record_payment_event', {
		workspace_id: workspaceId,
		provider: 'stripe',
		external_invoice_id: invoiceOf.get('ana'),
		kind: 'paid',
		amount: 1250,
		occurred_at: new Date().toISOString(),
	});
	await expect(orderRow(page, '@ana')).toContainText('Paid', { timeout: 2000 });
	console.log(`orders: payment to summary chip in ${Date.now() - paidAt} ms`);
	await expect(orders.getByTestId('paid-total')).toHaveText('$12.50');
	await expect(orders.getByTestId('outstanding-total')).toHaveText('$25.00');
	await page.screenshot({
		path: join(screenshotDir, 'orders-summary-desktop.png'),
		fullPage: true,
	});
	await orders.getByRole('button', { name: /^Paid/ }).click();
	await expect(orders.getByTestId('order-row')).toHaveCount(1);
	await orders.getByRole('button', { name: /^Unpaid/ }).click();
	await expect(orders.getByTestId('order-row')).toHaveCount(2);

	// The Orders page: search by buyer, live status, and a CSV with totals.
	await page.getByRole('link', { name: 'Orders', exact: true }).click();
	await expect(page).toHaveURL(/\/orders$/);
	await expect(page.getByTestId('order-row')).toHaveCount(3);
	// An order changing while the search loads (a payment, a reissued link) must not undo it.
	await page.route(
		/\/orders\/__data\.json\?.*q=bruno/,
		async (route) => {
			const touch = new pg.Client({ connectionString: dbUrl });
			await touch.connect();
			await touch.query(
				'update public.orders set payment_url = payment_url where workspace_id = $1',
				[workspaceId],
			);
			await touch.end();
			await new Promise((settled) => setTimeout(settled, 600));
			await route.continue();
		},
		{ times: 1 },
	);
	await page.getByLabel('Search buyers').fill('bruno');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByTestId('order-row')).toHaveCount(1);
	await expect(page).toHaveURL(/\/orders\?q=bruno$/);
	await expect(orderRow(page, '@bruno')).toContainText('Orders night');
	const brunoPaidAt = Date.now();
	await call(service, 'record_payment_event', {
		workspace_id: workspaceId,
		provider: 'stripe',
		external_invoice_id: invoiceOf.get('bruno'),
		kind: 'paid',
		amount: 1250,
		occurred_at: new Date().toISOString(),
	});
	await expect(orderRow(page, '@bruno')).toContainText('Paid', { timeout: 2000 });
	console.log(`orders: payment to Orders page chip in ${Date.now() - brunoPaidAt} ms`);
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: join(screenshotDir, 'orders-page-mobile.png'), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 800 });

	await page.getByLabel('Search buyers').fill('');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByTestId('order-row')).toHaveCount(3);
	const [file] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Orders CSV' }).click(),
	]);
	const [header, ...rows] = parseCsv((await readFile(await file.path())).toString('utf8'));
	const column = (name: string) => header.indexOf(name);
	const byHandle = new Map(rows.map((row) => [row[column('buyer_handle')], row]));
	expect(byHandle.get('ana')?.[column('status')]).toBe('paid');
	expect(byHandle.get('walkin')?.[column('status')]).toBe('invoiced');
	expect(byHandle.get('walkin')?.[column('total')]).toBe('12.50');
	expect(byHandle.get('TOTAL PAID')?.[column('total')]).toBe('25.00');
	expect(byHandle.get('TOTAL OUTSTANDING')?.[column('total')]).toBe('12.50');
});

test('order settings shape the orders; assistants see their status but cannot send invoices', async ({
	page,
	browser,
	baseURL,
}) => {
	test.setTimeout(90_000);
	const { url, anonKey, dbUrl, service } = await clients();
	const { seller, workspaceId } = await signUpSeller(page, url, anonKey);
	const db = new pg.Client({ connectionString: dbUrl });
	await db.connect();
	try {
		await page.goto('/settings');
		const settings = page.getByRole('region', { name: 'Orders and payments' });
		await settings.getByLabel('One order per show').check();
		await settings.getByLabel(/Shipping per order/).fill('4.999');
		await settings.getByRole('button', { name: 'Save order settings' }).click();
		await expect(settings.getByText('USD prices have at most 2 decimals')).toBeVisible();
		await settings.getByLabel(/Shipping per order/).fill('4.99');
		await settings.getByLabel('Invoices go out').selectOption('show_stop');
		await settings.getByLabel('Buyers are sent').selectOption('checkout');
		await settings.getByLabel(/Pay within/).fill('48');
		await settings.getByRole('button', { name: 'Save order settings' }).click();
		await expect(settings.getByText('Order settings saved')).toBeVisible();
		await settings.screenshot({ path: join(screenshotDir, 'order-settings-desktop.png') });
		const { rows } = await db.query(
			'select orders_merge_across_shows, order_shipping_fee::int, invoicing_mode, pay_within_hours, payment_link_kind from public.workspaces where id = $1',
			[workspaceId],
		);
		expect(rows[0]).toEqual({
			orders_merge_across_shows: false,
			order_shipping_fee: 499,
			invoicing_mode: 'show_stop',
			pay_within_hours: 48,
			payment_link_kind: 'checkout',
		});

		const show = await call<{ id: string }>(seller, 'create_show', {
			workspace_id: workspaceId,
			platform: 'facebook',
			name: 'Settings night',
		});
		await call(seller, 'add_show_items', { show_id: show.id, items: ['1'] });
		const { live_id: liveId } = await call<{ live_id: string }>(seller, 'activate_show', {
			show_id: show.id,
		});
		await db.query('update public.show_items set price = 1250 where show_id = $1', [show.id]);
		await call(service, 'ingest_comment', {
			comment: {
				show_id: show.id,
				platform: 'facebook',
				live_id: liveId,
				comment_id: randomUUID(),
				platform_user_id: 'fb-carla',
				user_handle: 'carla',
				user_display_name: 'Carla',
				text: 'sold 1',
				created_at: new Date().toISOString(),
			},
		});
		await call(seller, 'stop_show', { show_id: show.id });

		// An assistant of the workspace: status yes, Send invoices no.
		const assistantContext = await browser.newContext({ baseURL });
		const assistant = await assistantContext.newPage();
		const email = `assistant-${randomUUID().slice(0, 8)}@example.test`;
		await assistant.goto('/signup');
		await assistant.getByLabel('Email').fill(email);
		await assistant.getByLabel('Password').fill(password);
		await assistant.getByLabel(/Shop or workspace name/).fill('Helper');
		await assistant.getByRole('button', { name: 'Create account' }).click();
		await expect(assistant).toHaveURL(/\/dashboard$/);
		await db.query(
			`insert into public.workspace_members (workspace_id, user_id, role)
			 select $1, id, 'assistant' from auth.users where email = $2`,
			[workspaceId, email],
		);
		await assistantContext.addCookies([{ name: 'workspace', value: workspaceId, url: baseURL! }]);
		await assistant.goto(`/shows/${show.id}/summary`);
		const orders = assistant.getByRole('region', { name: 'Orders and payments' });
		// Stopping the show requested the invoice; shipping is on the order.
		await expect(orderRow(assistant, '@carla')).toContainText('Invoice queued');
		await expect(orderRow(assistant, '@carla')).toContainText('$17.49');
		await expect(orders.getByRole('button', { name: 'Send invoices' })).toHaveCount(0);
		await assistantContext.close();
	} finally {
		await db.end();
	}
});
