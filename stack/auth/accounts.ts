// The end-user endpoints: /signup, /token, /user, /logout (supabase/auth internal/api/signup.go,
// token.go, user.go, logout.go).
import { randomUUID } from 'node:crypto';
import {
	checkPasswordStrength,
	hashPassword,
	passwordMatches,
	requireStrongPassword,
	validateEmail,
} from './credentials.ts';
import { badRequest, forbidden, internalError, OAuthError, unprocessable } from './errors.ts';
import { sendConfirmation, sendEmailChange } from './mail.ts';
import {
	databaseStep,
	inTransaction,
	objectField,
	stringField,
	type AuthContext,
	type AuthRequest,
	type Reply,
} from './request.ts';
import { authenticate, refreshSession, startSession } from './sessions.ts';
import {
	AUDIENCE,
	DEFAULT_ROLE,
	confirmEmail,
	findUserByEmail,
	findUserById,
	insertUser,
	isBanned,
	mergeMetadata,
	serializeUser,
	setRole,
	type JsonObject,
} from './users.ts';

/** What GoTrue answers for an already registered address when confirmations are on, to not leak it. */
function obfuscatedUser(email: string, data: JsonObject): JsonObject {
	const now = new Date().toISOString();
	return {
		id: randomUUID(),
		aud: AUDIENCE,
		role: '',
		email,
		phone: '',
		confirmation_sent_at: now,
		app_metadata: { provider: 'email', providers: ['email'] },
		user_metadata: data,
		identities: [],
		created_at: now,
		updated_at: now,
		is_anonymous: false,
	};
}

