// Emailed links: sign-up confirmation, password recovery and email change, and /verify which
// redeems them (supabase/auth internal/api/mail.go, recover.go, verify.go). No mail leaves this
// machine: each message is one log line carrying the link the email would carry.
import type pg from 'pg';
import {
	ensureDeliverable,
	oneTimeCode,
	secretsEqual,
	signedToken,
	tokenHash,
	validateEmail,
} from './credentials.ts';
import { AuthError, badRequest, forbidden } from './errors.ts';
import {
	inTransaction,
	stringField,
	type AuthContext,
	type AuthRequest,
	type Reply,
} from './request.ts';
import { startSession, type AuthMethod, type SessionGrant } from './sessions.ts';
import { confirmEmail, findUserByEmail, type UserRow } from './users.ts';

type LinkType = 'signup' | 'recovery' | 'email_change';

/** GoTrue's isRedirectURLValid: the site URL's host, or a match of the allow list; else the site URL. */
function redirectTarget(context: AuthContext, requested: string | null | undefined): string {
	const site = context.config.siteUrl;
	if (!requested) return site;
	let target: URL;
	try {
		target = new URL(requested);
	} catch {
		return site;
	}
	if (target.hostname === new URL(site).hostname) return requested;
	return context.settings.redirectAllowList.some((pattern) => globMatches(pattern, requested))
		? requested
		: site;
}

/** gobwas/glob with separators `.` and `/`, as GoTrue compiles the allow list. */
function globMatches(pattern: string, value: string): boolean {
	const source = pattern
		.split(/(\*\*|\*|\?)/)
		.map((part) =>
			part === '**'
				? '.*'
				: part === '*'
					? '[^./]*'
					: part === '?'
						? '[^./]'
						: part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
		)
		.join('');
	return new RegExp(`^${source}$`).test(value);
}

function verifyLink(
	context: AuthContext,
	token: string,
	type: LinkType,
	redirectTo: string,
): string {
	const query = new URLSearchParams({ token, type, redirect_to: redirectTo });
	return `${context.config.apiUrl}/auth/v1/verify?${query}`;
}

async function updateUser(
	client: pg.PoolClient,
	text: string,
	values: unknown[],
): Promise<UserRow> {
	const { rows } = await client.query<UserRow>(`${text} returning *`, values);
	return rows[0];
}

export async function sendConfirmation(
	context: AuthContext,
	client: pg.PoolClient,
	user: UserRow,
	redirectTo: string | null,
): Promise<UserRow> {
	const email = user.email ?? '';
	ensureDeliverable(email);
	const otp = oneTimeCode();
	const updated = await updateUser(
		client,
		'update auth.users set confirmation_token = $2, confirmation_sent_at = now() where id = $1',
		[user.id, tokenHash(email, otp)],
	);
	context.log(
		`auth: confirm sign-up of ${email}: ${verifyLink(context, tokenHash(email, otp), 'signup', redirectTarget(context, redirectTo))} (code ${otp})`,
	);
	return updated;
}

export async function sendEmailChange(
	context: AuthContext,
	client: pg.PoolClient,
	user: UserRow,
	newEmail: string,
	redirectTo: string | null,
): Promise<UserRow> {
	ensureDeliverable(newEmail);
	const updated = await updateUser(
		client,
		'update auth.users set email_change = $2, email_change_sent_at = now(), updated_at = now() where id = $1',
		[user.id, newEmail],
	);
	const token = emailChangeToken(context, updated);
	context.log(
		`auth: confirm email change of ${user.email} to ${newEmail}: ${verifyLink(context, token, 'email_change', redirectTarget(context, redirectTo))}`,
	);
	return updated;
}

/** The email change is kept in the user row (email_change, email_change_sent_at); its link token is keyed on both. */
function emailChangeToken(context: AuthContext, user: UserRow): string {
	return signedToken(
		context.config.jwtSecret,
		'email_change',
		user.id,
		user.email_change ?? '',
		user.email_change_sent_at?.toISOString() ?? '',
	);
}

export async function recover(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const body = await request.json();
	const rawEmail = stringField(body, 'email');
	if (!rawEmail) throw badRequest('validation_failed', 'Password recovery requires an email');
	const email = validateEmail(rawEmail);
	const user = await findUserByEmail(context.pool, email);
	// An unknown address gets the same answer, so the endpoint does not reveal who is registered.
	if (!user) return { status: 200, body: {} };
	ensureDeliverable(email);
	const otp = oneTimeCode();
	const hash = tokenHash(email, otp);
	await context.pool.query(
		'update auth.users set recovery_token = $2, recovery_sent_at = now() where id = $1',
		[user.id, hash],
	);
	const redirectTo = redirectTarget(context, request.url.searchParams.get('redirect_to'));
	context.log(
		`auth: password recovery for ${email}: ${verifyLink(context, hash, 'recovery', redirectTo)} (code ${otp})`,
	);
	return { status: 200, body: {} };
}

interface VerifyParams {
	type: string;
	/** The hashed token of a link (or `token_hash`). */
	tokenHash?: string;
	/** An emailed one-time code with its address. */
	otp?: { email: string; code: string };
}

