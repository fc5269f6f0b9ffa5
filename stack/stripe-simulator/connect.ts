// Stripe Connect OAuth for Standard accounts, as connect.stripe.com serves it: the authorize page
// (Authorize / Deny, redirecting back with ?code= or ?error=access_denied), the token exchange
// (authorization codes single use and valid 5 minutes; a reused code revokes what it issued) and
// deauthorization, each answering errors in OAuth's shape {error, error_description}. A connected
// account is then reachable with the platform's secret key and the Stripe-Account header (api.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http.ts';
import { decodeForm } from './form.ts';
import { escape, page, sendHtml } from './pages.ts';
import { stripeId, type World } from './world.ts';

const CODE_LIFETIME_MS = 5 * 60_000;

interface AuthorizationCode {
	platformAccountId: string;
	accountId: string;
	issuedAt: number;
	used: boolean;
	/** The access token the code was exchanged for (revoked if the code is replayed). */
	accessToken: string | null;
}

export class ConnectPlatforms {
	/** client id (ca_…) → the platform's account id */
	readonly clients = new Map<string, string>();
	private readonly codes = new Map<string, AuthorizationCode>();
	private connectedAccounts = 0;

	constructor(private readonly world: World) {}

	/** Makes accountId a Connect platform; returns its client id. */
	register(accountId: string, clientId = `ca_${stripeId('x', 34).slice(2)}`): string {
		this.clients.set(clientId, accountId);
		return clientId;
	}

	private oauthError(res: ServerResponse, status: number, error: string, description: string) {
		sendJson(res, status, { error, error_description: description });
	}

	/** The platform whose secret key authenticates the request (Bearer, or client_secret). */
	private platformOf(req: IncomingMessage, params: Record<string, unknown>): string | null {
		const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
		const secret = bearer ?? (typeof params.client_secret === 'string' ? params.client_secret : '');
		const key = this.world.keys.get(secret);
		if (!key || key.revoked || key.permissions !== null) return null;
		return [...this.clients.values()].includes(key.accountId) ? key.accountId : null;
	}

