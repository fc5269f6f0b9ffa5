// Sessions, refresh tokens and access tokens, stored and shaped as GoTrue does
// (internal/models/sessions.go, refresh_token.go; internal/tokens/service.go).
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import type { StackConfig } from '../config.ts';
import { InvalidJwtError, signJwt, verifyJwt, type Claims } from '../jwt.ts';
import { AuthError, badRequest, forbidden, internalError } from './errors.ts';
import { CommitThenFail } from './request.ts';
import {
	findUserById,
	isBanned,
	serializeUser,
	UUID_PATTERN,
	type Db,
	type JsonObject,
	type UserRow,
} from './users.ts';

/** How a session was started: the `amr` method GoTrue records for it. */
export type AuthMethod = 'password' | 'recovery' | 'email_change' | 'email/signup';

interface SessionRow {
	id: string;
	user_id: string;
	created_at: Date;
}

interface RefreshTokenRow {
	id: string;
	token: string;
	revoked: boolean;
	updated_at: Date;
	parent: string | null;
	session_id: string | null;
	user_id: string;
}

/** 192 random bits: unguessable, and URL-safe like GoTrue's tokens. */
const newRefreshToken = () => randomBytes(24).toString('base64url');

function clientInfo(req: IncomingMessage): { userAgent: string | null; ip: string | null } {
	return { userAgent: req.headers['user-agent'] ?? null, ip: req.socket.remoteAddress ?? null };
}

async function insertRefreshToken(
	db: Db,
	userId: string,
	sessionId: string,
	parent: string | null,
): Promise<string> {
	const token = newRefreshToken();
	await db.query(
		`insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
		 values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
		[token, userId, parent, sessionId],
	);
	return token;
}

export interface SessionGrant {
	access_token: string;
	token_type: 'bearer';
	expires_in: number;
	expires_at: number;
	refresh_token: string;
	user: JsonObject;
	weak_password?: { message: string; reasons: string[] };
}

async function signAccessToken(
	config: StackConfig,
	user: UserRow,
	session: SessionRow,
	method: AuthMethod,
): Promise<{ token: string; expiresAt: number }> {
	const issuedAt = Math.floor(Date.now() / 1000);
	const expiresAt = issuedAt + config.jwtExpiry;
	const claims: Claims = {
		iss: `${config.apiUrl}/auth/v1`,
		sub: user.id,
		aud: user.aud ?? '',
		exp: expiresAt,
		iat: issuedAt,
		email: user.email ?? '',
		phone: user.phone ?? '',
		app_metadata: user.raw_app_meta_data ?? {},
		user_metadata: user.raw_user_meta_data ?? {},
		role: user.role ?? '',
		aal: 'aal1',
		amr: [{ method, timestamp: Math.floor(session.created_at.getTime() / 1000) }],
		session_id: session.id,
		is_anonymous: user.is_anonymous,
	};
	return { token: await signJwt(claims, config.jwtSecret), expiresAt };
}

async function grant(
	config: StackConfig,
	user: UserRow,
	session: SessionRow,
	refreshToken: string,
	method: AuthMethod,
): Promise<SessionGrant> {
	const { token, expiresAt } = await signAccessToken(config, user, session, method);
	return {
		access_token: token,
		token_type: 'bearer',
		expires_in: config.jwtExpiry,
		expires_at: expiresAt,
		refresh_token: refreshToken,
		user: serializeUser(user),
	};
}

/** GoTrue's issueRefreshToken: a new session with its first refresh token; records the sign-in. */
export async function startSession(
	client: pg.PoolClient,
	config: StackConfig,
	req: IncomingMessage,
	userId: string,
	method: AuthMethod,
): Promise<SessionGrant> {
	const { userAgent, ip } = clientInfo(req);
	const { rows } = await client.query<SessionRow>(
		`insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
		 values ($1, $2, now(), now(), 'aal1', $3, $4) returning id, user_id, created_at`,
		[randomUUID(), userId, userAgent, ip],
	);
	const refreshToken = await insertRefreshToken(client, userId, rows[0].id, null);
	await client.query(
		'update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1',
		[userId],
	);
	const user = await findUserById(client, userId);
	if (!user) throw internalError('Database error granting user');
	return grant(config, user, rows[0], refreshToken, method);
}

export interface RefreshPolicy {
	reuseIntervalSeconds: number;
	rotation: boolean;
}

/**
 * GoTrue's RefreshTokenGrant. The token row is locked, so concurrent refreshes of one session run one
 * after the other. A revoked token is accepted only if it is the parent of the session's active token
 * (the client lost the response: the active token is returned again) or within the reuse interval;
 * beyond it the whole session family is revoked (and stays revoked) and `refresh_token_already_used` is thrown.
 */
export async function refreshSession(
	client: pg.PoolClient,
	config: StackConfig,
	req: IncomingMessage,
	presented: string,
	policy: RefreshPolicy,
): Promise<SessionGrant> {
	const { rows } = await client.query<RefreshTokenRow>(
		'select id, token, revoked, updated_at, parent, session_id, user_id from auth.refresh_tokens where token = $1 for update',
		[presented],
	);
	const token = rows[0];
	const user = token && (await findUserById(client, token.user_id));
	if (!token || !user)
		throw badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
	if (isBanned(user)) throw badRequest('user_banned', 'Invalid Refresh Token: User Banned');
	const session = token.session_id
		? (
				await client.query<SessionRow>(
					'select id, user_id, created_at from auth.sessions where id = $1 for update',
					[token.session_id],
				)
			).rows[0]
		: undefined;
	if (!session) {
		await client.query('delete from auth.refresh_tokens where id = $1', [token.id]);
		throw new CommitThenFail(
			badRequest('session_not_found', 'Invalid Refresh Token: No Valid Session Found'),
		);
	}

	let issued: string | undefined;
	if (token.revoked) {
		const active = (
			await client.query<RefreshTokenRow>(
				'select token, parent from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1',
				[session.id],
			)
		).rows[0];
		if (active && active.parent === token.token) {
			issued = active.token;
		} else if (Date.now() > token.updated_at.getTime() + policy.reuseIntervalSeconds * 1000) {
			if (policy.rotation) {
				await client.query(
					'update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false',
					[session.id],
				);
			}
			throw new CommitThenFail(
				badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
			);
		}
	}
	if (issued === undefined) {
		await client.query(
			'update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1',
			[token.id],
		);
		issued = await insertRefreshToken(client, user.id, session.id, token.token);
	}
	const { userAgent, ip } = clientInfo(req);
	await client.query(
		'update auth.sessions set refreshed_at = now(), updated_at = now(), user_agent = $2, ip = $3 where id = $1',
		[session.id, userAgent, ip],
	);
	return grant(config, user, session, issued, 'password');
}

/** What requireAuthentication leaves for the handler. */
export interface Authenticated {
	claims: Claims;
	user: UserRow;
	sessionId: string | undefined;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** GoTrue's extractBearerToken. */
export function requireBearer(req: IncomingMessage): string {
	const match = /^(?:B|b)earer (\S+)$/.exec(req.headers.authorization ?? '');
	if (!match)
		throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
	return match[1];
}

/** GoTrue's parseJWTClaims, with golang-jwt's wording of each failure. */
export async function parseClaims(config: StackConfig, bearer: string): Promise<Claims> {
	try {
		return await verifyJwt(bearer, config.jwtSecret);
	} catch (error) {
		if (!(error instanceof InvalidJwtError)) throw error;
		const reason = error.expired
			? 'token has invalid claims: token is expired'
			: error.message === 'JWSInvalidSignature'
				? 'token signature is invalid: signature is invalid'
				: 'token is malformed: could not be parsed';
		throw forbidden('bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`);
	}
}

