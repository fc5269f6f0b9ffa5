// The Instagram catalog import the way a seller meets it, through the built console and the Meta
// simulator: connect the Instagram account through Meta's (simulated) login dialog, scan its
// posts into drafts, approve and reject them, and find the approved ones active in the catalog.
import { expect, test } from './fixtures.ts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

/** The simulator's control API (stack/meta-simulator/README.md). */
async function control<T>(operation: string, input: Record<string, unknown> = {}): Promise<T> {
	const response = await fetch(`${process.env.META_SIMULATOR_URL}/_control/${operation}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(input),
	});
	const body = await response.json();
	if (!response.ok)
		throw new Error(`simulator ${operation}: ${response.status} ${JSON.stringify(body)}`);
	return body as T;
}

test('connect Instagram, import its posts, approve drafts into the catalog', async ({ page }) => {
	test.setTimeout(90_000);
	const suffix = randomUUID().slice(0, 6);
	const account = await control<{ user: { id: string }; instagram: { username: string } }>(
		'createAccount',
		{
			userName: 'Maria Santos',
			pageName: `Maria's Boutique ${suffix}`,
			instagramUsername: `maria.boutique.${suffix}`,
		},
	);
	const { dialogUserId } = await control<{ dialogUserId: string }>('state');
	await control('setDialogUser', { userId: account.user.id });
	try {
		await page.goto('/signup');
		await page.getByLabel('Email').fill(`import-${suffix}@example.test`);
		await page.getByLabel('Password').fill('correct horse battery staple');
		await page.getByLabel(/Shop or workspace name/).fill('Maria’s Boutique');
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);

		// Prices in pesos, as the shop's captions are.
		await page.goto('/catalog');
		await page.getByRole('button', { name: 'change' }).click();
		await page.getByLabel('Currency').selectOption('PHP');
		await page.getByRole('button', { name: 'Save currency' }).click();
		await expect(page.getByText('Prices are now in PHP')).toBeVisible();

		await page.goto('/connections');
		await page.getByRole('button', { name: 'Connect Instagram account' }).click();
		await page.getByRole('button', { name: 'Continue as Maria Santos' }).click();
		await page.getByRole('button', { name: 'Connect', exact: true }).click();
		await expect(page.getByText(`Connected @${account.instagram.username}`)).toBeVisible();

		await page.goto('/catalog');
		await page.getByRole('link', { name: 'Import from Instagram' }).click();
		await expect(page).toHaveURL(/\/catalog\/import$/);
		await page.getByRole('button', { name: 'Scan posts' }).click();
		await expect(page.getByText('Scan done')).toBeVisible({ timeout: 30_000 });
		await expect(page.getByText(/30 new drafts/)).toBeVisible();

		const drafts = page.getByRole('table', { name: 'Drafts' });
		const dress = drafts.getByRole('row').filter({ hasText: 'Floral Wrap Dress' });
		await expect(dress).toContainText('₱1,200.00');
		await expect(dress).toContainText('Size · Color');
		await expect(dress.getByRole('link', { name: 'View post' })).toHaveAttribute(
			'href',
			/^https:\/\/www\.instagram\.com\/p\//,
		);
		// The post's picture, from Instagram's (simulated) CDN.
		await expect
			.poll(() => dress.locator('img').evaluate((image: HTMLImageElement) => image.naturalWidth))
			.toBeGreaterThan(0);
		await page.screenshot({
			path: join(import.meta.dirname, 'screenshots', 'catalog-import.png'),
			fullPage: true,
		});
		const unpriced = drafts.getByRole('row').filter({ hasText: 'Restock soon' });
		await expect(unpriced.getByText('Needs price')).toBeVisible();
		await expect(unpriced.getByRole('button', { name: 'Approve Restock soon' })).toBeDisabled();
		const history = page.getByRole('table', { name: 'Sync history' });
		await expect(history.getByRole('row').nth(1)).toContainText('Done');
		await expect(history.getByRole('row').nth(1)).toContainText('Started here');

		// One by one, then every draft with a price at once; a post that is no product is rejected.
		await dress.getByRole('button', { name: 'Approve Floral Wrap Dress' }).click();
		await expect(page.getByText('Approved 1')).toBeVisible();
		await expect(drafts.getByRole('row').filter({ hasText: 'Floral Wrap Dress' })).toHaveCount(0);
		await unpriced.getByRole('button', { name: 'Reject Restock soon' }).click();
		await expect(page.getByText('Rejected 1')).toBeVisible();
		await page.getByRole('button', { name: /^Approve all with a price/ }).click();
		await expect(page.getByText(/^Approved \d+$/)).toBeVisible();
		await expect(drafts.getByText('Needs price').first()).toBeVisible();

		// A second scan finds nothing new: drafted, approved and rejected posts stay as they are.
		await page.getByRole('button', { name: 'Scan posts' }).click();
		await expect(page.getByText('0 new drafts')).toBeVisible({ timeout: 30_000 });
		await expect(drafts.getByRole('row').filter({ hasText: 'Restock soon' })).toHaveCount(0);

		await page.goto('/catalog?status=active');
		const products = page.getByRole('table', { name: 'Products' });
		await expect(products.getByRole('link', { name: 'Floral Wrap Dress' })).toBeVisible();
		await expect(products.getByRole('link', { name: 'Baju Kurung Moden' })).toHaveCount(0);
		await expect(products.getByRole('link', { name: 'Linen Button Shirt' })).toBeVisible();
	} finally {
		await control('setDialogUser', { userId: dialogUserId });
	}
});
