// Shows drawn from the catalog, through the built console: a product with variants and one
// without are added on the setup page (by search and by a pasted SKU), the live console shows
// their prices, pictures and variant rows under one number, test comments naming a variant claim
// its row, and once the show ends the summary's money (with and without test claims) and the
// buyers CSV equal what the database holds, and the real sold units left the stock.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { parseCsv } from '../../src/lib/csv.ts';
import { loadConfig } from '../../stack/config.ts';

const screenshotDir = join(import.meta.dirname, 'screenshots');
const password = 'correct horse battery staple';

/** Signs up in the browser, then signs the same seller in from Node for setup and checks. */
async function signUpSeller(page: Page): Promise<{ seller: SupabaseClient; workspaceId: string }> {
	const email = `catalog-show-${randomUUID().slice(0, 8)}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill('Vintage Vault');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	const config = await loadConfig();
	const seller = createClient(config.apiUrl, config.anonKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
	const { error } = await seller.auth.signInWithPassword({ email, password });
	if (error) throw error;
	const { data, error: workspaceError } = await seller.from('workspaces').select('id').single();
	if (workspaceError) throw workspaceError;
	return { seller, workspaceId: data.id as string };
}

async function rpc<T = unknown>(
	client: SupabaseClient,
	name: string,
	args: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await client.rpc(name, args);
	if (error) throw new Error(`${name} failed: ${error.message}`);
	return data as T;
}

test('catalog products in a show: setup, live console, summary and stock', async ({
	page,
	baseURL,
}) => {
	test.setTimeout(120_000);
	const { seller, workspaceId } = await signUpSeller(page);
	const picture = `${baseURL}/favicon.svg`;
	const hatSku = `HAT-${randomUUID().slice(0, 6)}`;
	await rpc(seller, 'save_product', {
		workspace_id: workspaceId,
		product: {
			title: 'Wrap dress',
			price: 2999,
			status: 'active',
			image_urls: [picture],
			option_names: ['Color', 'Size'],
			variants: [
				{ option_values: ['Blue', 'S'], sku: `WD-S-${hatSku}`, stock: 3 },
				{ option_values: ['Blue', 'M'], sku: `WD-M-${hatSku}`, stock: 2, price: 3500 },
			],
		},
	});
	await rpc(seller, 'save_product', {
		workspace_id: workspaceId,
		product: {
			title: 'Sun hat',
			price: 1500,
			status: 'active',
			variants: [{ sku: hatSku, stock: 5 }],
		},
	});
	const show = await rpc<{ id: string }>(seller, 'create_show', {
		workspace_id: workspaceId,
		platform: 'facebook',
		name: 'Catalog Friday',
	});

	// Setup: the dress by search, every variant under the next free number (1).
	await page.goto(`/shows/${show.id}`);
	const catalog = page.getByRole('region', { name: 'Add from catalog' });
	await catalog.getByLabel('Search the catalog').fill('wrap');
	await catalog.getByRole('button', { name: 'Search' }).click();
	const dress = catalog.getByRole('listitem').filter({ hasText: 'Wrap dress' }).first();
	await expect(dress).toContainText('Blue / S');
	await expect(dress).toContainText('3 of 3 free');
	await expect(dress).toContainText('$35.00');
	await dress.getByRole('button', { name: 'Add Wrap dress' }).click();
	await expect(catalog.getByText('Added item 1 (2 rows)')).toBeVisible();
	// Its stock is now held by this show.
	await catalog.getByRole('button', { name: 'Search' }).click();
	await expect(dress).toContainText('0 of 3 free');

	// The hat by its pasted SKU, under a chosen number.
	await catalog.getByLabel('SKUs or barcodes, one per line').fill(`${hatSku}\nNOPE-404`);
	await catalog.getByRole('button', { name: 'Find codes' }).click();
	await expect(catalog.getByText('Not in the catalog: NOPE-404')).toBeVisible();
	const hat = catalog.getByRole('listitem').filter({ hasText: 'Sun hat' }).first();
	await hat.getByLabel('Item number for Sun hat').fill('7');
	await hat.getByRole('button', { name: 'Add Sun hat' }).click();
	await expect(catalog.getByText('Added item 7 (1 row)')).toBeVisible();

	const items = page.getByRole('region', { name: /^Items/ });
	await expect(items.getByLabel('Price of item 1 Blue / S in USD')).toHaveValue('29.99');
	await expect(items.getByLabel('Price of item 1 Blue / M in USD')).toHaveValue('35.00');
	await expect(items.getByLabel('Quantity of item 7')).toHaveValue('5');
	await expect(items.getByLabel('Quantity of item 7')).toHaveAttribute('max', '5');
	await page.screenshot({ path: join(screenshotDir, 'show-catalog-setup.png'), fullPage: true });

	// A live price for the hat, edited on its row.
	await items.getByLabel('Price of item 7 in USD').fill('12.50');
	await items.getByRole('button', { name: 'Save item 7' }).click();
	await expect(items.getByLabel('Price of item 7 in USD')).toHaveValue('12.50');

	// The rehearsal's console: prices, pictures, the dress's variants under #1.
	await page.getByRole('button', { name: 'Start rehearsal' }).click();
	await expect(page).toHaveURL(new RegExp(`/shows/${show.id}/live$`));
	const itemList = page.getByRole('list', { name: 'Items' });
	const rows = itemList.getByRole('button', { name: /^#\d/ });
	await expect(rows).toHaveCount(3);
	await expect(rows.nth(0)).toContainText('#1');
	await expect(rows.nth(0)).toContainText('Blue / S');
	await expect(rows.nth(0)).toContainText('$29.99');
	await expect(rows.nth(1)).toContainText('Blue / M');
	await expect(rows.nth(1)).toContainText('$35.00');
	await expect(rows.nth(2)).toContainText('#7');
	await expect(rows.nth(2)).toContainText('$12.50');
	await expect(rows.nth(0).locator('img')).toHaveAttribute('src', picture);
	// Keyboard: arrows walk the variant rows like any item.
	await rows.nth(0).focus();
	await page.keyboard.press('ArrowDown');
	await expect(rows.nth(1)).toBeFocused();

	// Winners, awarded per variant row; then the show ends.
	const { data: showItems, error } = await seller
		.from('show_items')
		.select('id, item_number, variant_label')
		.eq('show_id', show.id);
	if (error) throw error;
	const itemId = (number: string, label: string) =>
		showItems.find((item) => item.item_number === number && item.variant_label === label)!.id;
	for (const [number, label, buyer] of [
		['1', 'Blue / S', 'ana'],
		['1', 'Blue / S', 'ben'],
		['1', 'Blue / M', 'ana'],
		['7', '', 'ben'],
	])
		await rpc(seller, 'award_item', { item_id: itemId(number, label), user_handle: buyer });
	await expect(rows.nth(1)).toContainText('@ana');
	// Test comments naming a variant claim that variant's row of the number.
	const testStatus = page.getByRole('status').filter({ hasText: 'Test comment:' });
	for (const [handle, text, row] of [
		['cara', 'sold 1 blue m', 1],
		['dee', 'sold 1 Blue S', 0],
	] as const) {
		await page.getByLabel('Test buyer handle').fill(handle);
		await page.getByLabel('Test comment text').fill(text);
		await page.getByRole('button', { name: 'Send test' }).click();
		await expect(testStatus).toContainText(`@${handle} won #1`);
		await expect(rows.nth(row)).toContainText(`@${handle}`);
	}
	await expect(rows.nth(1)).toContainText('0/2 left');
	await page.screenshot({ path: join(screenshotDir, 'show-catalog-live.png') });
	await rpc(seller, 'stop_show', { show_id: show.id });

	// The summary's money equals the database's: winners × their row's price, test claims apart.
	const { data: sold, error: soldError } = await seller
		.from('claims')
		.select('user_handle, is_test, show_items(price)')
		.eq('show_id', show.id)
		.eq('status', 'winner');
	if (soldError) throw soldError;
	const priceOf = (claim: (typeof sold)[number]) =>
		(claim.show_items as unknown as { price: number }).price;
	const totalOf = (handle?: string, includeTests = false) =>
		sold
			.filter((claim) => handle === undefined || claim.user_handle === handle)
			.filter((claim) => includeTests || !claim.is_test)
			.reduce((sum, claim) => sum + priceOf(claim), 0);
	expect([totalOf(), totalOf('ana'), totalOf('ben'), totalOf('cara', true)]).toEqual([
		2999 * 2 + 3500 + 1250,
		2999 + 3500,
		2999 + 1250,
		3500,
	]);
	const dollars = (minor: number) => `$${(minor / 100).toFixed(2)}`;

	await page.goto(`/shows/${show.id}/summary`);
	await expect(
		page.getByRole('term').filter({ hasText: 'Sales' }).locator('xpath=following-sibling::dd[1]'),
	).toHaveText(dollars(totalOf()));
	const buyers = page.getByRole('region', { name: 'Buyers' });
	await expect(buyers.getByRole('row', { name: /@ana/ })).toContainText(dollars(totalOf('ana')));
	await expect(buyers.getByRole('row', { name: /@ana/ })).toContainText(
		'#1 Blue / S Wrap dress, #1 Blue / M Wrap dress',
	);
	await expect(buyers.getByRole('row', { name: /@ben/ })).toContainText(dollars(totalOf('ben')));
	await page.screenshot({ path: join(screenshotDir, 'show-catalog-summary.png'), fullPage: true });
	await page.getByRole('link', { name: 'Include test claims' }).click();
	await expect(
		page.getByRole('term').filter({ hasText: 'Sales' }).locator('xpath=following-sibling::dd[1]'),
	).toHaveText(dollars(totalOf(undefined, true)));
	await expect(buyers.getByRole('row', { name: /@cara/ })).toContainText(
		dollars(totalOf('cara', true)),
	);

	const download = page.waitForEvent('download');
	await page.getByRole('link', { name: 'Buyers CSV' }).click();
	const [header, ...csvRows] = parseCsv(await readFile(await (await download).path(), 'utf8'));
	const cell = (row: string[], name: string) => row[header.indexOf(name)];
	const ana = csvRows.find((row) => cell(row, 'buyer_handle') === 'ana')!;
	expect([cell(ana, 'currency'), cell(ana, 'units'), cell(ana, 'total')]).toEqual([
		'USD',
		'2',
		(totalOf('ana') / 100).toFixed(2),
	]);
	expect(cell(ana, 'won_lines')).toBe(
		'1 Blue / S: 1 x 29.99 = 29.99; 1 Blue / M: 1 x 35.00 = 35.00',
	);

	// The real winners' units left the stock, once; test claims sold nothing.
	const { data: stock } = await seller
		.from('product_variants')
		.select('sku, stock')
		.in('sku', [`WD-S-${hatSku}`, `WD-M-${hatSku}`, hatSku])
		.order('sku');
	expect(Object.fromEntries((stock ?? []).map((row) => [row.sku, row.stock]))).toEqual({
		[hatSku]: 4,
		[`WD-M-${hatSku}`]: 1,
		[`WD-S-${hatSku}`]: 1,
	});
});