/** GoTrue's requireAuthentication: a valid JWT whose user exists and whose session was not revoked. */
export async function authenticate(
	db: Db,
	config: StackConfig,
	req: IncomingMessage,
): Promise<Authenticated> {
	const claims = await parseClaims(config, requireBearer(req));
	if (!claims.sub) throw forbidden('bad_jwt', 'invalid claim: missing sub claim');
	if (!UUID_PATTERN.test(claims.sub))
		throw badRequest('bad_jwt', 'invalid claim: sub claim must be a UUID');
	const user = await findUserById(db, claims.sub);
	if (!user) throw forbidden('user_not_found', 'User from sub claim in JWT does not exist');
	let sessionId: string | undefined;
	const claimed = claims.session_id;
	if (typeof claimed === 'string' && claimed !== '' && claimed !== NIL_UUID) {
		if (!UUID_PATTERN.test(claimed))
			throw forbidden('bad_jwt', 'invalid claim: session_id claim must be a UUID');
		const { rowCount } = await db.query('select 1 from auth.sessions where id = $1', [claimed]);
		if (!rowCount)
			throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist');
		sessionId = claimed;
	}
	if (isBanned(user)) throw forbidden('user_banned', 'User is banned');
	return { claims, user, sessionId };
}

/** GoTrue's requireAdminCredentials: a valid JWT whose role is an admin role. */
export async function requireAdmin(config: StackConfig, req: IncomingMessage): Promise<void> {
	const claims = await parseClaims(config, requireBearer(req));
	if (claims.role !== 'service_role' && claims.role !== 'supabase_admin')
		throw forbidden('not_admin', 'User not allowed');
}
