// Benchmark: comments per second through ingest_comment, called the way the Edge Functions call
// it (supabase-js → /rest/v1/rpc as service_role) on a throwaway local stack, which runs in its
// own process as it would in production, so the callers do not share its event loop.
// Usage: npm run bench:ingest [-- --comments 2000]
//
// Two shapes of show at 1, 10 and 50 concurrent callers:
// - hot:    every viewer claims the same item (quantity 3): one row lock serialises everything;
// - spread: viewers claim among 500 items, as in a busy show with a large catalogue.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { apiClient, rpc } from '../../stack/api-client.ts';
import { freePort } from '../support/start-test-stack.ts';

const { values } = parseArgs({ options: { comments: { type: 'string', default: '2000' } } });
const commentsPerRun = Number(values.comments);
const concurrencies = [1, 10, 50];

interface StackEnv {
	SUPABASE_URL: string;
	SUPABASE_ANON_KEY: string;
	SUPABASE_SERVICE_ROLE_KEY: string;
}

/** A signed-up seller's active show with the given items. */
async function liveShow(
	env: StackEnv,
	items: string,
): Promise<{ id: string; platform: string; live_id: string }> {
	const seller = apiClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY);
	const { error } = await seller.auth.signUp({
		email: `bench-${randomUUID()}@example.test`,
		password: 'bench password 1',
	});
	if (error) throw error;
	const { data: workspace } = await seller.from('workspaces').select('id').single();
	const show = await rpc<{ id: string }>(seller, 'create_show', {
		workspace_id: workspace!.id,
		platform: 'facebook',
		name: 'Bench',
	});
	await rpc(seller, 'add_show_items', { show_id: show.id, items: [items] });
	return rpc(seller, 'activate_show', { show_id: show.id });
}

function percentile(sorted: number[], fraction: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

async function run(env: StackEnv, shape: 'hot' | 'spread', concurrency: number) {
	const show = await liveShow(env, shape === 'hot' ? '1' : '1-500');
	const service = apiClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
	const latencies: number[] = [];
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < commentsPerRun) {
				const index = next++;
				const item = shape === 'hot' ? 1 : 1 + (index % 500);
				const sent = performance.now();
				await rpc(service, 'ingest_comment', {
					comment: {
						show_id: show.id,
						platform: show.platform,
						live_id: show.live_id,
						comment_id: `bench-${index}`,
						platform_user_id: `viewer-${index}`,
						user_handle: `viewer_${index}`,
						text: `sold ${item}`,
						created_at: new Date().toISOString(),
					},
				});
				latencies.push(performance.now() - sent);
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	const ms = (value: number) => value.toFixed(1).padStart(7);
	console.log(
		`${shape.padEnd(6)} ${String(concurrency).padStart(3)} callers  ${String(Math.round(commentsPerRun / seconds)).padStart(5)} comments/s` +
			`  p50 ${ms(percentile(latencies, 0.5))} ms  p95 ${ms(percentile(latencies, 0.95))} ms  p99 ${ms(percentile(latencies, 0.99))} ms`,
	);
}

/** `npm run stack` on free ports and a temporary data directory; resolves once it is ready. */
async function startStackProcess() {
	const dataDir = mkdtempSync(join(tmpdir(), 'lsl-bench-'));
	chmodSync(dataDir, 0o755);
	const child = spawn(process.execPath, ['--import', 'tsx', 'stack/cli.ts', 'start'], {
		env: {
			...process.env,
			STACK_DATA_DIR: dataDir,
			SUPABASE_API_PORT: String(await freePort()),
			SUPABASE_DB_PORT: String(await freePort()),
		},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const status = new Map<string, string>();
	for await (const line of createInterface({ input: child.stdout })) {
		const variable = /^([A-Z_]+)="(.*)"$/.exec(line);
		if (variable) status.set(variable[1], variable[2]);
		if (line.startsWith('stack: ready')) break;
	}
	if (!status.has('API_URL')) throw new Error('the stack exited before it was ready');
	const env: StackEnv = {
		SUPABASE_URL: status.get('API_URL')!,
		SUPABASE_ANON_KEY: status.get('ANON_KEY')!,
		SUPABASE_SERVICE_ROLE_KEY: status.get('SERVICE_ROLE_KEY')!,
	};
	return {
		env,
		async stop() {
			const exited = once(child, 'exit');
			child.kill('SIGINT');
			await exited;
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

const stack = await startStackProcess();
try {
	console.log(`ingest_comment over /rest/v1/rpc, ${commentsPerRun} comments per run`);
	for (const shape of ['hot', 'spread'] as const) {
		for (const concurrency of concurrencies) await run(stack.env, shape, concurrency);
	}
} finally {
	await stack.stop();
}
