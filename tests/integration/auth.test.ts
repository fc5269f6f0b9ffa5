// Auth (/auth/v1) through the unmodified supabase-js: every call the app makes, and every error
// arriving as the same AuthError class, status and code that hosted Supabase Auth produces.
import {
	createClient,
	isAuthApiError,
	isAuthSessionMissingError,
	isAuthWeakPasswordError,
	type SupabaseClient,
} from '@supabase/supabase-js';
import { SignJWT, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	anonClient,
	clientOptions,
	ownerPool,
	serviceClient,
	signedInUser,
	stack,
} from '../support/clients.ts';

const db = ownerPool();
afterAll(() => db.end());

const secret = new TextEncoder().encode(stack.SUPABASE_JWT_SECRET);
const password = 'correct horse battery staple';
/** example.test is fine for sign-up; mail-sending flows need an address hosted Auth would deliver to. */
const deliverableEmail = () => `user-${randomUUID()}@live-sale-listener.dev`;

function expectAuthApiError(error: unknown, status: number, code: string) {
	expect(isAuthApiError(error), `expected AuthApiError, got ${String(error)}`).toBe(true);
	expect(error).toMatchObject({ status, code });
}

/** auth-js raises its own class for weak_password, with GoTrue's reasons. */
function expectWeakPassword(error: unknown) {
	expect(
		isAuthWeakPasswordError(error),
		`expected AuthWeakPasswordError, got ${String(error)}`,
	).toBe(true);
	expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] });
}

async function signIn(email: string, secretPassword = password) {
	const client = anonClient();
	const { data, error } = await client.auth.signInWithPassword({ email, password: secretPassword });
	if (error || !data.session) throw error ?? new Error('no session');
	return { client, session: data.session };
}

