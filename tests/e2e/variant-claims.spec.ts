// Claims on an item with variants (added from the catalog), in the live console: test comments naming a variant allocate
// on that variant's row, and one that names none waits under Needs a variant (through a reload)
// until the operator picks the variant with one click.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';

const password = 'correct horse battery staple';
const clientOptions = {
	auth: { persistSession: false, autoRefreshToken: false },
	realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
};

/** Signs up in the browser (the console creates the workspace), then signs the same user in from Node. */
async function signUpSeller(
	page: Page,
): Promise<{ operator: SupabaseClient; workspaceId: string }> {
	const email = `variants-${randomUUID().slice(0, 8)}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill('Variant Boutique');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);

	const config = await loadConfig();
	const operator = createClient(config.apiUrl, config.anonKey, clientOptions);
	const { error } = await operator.auth.signInWithPassword({ email, password });
	if (error) throw error;
	const { data: workspace, error: workspaceError } = await operator
		.from('workspaces')
		.select('id')
		.single();
	if (workspaceError) throw workspaceError;
	return { operator, workspaceId: workspace.id as string };
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

async function sendTestComment(page: Page, handle: string, text: string): Promise<void> {
	await page.getByLabel('Test buyer handle').fill(handle);
	await page.getByLabel('Test comment text').fill(text);
	await page.getByRole('button', { name: 'Send test' }).click();
}

test('test comments allocate the variant they name; one naming none is resolved in the console', async ({
	page,
}) => {
	test.setTimeout(90_000);
	const { operator, workspaceId } = await signUpSeller(page);
	const show = await rpc<{ id: string }>(operator, 'create_show', {
		workspace_id: workspaceId,
		platform: 'facebook',
		name: 'Variant drop',
	});
	await rpc(operator, 'add_show_items', { show_id: show.id, items: ['1'] });
	// Item 12 from the catalog: a shirt in Blue / M, Blue / L and Red / M, one unit each.
	const shirt = await rpc<{ id: string }>(operator, 'save_product', {
		workspace_id: workspaceId,
		product: {
			status: 'active',
			title: 'Linen shirt',
			price: 2500,
			option_names: ['Color', 'Size'],
			variants: [
				['Blue', 'M'],
				['Blue', 'L'],
				['Red', 'M'],
			].map((option_values) => ({ option_values, stock: 5 })),
		},
	});
	await rpc(operator, 'add_catalog_items', {
		show_id: show.id,
		items: [{ product_id: shirt.id, item_number: '12', quantity: 1 }],
	});
	await rpc(operator, 'activate_show', { show_id: show.id });

	await page.goto(`/shows/${show.id}/live`);
	await expect(page.getByRole('status').filter({ hasText: 'Console' })).toContainText(
		'Console live',
		{ timeout: 10_000 },
	);
	const feed = page.getByRole('list', { name: 'Claims, newest first' });
	const status = page.getByRole('status').filter({ hasText: 'Test comment:' });

	await sendTestComment(page, 'ann', 'sold 12 blue M');
	await expect(status).toContainText('@ann won #12');
	await expect(feed.getByRole('listitem').filter({ hasText: '@ann' })).toContainText(
		'#12 Blue / M',
	);
	await sendTestComment(page, 'ben', '12 sold blue/large');
	await expect(feed.getByRole('listitem').filter({ hasText: '@ben' })).toContainText(
		'#12 Blue / L',
	);

	// Two claims that name no single variant: nothing is allocated, both wait for the operator.
	await sendTestComment(page, 'cat', 'sold 12 please');
	await expect(status).toContainText('@cat claimed #12 without naming one variant');
	await sendTestComment(page, 'dan', 'sold 12 blue');
	const needsVariant = page.getByRole('region', { name: /Needs a variant/ });
	await expect(needsVariant.getByRole('listitem')).toHaveCount(2);

	// They survive a reload.
	await page.reload();
	await expect(needsVariant.getByRole('listitem')).toHaveCount(2);
	const cat = needsVariant.getByRole('listitem').filter({ hasText: '@cat' });
	await expect(cat).toContainText('sold 12 please');
	await page.screenshot({ path: join(import.meta.dirname, 'screenshots', 'needs-variant.png') });
	await cat.getByRole('button', { name: 'Red / M' }).click();
	await expect(needsVariant.getByRole('status')).toContainText('@cat won #12 Red / M');
	await expect(feed.getByRole('listitem').filter({ hasText: '@cat' })).toContainText('#12 Red / M');
	// Blue / M is taken: dan waits for it.
	await needsVariant
		.getByRole('listitem')
		.filter({ hasText: '@dan' })
		.getByRole('button', { name: 'Blue / M' })
		.click();
	await expect(needsVariant.getByRole('status')).toContainText('@dan waits for #12 Blue / M');
	await expect(needsVariant.getByRole('listitem')).toHaveCount(0);
	await expect(feed.getByRole('listitem').filter({ hasText: '@dan' })).toContainText('Waitlist');

	await page.reload();
	await expect(feed.getByRole('listitem')).toHaveCount(4);
	await expect(page.getByRole('region', { name: /Needs a variant/ })).toHaveCount(0);
});
