// Stripe Connect OAuth end to end, on a stack whose functions use the Stripe simulator as the
// Connect platform: start → the simulator's authorize page → the function's callback → completed
// by the console's user in the browser holding the nonce → a Connect integration, stored encrypted
// and acting on the connected account with the Stripe-Account header; forged and expired states,
// reused codes, another browser and a denial refused; disconnect deauthorizes. The connected
// account's events reach its workspace through the platform's Connect webhook endpoint.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	signPayload,
	startStripeSimulator,
	type StripeSimulator,
} from '../../stack/stripe-simulator/index.ts';
import { signState } from '../../supabase/functions/_shared/oauth-state.ts';
import { StripeAdapter } from '../../supabase/functions/_shared/payments/stripe.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';
import { clientOptions } from '../support/clients.ts';
import { freePort, startTestStack } from '../support/start-test-stack.ts';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const CONSOLE_PAGE = 'http://127.0.0.1:5173/integrations';
const root = mkdtempSync(join(tmpdir(), 'lsl-stripe-connect-'));
const stackLog: string[] = [];
let simulator: StripeSimulator;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;

beforeAll(async () => {
	// The stack's port is chosen first: the platform's Connect endpoint delivers there.
	const apiPort = await freePort();
	const apiUrl = `http://127.0.0.1:${apiPort}`;
	simulator = await startStripeSimulator({
		connectWebhookUrl: `${apiUrl}/functions/v1/stripe-webhook/connect`,
	});
	const envFile = join(root, '.env');
	writeFileSync(
		envFile,
		[
			`STRIPE_API_URL=${simulator.url}`,
			`STRIPE_CONNECT_URL=${simulator.url}`,
			`STRIPE_CLIENT_ID=${simulator.platform.clientId}`,
			`STRIPE_SECRET_KEY=${simulator.platform.secretKey}`,
			`STRIPE_CONNECT_WEBHOOK_SECRET=${simulator.platform.connectWebhookSecret}`,
			`TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`,
		].join('\n'),
	);
	stack = await startTestStack((line) => stackLog.push(line), {
		functionsEnvFile: envFile,
		apiPort,
		apiUrl,
	});
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 2 });
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

const functionUrl = (path: string) => `${stack.env.SUPABASE_URL}/functions/v1/${path}`;

