// The live console against the local stack: comments go in through the claim engine (service-role
// ingest_comment, as the platform connectors call it), and the console must show them, promote
// waiters, carry the operator's actions, and stay in step with a second console on a phone.
// Figures (comment-to-screen latency, show-open time, frame gaps under a comment storm) are
// printed for the report. Screenshots land in tests/e2e/screenshots.
import { type Browser, type Page, type Response } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../stack/config.ts';

const screenshotDir = join(import.meta.dirname, 'screenshots');
const password = 'correct horse battery staple';

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}

/** The test stack's URL and keys: the global setup put its ports in the environment. */
async function stackClients(): Promise<{ url: string; anonKey: string; service: SupabaseClient }> {
	const config = await loadConfig();
	const options = {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	};
	return {
		url: config.apiUrl,
		anonKey: config.anonKey,
		service: createClient(config.apiUrl, config.serviceRoleKey, options),
	};
}

/** Signs up in the browser (the console creates the workspace), then signs the same user in from Node. */
async function signUpSeller(
	page: Page,
): Promise<{ operator: SupabaseClient; workspaceId: string }> {
	const email = `live-${randomUUID().slice(0, 8)}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByLabel(/Shop or workspace name/).fill('Vintage Vault');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);

	const { url, anonKey } = await stackClients();
	const operator = createClient(url, anonKey, {
		auth: { persistSession: false, autoRefreshToken: false },
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
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

/** A show with items, activated on a pasted live id. */
async function liveShow(
	operator: SupabaseClient,
	workspaceId: string,
	name: string,
	items: unknown[],
): Promise<{ showId: string; liveId: string }> {
	const show = await rpc<{ id: string }>(operator, 'create_show', {
		workspace_id: workspaceId,
		platform: 'facebook',
		name,
	});
	await rpc(operator, 'add_show_items', { show_id: show.id, items });
	// A rehearsal (no connection): the engine's comments are fed below as the connectors would.
	const { live_id: liveId } = await rpc<{ live_id: string }>(operator, 'activate_show', {
		show_id: show.id,
	});
	return { showId: show.id, liveId };
}

function comment(showId: string, liveId: string, handle: string, text: string) {
	return {
		show_id: showId,
		platform: 'facebook',
		live_id: liveId,
		comment_id: randomUUID(),
		platform_user_id: `fb-${handle}`,
		user_handle: handle,
		user_display_name: handle,
		text,
		created_at: new Date().toISOString(),
	};
}

/**
 * Records, in the page, when each expected text first appears in an element: a MutationObserver
 * notes the moment (same machine, same clock as the test), so latency is not polling-bound.
 */
async function watchFor(page: Page, selector: string, text: string): Promise<void> {
	await page.evaluate(
		([selector, text]) => {
			const seen = ((window as unknown as { __seen?: Record<string, number> }).__seen ??= {});
			const check = () => {
				if (seen[text] !== undefined) return true;
				const found = [...document.querySelectorAll(selector)].some((element) =>
					element.textContent?.includes(text),
				);
				if (found) seen[text] = Date.now();
				return found;
			};
			if (check()) return;
			const observer = new MutationObserver(() => check() && observer.disconnect());
			observer.observe(document.body, { childList: true, subtree: true, characterData: true });
		},
		[selector, text],
	);
}

async function seenAt(page: Page, text: string): Promise<number> {
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
}

function claimFeed(page: Page) {
	return page.getByRole('list', { name: 'Claims, newest first' });
}

function itemButton(page: Page, number: number) {
	return page
		.getByRole('list', { name: 'Items' })
		.getByRole('button', { name: new RegExp(`^#${number}\\b`) });
}

/** The console logs what it could not apply or reach; any of that fails the test, with the text. */
function collectConsoleErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
	page.on('console', (message) => {
		if (message.type() === 'error' || message.type() === 'warning')
			errors.push(`console ${message.type()}: ${message.text()}`);
	});
	return errors;
}

async function openLive(page: Page, showId: string): Promise<void> {
	await page.goto(`/shows/${showId}/live`);
	await expect(page.getByRole('status').filter({ hasText: 'Console' })).toContainText(
		'Console live',
		{
			timeout: 10_000,
		},
	);
}

