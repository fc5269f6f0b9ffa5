// Token endpoints: `GET /oauth/access_token` (code exchange, fb_exchange_token for a long-lived
// token, client_credentials for an app token) and `GET /debug_token` (introspection).
import { createHash, timingSafeEqual } from 'node:crypto';
import { GraphError, graphErrors } from './errors.ts';
import type { Caller } from './nodes.ts';
import { longLivedSeconds, shortLivedSeconds, type AccessToken, type World } from './world.ts';

export interface App {
	id: string;
	secret: string;
	name: string;
}

/** Constant-time string equality (over digests, so lengths leak nothing either). */
export function secretsEqual(given: string, expected: string): boolean {
	const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
	return timingSafeEqual(digest(given), digest(expected));
}

/** Why a stored token no longer works, as Meta's error object; null while it is valid. */
export function tokenError(token: AccessToken, app: App, now = new Date()): GraphError | null {
	switch (token.invalidated) {
		case 'app_removed':
			return graphErrors.appNotAuthorized(app.id);
		case 'password_changed':
			return graphErrors.passwordChanged();
		case 'logged_out':
			return graphErrors.loggedOut();
		case null:
			return token.expiresAt !== null && token.expiresAt <= now
				? graphErrors.tokenExpired(token.expiresAt, now)
				: null;
	}
}

function requireApp(params: URLSearchParams, app: App, secretRequired: boolean): void {
	const clientId = params.get('client_id');
	if (clientId === null || clientId === '')
		throw new GraphError(400, {
			message: 'Missing client_id parameter.',
			type: 'OAuthException',
			code: 101,
		});
	if (clientId !== app.id) throw graphErrors.invalidClientId();
	const secret = params.get('client_secret');
	if (secret === null) {
		if (secretRequired) throw graphErrors.missingParameter('client_secret');
		return;
	}
	if (!secretsEqual(secret, app.secret)) throw graphErrors.invalidClientSecret();
}

function tokenResponse(token: AccessToken) {
	const expiresIn =
		token.expiresAt === null
			? undefined
			: Math.max(0, Math.round((token.expiresAt.getTime() - Date.now()) / 1000));
	return {
		access_token: token.value,
		token_type: 'bearer',
		...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
	};
}

export function exchangeToken(
	world: World,
	app: App,
	params: URLSearchParams,
): Record<string, unknown> {
	const grantType = params.get('grant_type');
	if (grantType === 'client_credentials') {
		requireApp(params, app, true);
		return { access_token: `${app.id}|${app.secret}`, token_type: 'bearer' };
	}
	if (grantType === 'fb_exchange_token') {
		requireApp(params, app, true);
		const given = params.get('fb_exchange_token');
		if (given === null || given === '') throw graphErrors.missingParameter('fb_exchange_token');
		const token = world.tokens.get(given);
		if (!token || token.kind !== 'user')
			throw new GraphError(400, {
				message: 'Invalid OAuth access token.',
				type: 'OAuthException',
				code: 190,
			});
		const problem = tokenError(token, app);
		if (problem) throw problem;
		return tokenResponse(
			world.issueUserToken(world.user(token.userId), token.scopes, longLivedSeconds),
		);
	}
	if (grantType !== null && grantType !== 'authorization_code')
		throw graphErrors.unsupportedGrantType();

	requireApp(params, app, true);
	const value = params.get('code');
	if (value === null || value === '') throw graphErrors.missingParameter('code');
	const code = world.codes.get(value);
	if (!code) throw graphErrors.invalidCode();
	if (code.used) throw graphErrors.codeUsed();
	if (code.expiresAt <= new Date()) throw graphErrors.codeExpired();
	if (params.get('redirect_uri') !== code.redirectUri) throw graphErrors.redirectUriMismatch();
	code.used = true;
	const user = world.user(code.userId);
	return tokenResponse(world.issueUserToken(user, code.scopes, shortLivedSeconds));
}

/** `GET /debug_token?input_token=…` — what Meta knows about a token; invalid ones are described, not refused. */
export function debugToken(
	world: World,
	app: App,
	caller: Caller,
	params: URLSearchParams,
): Record<string, unknown> {
	if (caller.kind === 'page') throw graphErrors.permissionDenied('Provide valid app ID');
	const input = params.get('input_token');
	if (input === null || input === '')
		throw graphErrors.invalidParameter('The parameter input_token is required');
	if (input.includes('|')) {
		const [appId, secret = ''] = input.split('|');
		const valid = appId === app.id && secretsEqual(secret, app.secret);
		return {
			data: { app_id: appId, type: 'APP', application: app.name, is_valid: valid, scopes: [] },
		};
	}
	const token = world.tokens.get(input);
	if (!token)
		return {
			data: {
				error: { code: 190, message: 'Invalid OAuth access token.' },
				is_valid: false,
				scopes: [],
			},
		};
	const problem = tokenError(token, app);
	const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
	// Page and Instagram permissions are granted per asset: the Pages the token reaches and their Instagram accounts.
	const pages =
		token.kind === 'page' && token.pageId !== null
			? [world.page(token.pageId)]
			: world.managedPages(token.userId);
	const targets = (scope: string) =>
		scope.startsWith('instagram_')
			? pages.flatMap((page) => (page.instagramId === null ? [] : [page.instagramId]))
			: pages.map((page) => page.id);
	return {
		data: {
			app_id: app.id,
			type: token.kind === 'page' ? 'PAGE' : 'USER',
			application: app.name,
			data_access_expires_at: seconds(token.issuedAt) + 90 * 24 * 60 * 60,
			...(problem
				? {
						error: {
							code: problem.fields.code,
							message: problem.fields.message,
							subcode: problem.fields.error_subcode,
						},
					}
				: {}),
			expires_at: token.expiresAt === null ? 0 : seconds(token.expiresAt),
			is_valid: problem === null,
			issued_at: seconds(token.issuedAt),
			...(token.kind === 'page' ? { profile_id: token.pageId } : {}),
			scopes: problem ? [] : token.scopes,
			granular_scopes: problem
				? []
				: token.scopes.map((scope) =>
						scope.startsWith('pages_') || scope.startsWith('instagram_')
							? { scope, target_ids: targets(scope) }
							: { scope },
					),
			user_id: token.userId,
		},
	};
}