async function call<T = Record<string, unknown>>(path: string, token: string, body: unknown) {
	const response = await fetch(functionUrl(path), {
		method: 'POST',
		headers: {
			apikey: stack.env.SUPABASE_ANON_KEY,
			authorization: `Bearer ${token}`,
			'content-type': 'application/json',
		},
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as T };
}

interface Seller {
	client: SupabaseClient;
	token: string;
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
	return { client, token: data.session.access_token, workspaceId: rows[0].workspace_id };
}

/** A browser's sign-in nonce (kept in its cookie by the console) and what the state carries. */
function browser() {
	const nonce = randomBytes(32).toString('base64url');
	return { nonce, binding: createHash('sha256').update(nonce).digest('base64url') };
}

/** Starts the flow and answers the simulator's authorize page; returns the callback URL. */
async function authorize(seller: Seller, binding: string, decision: 'authorize' | 'deny') {
	const started = await call<{ url: string }>('integrations/oauth-start', seller.token, {
		workspace_id: seller.workspaceId,
		browser_binding: binding,
		return_to: CONSOLE_PAGE,
	});
	expect(started.status).toBe(200);
	const url = new URL(started.body.url);
	expect(url.origin + url.pathname).toBe(`${simulator.url}/oauth/authorize`);
	expect(url.searchParams.get('client_id')).toBe(simulator.platform.clientId);
	expect(url.searchParams.get('scope')).toBe('read_write');
	expect(url.searchParams.get('redirect_uri')).toBe(functionUrl('integrations/oauth-callback'));
	const pageHtml = await (await fetch(url)).text();
	expect(pageHtml).toContain('Authorize');
	const form = new URLSearchParams(url.searchParams);
	form.set('decision', decision);
	const answered = await fetch(`${simulator.url}/oauth/authorize`, {
		method: 'POST',
		body: form,
		redirect: 'manual',
	});
	expect(answered.status).toBe(302);
	return answered.headers.get('location')!;
}

/** The function's callback, as the browser follows it: where it sends the browser back. */
async function followCallback(callbackUrl: string) {
	const response = await fetch(callbackUrl, { redirect: 'manual' });
	return {
		status: response.status,
		location: response.headers.get('location'),
		body: response.status === 303 ? null : await response.json(),
	};
}

/** The whole flow in the seller's browser; returns the connected account's id. */
async function connectThroughStripe(seller: Seller): Promise<string> {
	const { nonce, binding } = browser();
	const back = new URL(
		(await followCallback(await authorize(seller, binding, 'authorize'))).location!,
	);
	const completed = await call<{ integration: Record<string, unknown> }>(
		'integrations/oauth-complete',
		seller.token,
		{
			code: back.searchParams.get('stripe_code'),
			state: back.searchParams.get('stripe_state'),
			browser_nonce: nonce,
		},
	);
	expect(completed.status).toBe(200);
	return completed.body.integration.external_account_id as string;
}

describe('Stripe Connect OAuth', () => {
	it('connects a Standard account, stored encrypted, and invoices it with Stripe-Account; a reused code is refused; disconnect deauthorizes', async () => {
		const seller = await newSeller();
		expect((await call('integrations/options', seller.token, {})).body).toEqual({
			stripe_connect: true,
		});
		const { nonce, binding } = browser();
		const back = await followCallback(await authorize(seller, binding, 'authorize'));
		expect(back.status).toBe(303);
		const consoleUrl = new URL(back.location!);
		expect(consoleUrl.origin + consoleUrl.pathname).toBe(CONSOLE_PAGE);
		const code = consoleUrl.searchParams.get('stripe_code')!;
		const state = consoleUrl.searchParams.get('stripe_state')!;

		// Another browser (without the nonce) cannot complete it.
		const elsewhere = await call('integrations/oauth-complete', seller.token, {
			code,
			state,
			browser_nonce: browser().nonce,
		});
		expect(elsewhere.status).toBe(403);

		const completed = await call<{ integration: Record<string, unknown> }>(
			'integrations/oauth-complete',
			seller.token,
			{ code, state, browser_nonce: nonce },
		);
		expect(completed.status).toBe(200);
		const accountId = completed.body.integration.external_account_id as string;
		expect(accountId).toMatch(/^acct_/);
		expect(accountId).not.toBe(simulator.platform.accountId);
		expect(completed.body.integration).toMatchObject({
			status: 'active',
			auth_method: 'oauth',
			key_hint: null,
			// Read from the connected account (Stripe-Account), not the platform's own.
			display_name: expect.stringMatching(/^Connected Shop/),
		});
		const { rows } = await db.query(
			`select c.encrypted_api_key, c.encrypted_refresh_token, c.encrypted_webhook_secret
			 from private.integration_credentials c join public.integrations i on i.id = c.integration_id
			 where i.workspace_id = $1`,
			[seller.workspaceId],
		);
		expect(rows[0].encrypted_api_key).toMatch(/^v1:/);
		expect(rows[0].encrypted_refresh_token).toMatch(/^v1:/);
		const cipher = await createTokenCipher(ENCRYPTION_KEY);
		expect(await cipher.decrypt(rows[0].encrypted_api_key)).toMatch(/^sk_test_/);
		const audit = await db.query(
			`select details from public.audit_log where workspace_id = $1 and action = 'integration.connect'`,
			[seller.workspaceId],
		);
		expect(audit.rows).toEqual([{ details: { auth_method: 'oauth' } }]);

		// The adapter as the platform on the connected account: the invoice lives there only.
		const connectedAdapter = new StripeAdapter({
			apiKey: simulator.platform.secretKey,
			stripeAccount: accountId,
			apiUrl: simulator.url,
			maxNetworkRetries: 0,
		});
		const customerId = await connectedAdapter.createCustomer(
			{ name: 'Ada', metadata: { buyer: 'ada' } },
			`connect-test-${randomUUID()}`,
		);
		const invoice = await connectedAdapter.createInvoice({
			customerId,
			currency: 'USD',
			currencyMinorUnit: 2,
			daysUntilDue: 3,
			description: 'Live sale',
			metadata: { order_id: randomUUID() },
			lines: [{ description: 'Scarf', amount: 1500 }],
			idempotencyKey: `connect-invoice-${randomUUID()}`,
		});
		expect(invoice.paymentUrl).toContain(`/i/${accountId}/`);
		const platformAdapter = new StripeAdapter({
			apiKey: simulator.platform.secretKey,
			apiUrl: simulator.url,
			maxNetworkRetries: 0,
		});
		await expect(
			platformAdapter.voidInvoice(invoice.externalInvoiceId, `void-${randomUUID()}`),
		).resolves.toBe('gone');

		// The code was used: a replay is refused by Stripe (invalid_grant) and shown as such.
		const replay = await call<{ error: string; message: string }>(
			'integrations/oauth-complete',
			seller.token,
			{ code, state, browser_nonce: nonce },
		);
		expect(replay.status).toBe(400);
		expect(replay.body.error).toBe('stripe_invalid_grant');
		expect(replay.body.message).toContain('already been used');

		// Stripe revoked what the replayed code issued; connect again, then disconnect.
		const secondAccount = await connectThroughStripe(seller);
		const disconnected = await call<{ integration: Record<string, unknown> }>(
			'integrations/disconnect',
			seller.token,
			{ workspace_id: seller.workspaceId },
		);
		expect(disconnected.status).toBe(200);
		expect(disconnected.body.integration.status).toBe('disconnected');
		await expect(
			new StripeAdapter({
				apiKey: simulator.platform.secretKey,
				stripeAccount: secondAccount,
				apiUrl: simulator.url,
				maxNetworkRetries: 0,
			}).checkAccount(),
		).rejects.toMatchObject({ kind: 'permission' });
		const credentials = await db.query(
			`select 1 from private.integration_credentials c join public.integrations i on i.id = c.integration_id
			 where i.workspace_id = $1`,
			[seller.workspaceId],
		);
		expect(credentials.rowCount).toBe(0);
	});

	it('brings a denial back to the console as an error, saving nothing', async () => {
		const seller = await newSeller();
		const back = await followCallback(await authorize(seller, browser().binding, 'deny'));
		expect(back.status).toBe(303);
		const consoleUrl = new URL(back.location!);
		expect(consoleUrl.searchParams.get('stripe_error')).toBe('access_denied');
		expect(consoleUrl.searchParams.get('stripe_message')).toBe('The user denied your request');
		expect(consoleUrl.searchParams.has('stripe_code')).toBe(false);
		const { rowCount } = await db.query(
			'select 1 from public.integrations where workspace_id = $1',
			[seller.workspaceId],
		);
		expect(rowCount).toBe(0);
	});

	it('refuses a forged or expired state at the callback and at completion', async () => {
		const seller = await newSeller();
		const { nonce, binding } = browser();
		const callback = new URL(await authorize(seller, binding, 'authorize'));
		const state = callback.searchParams.get('state')!;
		const [payload, signature] = state.split('.');
		const forged = new URL(callback);
		forged.searchParams.set('state', `${payload}x.${signature}`);
		const refused = await followCallback(forged.href);
		expect(refused.status).toBe(400);
		expect(refused.body).toMatchObject({ error: 'invalid_state' });

		const key = await (
			await createTokenCipher(ENCRYPTION_KEY)
		).deriveKey('stripe-connect-state v1');
		const { rows } = await db.query<{ user_id: string }>(
			'select user_id from public.workspace_members where workspace_id = $1',
			[seller.workspaceId],
		);
		const expired = await signState(
			{
				userId: rows[0].user_id,
				workspaceId: seller.workspaceId,
				platform: 'stripe',
				returnTo: CONSOLE_PAGE,
				browserBinding: binding,
			},
			key,
			Date.now() - 11 * 60_000,
		);
		const late = new URL(callback);
		late.searchParams.set('state', expired);
		const lateAnswer = await followCallback(late.href);
		expect(lateAnswer.status).toBe(400);
		expect(JSON.stringify(lateAnswer.body)).toContain('expired');
		const completed = await call('integrations/oauth-complete', seller.token, {
			code: callback.searchParams.get('code'),
			state: expired,
			browser_nonce: nonce,
		});
		expect(completed.status).toBe(400);
		expect(completed.body).toMatchObject({ error: 'invalid_state' });
	});

	it('routes a connected account’s events from the platform’s Connect endpoint to its workspace, verified with the Connect secret', async () => {
		const seller = await newSeller();
		const accountId = await connectThroughStripe(seller);
		const adapter = new StripeAdapter({
			apiKey: simulator.platform.secretKey,
			stripeAccount: accountId,
			apiUrl: simulator.url,
			maxNetworkRetries: 0,
		});
		const customerId = await adapter.createCustomer(
			{ name: 'Grace', metadata: {} },
			`connect-customer-${randomUUID()}`,
		);
		// Not one of the product's invoices (no order_id): stored for the workspace, then ignored.
		const invoice = await adapter.createInvoice({
			customerId,
			currency: 'USD',
			currencyMinorUnit: 2,
			daysUntilDue: 3,
			description: 'Made in the Dashboard',
			metadata: {},
			lines: [{ description: 'Hat', amount: 900 }],
			idempotencyKey: `connect-invoice-${randomUUID()}`,
		});
		const paid = await fetch(invoice.paymentUrl, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'pay' }),
			redirect: 'manual',
		});
		expect(paid.status).toBeLessThan(400);
		const deadline = Date.now() + 15_000;
		let stored: { event_type: string; status: string }[] = [];
		while (Date.now() < deadline) {
			({ rows: stored } = await db.query(
				`select event_type, status from private.payment_events
				 where workspace_id = $1 and event_type = 'invoice.paid'`,
				[seller.workspaceId],
			));
			if (stored.length > 0 && stored[0].status !== 'received') break;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(stored).toEqual([{ event_type: 'invoice.paid', status: 'ignored' }]);

		const deliver = (body: string, secret: string) =>
			fetch(functionUrl('stripe-webhook/connect'), {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'stripe-signature': signPayload(body, secret, Math.floor(Date.now() / 1000)),
				},
				body,
			});
		const event = (account: string) =>
			JSON.stringify({
				id: `evt_${randomUUID().replace(/-/g, '')}`,
				object: 'event',
				type: 'invoice.paid',
				account,
				created: Math.floor(Date.now() / 1000),
				data: { object: { id: 'in_unknown', object: 'invoice', currency: 'usd' } },
			});
		// Signed with another secret (a workspace endpoint's, or a forger's): refused.
		const forged = await deliver(event(accountId), 'whsec_notTheConnectSecret');
		expect(forged.status).toBe(400);
		// An account no workspace connected: acknowledged, nothing stored.
		const stranger = await deliver(
			event('acct_nobodyConnectedThis'),
			simulator.platform.connectWebhookSecret!,
		);
		expect(stranger.status).toBe(200);
		expect(await stranger.json()).toMatchObject({ status: 'ignored' });
		const { rowCount } = await db.query(
			`select 1 from private.payment_events where raw_body like '%acct_nobodyConnectedThis%'`,
		);
		expect(rowCount).toBe(0);

		// The seller revokes the platform in their Dashboard: the integration says so at once.
		const revoked = await deliver(
			JSON.stringify({
				id: `evt_${randomUUID().replace(/-/g, '')}`,
				object: 'event',
				type: 'account.application.deauthorized',
				account: accountId,
				created: Math.floor(Date.now() / 1000) + 1,
				data: { object: { id: simulator.platform.clientId, object: 'application' } },
			}),
			simulator.platform.connectWebhookSecret!,
		);
		expect(revoked.status).toBe(200);
		const { rows: status } = await db.query(
			'select status, status_detail from public.integrations where workspace_id = $1',
			[seller.workspaceId],
		);
		expect(status).toEqual([
			{
				status: 'failing',
				status_detail: 'The Stripe account revoked this platform’s access; connect again',
			},
		]);
	});
});
