// End-to-end tests drive Debian's Chromium (never a downloaded browser) against the built console
// and a throwaway stack that tests/support/e2e-setup.ts starts.
import { defineConfig } from '@playwright/test';

export default defineConfig({
	testDir: 'tests/e2e',
	outputDir: 'test-results',
	globalSetup: './tests/support/e2e-setup.ts',
	workers: 1,
	fullyParallel: false,
	forbidOnly: Boolean(process.env.CI),
	timeout: 30_000,
	expect: { timeout: 10_000 },
	reporter: 'list',
	use: {
		// Set by the global setup; workers inherit it.
		baseURL: process.env.CONSOLE_URL,
		browserName: 'chromium',
		launchOptions: {
			executablePath: '/usr/bin/chromium',
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		},
		viewport: { width: 1280, height: 800 },
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
	},
});
