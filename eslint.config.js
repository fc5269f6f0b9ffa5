// Flat config: JavaScript and TypeScript recommended rules everywhere, Svelte's rules for
// components; code runs in Node (stack, tests, server) and browsers (the console).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import svelteConfig from './svelte.config.js';

export default defineConfig(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'node_modules/',
			'stack/.data/',
			'test-results/',
			'playwright-report/',
		],
	},
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs.recommended,
	prettier,
	svelte.configs.prettier,
	{ languageOptions: { globals: { ...globals.browser, ...globals.node } } },
	// Edge Functions and the stack's worker bootstrap run in Deno.
	{
		files: ['supabase/functions/**', 'stack/functions/deno-bootstrap.js'],
		languageOptions: { globals: globals.denoBuiltin },
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
		},
	},
);
