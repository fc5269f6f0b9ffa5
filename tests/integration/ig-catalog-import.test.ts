// The Instagram catalog import function end to end, on a stack of its own whose function secrets
// point at the Meta simulator: a seller's scan pages through the account's posts into drafts
// (images, permalink, price or the reason there is none), a re-scan and the scheduled run add only
// new posts, Meta's throttles and faults are waited out or reported, a bad post fails alone, and
// only owners and admins may start a scan. Prints the time to import 500 posts.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	startMetaSimulator,
	type AccountInfo,
	type MetaSimulator,
} from '../../stack/meta-simulator/index.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';
import { clientOptions } from '../support/clients.ts';
import { startTestStack } from '../support/start-test-stack.ts';

const APP_ID = '987654321012345';
const APP_SECRET = randomBytes(16).toString('hex');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

const root = mkdtempSync(join(tmpdir(), 'lsl-ig-import-'));
let simulator: MetaSimulator;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;

beforeAll(async () => {
	simulator = await startMetaSimulator({ appId: APP_ID, appSecret: APP_SECRET });
	const envFile = join(root, '.env');
	writeFileSync(
		envFile,
		[
			`META_APP_ID=${APP_ID}`,
			`META_APP_SECRET=${APP_SECRET}`,
			`META_GRAPH_URL=${simulator.graphUrl}`,
			`META_DIALOG_URL=${simulator.dialogUrl}`,
			`TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`,
		].join('\n'),
	);
	stack = await startTestStack(() => {}, { functionsEnvFile: envFile });
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

interface ScanResult {
	sync_id: string;
	status: 'succeeded' | 'failed';
	found: number;
	imported: number;
	skipped: number;
	failed: number;
	error: string | null;
}

interface Seller {
	client: SupabaseClient;
	token: string;
	userId: string;
	workspaceId: string;
}

async function newSeller(currency = 'PHP'): Promise<Seller> {
	const client = createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, clientOptions);
	const { data, error } = await client.auth.signUp({
		email: `seller-${randomUUID()}@example.test`,
		password: 'correct horse battery staple',
	});
	if (error || !data.session) throw error ?? new Error('no session');
	const { rows } = await db.query<{ workspace_id: string }>(
		'select workspace_id from public.workspace_members where user_id = $1',
		[data.user!.id],
	);
	const seller = {
		client,
		token: data.session.access_token,
		userId: data.user!.id,
		workspaceId: rows[0].workspace_id,
	};
	const changed = await client.rpc('set_workspace_currency', {
		workspace_id: seller.workspaceId,
		currency,
	});
	if (changed.error) throw changed.error;
	return seller;
}

/**
 * The workspace's connection to the account's Instagram, holding the Page token Meta would have
 * handed meta-oauth (encrypted as it stores it); `scopes` narrows what the token was granted.
 */
async function connectInstagram(
	seller: Seller,
	account: AccountInfo,
	scopes?: string[],
): Promise<string> {
	const token = scopes
		? simulator.issueUserToken({ userId: account.user.id, scopes: scopes as never }).accessToken
		: simulator.issuePageToken({ pageId: account.page.id }).accessToken;
	const encrypted = await (await createTokenCipher(ENCRYPTION_KEY)).encrypt(token);
	const { rows } = await db.query<{ id: string }>(
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name, scopes)
		values ($1, 'instagram', $2, $3, $4) returning id`,
		[seller.workspaceId, account.instagram!.id, `@${account.instagram!.username}`, scopes ?? []],
	);
	await db.query(
		'insert into private.social_connection_tokens (connection_id, encrypted_access_token) values ($1, $2)',
		[rows[0].id, encrypted],
	);
	return rows[0].id;
}

let accountCount = 0;
function newAccount(): AccountInfo {
	accountCount += 1;
	return simulator.createAccount({
		userName: `Importer ${accountCount}`,
		pageName: `Import Shop ${accountCount}`,
		instagramUsername: `import.shop.${accountCount}`,
	});
}

async function callImport(
	token: string,
	body: Record<string, unknown>,
): Promise<{ status: number; body: { scans: ScanResult[]; message?: string } }> {
	const response = await fetch(`${stack.env.SUPABASE_URL}/functions/v1/ig-catalog-import`, {
		method: 'POST',
		headers: {
			apikey: stack.env.SUPABASE_ANON_KEY,
			authorization: `Bearer ${token}`,
			'content-type': 'application/json',
		},
		body: JSON.stringify(body),
	});
	return { status: response.status, body: await response.json() };
}

async function importNow(seller: Seller, connectionId: string): Promise<ScanResult> {
	const answer = await callImport(seller.token, { connection_id: connectionId });
	expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	return answer.body.scans[0];
}

async function drafts(workspaceId: string) {
	const { rows } = await db.query<{
		external_id: string;
		title: string;
		price: string;
		status: string;
		image_urls: string[];
		permalink: string;
		price_note: string | null;
	}>(
		`select p.external_id, p.title, p.price, p.status, p.image_urls, p.permalink, post.price_note
		from public.products p join public.catalog_import_posts post on post.product_id = p.id
		where p.workspace_id = $1 and p.source = 'instagram'`,
		[workspaceId],
	);
	return new Map(rows.map((row) => [row.external_id, row]));
}

describe('ig-catalog-import', () => {
	it('pages through the account’s posts into drafts with images, permalink and price, and re-scans add nothing', async () => {
		const seller = await newSeller('PHP');
		const account = newAccount();
		simulator.seedMedia({ igUserId: account.instagram!.id, count: 120 });
		const posts = simulator.listMedia({ igUserId: account.instagram!.id });
		const connectionId = await connectInstagram(seller, account);
		simulator.clearRequests();

		const first = await importNow(seller, connectionId);
		expect(first).toMatchObject({ status: 'succeeded', found: posts.length, failed: 0 });
		expect(first.imported).toBe(posts.length);
		// Two pages of 100, the second through paging.next.
		expect(simulator.requests({ path: '/media' }).map((request) => request.status)).toEqual([
			200, 200,
		]);

		const stored = await drafts(seller.workspaceId);
		expect(stored.size).toBe(posts.length);
		const carousel = posts.find((post) => post.caption.startsWith('NEW ARRIVAL'))!;
		expect(stored.get(carousel.id)).toMatchObject({
			title: 'Floral Wrap Dress',
			price: '120000',
			status: 'draft',
			permalink: carousel.permalink,
			price_note: null,
		});
		expect(stored.get(carousel.id)!.image_urls).toHaveLength(carousel.childCount);
		const video = posts.find((post) => post.mediaType === 'VIDEO')!;
		expect(stored.get(video.id)!.image_urls[0]).toMatch(/\.jpg$/);
		const unpriced = posts.find((post) => post.caption.startsWith('Restock soon'))!;
		expect(stored.get(unpriced.id)).toMatchObject({
			price: '0',
			price_note: 'the caption names no price',
		});
		const euro = posts.find((post) => post.caption.startsWith('Vestido de verano'))!;
		expect(stored.get(euro.id)!.price_note).toContain('€19,90');

		const again = await importNow(seller, connectionId);
		expect(again).toMatchObject({
			status: 'succeeded',
			imported: 0,
			skipped: posts.length,
			failed: 0,
		});
		expect((await drafts(seller.workspaceId)).size).toBe(posts.length);
	});

	it('drafts new posts on the scheduled re-scan, stopping at the first page with nothing new', async () => {
		const seller = await newSeller();
		const account = newAccount();
		simulator.seedMedia({ igUserId: account.instagram!.id, count: 200 });
		const connectionId = await connectInstagram(seller, account);
		await importNow(seller, connectionId);
		const fresh = simulator.addMedia({
			igUserId: account.instagram!.id,
			caption: 'Just in! Corduroy Jacket ₱1,650 Sizes: M, L #corduroy',
		});
		// As if the last scan were an hour old, so the schedule finds the account due.
		await db.query(
			"update public.catalog_syncs set started_at = started_at - interval '1 hour' where connection_id = $1",
			[connectionId],
		);
		simulator.clearRequests();
		const run = await callImport(stack.env.SUPABASE_SERVICE_ROLE_KEY, { scheduled: true });
		expect(run.status, JSON.stringify(run.body)).toBe(200);
		const mine = run.body.scans.filter((scan) => scan.imported > 0);
		expect(mine).toEqual([expect.objectContaining({ status: 'succeeded', imported: 1 })]);
		expect(
			simulator
				.requests({ path: '/media' })
				.filter((request) => request.path.includes(account.instagram!.id)),
		).toHaveLength(2);
		expect((await drafts(seller.workspaceId)).get(fresh.id)).toMatchObject({
			title: 'Corduroy Jacket',
			price: '165000',
		});
		const { rows } = await db.query(
			'select trigger from public.catalog_syncs where connection_id = $1 order by started_at',
			[connectionId],
		);
		expect(rows.map((row) => row.trigger)).toEqual(['manual', 'scheduled']);
	});

	it('waits out a short throttle and a 5xx, and reports a long throttle and a missing permission', async () => {
		const seller = await newSeller();
		const account = newAccount();
		const connectionId = await connectInstagram(seller, account);
		simulator.throttle({ code: 4, regainMinutes: 0, path: '/media', calls: 1 });
		simulator.injectServerErrors({ status: 503, path: '/media', calls: 1 });
		const recovered = await importNow(seller, connectionId);
		expect(recovered).toMatchObject({ status: 'succeeded', imported: 30 });

		simulator.throttle({ code: 80001, regainMinutes: 5, path: '/media', calls: 1 });
		const throttled = await importNow(seller, connectionId);
		expect(throttled.status).toBe('failed');
		expect(throttled.error).toMatch(/Meta error 80001.*Meta asks to wait 5 min/);

		const narrow = await newSeller();
		const narrowConnection = await connectInstagram(narrow, newAccount(), [
			'instagram_basic',
			'pages_show_list',
		]);
		const refused = await importNow(narrow, narrowConnection);
		expect(refused.status).toBe('failed');
		expect(refused.error).toMatch(/pages_read_engagement.*grant every permission/);
	});

	it('fails one bad post with its reason and drafts the rest', async () => {
		const seller = await newSeller('USD');
		const account = newAccount();
		simulator.clearMedia({ igUserId: account.instagram!.id });
		const older = simulator.addMedia({
			igUserId: account.instagram!.id,
			caption: 'Tote $20 SKU TT-100',
			timestamp: '2026-11-01T10:00:00Z',
		});
		simulator.addMedia({ igUserId: account.instagram!.id, caption: 'Cap $12 #cap' });
		// Drafted first (newest first), it takes the SKU the older post names too.
		simulator.addMedia({ igUserId: account.instagram!.id, caption: 'Travel Tote $25 SKU TT-100' });
		const connectionId = await connectInstagram(seller, account);
		const result = await importNow(seller, connectionId);
		expect(result).toMatchObject({ status: 'succeeded', found: 3, imported: 2, failed: 1 });
		const { rows } = await db.query<{ failures: { media_id: string; reason: string }[] }>(
			'select failures from public.catalog_syncs where id = $1',
			[result.sync_id],
		);
		expect(rows[0].failures).toEqual([
			expect.objectContaining({ media_id: older.id, reason: expect.stringContaining('TT-100') }),
		]);
	});

	it('lets only owners and admins of the workspace start a scan', async () => {
		const seller = await newSeller();
		const connectionId = await connectInstagram(seller, newAccount());
		const stranger = await newSeller();
		const refused = await callImport(stranger.token, { connection_id: connectionId });
		expect(refused.status).toBe(404);
		const unsigned = await callImport(stack.env.SUPABASE_ANON_KEY, {
			connection_id: connectionId,
		});
		expect(unsigned.status).toBe(401);
	});

	it('imports 500 posts, its progress reaching members over Realtime (figure printed)', async () => {
		const seller = await newSeller();
		const account = newAccount();
		simulator.clearMedia({ igUserId: account.instagram!.id });
		simulator.seedMedia({ igUserId: account.instagram!.id, count: 500 });
		const connectionId = await connectInstagram(seller, account);
		const progress: { status: string; found: number }[] = [];
		const channel = seller.client.channel(`import-${randomUUID()}`);
		await new Promise<void>((resolve, reject) => {
			channel
				.on(
					'postgres_changes',
					{
						event: '*',
						schema: 'public',
						table: 'catalog_syncs',
						filter: `workspace_id=eq.${seller.workspaceId}`,
					},
					(payload) => progress.push(payload.new as { status: string; found: number }),
				)
				.subscribe((status, error) =>
					status === 'SUBSCRIBED' ? resolve() : error ? reject(error) : undefined,
				);
		});
		const started = performance.now();
		const result = await importNow(seller, connectionId);
		const seconds = (performance.now() - started) / 1000;
		expect(result).toMatchObject({ status: 'succeeded', found: 500, imported: 500, failed: 0 });
		const { rows } = await db.query<{ seconds: number }>(
			'select extract(epoch from finished_at - started_at)::float as seconds from public.catalog_syncs where id = $1',
			[result.sync_id],
		);
		console.log(
			`ig-catalog-import: 500 posts drafted in ${seconds.toFixed(2)} s as the seller waits (the scan itself ${rows[0].seconds.toFixed(2)} s, ${Math.round(500 / rows[0].seconds)} posts/s, 5 pages of 100)`,
		);
		// The console sees the scan advance page by page, and finish.
		await expect.poll(() => progress.at(-1)?.status, { timeout: 5_000 }).toBe('succeeded');
		await seller.client.removeChannel(channel);
		expect(progress.filter((row) => row.status === 'running').map((row) => row.found)).toEqual(
			expect.arrayContaining([100, 200, 300, 400, 500]),
		);
	}, 120_000);
});