/** Shortcuts are ignored while typing, so leave any field first. */
async function blur(page: Page): Promise<void> {
	await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

async function phoneContext(browser: Browser, page: Page) {
	const context = await browser.newContext({
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
		storageState: await page.context().storageState(),
	});
	return context.newPage();
}

test('a live show: claims, waitlist promotion, operator actions and a second console on a phone', async ({
	page,
	browser,
	consoleErrors: guard,
}) => {
	test.setTimeout(120_000);
	guard.allow(/status of 409 \(Conflict\) \(.*\/rest\/v1\/rpc\/award_item\)$/);
	const { service } = await stackClients();
	const { operator, workspaceId } = await signUpSeller(page);
	const { showId, liveId } = await liveShow(operator, workspaceId, 'Friday Night Drop', ['1-20']);
	const consoleErrors = collectConsoleErrors(page);
	for (const [number, title] of [
		[3, 'Silk scarf, emerald'],
		[5, 'Levi’s 501, 32×30'],
		[8, 'Leather belt'],
	] as const) {
		const { data: item } = await operator
			.from('show_items')
			.select('id')
			.eq('show_id', showId)
			.eq('item_number', String(number))
			.single();
		await rpc(operator, 'update_show_item', { item_id: item?.id, changes: { title } });
	}

	await openLive(page, showId);
	await expect(page.getByRole('heading', { name: 'Friday Night Drop', level: 1 })).toBeVisible();
	await expect(itemButton(page, 20)).toBeVisible();

	// Comment to screen: each comment's claim must reach the feed and the items panel within 1 s.
	const latencies: number[] = [];
	const buyers = ['alice', 'mia', 'noah', 'liam', 'emma'];
	for (const [index, handle] of buyers.entries()) {
		const number = [5, 3, 8, 11, 14][index];
		await watchFor(page, '[aria-label="Claims, newest first"] li', `@${handle}`);
		await watchFor(page, '[aria-label="Items"] li', `@${handle}`);
		const sentAt = Date.now();
		await rpc(service, 'ingest_comment', {
			comment: comment(showId, liveId, handle, `sold ${number}`),
		});
		const inFeed = (await seenAt(page, `@${handle}`)) - sentAt;
		latencies.push(inFeed);
	}
	console.log(
		`comment-to-screen latency (ms): ${latencies.join(', ')}; max ${Math.max(...latencies)}`,
	);
	expect(Math.max(...latencies)).toBeLessThan(1000);
	await expect(itemButton(page, 5)).toContainText('@alice');
	await expect(itemButton(page, 5)).toContainText('Sold out');
	await expect(page.getByRole('list', { name: 'Comments, newest first' })).toContainText('sold 5');

	// A second buyer waits; the winner passes; the waiter is promoted.
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'bob', 'sold 5') });
	await expect(claimFeed(page).getByRole('listitem').filter({ hasText: '@bob' })).toContainText(
		'Waitlist #1',
	);
	await expect(itemButton(page, 5)).toContainText('1 waiting');
	await rpc(service, 'ingest_comment', {
		comment: comment(showId, liveId, 'chatty', 'love this one!! 😍'),
	});
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'alice', 'pass 5') });
	await expect(claimFeed(page).getByRole('listitem').filter({ hasText: '@bob' })).toContainText(
		'Promoted to winner',
	);
	await expect(
		claimFeed(page).getByRole('listitem').filter({ hasText: '@alice' }).filter({ hasText: '#5' }),
	).toContainText('Passed');
	await expect(itemButton(page, 5)).toContainText('@bob');
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'dave', 'sold 5') });
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'erin', 'sold 5') });
	await expect(itemButton(page, 5)).toContainText('2 waiting');
	await screenshot(page, 'live-desktop');

	// The assistant's phone opens the same show and sees the same state.
	const phone = await phoneContext(browser, page);
	const phoneErrors = collectConsoleErrors(phone);
	await openLive(phone, showId);
	await expect(phone.getByRole('tab', { name: /Items/ })).toHaveAttribute('aria-selected', 'true');
	await expect(itemButton(phone, 5)).toContainText('@bob');
	await expect(itemButton(phone, 5)).toContainText('2 waiting');
	const tabBox = await phone.getByRole('tab', { name: /Claims/ }).boundingBox();
	expect(tabBox?.height).toBeGreaterThanOrEqual(44);
	await screenshot(phone, 'live-phone-items');

	// The drawer: move the last waiter to the front, release the winner (the new first waiter is
	// promoted), then award by hand once there is a free unit. The phone follows every step.
	await itemButton(page, 5).click();
	const drawer = page.getByRole('dialog', { name: /#5/ });
	await expect(drawer).toBeVisible();
	await expect(drawer.getByRole('list').first()).toContainText('@bob');
	await drawer.getByRole('button', { name: 'Move to front: @erin' }).click();
	await expect(drawer.getByRole('listitem').filter({ hasText: '@erin' })).toContainText('1');
	// Focus follows the moved waiter (who has no Move to front any more) instead of dropping out.
	await expect(drawer.getByRole('button', { name: 'Release @erin' })).toBeFocused();
	await expect(drawer.getByRole('button', { name: 'Move to front: @dave' })).toBeVisible();
	await screenshot(page, 'live-drawer-desktop');
	await drawer.getByRole('button', { name: 'Release @bob' }).click();
	await expect(drawer).toContainText('Released @bob; @erin is now the winner.');
	// Focus moves to the row now in the released one's place: @erin, promoted.
	await expect(drawer.getByRole('button', { name: 'Release @erin' })).toBeFocused();
	await expect(itemButton(phone, 5)).toContainText('@erin');
	await expect(itemButton(phone, 5)).toContainText('1 waiting');

	// Manual award needs a free unit: refused while sold out, in the engine's words, where it was asked.
	await drawer.getByLabel('Buyer handle').fill('@carol');
	await drawer.getByRole('button', { name: 'Award' }).click();
	await expect(drawer.getByRole('alert')).toContainText(
		'Item 5 is sold out (1 of 1): release a claim before awarding it.',
	);
	// Raising the quantity promotes the waiter; the next raise leaves a unit for the manual award.
	await drawer.getByLabel('Quantity (1 to 30)').fill('3');
	await drawer.getByRole('button', { name: 'Save quantity' }).click();
	await expect(drawer).toContainText('Quantity is now 3; promoted @dave.');
	await drawer.getByRole('button', { name: 'Award' }).click();
	await expect(drawer).toContainText('Awarded #5 Levi’s 501, 32×30 to @carol.');
	await expect(claimFeed(page).getByRole('listitem').filter({ hasText: '@carol' })).toContainText(
		'Manual',
	);
	await expect(itemButton(page, 5)).toContainText('@erin, @dave, @carol');
	await page.keyboard.press('Escape');
	await expect(drawer).toBeHidden();
	await expect(itemButton(page, 5)).toBeFocused();

	// The phone acts too: its claim appears on the laptop.
	await phone.getByRole('tab', { name: /Comments/ }).click();
	await phone.getByLabel('Test buyer handle').fill('rehearsal');
	await phone.getByLabel('Test comment text').fill('sold 7');
	await phone.getByRole('button', { name: 'Send test' }).click();
	await expect(phone.getByRole('status').filter({ hasText: 'Test comment:' })).toContainText(
		'@rehearsal won #7',
	);
	await expect(
		claimFeed(page).getByRole('listitem').filter({ hasText: '@rehearsal' }),
	).toContainText('Test');
	await expect(itemButton(page, 7)).toContainText('@rehearsal');
	await screenshot(phone, 'live-phone-comments');
	await phone.getByRole('tab', { name: /Items/ }).click();
	await itemButton(phone, 5).click();
	const sheet = phone.getByRole('dialog', { name: /#5/ });
	await expect(sheet).toBeVisible();
	const sheetBox = await sheet.boundingBox();
	expect(sheetBox && sheetBox.y + sheetBox.height).toBeCloseTo(844, -1); // a bottom sheet
	await screenshot(phone, 'live-phone-sheet');
	await sheet.getByRole('button', { name: 'Close' }).click();
	await phone.getByRole('tab', { name: /Claims/ }).click();
	await screenshot(phone, 'live-phone-claims');

	// Keyboard: `/` searches claims, `n` adds an item while live, arrows walk the items.
	await blur(page);
	await page.keyboard.press('/');
	await expect(page.getByLabel(/Search claims/)).toBeFocused();
	await page.keyboard.type('@carol');
	await expect(claimFeed(page).getByRole('listitem')).toHaveCount(1);
	await page.getByLabel(/Search claims/).fill('');
	await blur(page);
	await page.keyboard.press('n');
	await expect(page.getByLabel(/Add item/)).toBeFocused();
	await page.keyboard.type('21, Gold hoops, 2');
	await page.keyboard.press('Enter');
	await expect(page.getByRole('status').filter({ hasText: 'Added #21' })).toBeVisible();
	await expect(itemButton(page, 21)).toContainText('2/2 left');
	await phone.getByRole('tab', { name: /Items/ }).click();
	await expect(itemButton(phone, 21)).toContainText('Gold hoops');
	await itemButton(page, 1).focus();
	await page.keyboard.press('ArrowDown');
	await expect(itemButton(page, 2)).toBeFocused();

	// Each long list is one tab stop: Tab leaves it, and comes back to the row focused last.
	const tabStopsIn = (list: string) =>
		page
			.getByRole('list', { name: list })
			.evaluate(
				(element) => [...element.querySelectorAll('button')].filter((b) => b.tabIndex >= 0).length,
			);
	const consoleTabStops = await page.evaluate(
		() =>
			[
				...document.querySelectorAll<HTMLElement>(
					'a[href], button, input, select, textarea, [tabindex]',
				),
			].filter(
				(element) =>
					element.tabIndex >= 0 &&
					!(element as HTMLButtonElement).disabled &&
					element.checkVisibility() &&
					!element.closest('dialog:not([open])'),
			).length,
	);
	console.log(`tab stops on the console page: ${consoleTabStops}`);
	expect(await tabStopsIn('Items')).toBe(1);
	expect(await tabStopsIn('Claims, newest first')).toBe(1);
	await page.keyboard.press('End');
	await expect(itemButton(page, 21)).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(page.getByLabel(/Search claims/)).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(itemButton(page, 21)).toBeFocused();
	const claimLinks = claimFeed(page).getByRole('button');
	await claimLinks.first().focus();
	await page.keyboard.press('ArrowDown');
	await expect(claimLinks.nth(1)).toBeFocused();
	await page.keyboard.press('Home');
	await expect(claimLinks.first()).toBeFocused();

	// `?` lists the shortcuts in a modal dialog (never while typing); Esc closes it.
	await page.getByLabel(/Search claims/).focus();
	await page.keyboard.press('?');
	const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
	await expect(shortcuts).toBeHidden();
	await page.getByLabel(/Search claims/).fill('');
	await blur(page);
	await page.keyboard.press('?');
	await expect(shortcuts).toBeVisible();
	await expect(shortcuts.getByRole('button', { name: 'Close' })).toBeFocused();
	// Every key the console handles, each with what it does.
	await expect(shortcuts.getByRole('term')).toHaveText([
		'/',
		'n',
		'?',
		'p',
		'] or [',
		'u',
		'Tab',
		'↑ or ↓',
		'Home or End',
		'Enter',
		'Esc',
		'← or →',
	]);
	await expect(shortcuts.getByRole('definition').first()).toHaveText(/^Search claims/);
	await page.keyboard.press('Escape');
	await expect(shortcuts).toBeHidden();

	// Pause: comments no longer claim; the phone learns of it too. Resume, then stop with a confirm.
	await page.getByRole('button', { name: 'Pause' }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Paused/ })).toBeVisible();
	// Pause turns into Resume under the operator's focus, not behind their back.
	await expect(page.getByRole('button', { name: 'Resume' })).toBeFocused();
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'late', 'sold 9') });
	await expect(page.getByRole('list', { name: 'Comments, newest first' })).toContainText(
		'Ignored: Show was not taking claims',
	);
	await expect(phone.getByText('Paused', { exact: true })).toBeVisible({ timeout: 10_000 });
	await page.getByRole('button', { name: 'Resume' }).click();
	await expect(page.getByRole('button', { name: 'Pause' })).toBeFocused();
	await page.getByRole('button', { name: 'Stop show' }).click();
	const confirm = page.getByRole('dialog', { name: 'Stop the show?' });
	await expect(confirm.getByRole('button', { name: 'Keep going' })).toBeFocused();
	await confirm.getByRole('button', { name: 'Stop show' }).click();
	await expect(page.getByText('Ended', { exact: true })).toBeVisible();
	await expect(page.getByRole('link', { name: 'View summary' })).toHaveAttribute(
		'href',
		`/shows/${showId}/summary`,
	);
	await screenshot(page, 'live-ended-desktop');
	await phone.context().close();
	// Chrome logs the refused award's HTTP 409; anything else the console logged is a failure.
	expect(consoleErrors.filter((text) => !text.includes('status of 409'))).toEqual([]);
	expect(phoneErrors).toEqual([]);
});

