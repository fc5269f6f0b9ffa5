// The Meta Edge Functions end to end, on a stack of their own whose function secrets point at the
// Meta simulator: OAuth through the simulator's dialog, live discovery, Facebook polling into
// claims (back-off, recovery, restarts, stop), the Instagram webhook, and the dev harness.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
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
const VERIFY_TOKEN = randomBytes(12).toString('hex');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const CONSOLE = 'http://127.0.0.1:5173';

const root = mkdtempSync(join(tmpdir(), 'lsl-meta-'));
const stackLog: string[] = [];
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
			`META_WEBHOOK_VERIFY_TOKEN=${VERIFY_TOKEN}`,
			`TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`,
			'DEV_HARNESS_ENABLED=true',
		].join('\n'),
	);
	stack = await startTestStack((line) => stackLog.push(line), { functionsEnvFile: envFile });
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
	simulator.setWebhook({
		callbackUrl: functionUrl('ig-webhook'),
		retryDelayMs: 200,
		maxAttempts: 3,
	});
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

const functionUrl = (path: string) => `${stack.env.SUPABASE_URL}/functions/v1/${path}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false>,
	timeoutMs = 10_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(100);
	}
}

interface CallOptions {
	method?: string;
	token?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

async function call<T = unknown>(
	path: string,
	{ method = 'POST', token, body, headers = {} }: CallOptions = {},
): Promise<{ status: number; body: T; response: Response }> {
	const response = await fetch(functionUrl(path), {
		method,
		redirect: 'manual',
		headers: {
			apikey: stack.env.SUPABASE_ANON_KEY,
			...(token ? { authorization: `Bearer ${token}` } : {}),
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
			...headers,
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// Kept as text.
	}
	return { status: response.status, body: parsed as T, response };
}

interface Account {
	platform: 'facebook' | 'instagram';
	external_account_id: string;
}

interface Connection extends Account {
	id: string;
	display_name: string;
	meta_user_id: string;
	token_expires_at: string;
	status: string;
	status_detail: string | null;
	scopes: string[];
}

interface ConnectAnswer {
	connections: Connection[];
	webhooks: {
		connection_id: string;
		page_id: string | null;
		subscribed: boolean;
		error?: string;
	}[];
}

/** A public.live_ingestion row as pg returns it (bigint and numeric as text). */
interface IngestionRow {
	platform: string;
	status: string;
	status_detail: string | null;
	last_error: { kind?: string; code?: number } | null;
	comments_received: string;
	consecutive_failures: number;
	usage_percent: string | null;
	backoff_until: string | null;
	next_poll_at: string;
	last_polled_at: string;
	lease_token: string | null;
	catch_up: { since: number; after: string } | null;
	live_ended_at: string | null;
	replay_until: string | null;
	viewer_count: number | null;
	end_sweeps: number;
	gaps: { from: string; to: string; reason: string }[];
}

interface Seller {
	client: SupabaseClient;
	token: string;
	userId: string;
	workspaceId: string;
}

async function newSeller(): Promise<Seller> {
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
	return {
		client,
		token: data.session.access_token,
		userId: data.user!.id,
		workspaceId: rows[0].workspace_id,
	};
}

/** A browser's sign-in nonce (the console keeps it in an HttpOnly cookie) and what the state carries. */
const browserNonce = () => randomBytes(32).toString('base64url');
const bindingOf = (nonce: string) => createHash('sha256').update(nonce).digest('base64url');

/** The browser's part of the sign-in: Meta's dialog, "Continue as …", and the callback's redirect. */
async function throughDialog(
	seller: Seller,
	platform: 'facebook' | 'instagram',
	decision: string,
	nonce: string,
): Promise<URL> {
	const started = await call<{ url: string }>('meta-oauth/start', {
		token: seller.token,
		body: { workspace_id: seller.workspaceId, platform, browser_binding: bindingOf(nonce) },
		headers: { origin: CONSOLE },
	});
	expect(started.status, JSON.stringify(started.body)).toBe(200);
	const dialog = new URL(started.body.url);
	const page = await fetch(dialog);
	expect(await page.text()).toContain('Continue as');
	const confirm = await fetch(`${dialog.origin}${dialog.pathname}/confirm`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ ...Object.fromEntries(dialog.searchParams), decision }),
	});
	expect(confirm.status).toBe(302);
	const callback = new URL(confirm.headers.get('location')!);
	expect(callback.href.startsWith(functionUrl('meta-oauth/callback'))).toBe(true);
	const back = await fetch(callback, { redirect: 'manual' });
	expect(back.status, await back.clone().text()).toBe(303);
	return new URL(back.headers.get('location')!);
}

/** The sign-in, completed as the console completes it: the console address with ?pending= (or ?error=). */
async function signInThroughDialog(
	seller: Seller,
	platform: 'facebook' | 'instagram',
	decision = 'continue',
): Promise<URL> {
	const nonce = browserNonce();
	const back = await throughDialog(seller, platform, decision, nonce);
	if (!back.searchParams.has('code')) return back;
	const completed = await call<{ pending_id: string }>('meta-oauth/complete', {
		token: seller.token,
		body: {
			code: back.searchParams.get('code'),
			state: back.searchParams.get('state'),
			browser_nonce: nonce,
		},
	});
	expect(completed.status, JSON.stringify(completed.body)).toBe(200);
	back.search = '';
	back.searchParams.set('pending', completed.body.pending_id);
	return back;
}

/** Signs in and connects every account the sign-in offered; returns the function's answer. */
async function connectAnswer(
	seller: Seller,
	platform: 'facebook' | 'instagram',
): Promise<ConnectAnswer> {
	const back = await signInThroughDialog(seller, platform);
	const pendingId = back.searchParams.get('pending')!;
	const pending = await call<{ accounts: Account[] }>(`meta-oauth/pending?id=${pendingId}`, {
		method: 'GET',
		token: seller.token,
	});
	expect(pending.status, JSON.stringify(pending.body)).toBe(200);
	const connected = await call<ConnectAnswer>('meta-oauth/connect', {
		token: seller.token,
		body: {
			pending_id: pendingId,
			accounts: pending.body.accounts.map(({ platform, external_account_id }) => ({
				platform,
				external_account_id,
			})),
		},
	});
	expect(connected.status, JSON.stringify(connected.body)).toBe(200);
	return connected.body;
}

async function connect(seller: Seller, platform: 'facebook' | 'instagram'): Promise<Connection[]> {
	return (await connectAnswer(seller, platform)).connections;
}

/** What every connection subscribes its Page to: Instagram's comments and the Page's messages. */
const pageFields = ['feed', 'messages', 'message_echoes'];

/** The app-level fields Meta holds for a Page (`POST /{page-id}/subscribed_apps`). */
function subscribedFields(pageId: string): string[] {
	const page = simulator.pageSubscriptions().find((candidate) => candidate.pageId === pageId);
	if (!page) throw new Error(`the simulator has no Page ${pageId}`);
	return page.subscribedFields;
}

/** A new Meta user with a Page and its Instagram account, signing in through the dialog while `run` runs. */
async function withInstagramAccount<T>(
	name: string,
	run: (account: AccountInfo) => Promise<T>,
): Promise<T> {
	const account = simulator.createAccount({
		userName: `${name} Seller`,
		pageName: `${name} Shop`,
		instagramUsername: `${name.toLowerCase()}.shop`,
	});
	simulator.setDialogUser({ userId: account.user.id });
	try {
		return await run(account);
	} finally {
		simulator.setDialogUser({ userId: simulator.demo.user.id });
	}
}

async function runningShow(
	seller: Seller,
	platform: 'facebook' | 'instagram',
	connectionId: string,
	liveId: string,
): Promise<string> {
	const { data: show, error } = await seller.client.rpc('create_show', {
		workspace_id: seller.workspaceId,
		platform,
		name: `${platform} test`,
		connection_id: connectionId,
	});
	if (error) throw error;
	const items = await seller.client.rpc('add_show_items', { show_id: show.id, items: ['1-30'] });
	if (items.error) throw items.error;
	// The console's path: Meta confirms the live is the connection's (meta-lives), then it binds.
	const checked = await call('meta-lives', {
		token: seller.token,
		body: { connection_id: connectionId, reference: liveId },
	});
	expect(checked.status, JSON.stringify(checked.body)).toBe(200);
	const activated = await seller.client.rpc('activate_show', { show_id: show.id, live_id: liveId });
	if (activated.error) throw activated.error;
	return show.id;
}

async function claimsOf(showId: string): Promise<
	{
		item_number: string;
		user_display_name: string | null;
		user_handle: string | null;
		status: string;
		platform_user_id: string;
	}[]
> {
	const { rows } = await db.query(
		'select item_number, user_display_name, user_handle, status, platform_user_id from public.claims where show_id = $1 order by created_at, item_number',
		[showId],
	);
	return rows;
}

async function ingestion(showId: string): Promise<IngestionRow | undefined> {
	const { rows } = await db.query<IngestionRow>(
		'select * from public.live_ingestion where show_id = $1',
		[showId],
	);
	return rows[0];
}

/** The poller's wait ends now, as if its time had passed (the scheduler runs it on its next tick). */
async function fastForward(showId: string): Promise<void> {
	await db.query(
		'update public.live_ingestion set next_poll_at = now(), backoff_until = null where show_id = $1',
		[showId],
	);
}

async function commentCount(showId: string): Promise<number> {
	const { rows } = await db.query<{ count: string }>(
		'select count(*) from public.comments where show_id = $1',
		[showId],
	);
	return Number(rows[0].count);
}

describe('meta-oauth', () => {
	it('connects a Facebook Page through the dialog, the callback and the seller’s choice', async () => {
		const seller = await newSeller();
		const back = await signInThroughDialog(seller, 'facebook');
		expect(back.origin + back.pathname).toBe(`${CONSOLE}/connections`);
		const pendingId = back.searchParams.get('pending');
		expect(pendingId).toMatch(/^[0-9a-f-]{36}$/);

		const pending = await call<{ scopes: string[] }>(`meta-oauth/pending?id=${pendingId}`, {
			method: 'GET',
			token: seller.token,
		});
		expect(pending.body).toMatchObject({
			workspace_id: seller.workspaceId,
			platform: 'facebook',
			accounts: [
				{
					platform: 'facebook',
					external_account_id: simulator.demo.page.id,
					display_name: 'Demo Boutique',
					connection_id: null,
				},
			],
		});
		expect(JSON.stringify(pending.body)).not.toContain('v1:');
		expect(pending.body.scopes).toEqual(
			expect.arrayContaining([
				'pages_show_list',
				'pages_read_engagement',
				'pages_read_user_content',
				'pages_manage_metadata',
			]),
		);

		const connected = await call<{ connections: Connection[] }>('meta-oauth/connect', {
			token: seller.token,
			body: {
				pending_id: pendingId,
				accounts: [{ platform: 'facebook', external_account_id: simulator.demo.page.id }],
			},
		});
		expect(connected.status).toBe(200);
		const [connection] = connected.body.connections;
		expect(connection).toMatchObject({
			workspace_id: seller.workspaceId,
			platform: 'facebook',
			display_name: 'Demo Boutique',
			status: 'active',
		});
		expect(Date.parse(connection.token_expires_at) - Date.now()).toBeGreaterThan(
			80 * 24 * 3600 * 1000,
		);

		// The token is stored encrypted, and is the Page's own token.
		const { rows } = await db.query(
			'select * from private.social_connection_tokens where connection_id = $1',
			[connection.id],
		);
		expect(rows[0].encrypted_access_token).toMatch(/^v1:/);
		const cipher = await createTokenCipher(ENCRYPTION_KEY);
		const pageToken = await cipher.decrypt(rows[0].encrypted_access_token);
		const me = await (
			await fetch(`${simulator.graphUrl}/me?access_token=${encodeURIComponent(pageToken)}`)
		).json();
		expect(me.id).toBe(simulator.demo.page.id);
		expect(connection.meta_user_id).toBe(simulator.demo.user.id);
		// The Page is subscribed to the app's webhooks, so buyers' Messenger messages arrive.
		expect(subscribedFields(simulator.demo.page.id)).toEqual(pageFields);

		// The seller reads it under RLS; the pending sign-in is used up.
		const { data } = await seller.client
			.from('social_connections')
			.select('display_name, status')
			.eq('id', connection.id)
			.single();
		expect(data).toEqual({ display_name: 'Demo Boutique', status: 'active' });
		expect(
			(await call(`meta-oauth/pending?id=${pendingId}`, { method: 'GET', token: seller.token }))
				.status,
		).toBe(404);
	});

	it('connects the Instagram account linked to the Page and subscribes the Page to the app’s webhooks', async () => {
		await withInstagramAccount('Linked', async (account) => {
			const seller = await newSeller();
			simulator.clearRequests();
			const answer = await connectAnswer(seller, 'instagram');
			const [connection] = answer.connections;
			expect(connection).toMatchObject({
				platform: 'instagram',
				external_account_id: account.instagram!.id,
				display_name: '@linked.shop',
				status: 'active',
				status_detail: null,
			});
			expect(connection.scopes).toContain('pages_manage_metadata');
			expect(answer.webhooks).toEqual([
				{ connection_id: connection.id, page_id: account.page.id, subscribed: true },
			]);
			// With the Page's own token, the field Meta's example uses; the Page id came from sign-in.
			expect(simulator.requests({ path: '/subscribed_apps' })).toEqual([
				expect.objectContaining({
					method: 'POST',
					path: `/${account.page.id}/subscribed_apps`,
					status: 200,
					query: expect.objectContaining({
						subscribed_fields: 'feed,messages,message_echoes',
						access_token: expect.stringMatching(/^EAAG/),
					}),
				}),
			]);
			expect(subscribedFields(account.page.id)).toEqual(pageFields);

			// Reconnecting subscribes again, which Meta takes as a no-op.
			const again = await connectAnswer(seller, 'instagram');
			expect(again.webhooks).toEqual([
				{ connection_id: connection.id, page_id: account.page.id, subscribed: true },
			]);
			expect(
				simulator.requests({ path: '/subscribed_apps' }).map((request) => request.method),
			).toEqual(['POST', 'POST']);
			expect(subscribedFields(account.page.id)).toEqual(pageFields);
		});
	});

	it('keeps an Instagram connection whose Page Meta would not subscribe, tells the seller, and subscribes on reconnect', async () => {
		await withInstagramAccount('Unlucky', async (account) => {
			const seller = await newSeller();
			simulator.injectServerErrors({ status: 503, path: '/subscribed_apps', calls: 1 });
			const answer = await connectAnswer(seller, 'instagram');
			const [connection] = answer.connections;
			expect(connection).toMatchObject({
				platform: 'instagram',
				external_account_id: account.instagram!.id,
				status: 'active',
			});
			expect(connection.status_detail).toMatch(
				/^Instagram comments will not arrive: .*Meta error 2: Service temporarily unavailable.*Reconnect to try again\.$/,
			);
			expect(answer.webhooks).toEqual([
				{
					connection_id: connection.id,
					page_id: account.page.id,
					subscribed: false,
					error: 'Meta error 2: Service temporarily unavailable',
				},
			]);
			expect(subscribedFields(account.page.id)).toEqual([]);
			// The connection and its token are saved all the same, and the seller sees why comments may not come.
			const { rows } = await db.query(
				'select 1 from private.social_connection_tokens where connection_id = $1',
				[connection.id],
			);
			expect(rows).toHaveLength(1);
			const { data } = await seller.client
				.from('social_connections')
				.select('status, status_detail')
				.eq('id', connection.id)
				.single();
			expect(data).toEqual({ status: 'active', status_detail: connection.status_detail });

			const reconnected = await connectAnswer(seller, 'instagram');
			expect(reconnected.connections).toEqual([
				expect.objectContaining({ id: connection.id, status: 'active', status_detail: null }),
			]);
			expect(reconnected.webhooks).toEqual([
				{ connection_id: connection.id, page_id: account.page.id, subscribed: true },
			]);
			expect(subscribedFields(account.page.id)).toEqual(pageFields);
		});
	});

	it('unsubscribes an Instagram account’s Page on disconnect once no other connection takes its comments', async () => {
		await withInstagramAccount('Shared', async (account) => {
			const first = await newSeller();
			const second = await newSeller();
			const [firstConnection] = await connect(first, 'instagram');
			const [secondConnection] = await connect(second, 'instagram');
			expect(subscribedFields(account.page.id)).toEqual(pageFields);
			simulator.clearRequests();

			const stillNeeded = await call('meta-oauth/disconnect', {
				token: first.token,
				body: { connection_id: firstConnection.id },
			});
			expect(stillNeeded.status, JSON.stringify(stillNeeded.body)).toBe(200);
			expect(stillNeeded.body).toMatchObject({
				page_unsubscribed: false,
				connection: { status: 'revoked' },
			});
			expect(stillNeeded.body).not.toHaveProperty('page_error');
			expect(simulator.requests({ path: '/subscribed_apps' })).toEqual([]);
			expect(subscribedFields(account.page.id)).toEqual(pageFields);

			const last = await call('meta-oauth/disconnect', {
				token: second.token,
				body: { connection_id: secondConnection.id },
			});
			expect(last.status, JSON.stringify(last.body)).toBe(200);
			expect(last.body).toMatchObject({
				page_unsubscribed: true,
				revoked_at_meta: true,
				connection: { status: 'revoked' },
			});
			expect(subscribedFields(account.page.id)).toEqual([]);
			// The Page goes before the grant: revoking first would have ended the Page token.
			expect(
				simulator
					.requests()
					.filter((request) => request.method === 'DELETE')
					.map((request) => request.path),
			).toEqual([`/${account.page.id}/subscribed_apps`, '/me/permissions']);

			// Disconnecting again finds no token and nothing left to undo.
			simulator.clearRequests();
			const again = await call('meta-oauth/disconnect', {
				token: second.token,
				body: { connection_id: secondConnection.id },
			});
			expect(again.status, JSON.stringify(again.body)).toBe(200);
			expect(again.body).toMatchObject({ page_unsubscribed: false, revoked_at_meta: false });
			expect(again.body).not.toHaveProperty('page_error');
			expect(simulator.requests()).toEqual([]);
		});
	});

	it('keeps the Page subscribed when an Instagram account goes but its Page stays connected for Facebook', async () => {
		await withInstagramAccount('Both', async (account) => {
			const pageSeller = await newSeller();
			const [pageConnection] = await connect(pageSeller, 'facebook');
			expect(pageConnection.external_account_id).toBe(account.page.id);
			const instagramSeller = await newSeller();
			const [instagramConnection] = await connect(instagramSeller, 'instagram');
			expect(subscribedFields(account.page.id)).toEqual(pageFields);

			const answer = await call('meta-oauth/disconnect', {
				token: instagramSeller.token,
				body: { connection_id: instagramConnection.id },
			});
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			expect(answer.body).toMatchObject({ page_unsubscribed: false });
			expect(subscribedFields(account.page.id)).toEqual(pageFields);
		});
	});

	it('reports a failed unsubscribe on disconnect and disconnects all the same', async () => {
		await withInstagramAccount('Stuck', async (account) => {
			const seller = await newSeller();
			const [connection] = await connect(seller, 'instagram');
			simulator.injectServerErrors({ status: 500, path: '/subscribed_apps', calls: 1 });
			const answer = await call('meta-oauth/disconnect', {
				token: seller.token,
				body: { connection_id: connection.id },
			});
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			expect(answer.body).toMatchObject({
				page_unsubscribed: false,
				page_error: 'Meta error 1: An unknown error has occurred.',
				connection: { status: 'revoked' },
			});
			expect(subscribedFields(account.page.id)).toEqual(pageFields);
			expect(
				(
					await db.query(
						'select 1 from private.social_connection_tokens where connection_id = $1',
						[connection.id],
					)
				).rows,
			).toEqual([]);
		});
	});

	it('sends a cancelled sign-in back to the console with the error', async () => {
		const back = await signInThroughDialog(await newSeller(), 'facebook', 'cancel');
		expect(back.searchParams.get('error')).toBe('access_denied');
		expect(back.searchParams.get('pending')).toBeNull();
	});

	it('refuses a return address off the allow-list, a forged state, and other users’ sign-ins', async () => {
		const seller = await newSeller();
		const offList = await call('meta-oauth/start', {
			token: seller.token,
			body: {
				workspace_id: seller.workspaceId,
				platform: 'facebook',
				browser_binding: bindingOf(browserNonce()),
			},
			headers: { origin: 'https://evil.example' },
		});
		expect(offList).toMatchObject({ status: 400, body: { error: 'return_not_allowed' } });
		const noUser = await call('meta-oauth/start', {
			body: { workspace_id: seller.workspaceId, platform: 'facebook' },
			headers: { origin: CONSOLE },
		});
		expect(noUser.status).toBe(401);
		const otherWorkspace = await call('meta-oauth/start', {
			token: seller.token,
			body: {
				workspace_id: randomUUID(),
				platform: 'facebook',
				browser_binding: bindingOf(browserNonce()),
			},
			headers: { origin: CONSOLE },
		});
		expect(otherWorkspace.status).toBe(404);

		const started = await call<{ url: string }>('meta-oauth/start', {
			token: seller.token,
			body: {
				workspace_id: seller.workspaceId,
				platform: 'facebook',
				browser_binding: bindingOf(browserNonce()),
			},
			headers: { origin: CONSOLE },
		});
		const state = new URL(started.body.url).searchParams.get('state')!;
		const [payload, signature] = state.split('.');
		const forgedPayload = Buffer.from(
			JSON.stringify({
				...JSON.parse(Buffer.from(payload, 'base64url').toString()),
				returnTo: 'https://evil.example/x',
			}),
		).toString('base64url');
		const forged = await fetch(
			`${functionUrl('meta-oauth/callback')}?code=x&state=${forgedPayload}.${signature}`,
			{ redirect: 'manual' },
		);
		expect(forged.status).toBe(400);
		expect(forged.headers.get('location')).toBeNull();

		const back = await signInThroughDialog(seller, 'facebook');
		const pendingId = back.searchParams.get('pending');
		const intruder = await newSeller();
		expect(
			(await call(`meta-oauth/pending?id=${pendingId}`, { method: 'GET', token: intruder.token }))
				.status,
		).toBe(404);
		const stolen = await call('meta-oauth/connect', {
			token: intruder.token,
			body: {
				pending_id: pendingId,
				accounts: [{ platform: 'facebook', external_account_id: simulator.demo.page.id }],
			},
		});
		expect(stolen.status).toBe(404);
		const unoffered = await call('meta-oauth/connect', {
			token: seller.token,
			body: {
				pending_id: pendingId,
				accounts: [{ platform: 'facebook', external_account_id: '123456' }],
			},
		});
		expect(unoffered).toMatchObject({
			status: 400,
			body: { message: 'facebook account 123456 was not offered by this sign-in' },
		});
	});

	it('completes a sign-in only for the user and browser that started it, and only once', async () => {
		const seller = await newSeller();
		const nonce = browserNonce();
		const back = await throughDialog(seller, 'facebook', 'continue', nonce);
		// Meta's answer goes back to the console, which exchanges it; the callback exchanges nothing.
		expect(back.searchParams.get('pending')).toBeNull();
		const answer = { code: back.searchParams.get('code'), state: back.searchParams.get('state') };
		const complete = (token: string, browser: string) =>
			call<{ pending_id: string }>('meta-oauth/complete', {
				token,
				body: { ...answer, browser_nonce: browser },
			});
		// A victim lured into completing the attacker's sign-in: another user, another browser.
		const victim = await newSeller();
		expect(await complete(victim.token, browserNonce())).toMatchObject({
			status: 403,
			body: { error: 'sign_in_not_yours' },
		});
		expect(await complete(victim.token, nonce)).toMatchObject({ status: 403 });
		expect(await complete(seller.token, browserNonce())).toMatchObject({ status: 403 });
		const completed = await complete(seller.token, nonce);
		expect(completed.status, JSON.stringify(completed.body)).toBe(200);
		expect(completed.body.pending_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(await complete(seller.token, nonce)).toMatchObject({
			status: 409,
			body: { message: expect.stringMatching(/already completed/) },
		});
	});

	it('disconnects: revokes the grant at Meta, deletes the token, keeps the connection as revoked', async () => {
		const account = simulator.createAccount({
			userName: 'Leaving Seller',
			pageName: 'Closing Shop',
		});
		simulator.setDialogUser({ userId: account.user.id });
		try {
			const seller = await newSeller();
			const [connection] = await connect(seller, 'facebook');
			simulator.clearRequests();
			const answer = await call('meta-oauth/disconnect', {
				token: seller.token,
				body: { connection_id: connection.id },
			});
			expect(answer.status, JSON.stringify(answer.body)).toBe(200);
			expect(answer.body).toMatchObject({
				revoked_at_meta: true,
				connection: { id: connection.id, status: 'revoked', status_detail: 'disconnected' },
			});
			expect(
				simulator.requests({ path: '/me/permissions' }).map((request) => request.method),
			).toEqual(['DELETE']);
			const { rows } = await db.query(
				'select 1 from private.social_connection_tokens where connection_id = $1',
				[connection.id],
			);
			expect(rows).toEqual([]);
		} finally {
			simulator.setDialogUser({ userId: simulator.demo.user.id });
		}
	});

	it('honours Meta’s deauthorize and data deletion callbacks, signed_request verified', async () => {
		const account = simulator.createAccount({
			userName: 'Departing Seller',
			pageName: 'Gone Shop',
		});
		simulator.setDialogUser({ userId: account.user.id });
		let connectionId: string;
		try {
			[{ id: connectionId }] = await connect(await newSeller(), 'facebook');
		} finally {
			simulator.setDialogUser({ userId: simulator.demo.user.id });
		}
		const signedRequest = (payload: object, secret = APP_SECRET) => {
			const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
			return `${createHmac('sha256', secret).update(encoded).digest('base64url')}.${encoded}`;
		};
		const post = (action: string, request: string) =>
			fetch(functionUrl(`meta-oauth/${action}`), {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ signed_request: request }),
			});
		const payload = {
			algorithm: 'HMAC-SHA256',
			issued_at: Math.floor(Date.now() / 1000),
			user_id: account.user.id,
		};

		expect((await post('deauthorize', signedRequest(payload, 'not-the-app-secret'))).status).toBe(
			400,
		);
		const deauthorized = await post('deauthorize', signedRequest(payload));
		expect(await deauthorized.json()).toEqual({ success: true, connections_revoked: 1 });
		const { rows: revoked } = await db.query(
			'select status, status_detail from public.social_connections where id = $1',
			[connectionId],
		);
		expect(revoked).toEqual([
			{ status: 'revoked', status_detail: 'the Meta user removed the app' },
		]);

		const deletion = await post('data-deletion', signedRequest(payload));
		const answer = await deletion.json();
		expect(Object.keys(answer).sort()).toEqual(['confirmation_code', 'url']);
		expect(answer.url).toBe(
			functionUrl(`meta-oauth/data-deletion-status?code=${answer.confirmation_code}`),
		);
		expect(
			(await db.query('select 1 from public.social_connections where id = $1', [connectionId]))
				.rows,
		).toEqual([]);
		const status = await (await fetch(answer.url)).json();
		expect(status).toMatchObject({
			confirmation_code: answer.confirmation_code,
			status: 'completed',
		});
		expect(JSON.stringify(status)).not.toContain(account.user.id);
	});
});

describe('meta-lives', () => {
	it('lists what the Page and the Instagram account are broadcasting, and checks a pasted live', async () => {
		const seller = await newSeller();
		const [facebook] = await connect(seller, 'facebook');
		const [instagram] = await connect(seller, 'instagram');
		const video = simulator.startFacebookLive({ title: 'Detect me', liveViews: 321 });
		const media = simulator.startInstagramLive({});

		const lives = await call<{ lives: unknown[] }>(`meta-lives?connection_id=${facebook.id}`, {
			method: 'GET',
			token: seller.token,
		});
		expect(lives.status, JSON.stringify(lives.body)).toBe(200);
		expect(lives.body.lives).toContainEqual({
			live_id: video.id,
			platform: 'facebook',
			title: 'Detect me',
			status: 'LIVE',
			is_live: true,
			started_at: new Date(video.creationTime).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
			viewers: 321,
			permalink_url: `https://www.facebook.com/${simulator.demo.page.id}/videos/${video.id}/`,
		});
		const igLives = await call<{ lives: unknown[] }>(`meta-lives?connection_id=${instagram.id}`, {
			method: 'GET',
			token: seller.token,
		});
		expect(igLives.body.lives).toContainEqual(
			expect.objectContaining({
				live_id: media.id,
				platform: 'instagram',
				is_live: true,
				viewers: null,
			}),
		);

		const pasted = await call<{ live: unknown }>('meta-lives', {
			token: seller.token,
			body: {
				connection_id: facebook.id,
				reference: `https://www.facebook.com/demo/videos/${video.id}/`,
			},
		});
		expect(pasted.body.live).toMatchObject({ live_id: video.id, is_live: true });
		const unknown = await call('meta-lives', {
			token: seller.token,
			body: { connection_id: facebook.id, reference: '99999999' },
		});
		expect(unknown).toMatchObject({ status: 404, body: { error: 'live_not_found' } });
		const garbage = await call('meta-lives', {
			token: seller.token,
			body: { connection_id: facebook.id, reference: 'https://fb.watch/x' },
		});
		expect(garbage).toMatchObject({ status: 400, body: { error: 'invalid_reference' } });

		const stranger = await newSeller();
		expect(
			(
				await call(`meta-lives?connection_id=${facebook.id}`, {
					method: 'GET',
					token: stranger.token,
				})
			).status,
		).toBe(404);
		simulator.endFacebookLive({ liveId: video.id });
		simulator.endInstagramLive({ mediaId: media.id });
	});
});

