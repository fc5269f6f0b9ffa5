// Stripe Connect from the Integrations page, against the simulator as the platform: a denial on
// Stripe's page comes back as a clear error and saves nothing; authorizing connects the account,
// shown as connected through Stripe Connect.
import { expect, test } from './fixtures.ts';
import { randomUUID } from 'node:crypto';

test('an owner connects Stripe through Connect; a denial is shown and connects nothing', async ({
	page,
}) => {
	test.setTimeout(60_000);
	await page.goto('/signup');
	await page.getByLabel('Email').fill(`connect-${randomUUID().slice(0, 8)}@example.test`);
	await page.getByLabel('Password').fill('correct horse battery staple');
	await page.getByLabel(/Shop or workspace name/).fill('Connect Corner');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	await page.getByRole('link', { name: 'Integrations' }).click();

	await page.getByRole('button', { name: 'Connect with Stripe' }).click();
	await expect(page.getByRole('heading', { name: 'Connect your Stripe account' })).toBeVisible();
	await page.getByRole('button', { name: 'Deny' }).click();
	await expect(page).toHaveURL(/\/integrations\?stripe_error=access_denied/);
	await expect(
		page.getByText('Stripe was not connected: the connection was denied on Stripe’s page.'),
	).toBeVisible();
	await expect(page.getByText('Connected through Stripe Connect')).toHaveCount(0);

	await page.getByRole('button', { name: 'Connect with Stripe' }).click();
	await page.getByRole('button', { name: 'Authorize' }).click();
	await expect(
		page.getByText(/Connected Stripe account Connected Shop \d+ through Stripe Connect\./),
	).toBeVisible();
	await expect(page.getByText('Connected through Stripe Connect')).toBeVisible();
	// Reloading the page with the used code does not connect (or fail) a second time.
	await page.reload();
	await expect(page.getByText('Connected through Stripe Connect')).toBeVisible();
});
