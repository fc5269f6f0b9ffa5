// The buyer inbox as a seller meets it, through the built console and the Meta simulator: a
// viewer writes `cart` to the shop's Instagram account, the keyword is answered without anyone,
// the inbox shows the thread with the automatic answer beside the buyer's orders, and the seller
// replies from the composer while Meta's 24-hour window is open.
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

interface ThreadMessage {
	direction: 'inbound' | 'outbound';
	text: string;
	commentId: string | null;
}

test('a viewer writes cart, gets their answer, and the seller replies from the inbox', async ({
	page,
}) => {
	test.setTimeout(90_000);
	const suffix = randomUUID().slice(0, 6);
	const account = await control<{
		user: { id: string };
		page: { id: string };
		instagram: { id: string; username: string };
	}>('createAccount', {
		userName: 'Lia Reyes',
		pageName: `Lia's Closet ${suffix}`,
		instagramUsername: `lia.closet.${suffix}`,
	});
	const { dialogUserId } = await control<{ dialogUserId: string }>('state');
	await control('setDialogUser', { userId: account.user.id });
	try {
		await page.goto('/signup');
		await page.getByLabel('Email').fill(`inbox-${suffix}@example.test`);
		await page.getByLabel('Password').fill('correct horse battery staple');
		await page.getByLabel(/Shop or workspace name/).fill('Lia’s Closet');
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);
		await page.goto('/connections');
		await page.getByRole('button', { name: 'Connect Instagram account' }).click();
		await page.getByRole('button', { name: 'Continue as Lia Reyes' }).click();
		await page.getByRole('button', { name: 'Connect', exact: true }).click();
		await expect(page.getByText(`Connected @${account.instagram.username}`)).toBeVisible();
	} finally {
		await control('setDialogUser', { userId: dialogUserId });
	}

	// A viewer of the shop's live writes to it on Instagram.
	const live = await control<{ id: string }>('startInstagramLive', {
		igUserId: account.instagram.id,
	});
	const comment = await control<{ viewer: { id: string; username: string } }>('postComment', {
		liveId: live.id,
		text: 'hello!',
		viewer: { name: `Noor ${suffix}` },
	});
	await page.getByRole('link', { name: 'Inbox' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible();
	await control('sendViewerMessage', {
		senderId: comment.viewer.id,
		pageId: account.page.id,
		platform: 'instagram',
		text: 'Cart?',
	});

	// Realtime brings the conversation in; the automatic answer needs no one, so nothing is unread.
	const conversation = page.getByTestId('conversation').filter({ hasText: 'Instagram' });
	await expect(conversation).toBeVisible({ timeout: 15_000 });
	// The list may redraw under the click as Realtime news comes in: click until it opens.
	await expect(async () => {
		await conversation.click();
		await expect(page).toHaveURL(/\/inbox\?c=/, { timeout: 2000 });
	}).toPass({ timeout: 15_000 });
	const thread = page.getByRole('list', { name: 'Messages' });
	await expect(thread.getByText('Cart?')).toBeVisible();
	await expect(thread.getByText('Automatic answer', { exact: true })).toBeVisible({
		timeout: 15_000,
	});
	await expect(thread.getByText(/we found no open order for you/)).toBeVisible();
	await expect(page.getByRole('complementary', { name: 'Orders' })).toContainText(
		'No order for this buyer yet.',
	);

	// Something else waits for the seller, who replies while the window is open.
	const written = Date.now();
	await control('sendViewerMessage', {
		senderId: comment.viewer.id,
		pageId: account.page.id,
		platform: 'instagram',
		text: 'Do you ship to Cebu?',
	});
	await expect(thread.getByText('Do you ship to Cebu?')).toBeVisible({ timeout: 15_000 });
	console.log(`viewer message -> open inbox thread: ${Date.now() - written} ms`);
	await expect(page.getByTestId('unread-count')).toHaveText(/^1\s+unread$/);
	await expect(page.getByText(/Meta lets you answer until/)).toBeVisible();
	await page.getByLabel('Reply').fill('Yes, we ship nationwide!');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByTestId('unread-count')).toBeHidden();
	await expect(thread.getByText('Yes, we ship nationwide!')).toBeVisible();

	await expect
		.poll(
			async () => {
				const threads =
					await control<{ viewer: { id: string }; messages: ThreadMessage[] }[]>('viewerMessages');
				return threads
					.flatMap((found) => found.messages)
					.filter((message) => message.direction === 'outbound' && message.commentId === null)
					.map((message) => message.text)
					.filter((text) => text === 'Yes, we ship nationwide!');
			},
			{ timeout: 15_000 },
		)
		.toEqual(['Yes, we ship nationwide!']);
});