describe('fb-poll', () => {
	let seller: Seller;
	let connectionId: string;

	beforeAll(async () => {
		seller = await newSeller();
		[{ id: connectionId }] = await connect(seller, 'facebook');
	});

	async function liveShow(): Promise<{ showId: string; liveId: string }> {
		const live = simulator.startFacebookLive({ title: 'Polling test' });
		return {
			showId: await runningShow(seller, 'facebook', connectionId, live.id),
			liveId: live.id,
		};
	}

	/** Comments of the live Meta holds, and those the show stored (each once: idempotency keys). */
	async function tally(showId: string, liveId: string) {
		const posted = simulator.state().facebookLives.find((live) => live.id === liveId)!.commentCount;
		const stored = await commentCount(showId);
		return { posted, stored, lost: posted - stored };
	}

	/** Catches up until the show has every comment Meta holds and is listening again. */
	async function caughtUp(showId: string, liveId: string, timeoutMs: number) {
		return waitFor(
			'the backlog read',
			async () => {
				const state = await ingestion(showId);
				const counts = await tally(showId, liveId);
				return state?.status === 'listening' && !state.catch_up && counts.lost === 0 && counts;
			},
			timeoutMs,
		);
	}

	it('turns comments into claims within 3 s, oldest first, commenters Meta hides included', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		const posted = Date.now();
		simulator.postComment({ liveId, text: 'sold 5', viewer: { name: 'Dana Price' } });
		simulator.postComment({ liveId, text: '5 sold', viewer: { name: 'Kim Lee' } });
		simulator.postComment({
			liveId,
			text: 'sold 6',
			viewer: { name: 'Shy Viewer' },
			hideFrom: true,
		});
		const claims = await waitFor('three claims', async () => {
			const found = await claimsOf(showId);
			return found.length === 3 && found;
		});
		const latencyMs = Date.now() - posted;
		console.log(`fb-poll: simulator comment to claim in ${latencyMs} ms`);
		expect(latencyMs).toBeLessThan(3000);
		expect(
			claims.map(({ item_number, user_display_name, status }) => ({
				item_number,
				user_display_name,
				status,
			})),
		).toEqual([
			{ item_number: '5', user_display_name: 'Dana Price', status: 'winner' },
			{ item_number: '5', user_display_name: 'Kim Lee', status: 'waitlist' },
			{
				item_number: '6',
				user_display_name: expect.stringMatching(/^Hidden viewer …\d+$/),
				status: 'winner',
			},
		]);
		expect(claims[2].platform_user_id).toMatch(/^hidden:/);
		expect(await ingestion(showId)).toMatchObject({
			status: 'listening',
			comments_received: '3',
			consecutive_failures: 0,
		});

		// Members follow ingestion health under RLS; other tenants do not see it.
		const { data } = await seller.client
			.from('live_ingestion')
			.select('status, last_success_at')
			.eq('show_id', showId)
			.single();
		expect(data?.status).toBe('listening');
		const stranger = await newSeller();
		expect(
			(await stranger.client.from('live_ingestion').select('show_id').eq('show_id', showId)).data,
		).toEqual([]);
	});

	it('backs off when throttled or failing, says ingestion is delayed, and recovers without losing a comment', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');

		simulator.injectServerErrors({ status: 503, path: `/${liveId}/comments`, calls: 2 });
		simulator.postComment({ liveId, text: 'sold 1', viewer: { name: 'During Outage' } });
		const delayed = await waitFor('the delayed state', async () => {
			const state = await ingestion(showId);
			return state?.status === 'delayed' && state;
		});
		expect(delayed.status_detail).toMatch(
			/Meta error 2: Service temporarily unavailable \(retrying in \d+ s\)/,
		);
		expect(delayed.last_error).toMatchObject({ kind: 'transient', code: 2 });
		await waitFor(
			'recovery after the 5xx',
			async () => (await claimsOf(showId)).length === 1,
			15_000,
		);
		expect(await ingestion(showId)).toMatchObject({ status: 'listening', consecutive_failures: 0 });

		simulator.throttle({ code: 32, path: `/${liveId}/comments`, calls: 1, regainMinutes: 0 });
		simulator.postComment({ liveId, text: 'sold 2', viewer: { name: 'During Throttle' } });
		await waitFor(
			'the throttled state',
			async () => (await ingestion(showId))?.last_error?.kind === 'throttled',
		);
		const throttled = await ingestion(showId);
		expect(throttled).toMatchObject({ status: 'delayed', consecutive_failures: 1 });
		// A throttle without a regain time waits 2.5-5 s, whatever the 5xx errors before it.
		expect(
			Date.parse(throttled!.backoff_until!) - Date.parse(throttled!.last_polled_at),
		).toBeLessThanOrEqual(5500);
		await db.query(
			'update public.live_ingestion set next_poll_at = now(), backoff_until = now() where show_id = $1',
			[showId],
		);
		await waitFor('recovery after throttling', async () => (await claimsOf(showId)).length === 2);

		// Near the limit, polling slows down before Meta throttles.
		simulator.setUsage({ baselinePercent: 90 });
		try {
			const slowed = await waitFor('the slow-down', async () => {
				const state = await ingestion(showId);
				return Number(state?.usage_percent) >= 90 && state;
			});
			expect(slowed.status).toBe('delayed');
			expect(slowed.status_detail).toMatch(
				/usage is at 9\d % \(slowing down above 75 %\): polling every 1\d\.\d s/,
			);
			expect(Date.parse(slowed.next_poll_at) - Date.parse(slowed.last_polled_at)).toBeGreaterThan(
				10_000,
			);
		} finally {
			simulator.setUsage({ baselinePercent: 0 });
		}
		expect(await commentCount(showId)).toBe(2);
	}, 60_000);

	it('loses and repeats nothing when a poll dies mid-way or its worker is killed', async () => {
		const { showId, liveId } = await liveShow();
		simulator.postComment({ liveId, text: 'sold 1', viewer: { name: 'Before Crash' } });
		await waitFor('the first claim', async () => (await claimsOf(showId)).length === 1);

		// A poll stalls at Meta; its worker is killed before it commits.
		simulator.delayResponses({ ms: 4000, path: `/${liveId}/comments`, calls: 1 });
		simulator.postComment({ liveId, text: 'sold 2', viewer: { name: 'During Crash' } });
		await waitFor(
			'the stalled poll to hold its lease',
			async () => (await ingestion(showId))?.lease_token,
		);
		const workers = stackLog
			.map((line) => /^functions\/fb-poll\[(\d+)\]: serving/.exec(line)?.[1])
			.filter(Boolean);
		process.kill(Number(workers.at(-1)), 'SIGKILL');
		// The lease of the dead run runs out (30 s; fast-forwarded here).
		await db.query('update public.live_ingestion set lease_until = now() where show_id = $1', [
			showId,
		]);
		simulator.postComment({ liveId, text: 'sold 3', viewer: { name: 'After Crash' } });

		await waitFor('all three claims', async () => (await claimsOf(showId)).length === 3, 15_000);
		expect(
			stackLog.some(
				(line) => line.includes('fb-poll') && /killed by SIGKILL|unexpectedly/.test(line),
			),
		).toBe(true);
		await sleep(2500);
		expect((await claimsOf(showId)).map((claim) => claim.user_display_name)).toEqual([
			'Before Crash',
			'During Crash',
			'After Crash',
		]);
		// Every comment reached the engine exactly once.
		expect(Number((await ingestion(showId))!.comments_received)).toBe(await commentCount(showId));
		expect(await commentCount(showId)).toBe(3);
	}, 45_000);

	it('takes a comment Meta lists late', async () => {
		const { showId, liveId } = await liveShow();
		simulator.postComment({
			liveId,
			text: 'sold 7',
			viewer: { name: 'Late Lister' },
			delayMs: 3000,
		});
		simulator.postComment({ liveId, text: 'sold 8', viewer: { name: 'On Time' } });
		await waitFor('both claims', async () => (await claimsOf(showId)).length === 2, 10_000);
		expect(await commentCount(showId)).toBe(2);
	});

	it('stops polling when the show stops and when the live ends', async () => {
		const first = await liveShow();
		await waitFor(
			'the first poll',
			async () => (await ingestion(first.showId))?.status === 'listening',
		);
		const { error } = await seller.client.rpc('stop_show', { show_id: first.showId });
		expect(error).toBeNull();
		await sleep(500);
		const polledAfterStop = simulator.requests({ path: `/${first.liveId}/comments` }).length;
		await sleep(4500);
		expect(simulator.requests({ path: `/${first.liveId}/comments` }).length).toBe(polledAfterStop);

		const second = await liveShow();
		await waitFor(
			'the first poll',
			async () => (await ingestion(second.showId))?.status === 'listening',
		);
		simulator.postComment({ liveId: second.liveId, text: 'sold 9', viewer: { name: 'Last Word' } });
		simulator.endFacebookLive({ liveId: second.liveId });
		const ended = await waitFor('the live_ended state after the sweeps', async () => {
			await fastForward(second.showId);
			const state = await ingestion(second.showId);
			return state?.status === 'live_ended' && state;
		});
		expect(ended.status_detail).toMatch(
			/^the live video ended at \d\d:\d\d:\d\d UTC: no more comments will come \(comments Meta listed late were read\)$/,
		);
		// Comments made before the end still came in.
		expect((await claimsOf(second.showId)).map((claim) => claim.user_display_name)).toEqual([
			'Last Word',
		]);
		const polledAfterEnd = simulator.requests({ path: `/${second.liveId}/comments` }).length;
		await sleep(4500);
		expect(simulator.requests({ path: `/${second.liveId}/comments` }).length).toBe(polledAfterEnd);
	}, 30_000);

	it('marks the connection expired when Meta refuses its token, and resumes once reconnected', async () => {
		const account = simulator.createAccount({
			userName: 'Expiring Seller',
			pageName: 'Expiring Shop',
			instagramUsername: null,
		});
		simulator.setDialogUser({ userId: account.user.id });
		try {
			const owner = await newSeller();
			const [connection] = await connect(owner, 'facebook');
			const live = simulator.startFacebookLive({ pageId: account.page.id });
			const showId = await runningShow(owner, 'facebook', connection.id, live.id);
			await waitFor(
				'the first poll',
				async () => (await ingestion(showId))?.status === 'listening',
			);

			simulator.invalidateTokens({ userId: account.user.id, reason: 'password_changed' });
			const refused = await waitFor('the refused token', async () => {
				const state = await ingestion(showId);
				return state?.status === 'reconnect_required' && state;
			});
			expect(refused.last_error).toMatchObject({ kind: 'token', code: 190, error_subcode: 460 });
			const { data } = await owner.client
				.from('social_connections')
				.select('status, status_detail')
				.eq('id', connection.id)
				.single();
			expect(data?.status).toBe('expired');
			expect(data?.status_detail).toMatch(/Meta error 190\/460/);

			simulator.postComment({ liveId: live.id, text: 'sold 4', viewer: { name: 'Patient Buyer' } });
			await connect(owner, 'facebook');
			await waitFor(
				'the claim after reconnecting',
				async () => (await claimsOf(showId)).length === 1,
				10_000,
			);
			expect((await ingestion(showId))?.status).toBe('listening');
		} finally {
			simulator.setDialogUser({ userId: simulator.demo.user.id });
		}
	}, 30_000);

	it('reads every comment of a 2-minute throttle at 10 comments/s, oldest first, waiting only the regain time', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		const { viewersId } = simulator.startViewers({
			liveId,
			commentsPerSecond: 10,
			viewerCount: 60,
			hiddenShare: 0,
		});
		try {
			await waitFor('comments flowing', async () => (await commentCount(showId)) > 5);
			simulator.throttle({ code: 80001, path: `/${liveId}/comments`, calls: 1, regainMinutes: 2 });
			const throttled = await waitFor('the throttle', async () => {
				const state = await ingestion(showId);
				return state?.last_error?.kind === 'throttled' && state;
			});
			// The regain time Meta names, plus at most 5 s of jitter: not a doubled back-off.
			const waitMs = Date.parse(throttled.backoff_until!) - Date.parse(throttled.last_polled_at);
			expect(waitMs).toBeGreaterThanOrEqual(119_000);
			expect(waitMs).toBeLessThanOrEqual(126_000);
			expect(throttled.status_detail).toMatch(/Meta asks to wait 2 min \(retrying in 12\d s\)$/);

			// Two minutes pass at Meta: the viewers write 1,200 comments meanwhile.
			const { written } = simulator.advanceClock({ ms: 120_000 });
			expect(written).toBe(1200);
			await fastForward(showId);
		} finally {
			simulator.stopViewers({ viewersId });
		}
		const counts = await caughtUp(showId, liveId, 30_000);
		console.log(
			`fb-poll: 2-minute throttle at 10 comments/s: posted ${counts.posted}, stored ${counts.stored}, lost ${counts.lost}`,
		);
		expect(counts.posted).toBeGreaterThan(1200);
		expect(Number((await ingestion(showId))!.comments_received)).toBe(counts.stored);
		// Read in the platform's time order: no claim was read after a later comment.
		const { rows } = await db.query<{ late: string }>(
			'select count(*) filter (where read_late) as late from public.claims where show_id = $1',
			[showId],
		);
		expect(rows[0].late).toBe('0');
	}, 90_000);

	it('loses nothing over a 10-minute outage and keeps 5xx back-off within seconds', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		const { viewersId } = simulator.startViewers({ liveId, commentsPerSecond: 10, hiddenShare: 0 });
		try {
			simulator.injectServerErrors({ status: 503, path: `/${liveId}/comments`, calls: 4 });
			const failing = await waitFor('the 5xx errors', async () => {
				const state = await ingestion(showId);
				return state?.last_error?.kind === 'transient' && state.consecutive_failures >= 2 && state;
			});
			expect(
				Date.parse(failing.backoff_until!) - Date.parse(failing.last_polled_at),
			).toBeLessThanOrEqual(5500);
			// Ten minutes pass at Meta while the poller cannot read: 6,000 comments wait.
			expect(simulator.advanceClock({ ms: 600_000 }).written).toBe(6000);
		} finally {
			simulator.stopViewers({ viewersId });
		}
		const counts = await caughtUp(showId, liveId, 90_000);
		console.log(
			`fb-poll: 10-minute outage at 10 comments/s: posted ${counts.posted}, stored ${counts.stored}, lost ${counts.lost}`,
		);
		expect((await ingestion(showId))!.gaps).toEqual([]);
	}, 120_000);

	it('waits only the regain time after a throttle that follows 5xx errors', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		simulator.injectServerErrors({ status: 500, path: `/${liveId}/comments`, calls: 4 });
		await waitFor(
			'four 5xx errors',
			async () => (await ingestion(showId))?.consecutive_failures === 4,
			30_000,
		);
		simulator.throttle({ code: 80001, path: `/${liveId}/comments`, calls: 1, regainMinutes: 0 });
		const first = await waitFor('the first throttle', async () => {
			const state = await ingestion(showId);
			return state?.last_error?.kind === 'throttled' && state;
		});
		expect(first.consecutive_failures).toBe(1);
		expect(Date.parse(first.backoff_until!) - Date.parse(first.last_polled_at)).toBeLessThanOrEqual(
			5500,
		);
		simulator.throttle({ code: 80001, path: `/${liveId}/comments`, calls: 1, regainMinutes: 1 });
		const second = await waitFor(
			'the second throttle',
			async () => {
				const state = await ingestion(showId);
				return state?.last_error?.kind === 'throttled' && state.consecutive_failures === 2 && state;
			},
			10_000,
		);
		const waitMs = Date.parse(second.backoff_until!) - Date.parse(second.last_polled_at);
		expect(waitMs).toBeGreaterThanOrEqual(59_000);
		expect(waitMs).toBeLessThanOrEqual(65_500);
	}, 60_000);

	it('sweeps after the live ends for comments Meta lists late; comments after the end claim nothing', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		simulator.postComment({
			liveId,
			text: 'sold 3',
			viewer: { name: 'Last Second' },
			delayMs: 20_000,
		});
		simulator.postComment({ liveId, text: 'sold 4', viewer: { name: 'On Time Closer' } });
		simulator.endFacebookLive({ liveId });
		const noticed = await waitFor('the end noticed', async () => {
			const state = await ingestion(showId);
			return state?.live_ended_at ? state : undefined;
		});
		expect(noticed.status).toBe('listening');
		expect(noticed.status_detail).toMatch(/reading comments Meta lists late \(1 of 3 sweeps/);
		// Twenty seconds pass at Meta: the late comment is listed, and a viewer comments on the video.
		simulator.advanceClock({ ms: 20_000 });
		simulator.postComment({ liveId, text: 'sold 5', viewer: { name: 'After The End' } });
		const ended = await waitFor('the sweeps', async () => {
			await fastForward(showId);
			const state = await ingestion(showId);
			return state?.status === 'live_ended' && state;
		});
		expect(ended.end_sweeps).toBe(3);
		expect((await claimsOf(showId)).map((claim) => claim.user_display_name).sort()).toEqual([
			'Last Second',
			'On Time Closer',
		]);
		const { rows } = await db.query(
			'select raw_text, outcome, ignored_reason from public.comments where show_id = $1 and raw_text = $2',
			[showId, 'sold 5'],
		);
		expect(rows).toEqual([
			{ raw_text: 'sold 5', outcome: 'ignored', ignored_reason: 'after_live_end' },
		]);
	}, 30_000);

	it('listens to the replay for the workspace’s window at a slower cadence: a late claim counts, one after the window does not', async () => {
		const replaySeller = await newSeller();
		const [{ id: replayConnectionId }] = await connect(replaySeller, 'facebook');
		const chosen = await replaySeller.client
			.from('workspaces')
			.update({ replay_listen_minutes: 15 })
			.eq('id', replaySeller.workspaceId);
		expect(chosen.error).toBeNull();
		const live = simulator.startFacebookLive({ title: 'Replay test' });
		const showId = await runningShow(replaySeller, 'facebook', replayConnectionId, live.id);
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		const statusCalls = () =>
			simulator
				.requests({ path: `/${live.id}` })
				.filter((request) => request.path === `/${live.id}`).length;
		simulator.endFacebookLive({ liveId: live.id });
		await waitFor('the end noticed', async () => (await ingestion(showId))?.live_ended_at);
		const statusCallsAtEnd = statusCalls();
		// The sweeps for comments Meta lists late pass; then the replay is listened to.
		simulator.advanceClock({ ms: 60_000 });
		const replay = await waitFor(
			'the replay',
			async () => {
				const state = await ingestion(showId);
				if (state?.status === 'replay') return state;
				// Hurried only until the replay starts, so its own cadence is what is measured.
				await db.query(
					"update public.live_ingestion set next_poll_at = now(), backoff_until = null where show_id = $1 and status <> 'replay'",
					[showId],
				);
			},
			20_000,
		);
		expect(replay.status_detail).toMatch(/: listening to the replay until \d\d:\d\d:\d\d UTC$/);
		expect(Date.parse(replay.replay_until!) - Date.parse(replay.live_ended_at!)).toBe(15 * 60_000);
		// One poll every 20 s (less the scheduler's half-second margin) instead of every 2 s.
		const cadenceMs =
			new Date(replay.next_poll_at).getTime() - new Date(replay.last_polled_at).getTime();
		expect(Math.round(cadenceMs / 100) * 100).toBe(19_500);

		simulator.postComment({ liveId: live.id, text: 'sold 7', viewer: { name: 'Replay Buyer' } });
		await fastForward(showId);
		await waitFor('the claim made on the replay', async () =>
			(await claimsOf(showId)).some(
				(claim) => claim.user_display_name === 'Replay Buyer' && claim.status === 'winner',
			),
		);
		expect((await ingestion(showId))?.status).toBe('replay');

		// The window closes 15 minutes after the end: a comment after it claims nothing, and the
		// polling stops once the comments written before it have been listed.
		simulator.advanceClock({ ms: 15 * 60_000 });
		simulator.postComment({ liveId: live.id, text: 'sold 8', viewer: { name: 'Too Late' } });
		const ended = await waitFor(
			'the end of the replay',
			async () => {
				await fastForward(showId);
				const state = await ingestion(showId);
				return state?.status === 'live_ended' && state;
			},
			15_000,
		);
		expect(ended.status_detail).toMatch(
			/and those on the replay until \d\d:\d\d:\d\d UTC were read\)$/,
		);
		const { rows } = await db.query(
			'select raw_text, outcome, ignored_reason from public.comments where show_id = $1 order by commented_at',
			[showId],
		);
		expect(rows).toEqual([
			{ raw_text: 'sold 7', outcome: 'processed', ignored_reason: null },
			{ raw_text: 'sold 8', outcome: 'ignored', ignored_reason: 'after_live_end' },
		]);
		// Once the end is known, the live's status is not asked again: each replay poll is one call.
		expect(statusCalls()).toBe(statusCallsAtEnd);
	}, 40_000);

	it('keeps the live’s viewer count from the status call it already makes, and none once the live ended', async () => {
		const { showId, liveId } = await liveShow();
		simulator.setLiveViews({ liveId, liveViews: 1000 });
		const watched = await waitFor('a viewer count', async () => {
			const { rows } = await db.query<{
				viewer_count: number | null;
				viewer_count_at: Date | null;
			}>('select viewer_count, viewer_count_at from public.live_ingestion where show_id = $1', [
				showId,
			]);
			return rows[0]?.viewer_count !== null && rows[0]?.viewer_count !== undefined && rows[0];
		});
		// Meta's live_views drifts around the audience (the simulator: within 15 %).
		expect(watched.viewer_count).toBeGreaterThanOrEqual(850);
		expect(watched.viewer_count).toBeLessThanOrEqual(1150);
		expect(watched.viewer_count_at).not.toBeNull();
		// One status call a poll, as before, now asking live_views beside the status (meta-lives'
		// check of the live before activation asks its own fields, with `from`).
		const statusCalls = simulator
			.requests({ path: `/${liveId}` })
			.filter((request) => request.path === `/${liveId}` && !request.query.fields.includes('from'));
		expect(statusCalls.length).toBeGreaterThan(0);
		expect(statusCalls.every((request) => request.query.fields === 'status,live_views')).toBe(true);
		const comments = simulator.requests({ path: `/${liveId}/comments` }).length;
		expect(Math.abs(comments - statusCalls.length)).toBeLessThanOrEqual(1);

		simulator.endFacebookLive({ liveId });
		const ended = await waitFor('the end noticed', async () => {
			const state = await ingestion(showId);
			return state?.live_ended_at ? state : undefined;
		});
		expect(ended.viewer_count).toBeNull();
	}, 20_000);

	it('allocates a comment read after later ones when it is read, and marks its claim read late', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		simulator.postComment({
			liveId,
			text: 'sold 11',
			viewer: { name: 'Listed Late' },
			delayMs: 5000,
		});
		await sleep(1100);
		simulator.postComment({ liveId, text: 'sold 11', viewer: { name: 'Listed At Once' } });
		await waitFor('the first claim', async () => (await claimsOf(showId)).length === 1);
		simulator.advanceClock({ ms: 5000 });
		await waitFor('the late claim', async () => (await claimsOf(showId)).length === 2);
		const { rows } = await db.query(
			'select user_display_name, status, read_late from public.claims where show_id = $1 order by created_at',
			[showId],
		);
		expect(rows).toEqual([
			{ user_display_name: 'Listed At Once', status: 'winner', read_late: false },
			{ user_display_name: 'Listed Late', status: 'waitlist', read_late: true },
		]);
	});

	it('stores a comment holding U+0000 and moves on', async () => {
		const { showId, liveId } = await liveShow();
		simulator.postComment({ liveId, text: 'sold 12\u0000', viewer: { name: 'Null Byte' } });
		simulator.postComment({ liveId, text: 'sold 13', viewer: { name: 'Next In Line' } });
		await waitFor('both claims', async () => (await claimsOf(showId)).length === 2);
		const { rows } = await db.query(
			'select raw_text from public.comments where show_id = $1 order by commented_at, created_at',
			[showId],
		);
		expect(rows.map((row) => row.raw_text)).toEqual(['sold 12', 'sold 13']);
		expect((await ingestion(showId))?.status).toBe('listening');
	});

	it('records the unread time on the show when it is stopped while Meta throttles it', async () => {
		const { showId, liveId } = await liveShow();
		await waitFor('the first poll', async () => (await ingestion(showId))?.status === 'listening');
		simulator.throttle({ code: 80001, path: `/${liveId}/comments`, calls: 1, regainMinutes: 10 });
		const throttled = await waitFor('the throttle', async () => {
			const state = await ingestion(showId);
			return state?.last_error?.kind === 'throttled' && state;
		});
		const { error } = await seller.client.rpc('stop_show', { show_id: showId });
		expect(error).toBeNull();
		const gaps = (await ingestion(showId))!.gaps;
		expect(gaps).toEqual([
			{ from: expect.any(String), to: expect.any(String), reason: throttled.status_detail },
		]);
		// Exactly from what was read to the stop.
		const { rows } = await db.query(
			`select (i.gaps -> 0 ->> 'from')::timestamptz = coalesce(i.cursor_newest_at, i.floor_at) as from_read,
				(i.gaps -> 0 ->> 'to')::timestamptz = s.ended_at as to_stop
			from public.live_ingestion i join public.shows s on s.id = i.show_id where i.show_id = $1`,
			[showId],
		);
		expect(rows).toEqual([{ from_read: true, to_stop: true }]);
	});

	it('polls every due live in one run, so 100 lives on the 2 s schedule each wait 2 s', async () => {
		// The schedule is paused so that one run is watched alone.
		await db.query(`update private.function_schedules set enabled = false where name = 'fb-poll'`);
		try {
			const shows: { showId: string }[] = [];
			for (let index = 0; index < 30; index += 1) shows.push(await liveShow());
			const run = await call<{ polled: { show_id: string }[] }>('fb-poll', {
				token: stack.env.SUPABASE_SERVICE_ROLE_KEY,
				body: {},
			});
			expect(run.status).toBe(200);
			const polled = new Set(run.body.polled.map((result) => result.show_id));
			expect(shows.filter(({ showId }) => !polled.has(showId))).toEqual([]);
		} finally {
			await db.query(`update private.function_schedules set enabled = true where name = 'fb-poll'`);
		}
	});
});

