// Benchmark: many lives at once through the product's real path, on a throwaway local stack.
// Usage: npm run bench:lives [-- --lives 100 --rate 10 --seconds 30 --subscribers 10 --ig-batch 100
//   --platforms facebook,instagram]
//
// Each of `lives` sellers connects their own simulated Page and Instagram account through
// meta-oauth and runs a show on a live whose viewers comment at `rate` comments/s (10/s is Meta's
// highest live comment stream rate). Facebook: the stack's scheduler runs fb-poll as in
// production. Instagram: the simulator delivers live_comments to ig-webhook, at the same total
// rate. Per show, `subscribers` Realtime clients (the seller's desktop and assistants' phones,
// each with a member's token, RLS applying) subscribe as the live console does and note when each
// claim arrives. Prints comments/s ingested, the share of comments stored as rows (must be 100 %),
// and comment creation at the simulator → claim at a subscriber, p50/p95/p99, against the poll
// interval (the floor a polled comment waits for).
import type { SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { apiClient, rpc } from '../../stack/api-client.ts';
import { connectDemoPage } from '../../stack/demo.ts';
import { signJwt } from '../../stack/jwt.ts';
import { deliverWebhooksTo, startLocalMeta } from '../../stack/local-meta.ts';
import type { AccountInfo } from '../../stack/meta-simulator/control.ts';
import { freePort, startTestStack } from '../support/start-test-stack.ts';
import type { FromSubscribers, SubscriberShow, ToSubscribers } from './lives-subscribers.ts';

const { values } = parseArgs({
	options: {
		lives: { type: 'string', default: '100' },
		rate: { type: 'string', default: '10' },
		seconds: { type: 'string', default: '30' },
		subscribers: { type: 'string', default: '10' },
		items: { type: 'string', default: '200' },
		'ig-batch': { type: 'string', default: '100' },
		platforms: { type: 'string', default: 'facebook,instagram' },
	},
});
const lives = Number(values.lives);
const rate = Number(values.rate);
const postingMs = Number(values.seconds) * 1000;
const subscribersPerShow = Number(values.subscribers);
const itemCount = Number(values.items);
// Meta may aggregate webhook notifications into one request (its Webhooks docs: up to 1000
// updates, batching not guaranteed); the simulator sends requests one after another, holding
// changes 100 ms to batch them. --ig-batch 1 sends each comment in a request of its own.
const igBatch = Number(values['ig-batch']);
const platforms = values.platforms
	.split(',')
	.filter((name): name is 'facebook' | 'instagram' => name === 'facebook' || name === 'instagram');
const assistantsPerWorkspace = 2;
const consoleUrl = 'http://127.0.0.1:5173';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

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
		await sleep(500);
	}
}

