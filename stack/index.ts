// Starts the whole local Supabase stack: database, gateway (Auth, PostgREST, Realtime, Functions)
// and the scheduler. Used by the CLI (`npm run stack`) and by the test runner.
import type { StackConfig } from './config.ts';
import { startDatabase } from './db.ts';
import { startGateway } from './gateway.ts';
import { createAuthService } from './auth/index.ts';
import { createRestService } from './rest/index.ts';
import { createRealtimeService } from './realtime/index.ts';
import { createFunctionsService } from './functions/index.ts';
import { startScheduler } from './functions/scheduler.ts';

/** What every service of the stack is given. */
export interface ServiceContext {
	config: StackConfig;
	/** Superuser connection string (Supabase's own services connect as privileged roles too). */
	adminUrl: string;
	log: (line: string) => void;
	/** A part that can no longer serve calls this; the stack then stops as a whole. */
	fail: (reason: string) => void;
}

export interface Stack {
	config: StackConfig;
	/** Resolves with the reason when any part of the stack dies. */
	failed: Promise<string>;
	stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 3000;

export async function startStack(
	config: StackConfig,
	log: (line: string) => void = console.log,
): Promise<Stack> {
	let reportFailure: (reason: string) => void = () => {};
	const failed = new Promise<string>((resolve) => (reportFailure = resolve));
	const stoppers: (() => Promise<void>)[] = [];
	// Each part gets a few seconds: one waiting on a dead database must not hold the others.
	const stop = async () => {
		for (const stopper of stoppers.splice(0).reverse()) {
			let timer: NodeJS.Timeout | undefined;
			const timedOut = new Promise<'timeout'>(
				(resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)),
			);
			const outcome = await Promise.race([
				stopper().catch((error: unknown) => log(`stack: stopping failed: ${String(error)}`)),
				timedOut,
			]);
			clearTimeout(timer);
			if (outcome === 'timeout') log(`stack: a part did not stop in ${STOP_TIMEOUT_MS} ms; left`);
		}
	};
	try {
		const database = await startDatabase(config, log);
		stoppers.push(() => database.stop());
		let stopping = false;
		stoppers.push(async () => void (stopping = true));
		void database.exited.then(
			(code) => stopping || reportFailure(`postgres exited unexpectedly (code ${code})`),
		);

		const context: ServiceContext = {
			config,
			adminUrl: database.adminUrl,
			log,
			fail: reportFailure,
		};
		const services = {
			auth: createAuthService(context),
			rest: createRestService(context),
			realtime: await createRealtimeService(context),
			functions: createFunctionsService(context),
		};
		for (const service of Object.values(services)) stoppers.push(() => service.close());

		const gateway = startGateway(config, services, log);
		stoppers.push(() => gateway.close());
		await gateway.listening;
		await waitUntilHealthy(config);

		const scheduler = startScheduler(context);
		stoppers.push(() => scheduler.stop());
	} catch (error) {
		await stop();
		throw error;
	}
	return { config, failed, stop };
}

/** Ready means every HTTP service answers through the gateway, as a client would reach it. */
async function waitUntilHealthy(config: StackConfig): Promise<void> {
	const headers = { apikey: config.anonKey };
	const probes = [`${config.apiUrl}/auth/v1/health`, `${config.apiUrl}/rest/v1/`];
	const deadline = Date.now() + 15_000;
	for (const probe of probes) {
		for (;;) {
			const response = await fetch(probe, { headers }).catch(() => undefined);
			if (response?.ok) break;
			if (Date.now() > deadline)
				throw new Error(`${probe} did not answer: ${response?.status ?? 'no connection'}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}