describe('ig-webhook', () => {
	let seller: Seller;
	let showId: string;
	let mediaId: string;
	let instagramAccountId: string;

	beforeAll(async () => {
		seller = await newSeller();
		const [instagram] = await connect(seller, 'instagram');
		instagramAccountId = instagram.external_account_id;
		mediaId = simulator.startInstagramLive({}).id;
		showId = await runningShow(seller, 'instagram', instagram.id, mediaId);
	});

	const deliveries = async () =>
		Number(
			(await db.query<{ count: string }>('select count(*) from public.webhook_events')).rows[0]
				.count,
		);
	const signed = (body: string, secret = APP_SECRET) =>
		`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
	const deliver = (body: string, signature: string | undefined) =>
		fetch(functionUrl('ig-webhook'), {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...(signature ? { 'x-hub-signature-256': signature } : {}),
			},
			body,
		});

	it('answers Meta’s verification handshake only with the verify token', async () => {
		const verification = await simulator.verifyWebhook({ verifyToken: VERIFY_TOKEN });
		expect(verification).toMatchObject({ ok: true, status: 200 });
		const wrong = await simulator.verifyWebhook({ verifyToken: 'not-the-token' });
		expect(wrong).toMatchObject({ ok: false, status: 403 });
	});

	it('routes signed live_comments deliveries to the show bound to the live media', async () => {
		simulator.postComment({ liveId: mediaId, text: 'sold 11', viewer: { name: 'Insta Ann' } });
		simulator.postComment({ liveId: mediaId, text: '11 sold', viewer: { name: 'Insta Bea' } });
		const claims = await waitFor('two claims', async () => {
			const found = await claimsOf(showId);
			return found.length === 2 && found;
		});
		expect(claims.map(({ user_handle, status }) => ({ user_handle, status }))).toEqual([
			{ user_handle: 'insta.ann', status: 'winner' },
			{ user_handle: 'insta.bea', status: 'waitlist' },
		]);
		const { rows } = await db.query(
			`select status, results from public.webhook_events where payload -> 'entry' -> 0 -> 'changes' -> 0 -> 'value' ->> 'text' = 'sold 11'`,
		);
		expect(rows).toEqual([
			{
				status: 'processed',
				results: [
					expect.objectContaining({
						show_id: showId,
						media_id: mediaId,
						outcome: 'processed',
						replayed: false,
					}),
				],
			},
		]);
		expect(await ingestion(showId)).toMatchObject({ platform: 'instagram', status: 'listening' });
	});

	it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
		const before = await deliveries();
		simulator.setWebhook({
			callbackUrl: functionUrl('ig-webhook'),
			retryDelayMs: 100,
			maxAttempts: 1,
		});
		simulator.setWebhookFaults({ badSignature: true });
		try {
			simulator.postComment({ liveId: mediaId, text: 'sold 12', viewer: { name: 'Forger' } });
			await simulator.flushWebhooks();
		} finally {
			simulator.setWebhookFaults({});
			simulator.setWebhook({
				callbackUrl: functionUrl('ig-webhook'),
				retryDelayMs: 200,
				maxAttempts: 3,
			});
		}
		expect(simulator.webhookDeliveries().at(-1)).toMatchObject({ status: 401 });
		const body = JSON.stringify({ object: 'instagram', entry: [] });
		expect((await deliver(body, undefined)).status).toBe(401);
		expect((await deliver(body, signed(body, 'wrong-secret'))).status).toBe(401);
		expect((await deliver(body, signed(body).replace('sha256=', ''))).status).toBe(401);
		expect(await deliveries()).toBe(before);
		expect((await claimsOf(showId)).some((claim) => claim.user_display_name === 'forger')).toBe(
			false,
		);
	});

	it('answers oversized bodies 413, storing nothing, and malformed JSON 400, kept as failed', async () => {
		const malformed = `{"object": "instagram", "entry": [${randomUUID()}`;
		const answer = await deliver(malformed, signed(malformed));
		expect(answer.status).toBe(400);
		expect(await answer.json()).toMatchObject({ error: 'invalid_json' });
		const { rows } = await db.query(
			`select status, convert_from(raw_bytes, 'UTF8') as raw, payload from public.webhook_events where received_at > now() - interval '1 minute' and status = 'failed'`,
		);
		expect(rows).toContainEqual({ status: 'failed', raw: malformed, payload: null });
		// Last: the gateway answers 413 before reading the rest, which ends the connection.
		const before = await deliveries();
		const huge = 'x'.repeat(1024 * 1024 + 1);
		expect((await deliver(huge, signed(huge))).status).toBe(413);
		expect(await deliveries()).toBe(before);
	});

	it('keeps every good comment of a delivery beside a bad one, answers 200, and stores a replay once', async () => {
		const change = (id: string, text: string, user: string) => ({
			field: 'live_comments',
			value: { id, text, from: { id: user, username: user }, media: { id: mediaId } },
		});
		const stamp = Date.now();
		// JSON.stringify writes U+0000 as the escape \u0000, as Meta would.
		const body = JSON.stringify({
			object: 'instagram',
			entry: [
				{
					id: instagramAccountId,
					time: Math.floor(stamp / 1000),
					changes: [
						change(`nul-${stamp}`, 'sold 14\u0000 please', 'nul.viewer'),
						change(`good-${stamp}`, 'sold 15', 'good.viewer'),
						change(`huge-${stamp}`, `sold 16 ${'x'.repeat(10_000)}`, 'huge.viewer'),
						change(`broken-${stamp}`, 'sold 17 \uD800', 'broken.viewer'),
					],
				},
			],
		});
		expect(body).toContain('\\u0000');
		const answer = await deliver(body, signed(body));
		expect(answer.status).toBe(200);
		expect(await answer.json()).toMatchObject({
			status: 'processed',
			results: [
				{ outcome: 'processed' },
				{ outcome: 'processed' },
				{ outcome: 'ignored', reason: 'invalid_comment' },
				{ outcome: 'processed' },
			],
		});
		const claims = await claimsOf(showId);
		expect(
			claims
				.filter((claim) =>
					['nul.viewer', 'good.viewer', 'broken.viewer'].includes(claim.user_handle!),
				)
				.map(({ item_number, status }) => ({ item_number, status })),
		).toEqual([
			{ item_number: '14', status: 'winner' },
			{ item_number: '15', status: 'winner' },
			{ item_number: '17', status: 'winner' },
		]);
		const { rows: texts } = await db.query(
			`select raw_text from public.comments where show_id = $1 and comment_id = $2`,
			[showId, `nul-${stamp}`],
		);
		expect(texts).toEqual([{ raw_text: 'sold 14 please' }]);

		const replay = await deliver(body, signed(body));
		expect(await replay.json()).toMatchObject({ status: 'duplicate' });
		const { rows } = await db.query(
			`select status, deliveries, convert_from(raw_bytes, 'UTF8') = $1 as same_bytes from public.webhook_events where body_sha256 = encode(sha256(convert_to($1, 'UTF8')), 'hex')`,
			[body],
		);
		expect(rows).toEqual([{ status: 'processed', deliveries: 2, same_bytes: true }]);
	});

	it('takes replayed and out-of-order deliveries without double counting', async () => {
		simulator.setWebhookFaults({ duplicates: 2, outOfOrder: true, holdMs: 300 });
		try {
			for (const [index, name] of ['Replay One', 'Replay Two', 'Replay Three'].entries()) {
				simulator.postComment({ liveId: mediaId, text: `sold ${20 + index}`, viewer: { name } });
			}
			await simulator.flushWebhooks();
		} finally {
			simulator.setWebhookFaults({});
		}
		await waitFor(
			'three more claims',
			async () =>
				(await claimsOf(showId)).filter((claim) => claim.user_handle?.startsWith('replay.'))
					.length === 3,
		);
		// Every delivery Meta saw answered 200 was stored: one per distinct body processed, the rest duplicates.
		await simulator.flushWebhooks();
		const answered = simulator
			.webhookDeliveries()
			.filter((delivery) => delivery.body.includes('replay.') && delivery.status === 200).length;
		expect(answered).toBeGreaterThanOrEqual(7);
		// One event per distinct body; its redeliveries counted on it, not stored again.
		const { rows } = await db.query<{ status: string; events: string; deliveries: string }>(
			`select status, count(*) as events, sum(deliveries) as deliveries from public.webhook_events where convert_from(raw_bytes, 'UTF8') like '%replay.%' group by status`,
		);
		expect(rows).toEqual([{ status: 'processed', events: '3', deliveries: String(answered) }]);
		const { rows: stored } = await db.query<{ count: string }>(
			`select count(*) from public.comments where show_id = $1 and user_handle like 'replay.%'`,
			[showId],
		);
		expect(stored[0].count).toBe('3');
	});

	it('dates a delivery Meta retried late by its comment’s own time and marks its claim read late', async () => {
		const account = simulator.demo.instagram!.id;
		// The prompt comment is the show's latest (earlier tests may have moved Meta's clock ahead).
		const { rows: latest } = await db.query<{ at: string | null }>(
			'select extract(epoch from max(commented_at))::bigint as at from public.comments where show_id = $1',
			[showId],
		);
		const now = Math.max(Math.floor(Date.now() / 1000), Number(latest[0].at ?? 0) + 1);
		const delivery = (commentId: string, username: string, time: number) =>
			JSON.stringify({
				object: 'instagram',
				entry: [
					{
						id: account,
						time,
						changes: [
							{
								field: 'live_comments',
								value: {
									from: { id: `ig-${username}`, username },
									media: { id: mediaId, media_product_type: 'LIVE' },
									id: commentId,
									text: 'sold 27',
								},
							},
						],
					},
				],
			});
		// The earlier comment's delivery failed while our endpoint was down; Meta retries it later.
		const prompt = delivery(`ig-prompt-${now}`, 'prompt.buyer', now);
		const retried = delivery(`ig-retried-${now}`, 'retried.buyer', now - 5);
		expect((await deliver(prompt, signed(prompt))).status).toBe(200);
		expect((await deliver(retried, signed(retried))).status).toBe(200);
		const { rows } = await db.query(
			`select c.user_handle, c.status, c.read_late, extract(epoch from m.commented_at)::bigint as commented_at
			from public.claims c join public.comments m on m.id = c.source_comment_id
			where c.show_id = $1 and c.item_number = '27' order by c.created_at`,
			[showId],
		);
		expect(rows).toEqual([
			{
				user_handle: 'prompt.buyer',
				status: 'winner',
				read_late: false,
				commented_at: String(now),
			},
			{
				user_handle: 'retried.buyer',
				status: 'waitlist',
				read_late: true,
				commented_at: String(now - 5),
			},
		]);
	});

	it('stores and ignores changes no running show takes, with the reason', async () => {
		const body = JSON.stringify({
			object: 'instagram',
			entry: [
				{
					id: simulator.demo.instagram!.id,
					time: Math.floor(Date.now() / 1000),
					changes: [
						{
							field: 'live_comments',
							value: {
								from: { id: '1', username: 'someone' },
								media: { id: '555555555', media_product_type: 'LIVE' },
								id: '777',
								text: 'sold 1',
							},
						},
						{ field: 'comments', value: { id: '778', text: 'a feed comment' } },
					],
				},
			],
		});
		const answer = await deliver(body, signed(body));
		expect(answer.status).toBe(200);
		expect(await answer.json()).toMatchObject({
			status: 'ignored',
			results: [
				{ media_id: '555555555', outcome: 'ignored', reason: 'no_running_show_for_live' },
				{ field: 'comments', outcome: 'ignored', reason: 'unsupported_field' },
			],
		});
	});
});

describe('dev-harness', () => {
	it('emits comments, bulk comments and signed Instagram deliveries into a member’s show', async () => {
		const seller = await newSeller();
		const [instagram] = await connect(seller, 'instagram');
		const media = simulator.startInstagramLive({});
		const showId = await runningShow(seller, 'instagram', instagram.id, media.id);

		const one = await call('dev-harness/emit-comment', {
			token: seller.token,
			body: { show_id: showId, text: 'sold 3', user_handle: 'harness_ann' },
		});
		expect(one.status, JSON.stringify(one.body)).toBe(200);
		expect(one.body).toMatchObject({ outcome: 'processed', results: [{ outcome: 'winner' }] });

		const bulk = await call<{ results: { results: { outcome: string }[] }[]; elapsed_ms: number }>(
			'dev-harness/bulk-comments',
			{
				token: stack.env.SUPABASE_SERVICE_ROLE_KEY,
				body: {
					show_id: showId,
					comments: [
						{ text: 'sold 4', user_handle: 'b1' },
						{ text: 'sold 4', user_handle: 'b2', delay_ms: 300 },
					],
				},
			},
		);
		expect(bulk.body.results.map((result) => result.results[0].outcome)).toEqual([
			'winner',
			'waitlist',
		]);
		expect(bulk.body.elapsed_ms).toBeGreaterThanOrEqual(300);

		const webhook = await call('dev-harness/emit-ig-webhook', {
			token: seller.token,
			body: { show_id: showId, comments: [{ text: 'sold 5', username: 'via_webhook' }] },
		});
		expect(webhook.body).toMatchObject({
			status: 200,
			body: { status: 'processed' },
			payload: { object: 'instagram', entry: [{ id: instagram.external_account_id }] },
		});
		expect((await claimsOf(showId)).map((claim) => claim.user_handle)).toEqual([
			'harness_ann',
			'b1',
			'b2',
			'via_webhook',
		]);

		const stranger = await newSeller();
		expect(
			(
				await call('dev-harness/emit-comment', {
					token: stranger.token,
					body: { show_id: showId, text: 'sold 6' },
				})
			).status,
		).toBe(404);
		expect(
			(await call('dev-harness/emit-comment', { body: { show_id: showId, text: 'sold 6' } }))
				.status,
		).toBe(401);
		simulator.endInstagramLive({ mediaId: media.id });
	});

	it('signs deliveries only for the caller’s own show’s live and account', async () => {
		const seller = await newSeller();
		const [instagram] = await connect(seller, 'instagram');
		const media = simulator.startInstagramLive({});
		const showId = await runningShow(seller, 'instagram', instagram.id, media.id);
		// Another workspace's own Instagram show, rehearsed without a connection.
		const stranger = await newSeller();
		const { data: theirs } = await stranger.client.rpc('create_show', {
			workspace_id: stranger.workspaceId,
			platform: 'instagram',
		});
		expect((await stranger.client.rpc('activate_show', { show_id: theirs.id })).error).toBeNull();

		const forged = await call('dev-harness/emit-ig-webhook', {
			token: stranger.token,
			body: {
				show_id: theirs.id,
				media_id: media.id,
				ig_user_id: instagram.external_account_id,
				comments: [{ text: 'sold 1', username: 'forger' }],
			},
		});
		expect(forged).toMatchObject({ status: 400, body: { error: 'invalid_parameter' } });
		const unconnected = await call('dev-harness/emit-ig-webhook', {
			token: stranger.token,
			body: { show_id: theirs.id, comments: [{ text: 'sold 1', username: 'forger' }] },
		});
		expect(unconnected).toMatchObject({ status: 409, body: { error: 'no_connection' } });
		const asService = await call('dev-harness/emit-ig-webhook', {
			token: stack.env.SUPABASE_SERVICE_ROLE_KEY,
			body: {
				media_id: media.id,
				ig_user_id: instagram.external_account_id,
				comments: [{ text: 'sold 1', username: 'forger' }],
			},
		});
		expect(asService.status).toBe(400);
		expect(await claimsOf(showId)).toEqual([]);
		simulator.endInstagramLive({ mediaId: media.id });
	});
});