function percentile(sorted: number[], fraction: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

async function invoke<T>(
	client: SupabaseClient,
	path: string,
	body: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await client.functions.invoke<T>(path, { body });
	if (error)
		throw new Error(
			`${path} failed: ${error.message} ${await (error.context as Response | undefined)?.text?.()}`,
		);
	return data as T;
}

interface Seller {
	client: SupabaseClient;
	workspaceId: string;
	account: AccountInfo;
	connections: Record<'facebook' | 'instagram', string>;
	/** The seller's own token, then their assistants'. */
	memberTokens: string[];
}

const meta = await startLocalMeta({ port: await freePort(), consoleUrl, log: () => {} });
const stack = await startTestStack(() => {}, {
	functionSecretDefaults: meta.functionSecrets,
	functionsEnvFile: join(tmpdir(), `no-env-${randomUUID()}`),
});
deliverWebhooksTo(meta.simulator, stack.config);
const db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
const { simulator } = meta;
// Node 20 does not hand the main thread's --import hooks to a worker: it registers tsx itself.
const worker = new Worker(
	`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./lives-subscribers.ts', import.meta.url).href)}); })`,
	{
		eval: true,
		workerData: { apiUrl: stack.env.SUPABASE_URL, anonKey: stack.env.SUPABASE_ANON_KEY },
	},
);

function ask(message: ToSubscribers): Promise<FromSubscribers> {
	return new Promise((resolve, reject) => {
		worker.once('message', (answer: FromSubscribers) =>
			answer.type === 'error' ? reject(new Error(answer.message)) : resolve(answer),
		);
		worker.postMessage(message);
	});
}

/** A member's access token as Auth would sign it. */
function memberToken(userId: string, email: string): Promise<string> {
	return signJwt(
		{
			sub: userId,
			email,
			role: 'authenticated',
			aud: 'authenticated',
			exp: Math.floor(Date.now() / 1000) + 3 * 3600,
		},
		stack.env.SUPABASE_JWT_SECRET,
	);
}

/** A seller signed up through Auth, with assistants, and their Page and Instagram account connected. */
async function newSeller(index: number): Promise<Seller> {
	const account = simulator.createAccount({
		userName: `Bench Seller ${index}`,
		pageName: `Bench Shop ${index}`,
		instagramUsername: `bench.shop.${index}`,
	});
	const client = apiClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY);
	const signUp = await client.auth.signUp({
		email: `bench-${index}-${randomUUID()}@example.test`,
		password: 'bench password 1',
	});
	if (signUp.error || !signUp.data.session) throw signUp.error ?? new Error('no session');
	const { data: workspace, error } = await client.from('workspaces').select('id').single();
	if (error) throw error;
	const memberTokens = [signUp.data.session.access_token];
	for (let assistant = 0; assistant < assistantsPerWorkspace; assistant += 1) {
		const userId = randomUUID();
		const email = `bench-assistant-${userId}@example.test`;
		// Made as the project owner: the benchmark measures lives, not invitations.
		await db.query(
			`insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
			values ($1, 'authenticated', 'authenticated', $2, '{}', '{"provider":"email","providers":["email"]}', now(), now())`,
			[userId, email],
		);
		await db.query(
			`insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'assistant')`,
			[workspace.id, userId],
		);
		memberTokens.push(await memberToken(userId, email));
	}
	// Meta's dialog signs in whoever the simulator says is at the browser.
	simulator.setDialogUser({ userId: account.user.id });
	const connections = {
		facebook: await connectDemoPage(client, workspace.id, consoleUrl, simulator, {
			platform: 'facebook',
			externalAccountId: account.page.id,
		}),
		instagram: await connectDemoPage(client, workspace.id, consoleUrl, simulator, {
			platform: 'instagram',
			externalAccountId: account.instagram!.id,
		}),
	};
	return { client, workspaceId: workspace.id, account, connections, memberTokens };
}

/** A running show on the live, bound as the console binds it (Meta confirms the live first). */
async function openShow(
	seller: Seller,
	platform: 'facebook' | 'instagram',
	liveId: string,
): Promise<string> {
	const connectionId = seller.connections[platform];
	const show = await rpc<{ id: string }>(seller.client, 'create_show', {
		workspace_id: seller.workspaceId,
		platform,
		name: `Bench ${platform}`,
		connection_id: connectionId,
	});
	await rpc(seller.client, 'add_show_items', { show_id: show.id, items: [`1-${itemCount}`] });
	await invoke(seller.client, 'meta-lives', { connection_id: connectionId, reference: liveId });
	await rpc(seller.client, 'activate_show', { show_id: show.id, live_id: liveId });
	return show.id;
}

/**
 * Viewers comment on every live at `rate` per second for `postingMs`: four in five claim an item
 * (each viewer new, so each claim is a row), one in five chats. Returns when each comment was
 * made, by its id, to the millisecond (Meta's created_time has whole seconds only).
 */
async function comment(liveIds: string[]): Promise<Map<string, number>> {
	const postedAt = new Map<string, number>();
	const started = performance.now();
	let budget = 0;
	let last = started;
	let viewer = 0;
	while (performance.now() - started < postingMs) {
		const now = performance.now();
		budget += (rate * (now - last)) / 1000;
		last = now;
		for (; budget >= 1; budget -= 1)
			for (const liveId of liveIds) {
				viewer += 1;
				const text =
					viewer % 5 === 0
						? 'love this one 😍'
						: `sold ${1 + Math.floor(Math.random() * itemCount)}`;
				const posted = simulator.postComment({
					liveId,
					text,
					viewer: { name: `Viewer ${viewer}` },
				});
				postedAt.set(posted.id, Date.now());
			}
		await sleep(50);
	}
	return postedAt;
}

interface PhaseResult {
	platform: 'facebook' | 'instagram';
	posted: number;
	postingSeconds: number;
	stored: number;
	ingestSeconds: number;
	claims: number;
	deliveries: number;
	changes: number;
	/** Per comment: made → its row stored. Per claim delivery: stored → claim at the subscriber, and the whole way. */
	toStored: number[];
	toSubscriber: number[];
	latencies: number[];
	/** Facebook: how long, on average, a live waited between two polls while the viewers commented. */
	pollEveryMs: number | null;
}

