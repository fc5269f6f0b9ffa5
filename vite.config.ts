import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// Test projects: unit needs nothing running; db and integration share one local stack,
// started on free ports by tests/support/global-setup.ts unless SUPABASE_URL points at one.
export default defineConfig({
	plugins: [sveltekit()],
	// Rolldown's plugin-timing report says a slow (busy) machine is slow; nothing there to act on.
	build: { rolldownOptions: { checks: { bundlerTimings: false } } },
	test: {
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
			},
			{
				extends: true,
				test: {
					name: 'stack',
					include: ['tests/db/**/*.test.ts', 'tests/integration/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/support/global-setup.ts'],
					testTimeout: 30_000,
					hookTimeout: 60_000,
				},
			},
		],
	},
});