test('a show with 500 items and 5,000 claims opens in under a second and stays smooth under a comment storm', async ({
	page,
}) => {
	test.setTimeout(240_000);
	const { service } = await stackClients();
	const { operator, workspaceId } = await signUpSeller(page);
	const { showId, liveId } = await liveShow(operator, workspaceId, 'Warehouse clear-out', [
		'1-500',
	]);
	// Ten buyers per item: one winner and nine waiting, 5,000 claims.
	for (let batch = 0; batch < 5; batch++) {
		const comments = Array.from({ length: 1000 }, (_, index) => {
			const n = batch * 1000 + index;
			return comment(showId, liveId, `buyer${n}`, `sold ${(n % 500) + 1}`);
		});
		await rpc(service, 'ingest_comments', { comments });
	}

	// The console catches up from a little (30 s) before the newest change it holds. In a show that
	// has run a while that is only the latest changes: here, a question asked after a quiet spell.
	await new Promise((resolve) => setTimeout(resolve, 31_000));
	await rpc(service, 'ingest_comment', {
		comment: comment(showId, liveId, 'curious', 'what size is this one?'),
	});

	// Three opens, as an operator reopening the console does; the 2 shared cores make single runs noisy.
	const opens: { painted: number; interactive: number }[] = [];
	for (let attempt = 0; attempt < 3; attempt++) {
		// What the browser reads until it is Live: its first catch-up, on top of the rendered page.
		const reads: Promise<{ table: string; bytes: number; rows: Record<string, unknown>[] }>[] = [];
		const onResponse = (read: Response) => {
			const table = /\/rest\/v1\/(\w+)\?/.exec(read.url())?.[1];
			if (table && read.request().method() === 'GET')
				reads.push(
					read.body().then((body) => {
						const rows: unknown = JSON.parse(body.toString());
						return {
							table,
							bytes: body.length,
							rows: (Array.isArray(rows) ? rows : [rows]) as Record<string, unknown>[],
						};
					}),
				);
		};
		page.on('response', onResponse);
		const response = await page.goto(`/shows/${showId}/live`);
		const htmlBytes = (await response?.body())?.length ?? 0;
		await expect(itemButton(page, 1)).toBeVisible();
		await expect(page.getByRole('status').filter({ hasText: 'Console' })).toContainText(
			'Console live',
			{ timeout: 10_000 },
		);
		page.off('response', onResponse);
		const firstCatchUp = await Promise.all(reads);
		const rowsOf = (table: string) =>
			firstCatchUp
				.filter((read) => read.table === table)
				.flatMap((read) => read.rows)
				.filter((row) => Object.keys(row).length > 1);
		console.log(
			`first catch-up: ${firstCatchUp.length} requests, ${Math.round(firstCatchUp.reduce((sum, read) => sum + read.bytes, 0) / 1024)} KiB; item rows ${rowsOf('show_items').length}, claims ${rowsOf('claims').length}, comments ${rowsOf('comments').length}`,
		);
		// What the page rendered is not read again: no item (only their ids, to learn of removed
		// ones), and of the claims only the earlier non-winners the page left out.
		expect(rowsOf('show_items')).toHaveLength(0);
		expect(rowsOf('claims').length).toBeLessThanOrEqual(4500);
		// Navigation timing from the browser itself: when the first response byte came, when the
		// server-rendered items were first painted, and when the console was interactive.
		const timing = await page.evaluate(() => {
			const [navigation] = performance.getEntriesByType(
				'navigation',
			) as PerformanceNavigationTiming[];
			const paint = performance.getEntriesByName('first-contentful-paint')[0];
			const ready = performance.getEntriesByName('live-console-ready')[0];
			return {
				firstByte: Math.round(navigation.responseStart),
				painted: Math.round(paint?.startTime ?? NaN),
				interactive: Math.round(ready?.startTime ?? NaN),
			};
		});
		console.log(
			`show open (500 items, 5,000 claims, ${Math.round(htmlBytes / 1024)} KiB of HTML): first byte ${timing.firstByte} ms, items painted ${timing.painted} ms, interactive ${timing.interactive} ms`,
		);
		opens.push(timing);
	}
	expect(Math.min(...opens.map((open) => open.painted))).toBeLessThan(1000);
	expect(Math.min(...opens.map((open) => open.interactive))).toBeLessThan(1000);
	await expect(page.getByRole('heading', { name: /Claims/ })).toContainText('5,000');
	await expect(page.getByRole('button', { name: /Show 50 more of 4,950/ })).toBeVisible();
	await screenshot(page, 'live-large-desktop');

	// A minute at 50 comments a second (each one 3-4 changes on screen), while the page measures
	// the gaps between animation frames.
	await page.evaluate(() => {
		const state = { last: performance.now(), gaps: [] as number[], running: true };
		(window as unknown as { __frames: typeof state }).__frames = state;
		const tick = (now: number) => {
			state.gaps.push(now - state.last);
			state.last = now;
			if (state.running) requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	});
	const perSecond = 50;
	const seconds = 60;
	let sent = 0;
	const stormStarted = Date.now();
	for (let second = 0; second < seconds; second++) {
		for (let tenth = 0; tenth < 10; tenth++) {
			const comments = Array.from({ length: perSecond / 10 }, () => {
				sent++;
				return comment(
					showId,
					liveId,
					`storm${sent}`,
					sent % 2 === 0 ? `sold ${(sent % 500) + 1}` : 'what size is this one?',
				);
			});
			await rpc(service, 'ingest_comments', { comments });
			const due = stormStarted + (second * 10 + tenth + 1) * 100;
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
		}
	}
	await watchFor(page, '[aria-label="Comments, newest first"] li', `@storm${sent}`);
	await seenAt(page, `@storm${sent}`);
	const frames = await page.evaluate(() => {
		const state = (window as unknown as { __frames: { gaps: number[]; running: boolean } })
			.__frames;
		state.running = false;
		const sorted = [...state.gaps].sort((a, b) => a - b);
		return {
			count: sorted.length,
			p95: sorted[Math.floor(sorted.length * 0.95)],
			max: sorted[sorted.length - 1],
			over100: sorted.filter((gap) => gap > 100).length,
		};
	});
	console.log(
		`storm: ${sent} comments in ${Math.round((Date.now() - stormStarted) / 1000)} s; frames ${frames.count}, p95 gap ${Math.round(frames.p95)} ms, max gap ${Math.round(frames.max)} ms, gaps over 100 ms ${frames.over100}`,
	);
	expect(frames.p95).toBeLessThan(50);
	await expect(page.getByRole('heading', { name: /Claims/ })).toContainText(
		`${(5000 + sent / 2).toLocaleString('en-US')}`,
	);
	await screenshot(page, 'live-storm-desktop');
});

test('test claims give way to real buyers, stay out of the summary unless asked, and clear in one confirmed action', async ({
	page,
}) => {
	test.setTimeout(60_000);
	const { service } = await stackClients();
	const { operator, workspaceId } = await signUpSeller(page);
	const { showId, liveId } = await liveShow(operator, workspaceId, 'Rehearsal', ['1-3']);
	const consoleErrors = collectConsoleErrors(page);
	await openLive(page, showId);

	const sendTest = async (handle: string, text: string) => {
		await page.getByLabel('Test buyer handle').fill(handle);
		await page.getByLabel('Test comment text').fill(text);
		await page.getByRole('button', { name: 'Send test' }).click();
	};
	await sendTest('ana', 'sold 1');
	await expect(page.getByRole('status').filter({ hasText: 'Test comment:' })).toContainText(
		'@ana won #1',
	);
	// The real @ana is someone else: she takes the unit the test @ana held.
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'ana', 'sold 1') });
	await expect(itemButton(page, 1)).toContainText('@ana');
	await expect(
		claimFeed(page).getByRole('listitem').filter({ hasText: 'Test' }).filter({ hasText: '#1' }),
	).toContainText('Released');
	await sendTest('tess', 'sold 2');
	await expect(itemButton(page, 2)).toContainText('@tess');

	// The summary leaves the test claim out until asked, and its exports follow.
	await page.goto(`/shows/${showId}/summary`);
	const stat = (label: string) =>
		page.getByRole('term').filter({ hasText: label }).locator('xpath=following-sibling::dd[1]');
	await expect(page.getByText('Test claims are left out (1 open).')).toBeVisible();
	await screenshot(page, 'summary-test-claims-left-out-desktop');
	await expect(stat('Items sold')).toHaveText('1 of 3');
	await expect(page.getByRole('region', { name: 'Buyers' })).not.toContainText('@tess');
	await page.getByRole('link', { name: 'Include test claims' }).click();
	await expect(page).toHaveURL(/include_tests=1/);
	await expect(stat('Items sold')).toHaveText('2 of 3');
	await expect(page.getByRole('region', { name: 'Buyers' })).toContainText('@tess');
	await expect(page.getByRole('link', { name: 'Buyers CSV' })).toHaveAttribute(
		'href',
		/include_tests=1/,
	);

	// Back on the console: one confirmed action clears what is left.
	await openLive(page, showId);
	await page.getByRole('button', { name: 'Clear test claims (1)' }).click();
	const confirm = page.getByRole('dialog', { name: 'Clear all test claims?' });
	await expect(confirm.getByRole('button', { name: 'Keep them' })).toBeFocused();
	await screenshot(page, 'live-clear-test-claims-desktop');
	await confirm.getByRole('button', { name: 'Clear test claims' }).click();
	await expect(confirm).toBeHidden();
	await expect(page.getByRole('status').filter({ hasText: 'Cleared 1 test claim.' })).toBeVisible();
	await expect(page.getByRole('button', { name: /Clear test claims/ })).toHaveCount(0);
	await expect(itemButton(page, 2)).not.toContainText('@tess');
	expect(consoleErrors).toEqual([]);
});