const sorted = (values: number[]) =>
	values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);

async function runPhase(
	platform: 'facebook' | 'instagram',
	sellers: Seller[],
	onResult: (result: PhaseResult) => void,
): Promise<void> {
	const liveIds = sellers.map((seller) =>
		platform === 'facebook'
			? simulator.startFacebookLive({ pageId: seller.account.page.id, title: 'Bench live' }).id
			: simulator.startInstagramLive({ igUserId: seller.account.instagram!.id }).id,
	);
	const showIds: string[] = [];
	for (const [index, seller] of sellers.entries())
		showIds.push(await openShow(seller, platform, liveIds[index]));
	log(`${platform}: ${showIds.length} shows running`);
	const shows: SubscriberShow[] = sellers.map((seller, index) => ({
		showId: showIds[index],
		tokens: Array.from(
			{ length: subscribersPerShow },
			(_, place) => seller.memberTokens[place % seller.memberTokens.length],
		),
	}));
	const subscribed = await ask({ type: 'subscribe', shows });
	if (subscribed.type === 'subscribed')
		log(
			`${platform}: ${subscribed.subscribers} subscribers joined in ${(subscribed.ms / 1000).toFixed(1)} s`,
		);
	if (platform === 'facebook')
		await waitFor(
			'every show polled once',
			async () =>
				Number(
					(
						await db.query(
							`select count(*) from public.live_ingestion where show_id = any($1) and status = 'listening'`,
							[showIds],
						)
					).rows[0].count,
				) === showIds.length,
			120_000,
		);

	const stored = async () =>
		Number(
			(await db.query('select count(*) from public.comments where show_id = any($1)', [showIds]))
				.rows[0].count,
		);
	log(`${platform}: viewers comment for ${postingMs / 1000} s`);
	simulator.clearRequests();
	const firstPost = performance.now();
	const postedAt = await comment(liveIds);
	const postingSeconds = (performance.now() - firstPost) / 1000;
	// fb-poll's reads of comments while the viewers commented: how often each live was polled.
	const polls = simulator.requests({ path: '/comments' }).length;
	log(`${platform}: ${postedAt.size} comments posted in ${postingSeconds.toFixed(1)} s`);
	let storedCount = 0;
	let lastLog = performance.now();
	try {
		await waitFor(
			'every comment stored',
			async () => {
				storedCount = await stored();
				if (performance.now() - lastLog > 10_000) {
					lastLog = performance.now();
					log(`${platform}: ${storedCount} of ${postedAt.size} stored`);
				}
				return storedCount >= postedAt.size;
			},
			180_000,
		);
	} catch (error) {
		log(`${platform}: ${(error as Error).message}`);
	}
	const ingestSeconds = (performance.now() - firstPost) / 1000;
	// Deliveries still in flight settle: wait until none arrive for 5 s (at most 120 s).
	let arrivals: Extract<FromSubscribers, { type: 'arrivals' }>;
	let seen = -1;
	for (let waited = 0; waited < 120_000; waited += 5000) {
		arrivals = (await ask({ type: 'collect' })) as typeof arrivals;
		if (arrivals.commentIds.length === seen) break;
		seen = arrivals.commentIds.length;
		await sleep(5000);
	}
	const claimRows = (
		await db.query<{ id: string; comment_id: string; created_at: Date }>(
			'select id, comment_id, created_at from public.claims where show_id = any($1) and not is_test',
			[showIds],
		)
	).rows;
	const arrivalsOf = new Map<string, number>();
	for (const id of arrivals!.commentIds) arrivalsOf.set(id, (arrivalsOf.get(id) ?? 0) + 1);
	const missed = claimRows.filter(
		(claim) => (arrivalsOf.get(claim.comment_id) ?? 0) < subscribersPerShow,
	);
	for (const claim of missed.slice(0, 3))
		log(
			`${platform}: claim ${claim.id} (comment ${claim.comment_id}, made ${claim.created_at.toISOString()}) reached ${arrivalsOf.get(claim.comment_id) ?? 0} of ${subscribersPerShow} subscribers`,
		);
	const storedAt = new Map(
		(
			await db.query<{ comment_id: string; ms: number }>(
				`select comment_id, extract(epoch from created_at) * 1000 as ms from public.comments where show_id = any($1)`,
				[showIds],
			)
		).rows.map((row) => [row.comment_id, Number(row.ms)]),
	);
	const { commentIds, receivedAt } = arrivals!;
	const made = commentIds.map((id) => postedAt.get(id) ?? Number.NaN);
	const storedTimes = commentIds.map((id) => storedAt.get(id) ?? Number.NaN);
	onResult({
		platform,
		posted: postedAt.size,
		postingSeconds,
		stored: storedCount,
		ingestSeconds,
		claims: claimRows.length,
		deliveries: commentIds.length,
		changes: arrivals!.changes,
		toStored: sorted([...postedAt].map(([id, at]) => (storedAt.get(id) ?? Number.NaN) - at)),
		toSubscriber: sorted(receivedAt.map((at, index) => at - storedTimes[index])),
		latencies: sorted(receivedAt.map((at, index) => at - made[index])),
		pollEveryMs:
			platform === 'facebook' && polls ? (postingSeconds * 1000 * liveIds.length) / polls : null,
	});

	for (const [index, seller] of sellers.entries()) {
		await rpc(seller.client, 'stop_show', { show_id: showIds[index] }).catch((error: Error) =>
			log(`${platform}: stopping show ${showIds[index]}: ${error.message}`),
		);
		if (platform === 'facebook') simulator.endFacebookLive({ liveId: liveIds[index] });
		else simulator.endInstagramLive({ mediaId: liveIds[index] });
	}
}

