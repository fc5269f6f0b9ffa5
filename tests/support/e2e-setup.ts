// Playwright global setup: a throwaway stack on free ports, then the built console (adapter-node)
// pointed at it. Tests find the console at process.env.CONSOLE_URL; the returned function stops both.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { projectRoot } from '../../stack/config.ts';
import { freePort, startTestStack } from './start-test-stack.ts';

const readyTimeoutMs = 30_000;

export default async function setup(): Promise<() => Promise<void>> {
	const entry = join(projectRoot, 'build', 'index.js');
	if (!existsSync(entry)) throw new Error(`the console is not built (${entry} is missing): run \`npm run build\` first`);

	const stack = await startTestStack((line) => {
		if (process.env.STACK_LOG) console.log(line);
	});
	try {
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const output: string[] = [];
		const child = spawn(process.execPath, [entry], {
			env: {
				...process.env,
				PORT: String(port),
				HOST: '127.0.0.1',
				ORIGIN: url,
				PUBLIC_SUPABASE_URL: stack.env.SUPABASE_URL,
				PUBLIC_SUPABASE_ANON_KEY: stack.env.SUPABASE_ANON_KEY,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		// Keep the console's output: shown when it fails to start, echoed with CONSOLE_LOG=1.
		for (const stream of [child.stdout, child.stderr]) {
			stream.setEncoding('utf8');
			stream.on('data', (chunk: string) => {
				output.push(chunk);
				if (process.env.CONSOLE_LOG) process.stdout.write(chunk);
			});
		}
		const stopConsole = async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGTERM');
			await exited;
		};
		try {
			await waitUntilServing(url, child);
		} catch (error) {
			await stopConsole();
			throw new Error(`${(error as Error).message}\nconsole output:\n${output.join('')}`, { cause: error });
		}
		process.env.CONSOLE_URL = url;
		return async () => {
			await stopConsole();
			await stack.stop();
		};
	} catch (error) {
		await stack.stop();
		throw error;
	}
}

async function waitUntilServing(url: string, child: ReturnType<typeof spawn>): Promise<void> {
	const deadline = Date.now() + readyTimeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the console exited with code ${child.exitCode} before serving`);
		try {
			const response = await fetch(`${url}/login`);
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`the console did not answer ${url}/login within ${readyTimeoutMs / 1000} s`);
}
