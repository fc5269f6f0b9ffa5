// Payment integrations, for a workspace's owners and admins (members read the integration itself
// from public.integrations). Stripe is connected with a restricted key the seller pastes, or, when
// the platform configures Stripe Connect (STRIPE_CLIENT_ID, STRIPE_SECRET_KEY), through Connect's
// OAuth (Standard accounts). verify_jwt is off (Stripe's browser redirect carries no JWT); every
// other action verifies the user's JWT itself.
//   POST integrations/connect    {workspace_id, api_key, webhook_secret?} → {integration, webhook_url}
//   POST integrations/check      {workspace_id}                           → {integration}
//   POST integrations/disconnect {workspace_id}                           → {integration}
//   POST integrations/options    {}                                       → {stripe_connect: boolean}
//   POST integrations/oauth-start {workspace_id, browser_binding, return_to} → {url} of Stripe's
//        authorize page; the state is signed, expiring, bound to the user, workspace and browser
//   GET  integrations/oauth-callback  Stripe's redirect → 303 to the console with code&state or error
//   POST integrations/oauth-complete {code, state, browser_nonce} → {integration}: exchanges the
//        code (single use at Stripe) for the user and browser that started, saves it encrypted
// Connect validates the key against Stripe before anything is saved, then makes the webhook
// endpoint (or takes the signing secret of one the seller made in the Dashboard) and saves the
// key and secret encrypted. Only the key's last 4 characters are ever shown again.
import {
	handle,
	HttpError,
	json,
	readJsonObject,
	requireMethod,
	uuidParam,
	actionOf,
} from '../_shared/http.ts';
import { tokenCipher } from '../_shared/meta.ts';
import {
	allowedOrigin,
	consoleRedirect,
	returnTarget,
	verifiedState,
} from '../_shared/oauth-return.ts';
import { browserMatches, signState } from '../_shared/oauth-state.ts';
import {
	authorizeUrl,
	deauthorize,
	exchangeCode,
	StripeOAuthError,
	type ConnectPlatform,
} from '../_shared/payments/stripe-connect.ts';
import { config } from '../_shared/config.ts';
import { storableText } from '../_shared/pg-text.ts';
import {
	adapterFor,
	connectAdapter,
	connectPlatform,
	loadIntegration,
	stripeAdapter,
	webhookUrl,
	type IntegrationRow,
} from '../_shared/payments/integration.ts';
import { PaymentProviderError, type WebhookEndpoint } from '../_shared/payments/types.ts';
import {
	requireUser,
	requireWorkspaceRole,
	rpc,
	serviceClient,
	type Caller,
} from '../_shared/supabase.ts';

// Stripe keys: rk_/sk_ then live_/test_ then letters and digits. Only restricted keys are taken:
// the product needs a few permissions, never the account's full secret key.
const RESTRICTED_KEY = /^rk_(live|test)_[A-Za-z0-9]{16,240}$/;
const SECRET_KEY = /^sk_(live|test)_/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=_-]{16,240}$/;

function apiKeyParam(value: unknown): string {
	const key = typeof value === 'string' ? value.trim() : '';
	if (SECRET_KEY.test(key))
		throw new HttpError(
			400,
			'secret_key_refused',
			'That is your account’s secret key. Create a restricted key instead (Stripe Dashboard › Developers › API keys › Create restricted key) with write access to Customers, Invoices, Checkout Sessions and Webhook Endpoints.',
		);
	if (!RESTRICTED_KEY.test(key))
		throw new HttpError(
			400,
			'invalid_parameter',
			'api_key must be a Stripe restricted key (rk_live_… or rk_test_…)',
		);
	return key;
}

function webhookSecretParam(value: unknown): string | null {
	if (value === undefined || value === null || value === '') return null;
	const secret = typeof value === 'string' ? value.trim() : '';
	if (!WEBHOOK_SECRET.test(secret))
		throw new HttpError(
			400,
			'invalid_parameter',
			'webhook_secret must be the endpoint’s signing secret (whsec_…)',
		);
	return secret;
}

