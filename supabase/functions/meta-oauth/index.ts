// Meta sign-in and connection management. verify_jwt is off for this function
// (Meta's browser redirect and server callbacks carry no Supabase JWT), so every action that acts
// for a user verifies the user's JWT itself.
//   POST start               {workspace_id, platform, browser_binding, return_to?} → {url} of Meta's
//                            login dialog; browser_binding is base64url(SHA-256) of a nonce the
//                            console keeps in an HttpOnly cookie of the browser starting the sign-in
//   GET  callback            Meta's redirect → 303 to <console>/connections?code=&state= (or ?error=)
//   POST complete            {code, state, browser_nonce} → {pending_id}: only the user who started
//                            the sign-in, in the browser that started it, and only once
//   GET  pending?id=         the accounts that sign-in found (no tokens)
//   POST connect             {pending_id, accounts: [{platform, external_account_id}]} → {connections, webhooks}
//                            (Instagram: subscribes the linked Page to the app's webhooks)
//   POST disconnect          {connection_id} → unsubscribes an Instagram account's Page no other
//                            connection needs, revokes at Meta, deletes the token
//   POST health              {connection_id} → asks Meta whether the token still works
//   POST deauthorize         Meta's deauthorize callback (signed_request)
//   POST data-deletion       Meta's data deletion callback (signed_request) → {url, confirmation_code}
//   GET  data-deletion-status?code=
import { config } from '../_shared/config.ts';
import { GraphApiError, type GraphClient } from '../_shared/graph.ts';
import {
	actionOf,
	handle,
	HttpError,
	json,
	readBody,
	readJsonObject,
	requireMethod,
	uuidParam,
} from '../_shared/http.ts';
import {
	accessToken,
	connectionCredentials,
	graphClient,
	graphFailure,
	recordTokenProblem,
	tokenCipher,
	type ConnectionCredentials,
} from '../_shared/meta.ts';
import { browserMatches, signState, type OAuthState } from '../_shared/oauth-state.ts';
import {
	allowedOrigin,
	consoleRedirect,
	returnTarget,
	verifiedState,
} from '../_shared/oauth-return.ts';
import { parseSignedRequest, SignedRequestError } from '../_shared/signatures.ts';
import { requireUser, requireWorkspaceRole, rpc, serviceClient } from '../_shared/supabase.ts';

const FUNCTION = 'meta-oauth';

/**
 * The least the product needs: list Pages, read their lives and comments (with commenters);
 * pages_read_engagement also reads a Page's linked Instagram
 * account, and pages_manage_metadata lets Instagram subscribe that Page to the app's webhooks.
 * Telling buyers (meta-outbox): pages_messaging sends private replies (Facebook and, with
 * instagram_manage_comments, Instagram); pages_manage_engagement replies under Facebook comments.
 * The inbox: instagram_manage_messages reads and answers Instagram Direct messages (the Send API
 * refuses an IGSID recipient without it).
 */
export const SCOPES = {
	facebook: [
		'pages_show_list',
		'pages_read_engagement',
		'pages_read_user_content',
		'pages_manage_metadata',
		'pages_messaging',
		'pages_manage_engagement',
	],
	instagram: [
		'instagram_basic',
		'instagram_manage_comments',
		'pages_show_list',
		'pages_read_engagement',
		'pages_manage_metadata',
		'pages_messaging',
		'instagram_manage_messages',
	],
} as const;

type Platform = keyof typeof SCOPES;

const STATE_PURPOSE = 'meta-oauth-state v1';
const DEFAULT_RETURN_PATH = '/connections';

function redirectUri(): string {
	return `${config('SUPABASE_URL').SUPABASE_URL.replace(/\/+$/, '')}/functions/v1/${FUNCTION}/callback`;
}

function platformParam(value: unknown): Platform {
	if (value !== 'facebook' && value !== 'instagram')
		throw new HttpError(400, 'invalid_parameter', 'platform must be facebook or instagram');
	return value;
}

async function stateKey(): Promise<Uint8Array<ArrayBuffer>> {
	return (await tokenCipher()).deriveKey(STATE_PURPOSE);
}