const expired = (method: string) =>
	forbidden(
		'otp_expired',
		method === 'GET' ? 'Email link is invalid or has expired' : 'Token has expired or is invalid',
	);

function withinExpiry(context: AuthContext, sentAt: Date | null): boolean {
	return (
		sentAt !== null && Date.now() <= sentAt.getTime() + context.settings.otpExpirySeconds * 1000
	);
}

async function findByStoredToken(
	context: AuthContext,
	client: pg.PoolClient,
	column: 'confirmation_token' | 'recovery_token',
	params: VerifyParams,
): Promise<UserRow | undefined> {
	if (params.tokenHash) {
		return (
			await client.query<UserRow>(`select * from auth.users where ${column} = $1 for update`, [
				params.tokenHash,
			])
		).rows[0];
	}
	if (!params.otp) return undefined;
	const user = await findUserByEmail(client, params.otp.email);
	const stored = user?.[column];
	return stored && secretsEqual(stored, tokenHash(params.otp.email.toLowerCase(), params.otp.code))
		? user
		: undefined;
}

async function redeem(
	context: AuthContext,
	client: pg.PoolClient,
	request: AuthRequest,
	params: VerifyParams,
): Promise<SessionGrant> {
	const method = request.req.method ?? 'GET';
	let userId: string;
	let sessionMethod: AuthMethod;
	if (params.type === 'signup' || params.type === 'recovery') {
		const column = params.type === 'signup' ? 'confirmation_token' : 'recovery_token';
		const user = await findByStoredToken(context, client, column, params);
		const sentAt = params.type === 'signup' ? user?.confirmation_sent_at : user?.recovery_sent_at;
		if (!user || !withinExpiry(context, sentAt ?? null)) throw expired(method);
		await client.query(`update auth.users set ${column} = '', updated_at = now() where id = $1`, [
			user.id,
		]);
		if (!user.email_confirmed_at) await confirmEmail(client, user.id);
		userId = user.id;
		sessionMethod = params.type === 'signup' ? 'email/signup' : 'recovery';
	} else if (params.type === 'email_change') {
		const pending = (
			await client.query<UserRow>(`select * from auth.users where email_change <> '' for update`)
		).rows;
		const user = params.tokenHash
			? pending.find((row) => secretsEqual(emailChangeToken(context, row), params.tokenHash ?? ''))
			: undefined;
		if (!user || !withinExpiry(context, user.email_change_sent_at)) throw expired(method);
		await client.query(
			`update auth.users set email = email_change, email_change = '', updated_at = now() where id = $1`,
			[user.id],
		);
		if (!user.email_confirmed_at) await confirmEmail(client, user.id);
		userId = user.id;
		sessionMethod = 'email_change';
	} else {
		throw badRequest('validation_failed', 'Unsupported verification type');
	}
	return startSession(client, context.config, request.req, userId, sessionMethod);
}

/** Status to OAuth error name, as GoTrue puts errors into the redirect's fragment. */
const OAUTH_ERRORS: Record<number, string> = {
	400: 'invalid_request',
	401: 'unauthorized_client',
	403: 'access_denied',
	500: 'server_error',
};

/** GET /verify (the emailed link: redirects with the session in the fragment) and POST /verify (verifyOtp). */
export async function verify(context: AuthContext, request: AuthRequest): Promise<Reply> {
	if (request.req.method === 'GET') {
		const query = request.url.searchParams;
		const redirectTo = redirectTarget(context, query.get('redirect_to'));
		const type = query.get('type') ?? '';
		let fragment: URLSearchParams;
		try {
			const token = query.get('token');
			if (!token) throw badRequest('validation_failed', 'Verify requires a token or a token hash');
			const grant = await inTransaction(context.pool, (client) =>
				redeem(context, client, request, { type, tokenHash: token }),
			);
			fragment = new URLSearchParams({
				access_token: grant.access_token,
				expires_at: String(grant.expires_at),
				expires_in: String(grant.expires_in),
				refresh_token: grant.refresh_token,
				sb: '',
				token_type: grant.token_type,
				type,
			});
		} catch (error) {
			if (!(error instanceof AuthError)) throw error;
			fragment = new URLSearchParams({
				error: OAUTH_ERRORS[error.status] ?? 'server_error',
				error_code: error.code,
				error_description: error.message,
				sb: '',
			});
		}
		return { status: 303, headers: { location: `${redirectTo}#${fragment}` } };
	}
	const body = await request.json();
	const type = stringField(body, 'type') ?? '';
	const tokenHashParam = stringField(body, 'token_hash');
	const email = stringField(body, 'email');
	const code = stringField(body, 'token');
	if (!tokenHashParam && !(email && code))
		throw badRequest('validation_failed', 'Verify requires either a token or a token hash');
	const params: VerifyParams = tokenHashParam
		? { type, tokenHash: tokenHashParam }
		: { type, otp: { email: email ?? '', code: code ?? '' } };
	const grant = await inTransaction(context.pool, (client) =>
		redeem(context, client, request, params),
	);
	return { status: 200, body: grant };
}
