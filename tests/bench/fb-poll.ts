// Benchmark: Facebook polling end to end against the Meta simulator, the way a seller's live runs
// (simulator → fb-poll on its 2-second schedule → ingest_comments), on a throwaway local stack.
// Usage: npm run bench:fb-poll [-- --rate 10 --quiet-seconds 20 --throttle-minutes 2]
//
// A live at `rate` comments/s: a quiet stretch (comment-to-stored latency), then a page throttle
// whose regain time is `throttle-minutes` (Meta's clock is moved ahead by that much, the viewers
// writing what they would have meanwhile, and the poller's wait is fast-forwarded once checked
// against the regain time), then the live ends with comments Meta lists 20 s late. Prints
// posted / stored / lost and latencies.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { apiClient, rpc } from '../../stack/api-client.ts';
import { connectDemoPage } from '../../stack/demo.ts';
import { startLocalMeta } from '../../stack/local-meta.ts';
import { freePort, startTestStack } from '../support/start-test-stack.ts';

const { values } = parseArgs({
	options: {
		rate: { type: 'string', default: '10' },
		'quiet-seconds': { type: 'string', default: '20' },
		'throttle-minutes': { type: 'string', default: '2' },
	},
});
const rate = Number(values.rate);
const quietMs = Number(values['quiet-seconds']) * 1000;
const throttleMinutes = Number(values['throttle-minutes']);
const consoleUrl = 'http://127.0.0.1:5173';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false>,
	timeoutMs: number,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
		await sleep(200);
	}
}

function percentile(sorted: number[], fraction: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const meta = await startLocalMeta({ port: await freePort(), consoleUrl, log: () => {} });
const stack = await startTestStack(() => {}, {
	functionSecretDefaults: meta.functionSecrets,
	functionsEnvFile: join(tmpdir(), `no-env-${randomUUID()}`),
});
const db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 2 });
const { simulator } = meta;
try {
	const seller = apiClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY);
	const signUp = await seller.auth.signUp({
		email: `bench-${randomUUID()}@example.test`,
		password: 'bench password 1',
	});
	if (signUp.error) throw signUp.error;
	const { data: workspace } = await seller.from('workspaces').select('id').single();
	const connectionId = await connectDemoPage(seller, workspace!.id, consoleUrl, simulator);
	const live = simulator.startFacebookLive({ title: 'Bench live' });
	const show = await rpc<{ id: string }>(seller, 'create_show', {
		workspace_id: workspace!.id,
		platform: 'facebook',
		name: 'Bench',
		connection_id: connectionId,
	});
	await rpc(seller, 'add_show_items', { show_id: show.id, items: ['1-100'] });
	await rpc(seller, 'activate_show', { show_id: show.id, live_id: live.id });
	const ingestion = async () =>
		(
			await db.query<{
				status: string;
				catch_up: unknown;
				last_error: { kind?: string } | null;
				backoff_until: Date | null;
				last_polled_at: Date;
			}>('select * from public.live_ingestion where show_id = $1', [show.id])
		).rows[0];
	const stored = async () =>
		Number(
			(await db.query('select count(*) from public.comments where show_id = $1', [show.id])).rows[0]
				.count,
		);
	const posted = () =>
		simulator.state().facebookLives.find((candidate) => candidate.id === live.id)!.commentCount;
	const fastForward = () =>
		db.query(
			'update public.live_ingestion set next_poll_at = now(), backoff_until = null where show_id = $1',
			[show.id],
		);
	await waitFor('the first poll', async () => (await ingestion())?.status === 'listening', 30_000);

	// 1. Quiet: comment (Meta's created_time, whole seconds) to stored.
	const { viewersId } = simulator.startViewers({ liveId: live.id, commentsPerSecond: rate });
	const quietFrom = new Date();
	await sleep(quietMs);
	await waitFor(
		'the quiet stretch read',
		async () => (await stored()) >= posted() - rate * 3,
		30_000,
	);
	const latencies = (
		await db.query<{ ms: number }>(
			`select extract(epoch from (created_at - commented_at)) * 1000 as ms
			from public.comments where show_id = $1 and created_at >= $2`,
			[show.id, quietFrom],
		)
	).rows
		.map((row) => Number(row.ms))
		.sort((a, b) => a - b);

	// 2. A throttle with a regain time, and the backlog it leaves.
	simulator.throttle({
		code: 80001,
		path: `/${live.id}/comments`,
		calls: 1,
		regainMinutes: throttleMinutes,
	});
	const throttled = await waitFor(
		'the throttle',
		async () => {
			const state = await ingestion();
			return state?.last_error?.kind === 'throttled' && state;
		},
		30_000,
	);
	const waitedMs = throttled.backoff_until!.getTime() - throttled.last_polled_at.getTime();
	const { written } = simulator.advanceClock({ ms: throttleMinutes * 60_000 });
	await fastForward();
	const catchUpFrom = performance.now();
	await waitFor(
		'the backlog read',
		async () => {
			const state = await ingestion();
			return (
				state.status === 'listening' && !state.catch_up && (await stored()) >= posted() - rate * 3
			);
		},
		120_000,
	);
	const catchUpMs = performance.now() - catchUpFrom;
	simulator.stopViewers({ viewersId });

	// 3. The end, with comments Meta lists 20 s late.
	for (const item of [1, 2, 3])
		simulator.postComment({ liveId: live.id, text: `sold ${item}`, delayMs: 20_000 });
	simulator.endFacebookLive({ liveId: live.id });
	await waitFor('the end noticed', async () => (await ingestion()).status !== 'delayed', 30_000);
	simulator.advanceClock({ ms: 20_000 });
	await waitFor(
		'the sweeps after the end',
		async () => {
			await fastForward();
			return (await ingestion()).status === 'live_ended';
		},
		60_000,
	);

	const total = posted();
	const kept = await stored();
	console.log(`fb-poll bench: a Facebook live at ${rate} comments/s`);
	console.log(
		`quiet ${quietMs / 1000} s: comment to stored p50 ${Math.round(percentile(latencies, 0.5))} ms, p95 ${Math.round(percentile(latencies, 0.95))} ms, p99 ${Math.round(percentile(latencies, 0.99))} ms (from Meta's created_time, whole seconds; ${latencies.length} comments)`,
	);
	console.log(
		`throttle: regain ${throttleMinutes} min, waited ${(waitedMs / 1000).toFixed(1)} s; backlog of ${written} comments read in ${(catchUpMs / 1000).toFixed(1)} s`,
	);
	console.log(`end: 3 comments listed 20 s late`);
	console.log(`posted ${total}, stored ${kept}, lost ${total - kept}`);
	if (total !== kept) process.exitCode = 1;
} finally {
	await db.end();
	await stack.stop();
	await simulator.stop();
}