async function start(req: Request): Promise<Response> {
	requireMethod(req, 'POST');
	const caller = await requireUser(req);
	const body = await readJsonObject(req);
	const workspaceId = uuidParam(body.workspace_id, 'workspace_id');
	const platform = platformParam(body.platform);
	if (typeof body.browser_binding !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(body.browser_binding))
		throw new HttpError(
			400,
			'invalid_parameter',
			'browser_binding must be the base64url SHA-256 of the nonce the browser keeps for this sign-in',
		);
	await requireWorkspaceRole(caller, workspaceId, 'admin');
	const { origin, path } = returnTarget(req, body.return_to, DEFAULT_RETURN_PATH);
	const { META_APP_ID, META_DIALOG_URL } = config('META_APP_ID', 'META_DIALOG_URL');
	const state = await signState(
		{
			userId: caller.userId,
			workspaceId,
			platform,
			returnTo: `${origin}${path}`,
			browserBinding: body.browser_binding,
		},
		await stateKey(),
	);
	const url = new URL(META_DIALOG_URL);
	url.searchParams.set('client_id', META_APP_ID);
	url.searchParams.set('redirect_uri', redirectUri());
	url.searchParams.set('state', state);
	url.searchParams.set('scope', SCOPES[platform].join(','));
	url.searchParams.set('response_type', 'code');
	return json({ url: url.href, scopes: SCOPES[platform], redirect_uri: redirectUri() });
}

interface TokenAnswer {
	access_token: string;
	expires_in?: number;
}

interface PageAccount {
	id: string;
	name?: string;
	access_token?: string;
	instagram_business_account?: { id: string; username?: string };
}

interface PendingAccount {
	platform: Platform;
	external_account_id: string;
	display_name: string;
	token_expires_at: string | null;
	encrypted_access_token: string;
	/** Instagram: the Facebook Page the account is linked to, whose token the account uses. */
	page_id?: string;
}

async function allPages<T>(
	graph: GraphClient,
	path: string,
	params: Record<string, string>,
	token: string,
): Promise<T[]> {
	const items: T[] = [];
	let page = (await graph.get<{ data?: T[]; paging?: { next?: string } }>(path, params, token))
		.body;
	for (let count = 0; ; count += 1) {
		items.push(...(page.data ?? []));
		if (!page.paging?.next || count >= 20) return items;
		page = (await graph.next<{ data?: T[]; paging?: { next?: string } }>(page.paging.next, token))
			.body;
	}
}

/** From Meta's code to the pending choices: exchange, long-lived token, Pages and their Instagram accounts. */
async function collectAccounts(code: string, state: OAuthState): Promise<string> {
	const graph = graphClient();
	const cipher = await tokenCipher();
	const { META_APP_ID, META_APP_SECRET } = config('META_APP_ID', 'META_APP_SECRET');
	const app = { client_id: META_APP_ID, client_secret: META_APP_SECRET };
	const shortLived = (
		await graph.get<TokenAnswer>('/oauth/access_token', {
			...app,
			redirect_uri: redirectUri(),
			code,
		})
	).body;
	const longLived = (
		await graph.get<TokenAnswer>('/oauth/access_token', {
			...app,
			grant_type: 'fb_exchange_token',
			fb_exchange_token: shortLived.access_token,
		})
	).body;
	const userToken = longLived.access_token;
	const me = (await graph.get<{ id: string }>('/me', { fields: 'id' }, userToken)).body;
	const permissions = await allPages<{ permission: string; status: string }>(
		graph,
		'/me/permissions',
		{},
		userToken,
	);
	const scopes = permissions
		.filter((grant) => grant.status === 'granted')
		.map((grant) => grant.permission);
	// Page tokens made from a long-lived user token do not expire; their data access does (90 days).
	const debug = (
		await graph.get<{ data?: { data_access_expires_at?: number } }>(
			'/debug_token',
			{ input_token: userToken },
			`${META_APP_ID}|${META_APP_SECRET}`,
		)
	).body;
	const dataAccessExpiresAt = debug.data?.data_access_expires_at
		? new Date(debug.data.data_access_expires_at * 1000).toISOString()
		: null;

	const pages = await allPages<PageAccount>(
		graph,
		'/me/accounts',
		{ fields: 'id,name,access_token,instagram_business_account{id,username}', limit: '100' },
		userToken,
	);
	const accounts: PendingAccount[] = [];
	for (const page of pages) {
		if (!page.access_token) continue;
		const encrypted = await cipher.encrypt(page.access_token);
		if (state.platform === 'facebook') {
			accounts.push({
				platform: 'facebook',
				external_account_id: page.id,
				display_name: page.name ?? page.id,
				token_expires_at: dataAccessExpiresAt,
				encrypted_access_token: encrypted,
			});
		} else if (page.instagram_business_account) {
			const instagram = page.instagram_business_account;
			accounts.push({
				platform: 'instagram',
				external_account_id: instagram.id,
				display_name: instagram.username
					? `@${instagram.username}`
					: `${page.name ?? page.id} (Instagram)`,
				token_expires_at: dataAccessExpiresAt,
				encrypted_access_token: encrypted,
				page_id: page.id,
			});
		}
	}
	return rpc<string>(serviceClient(), 'meta_save_pending_accounts', {
		workspace_id: state.workspaceId,
		user_id: state.userId,
		platform: state.platform,
		meta_user_id: me.id,
		encrypted_user_access_token: await cipher.encrypt(userToken),
		scopes,
		accounts,
	});
}