test('fair play: sold on the pinned item, with the pin changed in the middle of a burst of comments', async ({
	page,
	browser,
}) => {
	test.setTimeout(90_000);
	const { service } = await stackClients();
	const { operator, workspaceId } = await signUpSeller(page);
	const { showId, liveId } = await liveShow(operator, workspaceId, 'Pinned drop', [
		{ item_number: '1', title: 'Denim jacket', quantity: 10 },
		{ item_number: '2', title: 'Wool coat', quantity: 10 },
	]);
	await openLive(page, showId);
	const pinned = page.getByRole('region', { name: 'Pinned item' });
	await expect(pinned).toContainText('Nothing pinned');

	// Pinned by a click, then moved on with the keyboard; the phone follows over Realtime.
	await page.getByRole('button', { name: 'Pin #1' }).click();
	await expect(pinned).toContainText('#1');
	await expect(pinned).toContainText('Denim jacket');
	const phone = await phoneContext(browser, page);
	await openLive(phone, showId);
	const phonePinned = phone.getByRole('region', { name: 'Pinned item' });
	await expect(phonePinned).toContainText('Denim jacket');
	await blur(page);
	await page.keyboard.press(']');
	await expect(pinned).toContainText('Wool coat');
	await expect(phonePinned).toContainText('Wool coat');
	await screenshot(phone, 'live-phone-pinned');

	// Comments written on either side of the change arrive after it, in one poll's page: each goes
	// to the item pinned when it was written.
	const { data: pins } = await service
		.from('show_pins')
		.select('item_number, pinned_at')
		.eq('show_id', showId)
		.order('pinned_at');
	const changedAt = Date.parse(pins!.at(-1)!.pinned_at as string);
	// The first three are written in the 300 ms before the change (after #1 was pinned).
	expect(changedAt - Date.parse(pins!.at(-2)!.pinned_at as string)).toBeGreaterThan(300);
	const burst = ['ana', 'ben', 'cy', 'dee', 'eve', 'fay'].map((handle, index) => ({
		...comment(showId, liveId, handle, index % 2 === 0 ? 'SOLD!' : 'mine'),
		created_at: new Date(
			changedAt + (index < 3 ? -300 + index * 100 : 500 + index * 100),
		).toISOString(),
	}));
	await rpc(service, 'ingest_comments', { comments: burst });
	// Each goes to its item, in whatever order the batch allocated them.
	await expect(itemButton(page, 1)).toContainText('7/10 left');
	await expect(itemButton(page, 2)).toContainText('7/10 left');
	for (const handle of ['@ana', '@ben', '@cy'])
		await expect(itemButton(page, 1)).toContainText(handle);
	for (const handle of ['@dee', '@eve', '@fay'])
		await expect(itemButton(page, 2)).toContainText(handle);
	await expect(page.getByRole('list', { name: 'Comments, newest first' })).toContainText(
		'Claim #1 (pinned)',
	);

	// Unpinned (u), a bare "sold" claims nothing and says why.
	await page.keyboard.press('u');
	await expect(pinned).toContainText('Nothing pinned');
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'gus', 'sold') });
	await expect(
		page.getByRole('list', { name: 'Comments, newest first' }).getByRole('listitem').first(),
	).toContainText('Ignored: A bare claim while nothing was pinned');
	await phone.context().close();
});

