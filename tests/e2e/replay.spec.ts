// After the live, through the built console and the Meta simulator: the workspace listens to the
// replay for 15 minutes, so a `sold 12` typed on the published video after the live ended still
// claims, and the live console's status bar says until when it listens; while the live is on, the
// status bar shows Facebook's viewer count.
import { randomUUID } from 'node:crypto';
import { expect, test } from './fixtures.ts';

/** The simulator's control API (stack/meta-simulator/README.md). */
async function control<T>(operation: string, input: Record<string, unknown> = {}): Promise<T> {
	const base = process.env.META_SIMULATOR_URL;
	if (!base) throw new Error('META_SIMULATOR_URL is not set: tests/support/e2e-setup.ts sets it');
	const response = await fetch(`${base}/_control/${operation}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(input),
	});
	const body = await response.json();
	if (!response.ok)
		throw new Error(`simulator ${operation}: ${response.status} ${JSON.stringify(body)}`);
	return body as T;
}

test('a claim typed on the replay counts while the console listens to it, with the viewer count before', async ({
	page,
}) => {
	test.setTimeout(90_000);
	const title = `Replay drop ${randomUUID().slice(0, 6)}`;
	const live = await control<{ id: string }>('startFacebookLive', { title, liveViews: 187 });

	await page.goto('/signup');
	await page.getByLabel('Email').fill(`replay-${randomUUID().slice(0, 8)}@example.test`);
	await page.getByLabel('Password').fill('correct horse battery staple');
	await page.getByLabel(/Shop or workspace name/).fill('Replay Boutique');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);

	// The workspace listens to the replay for 15 minutes.
	await page.goto('/settings');
	await page.getByLabel('Claims on the Facebook replay').selectOption({ label: '15 minutes' });
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByText('Settings saved')).toBeVisible();

	await page.goto('/connections');
	await page.getByRole('button', { name: 'Connect Facebook Page' }).click();
	await page.getByRole('button', { name: /^Continue as / }).click();
	await page.getByRole('button', { name: 'Connect', exact: true }).click();
	await expect(page.getByText('Connected Demo Boutique.')).toBeVisible();

	await page.goto('/shows/new');
	await page.getByLabel(/Show name/).fill(title);
	await page.getByLabel('Facebook Live').check();
	await page.getByRole('button', { name: 'Detect active lives' }).click();
	await expect(page.getByRole('radio', { name: new RegExp(title) })).toBeChecked();
	await page.getByRole('button', { name: 'Create show' }).click();
	await page.getByLabel('Items to add').fill('1-20');
	await page.getByRole('button', { name: 'Add items' }).click();
	await expect(page.getByText('Added 20 items')).toBeVisible();
	await page.getByRole('button', { name: 'Activate show' }).click();
	await expect(page).toHaveURL(/\/live$/);
	const status = page.getByRole('region', { name: 'Show status' });
	await expect(status).toContainText(/Comments:\s*Listening/, { timeout: 10_000 });

	// Facebook's live_views, from the status call fb-poll makes anyway (within 15 % of 187).
	const viewers = status.getByTestId('viewer-count');
	await expect(viewers).toHaveText(/^\d+$/, { timeout: 10_000 });
	const count = Number(await viewers.textContent());
	expect(count).toBeGreaterThanOrEqual(159);
	expect(count).toBeLessThanOrEqual(215);

	// The live ends; the console listens to the replay and says until when.
	await control('endFacebookLive', { liveId: live.id });
	await expect(status).toContainText(/Comments:\s*Listening to the replay/, { timeout: 15_000 });
	await expect(status.getByRole('alert')).toContainText(
		/The Facebook live has ended \(at \d\d:\d\d:\d\d\)\. Listening to the replay until \d\d:\d\d: claims typed on the replay still count/,
	);
	await expect(viewers).toHaveText('–');
	await expect(status).toContainText('The live has ended');

	// A viewer of the replay claims 12: it counts.
	const commentedAt = Date.now();
	await control('postComment', {
		liveId: live.id,
		text: 'sold 12',
		viewer: { name: 'Replay Rita' },
	});
	const feed = page.getByRole('list', { name: 'Claims, newest first' });
	await expect(feed.getByText('Replay Rita')).toBeVisible({ timeout: 20_000 });
	console.log(`replay comment to claim on screen: ${Date.now() - commentedAt} ms`);
	await expect(feed.getByText('Winner')).toBeVisible();
});