/**
 * Meta's redirect carries no session, so the callback only sends the browser back to the console
 * with Meta's answer; the console completes the sign-in as its signed-in user (complete).
 */
async function callback(req: Request): Promise<Response> {
	requireMethod(req, 'GET');
	const params = new URL(req.url).searchParams;
	// Without a valid state there is nowhere trustworthy to send the browser.
	const state = await verifiedState(params.get('state') ?? '', await stateKey());
	if (!allowedOrigin(new URL(state.returnTo).origin))
		throw new HttpError(400, 'return_not_allowed', 'the console origin is no longer allowed');
	const metaError = params.get('error');
	if (metaError) {
		return consoleRedirect(state.returnTo, {
			error: metaError,
			message:
				params.get('error_description') ??
				params.get('error_reason') ??
				'the sign-in was cancelled',
		});
	}
	const code = params.get('code');
	if (!code)
		return consoleRedirect(state.returnTo, {
			error: 'missing_code',
			message: 'Meta returned neither a code nor an error',
		});
	return consoleRedirect(state.returnTo, { code, state: params.get('state')! });
}

/** Exchanges Meta's code, for the user and browser that started the sign-in, once. */
async function complete(req: Request): Promise<Response> {
	requireMethod(req, 'POST');
	const caller = await requireUser(req);
	const body = await readJsonObject(req);
	if (typeof body.code !== 'string' || body.code === '' || typeof body.state !== 'string')
		throw new HttpError(400, 'invalid_parameter', 'code and state are required');
	const state = await verifiedState(body.state, await stateKey());
	const browserNonce = typeof body.browser_nonce === 'string' ? body.browser_nonce : '';
	if (state.userId !== caller.userId || !(await browserMatches(state, browserNonce)))
		throw new HttpError(
			403,
			'sign_in_not_yours',
			'this Meta sign-in was started by another user or in another browser; connect again from your console',
		);
	// Used once: a replayed state (and its code) is refused before Meta is asked anything.
	await rpc(serviceClient(), 'meta_use_oauth_state', {
		nonce: state.nonce,
		expires_at: new Date(state.expiresAt * 1000).toISOString(),
	});
	try {
		return json({ pending_id: await collectAccounts(body.code, state) });
	} catch (error) {
		if (!(error instanceof GraphApiError)) throw error;
		console.error(`${FUNCTION}: completing the sign-in failed:`, error);
		throw new HttpError(502, `meta_${error.kind}`, error.message);
	}
}

async function pending(req: Request): Promise<Response> {
	requireMethod(req, 'GET');
	const caller = await requireUser(req);
	const pendingId = uuidParam(new URL(req.url).searchParams.get('id'), 'id');
	return json(await rpc(caller.client, 'meta_pending_accounts', { pending_id: pendingId }));
}

/**
 * Instagram delivers an account's `live_comments` webhooks only when the app subscribed to the
 * field at app level (App Dashboard) and the account's Facebook Page has installed the app. Meta:
 * "Your app must enable Page subscriptions on the Page connected to the app user's account by
 * sending a POST request to the Page Subscribed Apps edge and subscribing to any Page field"
 * (developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-instagram, and
 * step 3 of docs/instagram-platform/webhooks). A Facebook Page's Messenger messages arrive only
 * for the Page fields it subscribed (`messages`, and `message_echoes` for what the Page itself
 * sends): "only fields with subscriptions at both the page and app levels will get Webhooks"
 * (docs/graph-api/reference/page/subscribed_apps). `subscribed_fields` replaces the Page's list, so
 * every connection asks for all of them: a Page connected for Facebook and for its Instagram
 * account keeps both. The call needs the Page token with pages_manage_metadata, answers
 * {"success": true} and is idempotent, so a reconnect simply repeats it.
 */