	/** /oauth/authorize, /oauth/token, /oauth/deauthorize; false for other paths. */
	async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
		if (url.pathname === '/oauth/authorize') {
			await this.authorize(req, res, url);
			return true;
		}
		if (url.pathname !== '/oauth/token' && url.pathname !== '/oauth/deauthorize') return false;
		if (req.method !== 'POST') {
			this.oauthError(res, 405, 'invalid_request', `${url.pathname} takes POST`);
			return true;
		}
		const params = decodeForm((await readBody(req, 64 * 1024)).toString('utf8'));
		const platform = this.platformOf(req, params);
		if (!platform) {
			this.oauthError(
				res,
				401,
				'invalid_client',
				'No such API key, or it is not a Connect platform’s secret key.',
			);
			return true;
		}
		if (url.pathname === '/oauth/token') this.token(res, platform, params);
		else this.deauthorize(res, platform, params);
		return true;
	}

	private async authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const params =
			req.method === 'POST'
				? (decodeForm((await readBody(req, 64 * 1024)).toString('utf8')) as Record<string, string>)
				: Object.fromEntries(url.searchParams);
		const platform = this.clients.get(params.client_id ?? '');
		let redirect: URL | null;
		try {
			redirect = new URL(params.redirect_uri ?? '');
		} catch {
			redirect = null;
		}
		if (
			!platform ||
			params.response_type !== 'code' ||
			!redirect ||
			!/^https?:$/.test(redirect.protocol)
		)
			return sendHtml(
				res,
				400,
				page(
					'Invalid request',
					'<h1>Invalid OAuth request</h1><p>client_id, response_type=code and an http(s) redirect_uri are required.</p>',
				),
			);
		if (req.method !== 'POST') {
			const hidden = ['client_id', 'response_type', 'scope', 'state', 'redirect_uri']
				.map((name) => `<input type="hidden" name="${name}" value="${escape(params[name] ?? '')}">`)
				.join('');
			return sendHtml(
				res,
				200,
				page(
					'Connect your Stripe account',
					`<h1>Connect your Stripe account</h1><p>${escape(this.world.account(platform).name)} would like to ${params.scope === 'read_only' ? 'read' : 'read and write'} your Stripe data.</p><form method="post" action="/oauth/authorize">${hidden}<button name="decision" value="authorize">Authorize</button><button name="decision" value="deny">Deny</button></form>`,
				),
			);
		}
		if (params.state) redirect.searchParams.set('state', params.state);
		if (params.decision !== 'authorize') {
			redirect.searchParams.set('error', 'access_denied');
			redirect.searchParams.set('error_description', 'The user denied your request');
		} else {
			this.connectedAccounts += 1;
			const { account } = this.world.createAccount({
				name: `Connected Shop ${this.connectedAccounts}`,
				country: 'US',
				defaultCurrency: 'usd',
			});
			const code = `ac_${stripeId('x', 32).slice(2)}`;
			this.codes.set(code, {
				platformAccountId: platform,
				accountId: account.id,
				issuedAt: Date.now(),
				used: false,
				accessToken: null,
			});
			redirect.searchParams.set('code', code);
			redirect.searchParams.set('scope', params.scope || 'read_write');
		}
		res.writeHead(302, { location: redirect.href }).end();
	}

	private token(res: ServerResponse, platform: string, params: Record<string, unknown>): void {
		if (params.grant_type !== 'authorization_code')
			return this.oauthError(
				res,
				400,
				'unsupported_grant_type',
				'Only authorization_code is supported here.',
			);
		const code = typeof params.code === 'string' ? params.code : '';
		const issued = this.codes.get(code);
		if (!issued || issued.platformAccountId !== platform)
			return this.oauthError(
				res,
				400,
				'invalid_grant',
				`Authorization code does not exist: ${code}`,
			);
		if (issued.used) {
			// As Stripe: a replayed code revokes the tokens it issued.
			if (issued.accessToken) this.world.keys.get(issued.accessToken)!.revoked = true;
			this.world.connectedTo.delete(issued.accountId);
			return this.oauthError(
				res,
				400,
				'invalid_grant',
				`This authorization code has already been used. All tokens issued with this code have been revoked.`,
			);
		}
		issued.used = true;
		if (Date.now() - issued.issuedAt > CODE_LIFETIME_MS)
			return this.oauthError(res, 400, 'invalid_grant', `Authorization code expired: ${code}`);
		const accessToken = this.world.createKey(issued.accountId, null);
		issued.accessToken = accessToken;
		this.world.connectedTo.set(issued.accountId, platform);
		sendJson(res, 200, {
			access_token: accessToken,
			livemode: false,
			refresh_token: `rt_${stripeId('x', 40).slice(2)}`,
			token_type: 'bearer',
			stripe_publishable_key: `pk_test_${stripeId('x', 40).slice(2)}`,
			stripe_user_id: issued.accountId,
			scope: 'read_write',
		});
	}

	private deauthorize(
		res: ServerResponse,
		platform: string,
		params: Record<string, unknown>,
	): void {
		const accountId = typeof params.stripe_user_id === 'string' ? params.stripe_user_id : '';
		if (
			this.clients.get(String(params.client_id)) !== platform ||
			this.world.connectedTo.get(accountId) !== platform
		)
			return this.oauthError(
				res,
				400,
				'invalid_client',
				`This application is not connected to stripe account ${accountId}, or that account does not exist.`,
			);
		this.world.connectedTo.delete(accountId);
		for (const issued of this.codes.values())
			if (issued.accountId === accountId && issued.accessToken)
				this.world.keys.get(issued.accessToken)!.revoked = true;
		sendJson(res, 200, { stripe_user_id: accountId });
	}
}
