// Function secrets from supabase/functions/.env: a copied .env.example must not take the local
// functions away from the stack's own values (the Meta simulator's URLs, its app secret).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readFunctionSecrets } from '../../stack/config.ts';

async function secretsOf(text: string): Promise<Record<string, string>> {
	const functionsEnvFile = join(mkdtempSync(join(tmpdir(), 'lsl-secrets-')), '.env');
	writeFileSync(functionsEnvFile, text);
	return readFunctionSecrets({ ...(await loadConfig()), functionsEnvFile });
}

describe('function secrets', () => {
	it('reads values, unquoted, and leaves blank ones to the stack', async () => {
		expect(await secretsOf('A=1\nB="two words"\nC=\nD=""\n# E=5\n')).toEqual({
			A: '1',
			B: 'two words',
		});
	});

	it('overrides nothing when .env.example is copied as it is', async () => {
		const example = join(import.meta.dirname, '../../supabase/functions/.env.example');
		expect(await secretsOf(readFileSync(example, 'utf8'))).toEqual({});
	});
});