function report(result: PhaseResult, floorMs: number | null): void {
	const ms = (value: number) => `${Math.round(value)} ms`;
	const spread = (values: number[]) =>
		values.length
			? `p50 ${ms(percentile(values, 0.5))}, p95 ${ms(percentile(values, 0.95))}, p99 ${ms(percentile(values, 0.99))}, max ${ms(values.at(-1)!)}`
			: 'none';
	const share = result.posted ? (100 * result.stored) / result.posted : 0;
	console.log(
		`${result.platform}: posted ${result.posted} comments in ${result.postingSeconds.toFixed(1)} s (${Math.round(result.posted / result.postingSeconds)}/s); ` +
			`stored ${result.stored} (${share.toFixed(share === 100 ? 0 : 2)} %) within ${result.ingestSeconds.toFixed(1)} s of the first: ${Math.round(result.stored / result.ingestSeconds)} comments/s ingested`,
	);
	console.log(
		`${result.platform}: ${result.claims} claims; ${result.deliveries} of ${result.claims * subscribersPerShow} claim deliveries reached the subscribers (${result.changes} changes in all)`,
	);
	console.log(
		`${result.platform}: comment at the simulator → claim at a subscriber: ${spread(result.latencies)}` +
			(floorMs === null
				? ` (pushed by webhook, up to ${igBatch} comments a request: no poll interval)`
				: ` (floor: the poll interval, ${ms(floorMs)}; a comment waits for the next poll, ${ms(floorMs / 2)} on average)`),
	);
	console.log(
		`${result.platform}:   comment → its row stored: ${spread(result.toStored)}` +
			(result.pollEveryMs === null
				? ''
				: ` (each live polled every ${ms(result.pollEveryMs)} on average)`),
	);
	console.log(
		`${result.platform}:   claim's comment stored → claim at the subscriber (Realtime): ${spread(result.toSubscriber)}`,
	);
}

try {
	log(
		`lives bench: ${lives} lives at ${rate} comments/s each (${lives * rate}/s in all), ${subscribersPerShow} subscribers per show (${lives * subscribersPerShow})`,
	);
	const sellers: Seller[] = [];
	for (let index = 0; index < lives; index += 1) sellers.push(await newSeller(index));
	log(`${sellers.length} sellers connected their Page and Instagram account`);
	const { rows } = await db.query<{ ms: number }>(
		`select greatest(
			(select extract(epoch from schedule::interval) * 1000 from private.function_schedules where name = 'fb-poll'),
			max(private.facebook_poll_interval_ms(w.settings))) as ms
		from public.workspaces w where w.id = any($1)`,
		[sellers.map((seller) => seller.workspaceId)],
	);
	simulator.setWebhookFaults({ batchSize: igBatch, holdMs: igBatch > 1 ? 100 : 0 });
	for (const platform of platforms)
		await runPhase(platform, sellers, (result) => {
			report(result, platform === 'facebook' ? Number(rows[0].ms) : null);
			if (result.stored !== result.posted) process.exitCode = 1;
		});
} finally {
	await ask({ type: 'close' }).catch(() => {});
	await worker.terminate();
	await db.end();
	await stack.stop();
	await simulator.stop();
}
