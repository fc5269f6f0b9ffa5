// Telling buyers as a seller sees it, through the built console and the Meta simulator: the
// wording set in Settings, a viewer's claim answered publicly and privately within seconds, the
// claim showing its buyer was told, and the show's outbox listing the messages.
import { type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { expect, test } from './fixtures.ts';

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

async function signUpAndConnect(page: Page): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Email').fill(`told-${randomUUID().slice(0, 8)}@example.test`);
	await page.getByLabel('Password').fill('correct horse battery staple');
	await page.getByLabel(/Shop or workspace name/).fill('Told Boutique');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	await page.getByRole('link', { name: 'Connections' }).click();
	await page.getByRole('button', { name: 'Connect Facebook Page' }).click();
	await page.getByRole('button', { name: /^Continue as / }).click();
	await page.getByRole('button', { name: 'Connect', exact: true }).click();
	await expect(page.getByText('Connected Demo Boutique.')).toBeVisible();
}

test('a claim is answered under the comment and in private, and the console shows it', async ({
	page,
}) => {
	test.setTimeout(90_000);
	const title = `Told drop ${randomUUID().slice(0, 6)}`;
	const live = await control<{ id: string }>('startFacebookLive', { title });
	await signUpAndConnect(page);

	// The seller words the private message of a win; an unknown placeholder is refused.
	await page.getByRole('link', { name: 'Settings' }).click();
	const section = page.getByRole('region', { name: 'Buyer messages' });
	const won = section.getByRole('group', { name: 'Claim won' });
	await won.getByLabel('Private message wording').fill('Hi {buyer}');
	// The preview follows the typing and marks the unknown placeholder before saving.
	await expect(won.getByTestId('unknown-placeholders')).toContainText('{buyer}');
	await section.getByRole('button', { name: 'Save buyer messages' }).click();
	await expect(section.getByRole('alert')).toContainText('unknown placeholders {buyer}');
	await won.getByLabel('Private message wording').fill('Thanks {name}! #{item} is yours.');
	await expect(won.getByTestId('template-preview').nth(1)).toHaveText('Thanks Ana! #12 is yours.');
	await expect(won.getByText('25 / 2,000 characters')).toBeVisible();
	await section.getByRole('button', { name: 'Save buyer messages' }).click();
	await expect(section.getByText('Buyer messages saved')).toBeVisible();

	await page.goto('/shows/new');
	await page.getByLabel(/Show name/).fill(title);
	await page.getByLabel('Facebook Live').check();
	await page.getByRole('button', { name: 'Detect active lives' }).click();
	await expect(page.getByRole('radio', { name: new RegExp(title) })).toBeChecked();
	await page.getByRole('button', { name: 'Create show' }).click();
	await page.getByLabel('Items to add').fill('1-10');
	await page.getByRole('button', { name: 'Add items' }).click();
	await expect(page.getByText('Added 10 items')).toBeVisible();
	await page.getByRole('button', { name: 'Activate show' }).click();
	await expect(page).toHaveURL(/\/live$/);

	const viewer = `Rita ${randomUUID().slice(0, 4)}`;
	const comment = await control<{ id: string; viewer: { id: string } }>('postComment', {
		liveId: live.id,
		text: 'sold 4',
		viewer: { name: viewer },
	});
	const feed = page.getByRole('list', { name: 'Claims, newest first' });
	const claim = feed.getByRole('listitem').filter({ hasText: viewer });
	await expect(claim.getByText('Told', { exact: true })).toBeVisible({ timeout: 15_000 });

	const [thread] = await control<{ messages: { text: string; commentId: string }[] }[]>(
		'viewerMessages',
		{ viewerId: comment.viewer.id },
	);
	expect(thread.messages).toEqual([
		expect.objectContaining({ commentId: comment.id, text: `Thanks ${viewer}! #4 is yours.` }),
	]);
	const replies = await control<{ message: string }[]>('commentReplies', { commentId: comment.id });
	expect(replies.map((reply) => reply.message)).toEqual([
		`${viewer} you got #4! Check your messages.`,
	]);

	// The show's outbox lists both, sent.
	await page.locator('summary', { hasText: 'Buyer messages' }).click();
	const outbox = page.getByRole('list', { name: 'Buyer messages, newest first' });
	await expect(outbox.getByText(`Thanks ${viewer}! #4 is yours.`)).toBeVisible();
	await expect(outbox.getByText('Sent', { exact: true })).toHaveCount(2);
});