/** Stripe's refusal of the seller's key, as the console shows it. */
function keyRefused(error: unknown): never {
	if (error instanceof PaymentProviderError) {
		if (error.kind === 'authentication')
			throw new HttpError(400, 'key_refused', `Stripe refused the key: ${error.message}`);
		if (error.kind === 'permission')
			throw new HttpError(
				400,
				'missing_permission',
				`The key lacks a permission the product needs: ${error.message}`,
			);
		throw new HttpError(
			502,
			'provider_unavailable',
			`Stripe could not be reached: ${error.message}`,
		);
	}
	throw error;
}

async function connect(caller: Caller, body: Record<string, unknown>) {
	const workspaceId = uuidParam(body.workspace_id, 'workspace_id');
	await requireWorkspaceRole(caller, workspaceId, 'admin');
	const apiKey = apiKeyParam(body.api_key);
	const givenSecret = webhookSecretParam(body.webhook_secret);
	const adapter = stripeAdapter(apiKey);
	const account = await adapter.checkAccount().catch(keyRefused);
	const url = webhookUrl(workspaceId);
	let endpoint: WebhookEndpoint | null = null;
	if (!givenSecret) {
		endpoint = await adapter.createWebhookEndpoint(url).catch((error: unknown) => {
			if (error instanceof PaymentProviderError && error.kind === 'permission')
				throw new HttpError(
					400,
					'webhook_permission',
					`The key may not create webhook endpoints (${error.message}). Grant it Webhook Endpoints: write, or add the endpoint ${url} in the Stripe Dashboard and paste its signing secret.`,
				);
			return keyRefused(error);
		});
	}
	const previous = await loadIntegration(workspaceId, 'stripe');
	const cipher = await tokenCipher();
	let integration: IntegrationRow;
	try {
		integration = await rpc<IntegrationRow>(serviceClient(), 'save_integration', {
			workspace_id: workspaceId,
			actor_user_id: caller.userId,
			provider: 'stripe',
			external_account_id: account.accountId,
			display_name: account.displayName === null ? null : storableText(account.displayName),
			key_hint: apiKey.slice(-4),
			livemode: account.livemode,
			webhook_endpoint_id: endpoint?.id ?? null,
			encrypted_api_key: await cipher.encrypt(apiKey),
			encrypted_webhook_secret: await cipher.encrypt(endpoint?.secret ?? givenSecret!),
		});
	} catch (error) {
		// Not saved: the endpoint just made would deliver to nobody.
		if (endpoint) await adapter.deleteWebhookEndpoint(endpoint.id).catch(() => undefined);
		throw error;
	}
	// The endpoint an earlier connection made is replaced (with that connection's key).
	const oldEndpoint = previous?.row.webhook_endpoint_id;
	if (previous?.apiKey && oldEndpoint && oldEndpoint !== endpoint?.id)
		await stripeAdapter(previous.apiKey)
			.deleteWebhookEndpoint(oldEndpoint)
			.catch((error: unknown) =>
				console.warn(`integrations: removing the old webhook endpoint failed: ${String(error)}`),
			);
	return { integration, webhook_url: url };
}

async function check(caller: Caller, body: Record<string, unknown>) {
	const workspaceId = uuidParam(body.workspace_id, 'workspace_id');
	await requireWorkspaceRole(caller, workspaceId, 'admin');
	const adapter = adapterFor(await loadIntegration(workspaceId, 'stripe'));
	let detail: string | null = null;
	try {
		await adapter.checkAccount();
	} catch (error) {
		if (!(error instanceof PaymentProviderError)) throw error;
		if (error.kind === 'rate_limited' || error.kind === 'unavailable')
			throw new HttpError(
				502,
				'provider_unavailable',
				`Stripe could not be reached: ${error.message}`,
			);
		detail = error.message;
	}
	const integration = await rpc<IntegrationRow>(serviceClient(), 'set_integration_status', {
		workspace_id: workspaceId,
		provider: 'stripe',
		status: detail === null ? 'active' : 'failing',
		detail,
		actor_user_id: caller.userId,
	});
	return { integration };
}

