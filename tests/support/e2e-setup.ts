// Playwright global setup: the Meta and Stripe simulators and a throwaway stack on free ports, then
// the built console (adapter-node) pointed at them. Tests find the console at process.env.CONSOLE_URL
// and the simulators' control APIs at META_SIMULATOR_URL and STRIPE_SIMULATOR_URL; the returned
// function stops them all.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { spawnConsole } from '../../stack/console.ts';
import { deliverWebhooksTo, startLocalMeta } from '../../stack/local-meta.ts';
import { startLocalStripe } from '../../stack/local-stripe.ts';
import { freePort, startTestStack } from './start-test-stack.ts';

const readyTimeoutMs = 30_000;

export default async function setup(): Promise<() => Promise<void>> {
	const log = (line: string) => {
		if (process.env.STACK_LOG) console.log(line);
	};
	const consolePort = await freePort();
	const { simulator, functionSecrets } = await startLocalMeta({
		port: 0,
		consoleUrl: `http://127.0.0.1:${consolePort}`,
		log,
	});
	const stripe = await startLocalStripe({ port: 0, log }).catch(async (error: unknown) => {
		await simulator.stop();
		throw error;
	});
	const stack = await startTestStack(log, {
		functionSecretDefaults: { ...functionSecrets, ...stripe.functionSecrets },
	}).catch(async (error: unknown) => {
		await simulator.stop();
		await stripe.simulator.stop();
		throw error;
	});
	deliverWebhooksTo(simulator, stack.config);
	const stopStack = async () => {
		await stack.stop();
		await simulator.stop();
		await stripe.simulator.stop();
	};
	try {
		const output: string[] = [];
		const { url, child } = spawnConsole({
			supabaseUrl: stack.env.SUPABASE_URL,
			anonKey: stack.env.SUPABASE_ANON_KEY,
			port: consolePort,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		// Keep the console's output: shown when it fails to start, echoed with CONSOLE_LOG=1.
		for (const stream of [child.stdout!, child.stderr!]) {
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
			throw new Error(`${(error as Error).message}\nconsole output:\n${output.join('')}`, {
				cause: error,
			});
		}
		process.env.CONSOLE_URL = url;
		// Tests act as the platform (service role) and read what was stored, through the same stack.
		process.env.SUPABASE_URL = stack.env.SUPABASE_URL;
		process.env.SUPABASE_ANON_KEY = stack.env.SUPABASE_ANON_KEY;
		process.env.SUPABASE_SERVICE_ROLE_KEY = stack.env.SUPABASE_SERVICE_ROLE_KEY;
		process.env.META_SIMULATOR_URL = simulator.url;
		process.env.STRIPE_SIMULATOR_URL = stripe.simulator.url;
		return async () => {
			await stopConsole();
			await stopStack();
			// The console server's output is the operator's: nothing there that is not theirs to fix.
			const noise = output.join('').match(/^.*could be insecure.*$/m);
			if (noise) throw new Error(`the console server printed a warning: ${noise[0]}`);
		};
	} catch (error) {
		await stopStack();
		throw error;
	}
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + readyTimeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`the console exited with code ${child.exitCode} before serving`);
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
