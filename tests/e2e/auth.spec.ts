// The sign-in round trip through the built console and the local Auth service, at desktop and
// phone sizes. Screenshots land in tests/e2e/screenshots (git-ignored) for a human to look at.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const screenshotDir = join(import.meta.dirname, 'screenshots');
const password = 'correct horse battery staple';

function newEmail(): string {
	return `seller-${randomUUID().slice(0, 8)}@example.test`;
}

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

async function signUp(page: Page, email: string, workspaceName?: string): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	if (workspaceName) await page.getByLabel(/Shop or workspace name/).fill(workspaceName);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
}

/** The account menu's toggle: a <summary>, which Playwright's role queries do not name a button. */
function accountMenu(page: Page) {
	return page.locator('summary', { hasText: 'Account menu' });
}

async function logOut(page: Page): Promise<void> {
	await accountMenu(page).click();
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
}

async function logIn(page: Page, email: string, withPassword = password): Promise<void> {
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(withPassword);
	await page.getByRole('button', { name: 'Log in' }).click();
}

test('sign up lands in the console; log out and log back in', async ({ page }) => {
	const email = newEmail();
	await page.goto('/signup');
	await screenshot(page, 'signup-desktop');

	await signUp(page, email);
	await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
	await expect(page.getByRole('main')).toContainText(`Signed in as ${email}`);

	await accountMenu(page).click();
	await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
	await screenshot(page, 'user-menu-desktop');
	// Escape closes the menu and gives focus back to its toggle.
	await page.keyboard.press('Escape');
	await expect(page.getByRole('button', { name: 'Log out' })).toBeHidden();
	await expect(accountMenu(page)).toBeFocused();
	await accountMenu(page).click();
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);

	// The session is really gone: the console sends us back to log in.
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fdashboard$/);

	await logIn(page, email);
	await expect(page).toHaveURL(/\/dashboard$/);
	await expect(page.getByRole('main')).toContainText(`Signed in as ${email}`);

	// Signed in, the login page is no place to be.
	await page.goto('/login');
	await expect(page).toHaveURL(/\/dashboard$/);
});

test('pages and their data are served gzipped, with their cookies', async ({ page }) => {
	const login = await page.request.get('/login', { headers: { 'accept-encoding': 'gzip' } });
	expect(login.headers()['content-encoding']).toBe('gzip');
	expect(await login.text()).toContain('Log in');
	await signUp(page, newEmail());
	const data = await page.request.get('/dashboard/__data.json', {
		headers: { 'accept-encoding': 'gzip' },
	});
	expect(data.headers()['content-encoding']).toBe('gzip');
	expect(await data.json()).toMatchObject({ type: 'data' });
});

test('pages other than the live console load neither zod nor supabase-js', async ({ page }) => {
	// Markers that survive minification: zod's error class and supabase-js's Auth client.
	const heavy: string[] = [];
	let scripts = 0;
	page.on('response', async (response) => {
		if (response.request().resourceType() !== 'script') return;
		scripts++;
		const text = await response.text();
		for (const marker of ['ZodError', 'GoTrueClient'])
			if (text.includes(marker)) heavy.push(`${marker} in ${new URL(response.url()).pathname}`);
	});
	await signUp(page, newEmail());
	for (const path of [
		'/dashboard',
		'/shows',
		'/catalog',
		'/settings',
		'/connections',
		'/integrations',
	]) {
		await page.goto(path);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	}
	await page.waitForLoadState('networkidle');
	expect(scripts).toBeGreaterThan(5);
	expect(heavy).toEqual([]);
});

test('the console shows the workspace sign-up created, named from the form', async ({ page }) => {
	await signUp(page, newEmail(), 'Vintage Vault');
	await expect(page.getByRole('banner')).toContainText('Vintage Vault');
	await expect(page.getByRole('main')).toContainText('Vintage Vault');
	await screenshot(page, 'dashboard-desktop');
});

test('a wrong password is explained next to the form and nothing typed is lost', async ({
	page,
}) => {
	const email = newEmail();
	await signUp(page, email);
	await logOut(page);

	await logIn(page, email, 'not the password');
	const alert = page.getByRole('alert');
	await expect(alert).toContainText('Couldn’t log you in');
	await expect(alert).toContainText('That email and password don’t match an account');
	await expect(page.getByLabel('Email')).toHaveValue(email);
	await expect(page.getByLabel('Password', { exact: true })).toHaveValue('not the password');
	await screenshot(page, 'login-error-desktop');

	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
});

