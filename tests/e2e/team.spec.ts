// A team on the console: the owner invites an assistant by email from Settings (the console has no
// mailer, so it hands over a link), the assistant opens the link on a 390 px phone, signs up,
// accepts, and runs the live console there (release, award, a test comment), while Connections and
// member management stay closed to them; once removed, the workspace is out of their reach.
import { expect, test, type Page } from '@playwright/test';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';

const password = 'correct horse battery staple';
const screenshotDir = join(import.meta.dirname, 'screenshots');

function client(url: string, key: string): SupabaseClient {
	return createClient(url, key, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
}

async function rpc<T = unknown>(
	supabase: SupabaseClient,
	name: string,
	args: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await supabase.rpc(name, args);
	if (error) throw new Error(`${name} failed: ${error.message}`);
	return data as T;
}

/** Signs up on the page that is open (or on /signup), landing where the form was sent from. */
async function signUp(page: Page, email: string, workspaceName: string, landing = /\/dashboard$/) {
	if (!page.url().includes('/signup')) await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill(workspaceName);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(landing);
}

test('the owner invites an assistant, who accepts and runs the live console on a phone', async ({
	page,
	browser,
}) => {
	test.setTimeout(90_000);
	const config = await loadConfig();
	const service = client(config.apiUrl, config.serviceRoleKey);
	const suffix = randomUUID().slice(0, 8);
	const ownerEmail = `owner-${suffix}@example.test`;
	const assistantEmail = `Assistant-${suffix}@Example.test`;

	// The owner signs up and prepares a running show with a winner on item 1.
	await signUp(page, ownerEmail, 'Team Boutique');
	const owner = client(config.apiUrl, config.anonKey);
	await owner.auth.signInWithPassword({ email: ownerEmail, password });
	const { data: workspace } = await owner.from('workspaces').select('id').single();
	const show = await rpc<{ id: string }>(owner, 'create_show', {
		workspace_id: workspace!.id,
		platform: 'facebook',
		name: 'Team Night',
	});
	await rpc(owner, 'add_show_items', { show_id: show.id, items: ['1-5'] });
	// A rehearsal (no connection): a viewer's claim is fed below as the connectors would.
	const { live_id: liveId } = await rpc<{ live_id: string }>(owner, 'activate_show', {
		show_id: show.id,
	});
	await rpc(service, 'ingest_comment', {
		comment: {
			show_id: show.id,
			platform: 'facebook',
			live_id: liveId,
			comment_id: randomUUID(),
			platform_user_id: 'fb-bob',
			user_handle: 'bob',
			user_display_name: 'bob',
			text: 'sold 1',
			created_at: new Date().toISOString(),
		},
	});

	// Settings lists only the owner; they invite the assistant and get a link to send.
	await page.goto('/settings');
	await expect(page.getByRole('list').filter({ hasText: ownerEmail })).toContainText('Owner');
	await page.getByRole('link', { name: 'Manage members and invitations' }).click();
	await page.getByLabel('Email address').fill(assistantEmail);
	await page.getByLabel('Role').selectOption('assistant');
	await page.getByRole('button', { name: 'Create invitation' }).click();
	await expect(
		page.getByText(`Invitation created for ${assistantEmail.toLowerCase()}`),
	).toBeVisible();
	const link = await page.getByLabel('Invitation link').inputValue();
	expect(link).toMatch(/\/invite\/[0-9a-f]{64}$/);
	await page.screenshot({ path: join(screenshotDir, 'team-invite-desktop.png'), fullPage: true });
	await expect(page.getByRole('list', { name: 'Pending invitations' })).toContainText(
		assistantEmail.toLowerCase(),
	);

	// The assistant's phone: the link asks them to sign in first; they sign up instead.
	const phoneContext = await browser.newContext({
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
	});
	const phone = await phoneContext.newPage();
	await phone.goto(link);
	await expect(phone).toHaveURL(/\/login\?redirectTo=%2Finvite%2F/);
	// A newcomer follows "Create an account" and comes back to the invitation after signing up.
	await phone.getByRole('link', { name: 'Create an account' }).click();
	await expect(phone).toHaveURL(/\/signup\?redirectTo=%2Finvite%2F/);
	await signUp(phone, assistantEmail, 'My own shop', new RegExp(`${new URL(link).pathname}$`));
	const invitation = phone.getByRole('article', { name: 'Join Team Boutique' });
	await expect(invitation).toContainText(`${ownerEmail} invites you as Assistant`);
	await phone.screenshot({ path: join(screenshotDir, 'team-invitation-phone.png') });
	await invitation.getByRole('button', { name: 'Accept' }).click();
	await expect(phone).toHaveURL(/\/dashboard$/);
	await expect(phone.locator('header .workspace')).toContainText('Team Boutique');
	// The link is used up.
	await phone.goto(link);
	await expect(phone.getByRole('alert')).toContainText('This invitation was already accepted');

	// The owner sees the new member, and the invitation no longer waits.
	await page.reload();
	await expect(
		page
			.getByRole('list', { name: 'Members' })
			.getByRole('listitem')
			.filter({ hasText: assistantEmail.toLowerCase() }),
	).toContainText('Assistant');
	await expect(page.getByText('No invitation is waiting for an answer.')).toBeVisible();
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: join(screenshotDir, 'team-members-phone.png'), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 800 });

	// Two workspaces now: the user menu switches between them.
	await phone.goto('/dashboard');
	await phone.locator('summary', { hasText: 'Account menu' }).click();
	await phone.getByRole('button', { name: /My own shop/ }).click();
	await expect(phone.locator('header .workspace')).toContainText('My own shop');
	await phone.locator('summary', { hasText: 'Account menu' }).click();
	await phone.getByRole('button', { name: /Team Boutique/ }).click();
	await expect(phone.locator('header .workspace')).toContainText('Team Boutique');

	// Connections and member management are closed to an assistant, by the server.
	await expect(phone.getByRole('navigation', { name: 'Console' })).not.toContainText('Connections');
	const connections = await phone.goto('/connections');
	expect(connections?.status()).toBe(403);
	await expect(
		phone.getByText(/Managing connections is for the workspace’s owners and admins/),
	).toBeVisible();
	const members = await phone.goto('/settings/members');
	expect(members?.status()).toBe(403);
	await phone.goto('/settings');
	await expect(phone.getByRole('link', { name: 'Manage members and invitations' })).toHaveCount(0);
	// Their actions are refused too, not only the pages.
	const origin = new URL(link).origin;
	for (const [action, form] of [
		['/settings/members?/invite', { email: 'friend@example.test', role: 'assistant' }],
		['/connections?/connect', { platform: 'facebook' }],
	] as const) {
		const refused = await phone.request.post(action, { form, headers: { origin } });
		expect(refused.status(), action).toBe(403);
		expect(await refused.text(), action).toContain('is for the workspace’s owners and admins');
	}

	// The live console on the phone: release, award, a test comment.
	await phone.goto(`/shows/${show.id}/live`);
	await expect(phone.getByRole('status').filter({ hasText: 'Console' })).toContainText(
		'Console live',
	);
	const itemOne = phone.getByRole('list', { name: 'Items' }).getByRole('button', { name: /^#1\b/ });
	await expect(itemOne).toContainText('@bob');
	await itemOne.click();
	const sheet = phone.getByRole('dialog', { name: /#1/ });
	await sheet.getByRole('button', { name: 'Release @bob' }).click();
	await expect(sheet).toContainText('Released @bob.');
	await sheet.getByLabel('Buyer handle').fill('@carol');
	await sheet.getByRole('button', { name: 'Award' }).click();
	await expect(sheet).toContainText('to @carol.');
	await sheet.getByRole('button', { name: 'Close' }).click();
	await phone.getByRole('tab', { name: /Comments/ }).click();
	await phone.getByLabel('Test buyer handle').fill('rehearsal');
	await phone.getByLabel('Test comment text').fill('sold 2');
	await phone.getByRole('button', { name: 'Send test' }).click();
	await expect(phone.getByRole('status').filter({ hasText: 'Test comment:' })).toContainText(
		'@rehearsal won #2',
	);

	// Each step is in the owner's audit log, with who did it.
	const { data: audit } = await service
		.from('audit_log')
		.select('action')
		.eq('workspace_id', workspace!.id)
		.in('action', [
			'workspace_invitations.create',
			'workspace_invitations.accept',
			'workspace_members.insert',
		]);
	expect(audit?.map((row) => row.action).sort()).toEqual([
		'workspace_invitations.accept',
		'workspace_invitations.create',
		'workspace_members.insert',
		'workspace_members.insert',
	]);

	// Made an admin, they reach Connections; removed, the workspace is out of their reach.
	await page.getByLabel(`Role of ${assistantEmail.toLowerCase()}`).selectOption('admin');
	await page.getByRole('button', { name: 'Change role' }).click();
	await expect(page.getByText('Role changed.')).toBeVisible();
	expect((await phone.goto('/connections'))?.status()).toBe(200);

	// Removed by the owner, the assistant's choice of workspace no longer holds: the console falls
	// back to their own, and the show is out of reach.
	await page.getByRole('button', { name: `Remove ${assistantEmail.toLowerCase()}` }).click();
	await expect(page.getByText('Member removed.')).toBeVisible();
	await phone.goto('/dashboard');
	await expect(phone.locator('header .workspace')).toContainText('My own shop');
	// Not found however its reads race (the show and its currency are read side by side).
	for (let attempt = 0; attempt < 5; attempt++)
		for (const path of [`/shows/${show.id}/live`, `/shows/${show.id}/summary`]) {
			const removed = await phone.goto(path);
			expect(removed?.status()).toBe(404);
		}
	await phoneContext.close();
});
