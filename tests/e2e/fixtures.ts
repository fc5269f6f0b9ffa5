// `test` for every e2e spec: it fails on an uncaught page error or a console error the test did
// not declare with `consoleErrors.allow(pattern)`, on every page of the test's own context and of
// any context it opens with `browser.newContext`.
import { test as base, type BrowserContext, type Page } from '@playwright/test';

export { expect } from '@playwright/test';

interface ConsoleErrors {
	/** Declares a console error the test expects (a refused request it provokes, say). */
	allow(pattern: RegExp): void;
}

export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
	consoleErrors: [
		async ({ context, browser }, use) => {
			const problems: string[] = [];
			const allowed: RegExp[] = [];
			const watchPage = (page: Page) => {
				page.on('pageerror', (error) => problems.push(`uncaught page error: ${error.message}`));
				page.on('console', (message) => {
					if (message.type() !== 'error') return;
					// A failed request's message names its address only in the location.
					const text = `${message.text()} (${message.location().url})`;
					if (!allowed.some((pattern) => pattern.test(text)))
						problems.push(`console error: ${text}`);
				});
			};
			const watchContext = (watched: BrowserContext) => {
				watched.pages().forEach(watchPage);
				watched.on('page', watchPage);
			};
			watchContext(context);
			const newContext = browser.newContext.bind(browser);
			browser.newContext = async (...args) => {
				const opened = await newContext(...args);
				watchContext(opened);
				return opened;
			};
			try {
				await use({ allow: (pattern) => allowed.push(pattern) });
			} finally {
				browser.newContext = newContext;
			}
			if (problems.length > 0)
				throw new Error(`the console reported problems:\n${problems.join('\n')}`);
		},
		{ auto: true },
	],
});