const PAGE_SUBSCRIPTION_FIELDS = 'feed,messages,message_echoes';

type WebhookSubscription =
	| { connection_id: string; page_id: string; subscribed: true }
	| { connection_id: string; page_id: string | null; subscribed: false; error: string };

interface Connection {
	id: string;
	platform: Platform;
	external_account_id: string;
	status_detail: string | null;
}

/** The Page a Page token belongs to (`/me` is the Page for a Page token). */
async function tokenPageId(pageToken: string): Promise<string> {
	return (await graphClient().get<{ id: string }>('/me', { fields: 'id' }, pageToken)).body.id;
}

/** Installs the app on the connection's Page; a failure is kept on the connection for the seller to see. */
async function subscribePage(
	connection: Connection,
	pageId: string | undefined,
): Promise<{ result: WebhookSubscription; connection: Connection }> {
	const credentials = await connectionCredentials(connection.id);
	let knownPageId = pageId ?? null;
	try {
		const pageToken = await accessToken(credentials);
		knownPageId ??= await tokenPageId(pageToken);
		const answer = (
			await graphClient().post<{ success?: boolean }>(
				`/${knownPageId}/subscribed_apps`,
				{ subscribed_fields: PAGE_SUBSCRIPTION_FIELDS },
				pageToken,
			)
		).body;
		if (answer.success !== true)
			throw new GraphApiError(
				'request',
				`Meta did not confirm the subscription: ${JSON.stringify(answer)}`,
				200,
			);
		return {
			result: { connection_id: connection.id, page_id: knownPageId, subscribed: true },
			connection,
		};
	} catch (error) {
		if (!(error instanceof GraphApiError || error instanceof HttpError)) throw error;
		console.error(
			`${FUNCTION}: subscribing Page ${knownPageId ?? '(unknown)'} of connection ${connection.id} to webhooks failed:`,
			error,
		);
		const detail =
			connection.platform === 'instagram'
				? `Instagram comments will not arrive: Meta did not subscribe the linked Facebook Page to the app's webhooks (${error.message}). Reconnect to try again.`
				: `Buyers' Messenger messages will not arrive: Meta did not subscribe the Page to the app's webhooks (${error.message}). Reconnect to try again.`;
		const marked = await rpc<Connection>(serviceClient(), 'meta_set_connection_status', {
			connection_id: connection.id,
			status: credentials.status,
			detail,
		});
		return {
			result: {
				connection_id: connection.id,
				page_id: knownPageId,
				subscribed: false,
				error: error.message,
			},
			connection: marked,
		};
	}
}

async function connect(req: Request): Promise<Response> {
	requireMethod(req, 'POST');
	const caller = await requireUser(req);
	const body = await readJsonObject(req);
	const pendingId = uuidParam(body.pending_id, 'pending_id');
	const accounts = body.accounts;
	if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > 100) {
		throw new HttpError(
			400,
			'invalid_parameter',
			'accounts must list 1 to 100 {platform, external_account_id}',
		);
	}
	const choices = accounts.map((account: { platform?: unknown; external_account_id?: unknown }) => {
		if (typeof account?.external_account_id !== 'string')
			throw new HttpError(400, 'invalid_parameter', 'each account needs an external_account_id');
		return {
			platform: platformParam(account.platform),
			external_account_id: account.external_account_id,
		};
	});
	// Connecting uses up the pending sign-in, so the Pages linked to its Instagram accounts are read first.
	const offered = await rpc<{ accounts: Omit<PendingAccount, 'encrypted_access_token'>[] }>(
		caller.client,
		'meta_pending_accounts',
		{ pending_id: pendingId },
	);
	const linkedPages = new Map(
		offered.accounts
			.filter((account) => account.platform === 'instagram' && account.page_id)
			.map((account) => [account.external_account_id, account.page_id]),
	);
	const connected = await rpc<Connection[]>(caller.client, 'meta_connect_accounts', {
		pending_id: pendingId,
		choices,
	});
	const connections: Connection[] = [];
	const webhooks: WebhookSubscription[] = [];
	for (const connection of connected) {
		const subscribed = await subscribePage(
			connection,
			connection.platform === 'facebook'
				? connection.external_account_id
				: linkedPages.get(connection.external_account_id),
		);
		connections.push(subscribed.connection);
		webhooks.push(subscribed.result);
	}
	return json({ connections, webhooks });
}