test('an account that already exists is refused with a clear message', async ({ page }) => {
	const email = newEmail();
	await signUp(page, email);
	await logOut(page);

	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('alert')).toContainText('An account with this email already exists');
	await expect(page.getByLabel('Email')).toHaveValue(email);
});

test('form input is checked before it reaches Auth, with the error next to its field', async ({
	page,
}) => {
	await page.goto('/signup');
	await page.getByLabel('Email').fill(newEmail());
	const passwordField = page.getByLabel('Password');
	await passwordField.fill('short');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(passwordField).toHaveAttribute('aria-invalid', 'true');
	// The error says it once; the hint that says the same is not repeated beside it.
	await expect(passwordField).toHaveAccessibleDescription('Use at least 8 characters');
	await expect(page.getByText(/at least 8 characters/i)).toHaveCount(1);
	await expect(passwordField).toBeFocused();
	await expect(page).toHaveURL(/\/signup$/);
	await screenshot(page, 'signup-field-error-desktop');
});

test('a signed-out visit to the console redirects to log in, and back after it', async ({
	page,
}) => {
	const email = newEmail();
	await signUp(page, email);
	await logOut(page);

	await page.goto('/');
	await expect(page).toHaveURL(/\/login$/);
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fdashboard$/);
	await logIn(page, email);
	await expect(page).toHaveURL(/\/dashboard$/);
	await page.goto('/');
	await expect(page).toHaveURL(/\/dashboard$/);
});

test('a password reset can be requested', async ({ page }) => {
	await page.goto('/login');
	await page.getByLabel('Email').focus();
	await screenshot(page, 'login-desktop-focus');
	await page.getByRole('link', { name: 'Forgot password?' }).click();
	await expect(page).toHaveURL(/\/reset-password$/);
	const email = newEmail();
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Send reset link' }).click();
	await expect(page.getByRole('status')).toContainText(`If an account exists for ${email}`);
	await screenshot(page, 'reset-sent-desktop');
});

test.describe('on a 390 × 844 phone', () => {
	test.use({
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
		deviceScaleFactor: 2,
	});

	test('the login page fits and its controls are easy to tap', async ({ page }) => {
		await page.goto('/login');
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - window.innerWidth,
		);
		expect(overflow).toBe(0);
		for (const control of [
			page.getByLabel('Email'),
			page.getByLabel('Password', { exact: true }),
			page.getByRole('button', { name: 'Log in' }),
			page.getByRole('link', { name: 'Forgot password?' }),
		]) {
			const box = await control.boundingBox();
			expect(box?.height).toBeGreaterThanOrEqual(44);
		}
		await screenshot(page, 'login-mobile');
		await page.goto('/signup');
		await screenshot(page, 'signup-mobile');
	});

	test('the console shell works on a phone', async ({ page }) => {
		const email = newEmail();
		await signUp(page, email, 'Maple & Thread Boutique');
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - window.innerWidth,
		);
		expect(overflow).toBe(0);
		await expect(page.getByRole('main')).toContainText(`Signed in as ${email}`);
		await screenshot(page, 'dashboard-mobile');
		await accountMenu(page).click();
		await screenshot(page, 'user-menu-mobile');
		await page.getByRole('button', { name: 'Log out' }).click();
		await expect(page).toHaveURL(/\/login$/);
	});
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the forms still sign up, explain errors, log out and log in', async ({
		page,
		consoleErrors,
	}) => {
		// A refused form post is a 400 page, which the browser notes in its console.
		consoleErrors.allow(/status of 400 \(Bad Request\)/);
		const email = newEmail();
		await signUp(page, email);
		await expect(page.getByRole('main')).toContainText(`Signed in as ${email}`);
		await logOut(page);

		await logIn(page, email, 'not the password');
		await expect(page.getByRole('alert')).toContainText(
			'That email and password don’t match an account',
		);
		await expect(page.getByLabel('Email')).toHaveValue(email);
		await page.getByLabel('Password', { exact: true }).fill(password);
		await page.getByRole('button', { name: 'Log in' }).click();
		await expect(page).toHaveURL(/\/dashboard$/);
	});
});