export async function signup(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const { config, settings, pool } = context;
	if (!settings.signupEnabled)
		throw unprocessable('signup_disabled', 'Signups not allowed for this instance');
	const body = await request.json();
	const email = stringField(body, 'email') ?? '';
	const phone = stringField(body, 'phone') ?? '';
	const password = stringField(body, 'password') ?? '';
	const data = objectField(body, 'data') ?? {};
	if (!email && !phone)
		throw unprocessable('anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
	if (!password) throw badRequest('validation_failed', 'Signup requires a valid password');
	requireStrongPassword(password, context.config.minimumPasswordLength);
	if (email && phone)
		throw badRequest(
			'validation_failed',
			'Only an email address or phone number should be provided on signup.',
		);
	if (phone) throw badRequest('phone_provider_disabled', 'Phone signups are disabled');
	if (!settings.emailProviderEnabled)
		throw badRequest('email_provider_disabled', 'Email signups are disabled');
	const address = validateEmail(email);

	const existing = await findUserByEmail(pool, address);
	if (existing?.email_confirmed_at) {
		if (settings.mailerAutoconfirm)
			throw unprocessable('user_already_exists', 'User already registered');
		return { status: 200, body: obfuscatedUser(address, data) };
	}
	// Hashing is slow, so it happens before the transaction; an existing unconfirmed user keeps theirs.
	const passwordHash = existing ? undefined : await hashPassword(password);
	const redirectTo = request.url.searchParams.get('redirect_to');
	const newId = randomUUID();
	return inTransaction(pool, async (client) => {
		let userId = existing?.id;
		if (passwordHash !== undefined) {
			userId = await databaseStep(
				context,
				'Database error saving new user',
				insertUser(client, {
					id: newId,
					email: address,
					passwordHash,
					appMetadata: { provider: 'email', providers: ['email'] },
					// The email identity's data, merged over the caller's data, becomes user_metadata.
					userMetadata: {
						...data,
						email: address,
						email_verified: false,
						phone_verified: false,
						sub: newId,
					},
				}),
			);
			await databaseStep(
				context,
				'Database error updating user',
				setRole(client, userId, DEFAULT_ROLE),
			);
		}
		if (!userId) throw internalError('Database error saving new user');
		if (settings.mailerAutoconfirm) {
			await databaseStep(context, 'Database error updating user', confirmEmail(client, userId));
			return {
				status: 200,
				body: await startSession(client, config, request.req, userId, 'password'),
			};
		}
		const user = await findUserById(client, userId);
		if (!user) throw internalError('Database error saving new user');
		return {
			status: 200,
			body: serializeUser(await sendConfirmation(context, client, user, redirectTo)),
		};
	});
}

/** POST /token: the password and refresh_token grants. */
export async function token(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const grantType = request.url.searchParams.get('grant_type');
	if (grantType === 'password') return passwordGrant(context, request);
	if (grantType === 'refresh_token') return refreshTokenGrant(context, request);
	throw badRequest('invalid_credentials', 'unsupported_grant_type');
}

const INVALID_LOGIN = 'Invalid login credentials';

async function passwordGrant(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const { config, settings, pool } = context;
	const body = await request.json();
	const email = stringField(body, 'email') ?? '';
	const phone = stringField(body, 'phone') ?? '';
	const password = stringField(body, 'password') ?? '';
	if (email && phone)
		throw badRequest(
			'validation_failed',
			'Only an email address or phone number should be provided on login.',
		);
	if (phone) throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
	if (!email) throw badRequest('validation_failed', 'missing email or phone');
	if (!settings.emailProviderEnabled)
		throw unprocessable('email_provider_disabled', 'Email logins are disabled');

	const user = await findUserByEmail(pool, email);
	if (!user || !user.encrypted_password) throw badRequest('invalid_credentials', INVALID_LOGIN);
	if (isBanned(user)) throw badRequest('user_banned', 'User is banned');
	if (!(await passwordMatches(password, user.encrypted_password)))
		throw badRequest('invalid_credentials', INVALID_LOGIN);
	// A correct but now too weak password still signs in; the client is told to change it.
	const weak = checkPasswordStrength(password, config.minimumPasswordLength);
	if (!user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');

	const grant = await inTransaction(pool, (client) =>
		startSession(client, config, request.req, user.id, 'password'),
	);
	if (weak?.code === 'weak_password')
		grant.weak_password = {
			message: weak.message,
			...(weak.extra.weak_password as { reasons: string[] }),
		};
	return { status: 200, body: grant };
}

async function refreshTokenGrant(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const body = await request.json();
	const presented = stringField(body, 'refresh_token') ?? '';
	if (!presented) throw new OAuthError('invalid_request', 'refresh_token required');
	const policy = {
		reuseIntervalSeconds: context.settings.refreshTokenReuseInterval,
		rotation: context.settings.refreshTokenRotation,
	};
	const grant = await inTransaction(context.pool, (client) =>
		refreshSession(client, context.config, request.req, presented, policy),
	);
	return { status: 200, body: grant };
}

export async function getUser(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const { claims, user } = await authenticate(context.pool, context.config, request.req);
	const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
	if (audience !== AUDIENCE)
		throw badRequest('validation_failed', "Token audience doesn't match request audience");
	return { status: 200, body: serializeUser(user) };
}

export async function updateUser(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const { config, pool } = context;
	const { user, sessionId } = await authenticate(pool, config, request.req);
	const body = await request.json();
	const rawEmail = stringField(body, 'email');
	const email = rawEmail ? validateEmail(rawEmail) : undefined;
	const password = stringField(body, 'password');
	const data = objectField(body, 'data');
	const appMetadata = objectField(body, 'app_metadata');
	if (stringField(body, 'phone'))
		throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
	if (password !== undefined) requireStrongPassword(password, context.config.minimumPasswordLength);
	if (appMetadata) throw forbidden('not_admin', 'Updating app_metadata requires admin privileges');
	const emailChanges = email !== undefined && email !== user.email;
	if (emailChanges) {
		const holder = await findUserByEmail(pool, email);
		if (holder && holder.id !== user.id)
			throw unprocessable(
				'email_exists',
				'A user with this email address has already been registered',
			);
	}
	let passwordHash: string | undefined;
	if (password) {
		if (await passwordMatches(password, user.encrypted_password)) {
			throw unprocessable(
				'same_password',
				'New password should be different from the old password.',
			);
		}
		passwordHash = await hashPassword(password);
	}
	const redirectTo = request.url.searchParams.get('redirect_to');

	const updated = await inTransaction(pool, async (client) => {
		if (passwordHash !== undefined) {
			await databaseStep(
				context,
				'Error during password storage',
				client.query(
					`update auth.users set encrypted_password = $2, recovery_token = '', recovery_sent_at = null, updated_at = now() where id = $1`,
					[user.id, passwordHash],
				),
			);
			// A new password ends every other session, as GoTrue's UpdatePassword does.
			await client.query(
				'delete from auth.sessions where user_id = $1 and id is distinct from $2',
				[user.id, sessionId ?? null],
			);
		}
		if (data) {
			const current = await findUserById(client, user.id, { forUpdate: true });
			await databaseStep(
				context,
				'Error updating user',
				client.query(
					'update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1',
					[user.id, mergeMetadata(current?.raw_user_meta_data ?? null, data)],
				),
			);
		}
		const current = await findUserById(client, user.id);
		if (!current) throw forbidden('user_not_found', 'User from sub claim in JWT does not exist');
		return emailChanges ? sendEmailChange(context, client, current, email, redirectTo) : current;
	});
	return { status: 200, body: serializeUser(updated) };
}

export async function logout(context: AuthContext, request: AuthRequest): Promise<Reply> {
	const { user, sessionId } = await authenticate(context.pool, context.config, request.req);
	const scope = request.url.searchParams.get('scope') ?? 'global';
	if (!['', 'global', 'local', 'others'].includes(scope)) {
		throw badRequest('validation_failed', `Unsupported logout scope ${JSON.stringify(scope)}`);
	}
	// Deleting a session deletes its refresh tokens (foreign key cascade).
	const statement =
		sessionId === undefined
			? {
					text: 'update auth.refresh_tokens set revoked = true, updated_at = now() where user_id = $1 and revoked = false',
					values: [user.id],
				}
			: scope === 'local'
				? { text: 'delete from auth.sessions where id = $1', values: [sessionId] }
				: scope === 'others'
					? {
							text: 'delete from auth.sessions where user_id = $1 and id <> $2',
							values: [user.id, sessionId],
						}
					: { text: 'delete from auth.sessions where user_id = $1', values: [user.id] };
	await databaseStep(context, 'Error logging out user', context.pool.query(statement));
	return { status: 204 };
}