async function disconnect(caller: Caller, body: Record<string, unknown>) {
	const workspaceId = uuidParam(body.workspace_id, 'workspace_id');
	await requireWorkspaceRole(caller, workspaceId, 'admin');
	const current = await loadIntegration(workspaceId, 'stripe');
	let warning: string | undefined;
	const connectedAccount =
		current?.row.auth_method === 'oauth' ? current.row.external_account_id : null;
	if (connectedAccount) {
		const platform = connectPlatform();
		// Without the platform's settings it is still disconnected here; the seller revokes it at Stripe.
		if (!platform)
			warning = `Stripe Connect is no longer configured here, so ${connectedAccount} was not deauthorized at Stripe; revoke the platform’s access in the Stripe Dashboard`;
		else
			await deauthorize(platform, connectedAccount).catch((error: unknown) => {
				if (!(error instanceof StripeOAuthError)) throw error;
				throw new HttpError(
					502,
					'provider_unavailable',
					`Stripe did not revoke the connection (${error.message}); try again`,
				);
			});
	} else if (current?.apiKey && current.row.webhook_endpoint_id) {
		await stripeAdapter(current.apiKey)
			.deleteWebhookEndpoint(current.row.webhook_endpoint_id)
			.catch((error: unknown) => {
				warning = `the webhook endpoint ${current.row.webhook_endpoint_id} could not be removed at Stripe (${(error as Error).message}); remove it in the Stripe Dashboard`;
			});
	}
	const integration = await rpc<IntegrationRow>(serviceClient(), 'disconnect_integration', {
		workspace_id: workspaceId,
		provider: 'stripe',
		actor_user_id: caller.userId,
	});
	return { integration, ...(warning ? { warning } : {}) };
}

function requirePlatform(): ConnectPlatform {
	const platform = connectPlatform();
	if (!platform)
		throw new HttpError(
			409,
			'connect_not_configured',
			'Stripe Connect is not configured here (STRIPE_CLIENT_ID and STRIPE_SECRET_KEY); paste a restricted key instead',
		);
	return platform;
}

const STATE_PURPOSE = 'stripe-connect-state v1';
const RETURN_PATH = '/integrations';

async function stateKey() {
	return (await tokenCipher()).deriveKey(STATE_PURPOSE);
}

function redirectUri(): string {
	return `${config('SUPABASE_URL').SUPABASE_URL.replace(/\/+$/, '')}/functions/v1/integrations/oauth-callback`;
}

function options() {
	return Promise.resolve({ stripe_connect: connectPlatform() !== null });
}

async function oauthStart(caller: Caller, body: Record<string, unknown>, req: Request) {
	const workspaceId = uuidParam(body.workspace_id, 'workspace_id');
	await requireWorkspaceRole(caller, workspaceId, 'admin');
	const platform = requirePlatform();
	if (typeof body.browser_binding !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(body.browser_binding))
		throw new HttpError(
			400,
			'invalid_parameter',
			'browser_binding must be the base64url SHA-256 of the nonce the browser keeps for this connection',
		);
	const { origin, path } = returnTarget(req, body.return_to, RETURN_PATH);
	const state = await signState(
		{
			userId: caller.userId,
			workspaceId,
			platform: 'stripe',
			returnTo: `${origin}${path}`,
			browserBinding: body.browser_binding,
		},
		await stateKey(),
	);
	return { url: authorizeUrl(platform, state, redirectUri()), redirect_uri: redirectUri() };
}

