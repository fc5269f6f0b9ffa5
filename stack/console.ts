// The built SvelteKit console (adapter-node, `npm run build`) as a child process pointed at a stack.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './config.ts';

export function spawnConsole(options: {
	supabaseUrl: string;
	anonKey: string;
	port: number;
	stdio: StdioOptions;
}): { url: string; child: ChildProcess } {
	const entry = join(projectRoot, 'build', 'index.js');
	if (!existsSync(entry))
		throw new Error(`the console is not built (${entry} is missing): run \`npm run build\` first`);
	const url = `http://127.0.0.1:${options.port}`;
	const child = spawn(process.execPath, [entry], {
		stdio: options.stdio,
		env: {
			...process.env,
			PORT: String(options.port),
			HOST: '127.0.0.1',
			ORIGIN: url,
			PUBLIC_SUPABASE_URL: options.supabaseUrl,
			PUBLIC_SUPABASE_ANON_KEY: options.anonKey,
			// Catalog CSV imports go up to 5 MB; adapter-node refuses bodies over 512 KB by default.
			BODY_SIZE_LIMIT: '6M',
		},
	});
	return { url, child };
}
