// The OBS overlay as a seller sets it up and as OBS shows it: the owner makes the show's overlay
// link in the console; a second browser with no login opens it and follows the pinned item and
// the wins within a second; revoking the link ends the open page and refuses a new one.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';
import { expect, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const password = 'correct horse battery staple';

async function rpc<T = unknown>(client: SupabaseClient, name: string, args: object): Promise<T> {
	const { data, error } = await client.rpc(name, args);
	if (error) throw new Error(`${name} failed: ${error.message}`);
	return data as T;
}

/** When `text` first appears in the page (a MutationObserver, same clock as the test). */
async function appearance(page: Page, text: string): Promise<() => Promise<number>> {
	await page.evaluate((text) => {
		const seen = ((window as unknown as { __seen?: Record<string, number> }).__seen ??= {});
		const observer = new MutationObserver(() => {
			if (document.body.textContent?.includes(text)) {
				seen[text] = Date.now();
				observer.disconnect();
			}
		});
		observer.observe(document.body, { childList: true, subtree: true, characterData: true });
	}, text);
	return async () => {
		await expect
			.poll(() =>
				page.evaluate(
					(text) => (window as unknown as { __seen?: Record<string, number> }).__seen?.[text],
					text,
				),
			)
			.toBeDefined();
		return page.evaluate(
			(text) => (window as unknown as { __seen: Record<string, number> }).__seen[text],
			text,
		);
	};
}

test('an overlay link in a second browser follows the show within a second, and stops when revoked', async ({
	page,
	browser,
	consoleErrors,
}) => {
	test.setTimeout(90_000);
	// The overlay page asks for a session; a revoked link's is refused (404), as it should be.
	consoleErrors.allow(/overlay-session/);

	const email = `overlay-${randomUUID().slice(0, 8)}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill('Overlay Boutique');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);

	// The show, as the seller's session from Node (a rehearsal: test comments make the wins).
	const config = await loadConfig();
	const operator = createClient(config.apiUrl, config.anonKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
	const signedIn = await operator.auth.signInWithPassword({ email, password });
	if (signedIn.error) throw signedIn.error;
	const { data: workspace } = await operator.from('workspaces').select('id').single();
	const show = await rpc<{ id: string }>(operator, 'create_show', {
		workspace_id: (workspace as { id: string }).id,
		platform: 'facebook',
		name: 'Overlay night',
	});
	await rpc(operator, 'add_show_items', { show_id: show.id, items: ['1-5'] });
	await rpc(operator, 'activate_show', { show_id: show.id });

	// From the live console to the overlay page: make the link.
	await page.goto(`/shows/${show.id}/live`);
	await page.getByRole('link', { name: 'OBS overlay' }).click();
	await expect(page.getByRole('heading', { name: 'OBS overlay' })).toBeVisible();
	await expect(page.getByText('No link yet: the overlay is off.')).toBeVisible();
	await page.getByRole('button', { name: 'Create link' }).click();
	const linkField = page.getByLabel(/Your new link/);
	await expect(linkField).toHaveValue(/\/overlay\/[A-Za-z0-9_-]{43}$/);
	const link = await linkField.inputValue();
	await expect(page.getByTestId('overlay-preview')).toBeVisible();

	// OBS: another browser, no login, a 1080p browser source.
	const obs = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
	const overlay = await obs.newPage();
	await overlay.goto(link);
	await expect(overlay.getByTestId('overlay-card')).toContainText('0 buyers waiting');
	const background = await overlay.evaluate(() => getComputedStyle(document.body).backgroundColor);
	expect(background).toBe('rgba(0, 0, 0, 0)');

	// The seller pins #2: the overlay shows it within a second.
	const pinSeen = await appearance(overlay, '#2');
	const pinnedAt = Date.now();
	await rpc(operator, 'pin_show_item', { show_id: show.id, item_number: 2 });
	const pinLatency = (await pinSeen()) - pinnedAt;
	await expect(overlay.getByTestId('overlay-units-left')).toHaveText('1 left');

	// A buyer wins it: the ticker says so, and the units left follow, within a second.
	const winSeen = await appearance(overlay, '@ana got #2');
	const wonAt = Date.now();
	await rpc(operator, 'emit_test_comment', {
		show_id: show.id,
		text: 'sold 2',
		user_handle: 'ana',
	});
	const winLatency = (await winSeen()) - wonAt;
	console.log(
		`overlay in a second browser: pin → shown ${pinLatency} ms, win → shown ${winLatency} ms`,
	);
	expect(pinLatency).toBeLessThan(1_000);
	expect(winLatency).toBeLessThan(1_000);
	await expect(overlay.getByTestId('overlay-units-left')).toHaveText('Sold out');
	// The console's preview follows the same feed.
	await expect(page.getByTestId('overlay-preview')).toContainText('@ana got #2');

	// Settings: the card moves and drops the waitlist line.
	await page.getByLabel('Position').selectOption({ label: 'Top right' });
	await page.getByLabel('Waitlist count').uncheck();
	await page.getByRole('button', { name: 'Save overlay settings' }).click();
	await expect(page.getByText('Overlay settings saved')).toBeVisible();
	await expect(overlay.getByTestId('overlay-card')).toHaveClass(/top-right/);
	await expect(overlay.getByTestId('overlay-waiting')).toBeHidden();

	// Revoked: the open page says so within seconds, and the link opens nothing any more.
	await page.getByRole('button', { name: 'Revoke link' }).click();
	await expect(page.getByText(/The link was revoked/)).toBeVisible();
	await expect(overlay.getByRole('alert')).toContainText('This overlay link was revoked', {
		timeout: 8_000,
	});
	await expect(overlay.getByTestId('overlay-card')).toBeHidden();
	const reopened = await obs.newPage();
	await reopened.goto(link);
	await expect(reopened.getByRole('alert')).toContainText('This overlay link was revoked');
	await obs.close();
});