test('fair play: a limited buyer and a blocked troll', async ({ page }) => {
	test.setTimeout(90_000);
	const { service } = await stackClients();
	const { operator, workspaceId } = await signUpSeller(page);

	// One unit per buyer per show, set on the workspace's Fair play page.
	await page.goto('/settings/fair-play');
	await page.getByLabel('Units per buyer per show').fill('1');
	await page.getByRole('button', { name: 'Save limits' }).click();
	await expect(page.getByText('Limits saved.')).toBeVisible();

	const { showId, liveId } = await liveShow(operator, workspaceId, 'Fair drop', ['1-4']);
	await openLive(page, showId);
	const comments = page.getByRole('list', { name: 'Comments, newest first' });
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'hoarder', 'sold 1') });
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'hoarder', 'sold 2') });
	await expect(comments.getByRole('listitem').filter({ hasText: 'sold 2' })).toContainText(
		'Limit reached',
	);
	await expect(itemButton(page, 2)).toContainText('No winner yet');

	// The show's own limit overrides the workspace's: two units here.
	await page.goto(`/shows/${showId}`);
	await expect(page.getByLabel('Units per buyer in this show')).toHaveValue('');
	await page.getByLabel('Units per buyer in this show').fill('2');
	await page.getByRole('button', { name: 'Save limits' }).click();
	await expect(page.getByText('Limits saved')).toBeVisible();
	await openLive(page, showId);
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'hoarder', 'sold 2') });
	await expect(itemButton(page, 2)).toContainText('@hoarder');

	// The troll won #3 ahead of a real buyer; blocking releases it and the buyer moves up.
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'troll', 'sold 3') });
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'kim', 'sold 3') });
	await expect(itemButton(page, 3)).toContainText('1 waiting');
	await comments
		.getByRole('listitem')
		.filter({ hasText: 'sold 3' })
		.filter({ hasText: '@troll' })
		.getByRole('button', { name: 'Block @troll' })
		.click();
	const question = page.getByRole('dialog', { name: 'Block @troll?' });
	await expect(question).toContainText('They hold 1 claim in this show (#3)');
	await question.getByRole('button', { name: 'Block and release claims' }).click();
	await expect(question).toBeHidden();
	await expect(itemButton(page, 3)).toContainText('@kim');
	await rpc(service, 'ingest_comment', { comment: comment(showId, liveId, 'troll', 'sold 4') });
	await expect(comments.getByRole('listitem').filter({ hasText: 'sold 4' })).toContainText(
		'Ignored: Blocked viewer',
	);
	await expect(itemButton(page, 4)).toContainText('No winner yet');

	// The workspace's list shows the troll, and unblocks in one click.
	await page.goto('/settings/fair-play');
	const blocked = page.getByRole('list', { name: 'Blocked viewers' });
	await expect(blocked).toContainText('@troll');
	await blocked.getByRole('button', { name: 'Unblock @troll' }).click();
	await expect(page.getByText('No one is blocked.')).toBeVisible();
});