/**
 * Whether another active connection (in any workspace) takes webhooks through this Page: the same
 * Instagram account, or the Page itself connected for Facebook.
 */
async function pageStillNeeded(
	connection: ConnectionCredentials,
	pageId: string,
): Promise<boolean> {
	const { count, error } = await serviceClient()
		.from('social_connections')
		.select('id', { count: 'exact', head: true })
		.or(
			`and(platform.eq.instagram,external_account_id.eq.${connection.external_account_id}),and(platform.eq.facebook,external_account_id.eq.${pageId})`,
		)
		.eq('status', 'active')
		.neq('id', connection.id);
	if (error)
		throw new HttpError(
			500,
			'database_error',
			`reading the other connections of the Page failed: ${error.message}`,
		);
	return (count ?? 0) > 0;
}

/**
 * Removes the app from an Instagram connection's Page unless another connection still takes
 * webhooks through it. Runs before the grant is revoked, which would end the Page token too. A
 * Facebook connection leaves its Page subscribed: the Page may carry an Instagram account's
 * comments, and messages to a Page no active connection holds are dropped when they arrive.
 */
async function unsubscribePage(
	connection: ConnectionCredentials,
): Promise<{ page_unsubscribed: boolean; page_error?: string }> {
	// A revoked connection has no token left; it was revoked by an earlier disconnect or by Meta removing the app.
	if (connection.status === 'revoked') return { page_unsubscribed: false };
	try {
		const pageToken = await accessToken(connection);
		const pageId = await tokenPageId(pageToken);
		if (await pageStillNeeded(connection, pageId)) return { page_unsubscribed: false };
		await graphClient().delete(`/${pageId}/subscribed_apps`, {}, pageToken);
		return { page_unsubscribed: true };
	} catch (error) {
		if (!(error instanceof GraphApiError || error instanceof HttpError)) throw error;
		console.error(
			`${FUNCTION}: unsubscribing the Page of connection ${connection.id} from webhooks failed:`,
			error,
		);
		return { page_unsubscribed: false, page_error: error.message };
	}
}

async function disconnect(req: Request): Promise<Response> {
	requireMethod(req, 'POST');
	const caller = await requireUser(req);
	const connectionId = uuidParam((await readJsonObject(req)).connection_id, 'connection_id');
	const connection = await connectionCredentials(connectionId);
	await requireWorkspaceRole(caller, connection.workspace_id, 'admin');
	const page = connection.platform === 'instagram' ? await unsubscribePage(connection) : {};
	// The grant at Meta is the user's, for the whole app: revoke it only when no other connection uses it.
	let revokedAtMeta = false;
	let metaError: string | undefined;
	if (connection.encrypted_user_access_token && connection.connections_sharing_meta_user === 0) {
		try {
			const userToken = await (await tokenCipher()).decrypt(connection.encrypted_user_access_token);
			await graphClient().delete('/me/permissions', {}, userToken);
			revokedAtMeta = true;
		} catch (error) {
			if (!(error instanceof GraphApiError)) throw error;
			// A token Meta already refuses has no grant left to revoke.
			revokedAtMeta = error.kind === 'token';
			if (!revokedAtMeta) metaError = error.message;
		}
	}
	const disconnected = await rpc(caller.client, 'meta_disconnect', { connection_id: connectionId });
	return json({
		connection: disconnected,
		revoked_at_meta: revokedAtMeta,
		...(metaError ? { meta_error: metaError } : {}),
		...page,
	});
}

interface DebugTokenAnswer {
	data?: {
		is_valid?: boolean;
		data_access_expires_at?: number;
		error?: { code?: number; subcode?: number; message?: string };
	};
}

