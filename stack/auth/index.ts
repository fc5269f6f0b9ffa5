// The Auth service at /auth/v1: the part of GoTrue (supabase/auth) that @supabase/auth-js calls for
// email and password accounts. Data lives in the bootstrap's auth.users, auth.sessions and
// auth.refresh_tokens; the service connects as supabase_auth_admin, which owns them, as on Supabase.
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import type { ServiceContext } from '../index.ts';
import { sendJson, type Service } from '../http.ts';
import { getUser, logout, signup, token, updateUser } from './accounts.ts';
import { createUser, deleteUserById, getUserById, listUsers, updateUserById } from './admin.ts';
import { AuthError, OAuthError, sendAuthError } from './errors.ts';
import { recover, verify } from './mail.ts';
import { createAuthRequest, type AuthContext, type AuthRequest, type Reply } from './request.ts';
import { loadAuthSettings, type AuthSettings } from './settings.ts';

type Handler = (context: AuthContext, request: AuthRequest) => Promise<Reply>;

const routes: [method: string, pattern: RegExp, handler: Handler][] = [
	[
		'GET',
		/^\/health$/,
		async () => ({
			status: 200,
			body: {
				version: 'local',
				name: 'GoTrue',
				description: 'GoTrue is a user registration and authentication API',
			},
		}),
	],
	[
		'GET',
		/^\/settings$/,
		async (context) => ({ status: 200, body: publicSettings(context.settings) }),
	],
	['POST', /^\/signup$/, signup],
	['POST', /^\/token$/, token],
	['GET', /^\/user$/, getUser],
	['PUT', /^\/user$/, updateUser],
	['POST', /^\/logout$/, logout],
	['POST', /^\/recover$/, recover],
	['GET', /^\/verify$/, verify],
	['POST', /^\/verify$/, verify],
	['GET', /^\/admin\/users$/, listUsers],
	['POST', /^\/admin\/users$/, createUser],
	['GET', /^\/admin\/users\/(?<id>[^/]+)$/, getUserById],
	['PUT', /^\/admin\/users\/(?<id>[^/]+)$/, updateUserById],
	['DELETE', /^\/admin\/users\/(?<id>[^/]+)$/, deleteUserById],
];

/** GET /settings: what GoTrue reports about enabled providers and confirmation. */
function publicSettings(settings: AuthSettings) {
	const disabled = [
		'anonymous_users',
		'apple',
		'azure',
		'bitbucket',
		'discord',
		'facebook',
		'figma',
		'fly',
		'github',
		'gitlab',
		'google',
		'keycloak',
		'kakao',
		'linkedin',
		'linkedin_oidc',
		'notion',
		'spotify',
		'slack',
		'slack_oidc',
		'twitch',
		'twitter',
		'workos',
		'zoom',
		'phone',
	];
	return {
		external: {
			...Object.fromEntries(disabled.map((provider) => [provider, false])),
			email: settings.emailProviderEnabled,
		},
		disable_signup: !settings.signupEnabled,
		mailer_autoconfirm: settings.mailerAutoconfirm,
		phone_autoconfirm: false,
		sms_provider: 'twilio',
		saml_enabled: false,
	};
}

export function createAuthService(serviceContext: ServiceContext): Service {
	const { config, log } = serviceContext;
	const pool = new pg.Pool({
		connectionString: `postgresql://supabase_auth_admin:postgres@127.0.0.1:${config.dbPort}/postgres`,
		max: 8,
		// supabase_auth_admin's search_path on Supabase: triggers written without a schema see what they would there.
		options: '-c search_path=auth',
	});
	pool.on('error', (error) => log(`auth: idle database connection failed: ${error.message}`));
	const context: AuthContext = { config, settings: loadAuthSettings(), pool, log };

	async function handle(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		url: URL,
	): Promise<void> {
		const route = routes.find(([method, pattern]) => method === req.method && pattern.test(path));
		if (!route) {
			const known = routes.some(([, pattern]) => pattern.test(path));
			if (known) res.writeHead(405).end();
			else sendAuthError(req, res, new AuthError(404, 'not_found', 'Not Found'));
			return;
		}
		const [, pattern, handler] = route;
		const params = { ...pattern.exec(path)?.groups };
		try {
			const reply = await handler(context, createAuthRequest(req, url, params));
			if (reply.body === undefined) res.writeHead(reply.status, reply.headers).end();
			else sendJson(res, reply.status, reply.body, reply.headers);
		} catch (error) {
			if (error instanceof AuthError || error instanceof OAuthError)
				return sendAuthError(req, res, error);
			log(`auth: ${req.method} ${path} failed: ${(error as Error).stack ?? String(error)}`);
			sendAuthError(
				req,
				res,
				new AuthError(
					500,
					'unexpected_failure',
					'Unexpected failure, please check server logs for more information',
				),
			);
		}
	}

	return { handle, close: () => pool.end() };
}