describe('sign-up', () => {
	it('creates a confirmed user with a session whose access token carries GoTrue claims', async () => {
		const email = `User-${randomUUID()}@Example.test`;
		const { data, error } = await anonClient().auth.signUp({
			email,
			password,
			options: { data: { display_name: 'Ana' } },
		});
		expect(error).toBeNull();
		const { session, user } = data;
		expect(session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
		expect(session!.refresh_token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
		expect(user).toMatchObject({
			aud: 'authenticated',
			role: 'authenticated',
			email: email.toLowerCase(),
			phone: '',
			app_metadata: { provider: 'email', providers: ['email'] },
			user_metadata: {
				display_name: 'Ana',
				email: email.toLowerCase(),
				email_verified: true,
				phone_verified: false,
				sub: user!.id,
			},
			is_anonymous: false,
		});
		expect(user!.email_confirmed_at).toBeTruthy();
		expect(user!.identities).toEqual([
			expect.objectContaining({
				id: user!.id,
				user_id: user!.id,
				provider: 'email',
				email: email.toLowerCase(),
			}),
		]);

		const { payload, protectedHeader } = await jwtVerify(session!.access_token, secret);
		expect(protectedHeader.alg).toBe('HS256');
		expect(Object.keys(payload).sort()).toEqual(
			[
				'aal',
				'amr',
				'app_metadata',
				'aud',
				'email',
				'exp',
				'iat',
				'is_anonymous',
				'iss',
				'phone',
				'role',
				'session_id',
				'sub',
				'user_metadata',
			].sort(),
		);
		expect(payload).toMatchObject({
			iss: `${stack.SUPABASE_URL}/auth/v1`,
			sub: user!.id,
			aud: 'authenticated',
			role: 'authenticated',
			email: email.toLowerCase(),
			phone: '',
			aal: 'aal1',
			is_anonymous: false,
			app_metadata: { provider: 'email', providers: ['email'] },
			user_metadata: { display_name: 'Ana' },
			amr: [{ method: 'password', timestamp: expect.any(Number) }],
		});
		expect(payload.exp! - payload.iat!).toBe(3600);
		expect(session!.expires_at).toBe(payload.exp);

		const stored = await db.query(
			'select u.encrypted_password, s.user_id from auth.users u join auth.sessions s on s.user_id = u.id where s.id = $1',
			[payload.session_id],
		);
		expect(stored.rows[0].user_id).toBe(user!.id);
		expect(stored.rows[0].encrypted_password).toMatch(/^\$2[aby]\$10\$/);
	});

	it('refuses an invalid address, a weak password, a missing password and a taken address', async () => {
		const auth = anonClient().auth;
		expectAuthApiError(
			(await auth.signUp({ email: 'not-an-email', password })).error,
			400,
			'validation_failed',
		);

		expectWeakPassword(
			(await auth.signUp({ email: `user-${randomUUID()}@example.test`, password: 'short' })).error,
		);

		expectAuthApiError(
			(await auth.signUp({ email: `user-${randomUUID()}@example.test`, password: '' })).error,
			400,
			'validation_failed',
		);

		const { email } = await signedInUser();
		const taken = (await auth.signUp({ email, password })).error;
		expectAuthApiError(taken, 422, 'user_already_exists');
		expect(taken!.message).toBe('User already registered');
	});
});

describe('triggers on auth.users', () => {
	const suffix = randomUUID().replaceAll('-', '').slice(0, 8);
	const table = `public.auth_test_signups_${suffix}`;
	const fn = `public.auth_test_on_signup_${suffix}`;
	const trigger = `auth_test_on_signup_${suffix}`;

	beforeAll(async () => {
		await db.query(`create table ${table} (user_id uuid primary key, email text)`);
		await db.query(`
			create function ${fn}() returns trigger language plpgsql security definer set search_path = '' as $$
			begin
				if new.email like 'refuse-%' then raise exception 'no workspace for %', new.email; end if;
				insert into ${table} (user_id, email) values (new.id, new.email);
				return new;
			end $$`);
		await db.query(
			`create trigger ${trigger} after insert on auth.users for each row execute function ${fn}()`,
		);
	});
	afterAll(async () => {
		// Only the table's owner may drop the trigger by name; dropping its function takes it along.
		await db.query(`drop function ${fn}() cascade`);
		await db.query(`drop table ${table}`);
	});

	it('runs them at sign-up', async () => {
		const { userId, email } = await signedInUser();
		const { rows } = await db.query(`select email from ${table} where user_id = $1`, [userId]);
		expect(rows).toEqual([{ email }]);
	});

	it('reports their failure as GoTrue does and stores nothing', async () => {
		const email = `refuse-${randomUUID()}@example.test`;
		const { data, error } = await anonClient().auth.signUp({ email, password });
		expect(data.session).toBeNull();
		// auth-js turns every 500 into a retryable fetch error, keeping GoTrue's status and message.
		expect(error).toMatchObject({
			name: 'AuthRetryableFetchError',
			status: 500,
			message: 'Database error saving new user',
		});
		expect((await db.query('select 1 from auth.users where email = $1', [email])).rowCount).toBe(0);
	});
});

describe('password sign-in', () => {
	it('returns a session for the right password', async () => {
		const { email, userId } = await signedInUser();
		const { session } = await signIn(email);
		expect(session.user.id).toBe(userId);
		expect(session.user.last_sign_in_at).toBeTruthy();
	});

	it('answers a wrong password and an unknown address with invalid_credentials', async () => {
		const { email } = await signedInUser();
		const wrong = (
			await anonClient().auth.signInWithPassword({ email, password: 'not the password' })
		).error;
		expectAuthApiError(wrong, 400, 'invalid_credentials');
		expect(wrong!.message).toBe('Invalid login credentials');
		expectAuthApiError(
			(
				await anonClient().auth.signInWithPassword({
					email: `nobody-${randomUUID()}@example.test`,
					password,
				})
			).error,
			400,
			'invalid_credentials',
		);
	});
});

describe('refresh tokens', () => {
	async function refresh(refreshToken: string) {
		return anonClient().auth.refreshSession({ refresh_token: refreshToken });
	}

	it('rotate: a new token is issued, the old one revoked and recorded as its parent', async () => {
		const { session } = await signIn((await signedInUser()).email);
		const { data, error } = await refresh(session.refresh_token);
		expect(error).toBeNull();
		const next = data.session!;
		expect(next.refresh_token).not.toBe(session.refresh_token);
		const { rows } = await db.query(
			'select token, revoked, parent from auth.refresh_tokens where token = any($1) order by id',
			[[session.refresh_token, next.refresh_token]],
		);
		expect(rows).toEqual([
			{ token: session.refresh_token, revoked: true, parent: null },
			{ token: next.refresh_token, revoked: false, parent: session.refresh_token },
		]);
	});

	it('give the active token back when its parent is replayed (a lost response)', async () => {
		const { session } = await signIn((await signedInUser()).email);
		const first = (await refresh(session.refresh_token)).data.session!;
		const replay = await refresh(session.refresh_token);
		expect(replay.error).toBeNull();
		expect(replay.data.session!.refresh_token).toBe(first.refresh_token);
	});

	it('revoke the whole session family when a revoked token is reused after the reuse interval', async () => {
		const { session } = await signIn((await signedInUser()).email);
		const second = (await refresh(session.refresh_token)).data.session!;
		await refresh(second.refresh_token);
		// The first token is two rotations old; make its revocation older than the 10 s reuse interval.
		await db.query(
			`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = $1`,
			[session.refresh_token],
		);
		const { error } = await refresh(session.refresh_token);
		expectAuthApiError(error, 400, 'refresh_token_already_used');
		const { rows } = await db.query(
			'select bool_and(revoked) as all_revoked from auth.refresh_tokens where session_id = (select session_id from auth.refresh_tokens where token = $1)',
			[session.refresh_token],
		);
		expect(rows[0].all_revoked).toBe(true);
	});

	it('refuse an unknown token', async () => {
		expectAuthApiError(
			(await refresh('not-a-refresh-token')).error,
			400,
			'refresh_token_not_found',
		);
	});
});

describe('the current user', () => {
	it('is returned for a valid access token', async () => {
		const { client, userId } = await signedInUser();
		const { data, error } = await client.auth.getUser();
		expect(error).toBeNull();
		expect(data.user!.id).toBe(userId);
	});

	it('is refused for a token with a bad signature or past its expiry', async () => {
		const { client, userId } = await signedInUser();
		const { data } = await client.auth.getSession();
		const claims = {
			sub: userId,
			role: 'authenticated',
			aud: 'authenticated',
			session_id: (await jwtVerify(data.session!.access_token, secret)).payload.session_id,
		};
		const forged = await new SignJWT(claims)
			.setProtectedHeader({ alg: 'HS256' })
			.setExpirationTime('1h')
			.sign(new TextEncoder().encode('another-secret-of-at-least-32-characters'));
		const badSignature = (await anonClient().auth.getUser(forged)).error;
		expectAuthApiError(badSignature, 403, 'bad_jwt');
		expect(badSignature!.message).toMatch(
			/^invalid JWT: unable to parse or verify signature, token signature is invalid/,
		);

		const expired = await new SignJWT(claims)
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuedAt(1_700_000_000)
			.setExpirationTime(1_700_000_600)
			.sign(secret);
		const expiredError = (await anonClient().auth.getUser(expired)).error;
		expectAuthApiError(expiredError, 403, 'bad_jwt');
		expect(expiredError!.message).toContain('token is expired');
	});

	it('is updated: user_metadata merges, the password changes, an email change waits for confirmation', async () => {
		const { client, email, userId } = await signedInUser();
		await client.auth.updateUser({ data: { plan: 'free', shop: 'Ana Boutique' } });
		const { data, error } = await client.auth.updateUser({ data: { plan: 'pro', shop: null } });
		expect(error).toBeNull();
		expect(data.user!.user_metadata).toMatchObject({ plan: 'pro', email_verified: true });
		expect(data.user!.user_metadata).not.toHaveProperty('shop');

		expectAuthApiError((await client.auth.updateUser({ password })).error, 422, 'same_password');
		expectWeakPassword((await client.auth.updateUser({ password: 'short' })).error);
		expect((await client.auth.updateUser({ password: 'a brand new passphrase' })).error).toBeNull();
		await signIn(email, 'a brand new passphrase');
		expectAuthApiError(
			(await anonClient().auth.signInWithPassword({ email, password })).error,
			400,
			'invalid_credentials',
		);

		const newEmail = deliverableEmail();
		const changed = await client.auth.updateUser({ email: newEmail });
		expect(changed.error).toBeNull();
		expect(changed.data.user).toMatchObject({ email, new_email: newEmail });
		const { rows } = await db.query('select email, email_change from auth.users where id = $1', [
			userId,
		]);
		expect(rows[0]).toEqual({ email, email_change: newEmail });
	});
});

describe('sign-out', () => {
	async function twoSessions() {
		const { email } = await signedInUser();
		return { first: await signIn(email), second: await signIn(email) };
	}
	const accessTokenRefused = async (accessToken: string) =>
		isAuthSessionMissingError((await anonClient().auth.getUser(accessToken)).error);
	const refreshRefused = async (refreshToken: string) =>
		(await anonClient().auth.refreshSession({ refresh_token: refreshToken })).error;

	it('local ends only the current session', async () => {
		const { first, second } = await twoSessions();
		expect((await first.client.auth.signOut({ scope: 'local' })).error).toBeNull();
		expect(await accessTokenRefused(first.session.access_token)).toBe(true);
		expectAuthApiError(
			await refreshRefused(first.session.refresh_token),
			400,
			'refresh_token_not_found',
		);
		expect(await accessTokenRefused(second.session.access_token)).toBe(false);
	});

	it('others ends every other session', async () => {
		const { first, second } = await twoSessions();
		expect((await first.client.auth.signOut({ scope: 'others' })).error).toBeNull();
		expect(await accessTokenRefused(second.session.access_token)).toBe(true);
		expect(await accessTokenRefused(first.session.access_token)).toBe(false);
	});

	it('global ends all sessions of the user', async () => {
		const { first, second } = await twoSessions();
		expect((await first.client.auth.signOut()).error).toBeNull();
		expect(await accessTokenRefused(first.session.access_token)).toBe(true);
		expect(await accessTokenRefused(second.session.access_token)).toBe(true);
		expectAuthApiError(
			await refreshRefused(second.session.refresh_token),
			400,
			'refresh_token_not_found',
		);
	});
});

describe('password recovery', () => {
	it('answers an unknown address like a known one', async () => {
		const { data, error } = await anonClient().auth.resetPasswordForEmail(deliverableEmail());
		expect(error).toBeNull();
		expect(data).toEqual({});
	});

	it('refuses to mail an example or test domain, as hosted Auth does', async () => {
		const { email } = await signedInUser();
		expectAuthApiError(
			(await anonClient().auth.resetPasswordForEmail(email)).error,
			400,
			'email_address_invalid',
		);
	});

	it('issues a link whose token signs the user in for a password change', async () => {
		const email = deliverableEmail();
		expect((await anonClient().auth.signUp({ email, password })).error).toBeNull();
		expect(
			(
				await anonClient().auth.resetPasswordForEmail(email, {
					redirectTo: 'http://127.0.0.1:5173/reset',
				})
			).error,
		).toBeNull();
		const { rows } = await db.query('select recovery_token from auth.users where email = $1', [
			email,
		]);
		const client = anonClient();
		const { data, error } = await client.auth.verifyOtp({
			token_hash: rows[0].recovery_token,
			type: 'recovery',
		});
		expect(error).toBeNull();
		expect((await jwtVerify(data.session!.access_token, secret)).payload.amr).toEqual([
			{ method: 'recovery', timestamp: expect.any(Number) },
		]);
		expect((await client.auth.updateUser({ password: 'recovered passphrase' })).error).toBeNull();
		await signIn(email, 'recovered passphrase');
		// The link is single-use.
		expectAuthApiError(
			(await anonClient().auth.verifyOtp({ token_hash: rows[0].recovery_token, type: 'recovery' }))
				.error,
			403,
			'otp_expired',
		);
	});
});

describe('admin API', () => {
	let admin: SupabaseClient['auth']['admin'];
	beforeAll(() => {
		admin = serviceClient().auth.admin;
	});

	it('creates, reads, lists, updates and deletes users', async () => {
		const email = `admin-made-${randomUUID()}@example.test`;
		const created = await admin.createUser({
			email,
			password,
			email_confirm: true,
			user_metadata: { name: 'Bo' },
			app_metadata: { plan: 'pro' },
		});
		expect(created.error).toBeNull();
		const user = created.data.user!;
		expect(user).toMatchObject({
			email,
			role: 'authenticated',
			app_metadata: { provider: 'email', providers: ['email'], plan: 'pro' },
			user_metadata: { name: 'Bo', email_verified: true },
		});
		await signIn(email);

		expect((await admin.getUserById(user.id)).data.user!.email).toBe(email);

		const listed = await admin.listUsers({ page: 1, perPage: 1 });
		expect(listed.error).toBeNull();
		expect(listed.data.users).toHaveLength(1);
		expect(listed.data).toMatchObject({ aud: 'authenticated', nextPage: 2 });
		expect((listed.data as unknown as { total: number }).total).toBeGreaterThanOrEqual(1);

		const updated = await admin.updateUserById(user.id, {
			user_metadata: { team: 'live' },
			app_metadata: { plan: null },
		});
		expect(updated.error).toBeNull();
		expect(updated.data.user!.user_metadata).toMatchObject({ name: 'Bo', team: 'live' });
		expect(updated.data.user!.app_metadata).not.toHaveProperty('plan');

		expect((await admin.deleteUser(user.id)).error).toBeNull();
		expectAuthApiError((await admin.getUserById(user.id)).error, 404, 'user_not_found');
	});

	it('refuses a taken address', async () => {
		const { email } = await signedInUser();
		expectAuthApiError((await admin.createUser({ email, password })).error, 422, 'email_exists');
	});

	it('refuses the anon key and a signed-in user with not_admin', async () => {
		expectAuthApiError((await anonClient().auth.admin.listUsers()).error, 403, 'not_admin');
		const { client } = await signedInUser();
		const { data } = await client.auth.getSession();
		const asUser = createClient(stack.SUPABASE_URL, stack.SUPABASE_ANON_KEY, {
			...clientOptions,
			global: { headers: { Authorization: `Bearer ${data.session!.access_token}` } },
		});
		expectAuthApiError(
			(await asUser.auth.admin.createUser({ email: `x-${randomUUID()}@example.test`, password }))
				.error,
			403,
			'not_admin',
		);
	});
});