/** Stripe's redirect carries no session: back to the console, which completes as its user. */
async function oauthCallback(req: Request): Promise<Response> {
	const params = new URL(req.url).searchParams;
	// Without a valid state there is nowhere trustworthy to send the browser.
	const state = await verifiedState(params.get('state') ?? '', await stateKey());
	if (state.platform !== 'stripe' || !allowedOrigin(new URL(state.returnTo).origin))
		throw new HttpError(400, 'return_not_allowed', 'the console origin is no longer allowed');
	const error = params.get('error');
	if (error)
		return consoleRedirect(state.returnTo, {
			stripe_error: storableText(error).slice(0, 100),
			stripe_message: storableText(
				params.get('error_description') ?? 'the connection was cancelled',
			).slice(0, 500),
		});
	const code = params.get('code');
	if (!code)
		return consoleRedirect(state.returnTo, {
			stripe_error: 'missing_code',
			stripe_message: 'Stripe returned neither a code nor an error',
		});
	return consoleRedirect(state.returnTo, { stripe_code: code, stripe_state: params.get('state')! });
}

async function oauthComplete(caller: Caller, body: Record<string, unknown>) {
	if (typeof body.code !== 'string' || body.code === '' || body.code.length > 255)
		throw new HttpError(400, 'invalid_parameter', 'code is required');
	const state = await verifiedState(
		typeof body.state === 'string' ? body.state : '',
		await stateKey(),
	);
	const browserNonce = typeof body.browser_nonce === 'string' ? body.browser_nonce : '';
	if (
		state.platform !== 'stripe' ||
		state.userId !== caller.userId ||
		!(await browserMatches(state, browserNonce))
	)
		throw new HttpError(
			403,
			'sign_in_not_yours',
			'this Stripe connection was started by another user or in another browser; connect again from your console',
		);
	await requireWorkspaceRole(caller, state.workspaceId, 'admin');
	const platform = requirePlatform();
	// The code is single use at Stripe: a replay is refused there (invalid_grant).
	const connected = await exchangeCode(platform, body.code).catch((error: unknown) => {
		if (!(error instanceof StripeOAuthError)) throw error;
		if (error.code === 'unavailable')
			throw new HttpError(502, 'provider_unavailable', error.message);
		throw new HttpError(
			400,
			`stripe_${error.code}`,
			`Stripe refused the connection: ${error.message}`,
		);
	});
	const account = await connectAdapter(platform, connected.stripeUserId)
		.checkAccount()
		.catch(keyRefused);
	const previous = await loadIntegration(state.workspaceId, 'stripe');
	const cipher = await tokenCipher();
	const integration = await rpc<IntegrationRow>(serviceClient(), 'save_integration', {
		workspace_id: state.workspaceId,
		actor_user_id: caller.userId,
		provider: 'stripe',
		external_account_id: connected.stripeUserId,
		display_name: account.displayName === null ? null : storableText(account.displayName),
		key_hint: null,
		livemode: connected.livemode,
		webhook_endpoint_id: null,
		encrypted_api_key: await cipher.encrypt(connected.accessToken),
		encrypted_webhook_secret: null,
		auth_method: 'oauth',
		encrypted_refresh_token:
			connected.refreshToken === null ? null : await cipher.encrypt(connected.refreshToken),
	});
	// A restricted key's webhook endpoint would deliver to nobody now: removed with that key.
	if (
		previous?.row.auth_method === 'api_key' &&
		previous.apiKey &&
		previous.row.webhook_endpoint_id
	)
		await stripeAdapter(previous.apiKey)
			.deleteWebhookEndpoint(previous.row.webhook_endpoint_id)
			.catch((error: unknown) =>
				console.warn(`integrations: removing the old webhook endpoint failed: ${String(error)}`),
			);
	return { integration };
}

const actions = {
	connect,
	check,
	disconnect,
	options,
	'oauth-start': oauthStart,
	'oauth-complete': oauthComplete,
};

Deno.serve(
	handle('integrations', async (req) => {
		const action = actionOf(req, 'integrations');
		if (action === 'oauth-callback') {
			requireMethod(req, 'GET');
			return oauthCallback(req);
		}
		requireMethod(req, 'POST');
		if (!Object.hasOwn(actions, action))
			throw new HttpError(
				404,
				'not_found',
				`unknown action '${action}': use connect, check, disconnect, options, oauth-start or oauth-complete`,
			);
		const caller = await requireUser(req);
		const body = await readJsonObject(req);
		return json(await actions[action as keyof typeof actions](caller, body, req));
	}),
);