async function health(req: Request): Promise<Response> {
	requireMethod(req, 'POST');
	const caller = await requireUser(req);
	const connectionId = uuidParam((await readJsonObject(req)).connection_id, 'connection_id');
	const connection = await connectionCredentials(connectionId);
	await requireWorkspaceRole(caller, connection.workspace_id, 'assistant');
	const token = await accessToken(connection);
	const { META_APP_ID, META_APP_SECRET } = config('META_APP_ID', 'META_APP_SECRET');
	let answer: DebugTokenAnswer;
	try {
		answer = (
			await graphClient().get<DebugTokenAnswer>(
				'/debug_token',
				{ input_token: token },
				`${META_APP_ID}|${META_APP_SECRET}`,
			)
		).body;
	} catch (error) {
		if (error instanceof GraphApiError) throw graphFailure(error, connectionId);
		throw error;
	}
	const data = answer.data ?? {};
	if (data.is_valid === false) {
		const problem = new GraphApiError(
			'token',
			`Meta error 190${data.error?.subcode ? `/${data.error.subcode}` : ''}: ${data.error?.message ?? 'the token is not valid'}`,
			400,
			{
				code: 190,
				error_subcode: data.error?.subcode,
				message: data.error?.message,
			},
		);
		await recordTokenProblem(serviceClient(), connectionId, problem);
		return json({
			connection_id: connectionId,
			valid: false,
			status: problem.connectionStatus,
			detail: problem.message,
		});
	}
	return json({
		connection_id: connectionId,
		valid: true,
		status: 'active',
		data_access_expires_at: data.data_access_expires_at
			? new Date(data.data_access_expires_at * 1000).toISOString()
			: null,
	});
}

/** The app-scoped Meta user id from a verified signed_request (form field, as Meta posts it). */
async function signedRequestUser(req: Request): Promise<string> {
	requireMethod(req, 'POST');
	const form = new URLSearchParams(new TextDecoder().decode(await readBody(req, 16 * 1024)));
	const signedRequest = form.get('signed_request');
	if (!signedRequest) throw new HttpError(400, 'invalid_body', 'signed_request is missing');
	try {
		const payload = await parseSignedRequest(
			signedRequest,
			config('META_APP_SECRET').META_APP_SECRET,
		);
		if (typeof payload.user_id !== 'string' || !/^[0-9A-Za-z_]{1,64}$/.test(payload.user_id))
			throw new SignedRequestError('signed_request carries no user_id');
		return payload.user_id;
	} catch (error) {
		if (error instanceof SignedRequestError)
			throw new HttpError(400, 'invalid_signed_request', error.message);
		throw error;
	}
}

async function deauthorize(req: Request): Promise<Response> {
	const metaUserId = await signedRequestUser(req);
	const revoked = await rpc<number>(serviceClient(), 'meta_forget_meta_user', {
		meta_user_id: metaUserId,
		erase: false,
	});
	return json({ success: true, connections_revoked: revoked });
}

async function dataDeletion(req: Request): Promise<Response> {
	const metaUserId = await signedRequestUser(req);
	const request = await rpc<{ confirmation_code: string }>(
		serviceClient(),
		'meta_delete_user_data',
		{ meta_user_id: metaUserId },
	);
	const statusUrl = `${config('SUPABASE_URL').SUPABASE_URL.replace(/\/+$/, '')}/functions/v1/${FUNCTION}/data-deletion-status?code=${request.confirmation_code}`;
	// The two fields Meta requires, exactly.
	return json({ url: statusUrl, confirmation_code: request.confirmation_code });
}

async function dataDeletionStatus(req: Request): Promise<Response> {
	requireMethod(req, 'GET');
	const code = new URL(req.url).searchParams.get('code') ?? '';
	if (!/^[0-9a-f]{24}$/.test(code))
		throw new HttpError(
			400,
			'invalid_parameter',
			'code must be the confirmation code Meta showed you',
		);
	const status = await rpc(serviceClient(), 'meta_data_deletion_status', {
		confirmation_code: code,
	});
	if (!status)
		throw new HttpError(404, 'not_found', 'no data deletion request has this confirmation code');
	return json(status);
}

const actions: Record<string, (req: Request) => Promise<Response>> = {
	start,
	callback,
	complete,
	pending,
	connect,
	disconnect,
	health,
	deauthorize,
	'data-deletion': dataDeletion,
	'data-deletion-status': dataDeletionStatus,
};

Deno.serve(
	handle(FUNCTION, (req) => {
		const action = actions[actionOf(req, FUNCTION)];
		if (!action)
			throw new HttpError(
				404,
				'not_found',
				`unknown action; use one of ${Object.keys(actions).join(', ')}`,
			);
		return action(req);
	}),
);
