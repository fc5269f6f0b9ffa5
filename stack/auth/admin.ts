// The admin API under /admin/users, for the service role only (supabase/auth internal/api/admin.go).
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, requireStrongPassword, validateEmail } from './credentials.ts';
import { badRequest, notFound, unprocessable } from './errors.ts';
import {
	booleanField,
	databaseStep,
	inTransaction,
	objectField,
	stringField,
	type AuthContext,
	type AuthRequest,
	type Reply,
} from './request.ts';
import { requireAdmin } from './sessions.ts';
import {
	AUDIENCE,
	DEFAULT_ROLE,
	confirmEmail,
	findUserByEmail,
	findUserById,
	insertUser,
	mergeMetadata,
	serializeUser,
	setRole,
	UUID_PATTERN,
	type UserRow,
} from './users.ts';

const DUPLICATE_EMAIL = 'A user with this email address has already been registered';

/** GoTrue's paginate: `page` from 1, `per_page` 50 by default. */
function pageParameter(url: URL, name: string, fallback: number): number {
	const raw = url.searchParams.get(name);
	if (raw === null || raw === '') return fallback;
	if (!/^\d+$/.test(raw))
		throw badRequest(
			'validation_failed',
			`Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`,
		);
	return Number(raw);
}

/** Go's time.ParseDuration for ban_duration ("24h", "1h30m", "none" lifts the ban). */
function banUntil(duration: string): Date | null {
	if (duration === 'none') return null;
	const units: Record<string, number> = {
		ns: 1e-6,
		us: 1e-3,
		µs: 1e-3,
		ms: 1,
		s: 1000,
		m: 60_000,
		h: 3_600_000,
	};
	const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
	if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) {
		throw badRequest(
			'validation_failed',
			`invalid format for ban duration: time: invalid duration ${JSON.stringify(duration)}`,
		);
	}
	return new Date(
		Date.now() + parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit], 0),
	);
}

async function loadUser(context: AuthContext, request: AuthRequest): Promise<UserRow> {
	const id = request.params.id;
	if (!UUID_PATTERN.test(id)) throw badRequest('validation_failed', 'user_id must be an UUID');
	const user = await findUserById(context.pool, id);
	if (!user) throw notFound('user_not_found', 'User not found');
	return user;
}

export async function listUsers(context: AuthContext, request: AuthRequest): Promise<Reply> {
	await requireAdmin(context.config, request.req);
	const page = pageParameter(request.url, 'page', 1);
	const perPage = pageParameter(request.url, 'per_page', 50);
	const { rows: counted } = await context.pool.query<{ total: string }>(
		'select count(*) as total from auth.users where aud = $1',
		[AUDIENCE],
	);
	const total = Number(counted[0].total);
	const { rows } = await context.pool.query<UserRow>(
		'select * from auth.users where aud = $1 order by created_at desc, id limit $2 offset $3',
		[AUDIENCE, perPage, Math.max(page - 1, 0) * perPage],
	);
	// GoTrue's addPaginationHeaders: next and last page links and the total count.
	const links: string[] = [];
	if (total > 0 && perPage > 0) {
		const lastPage = Math.ceil(total / perPage);
		const link = (target: number) => {
			const query = new URLSearchParams(request.url.searchParams);
			query.set('page', String(target));
			query.sort();
			return `</admin/users?${query}>`;
		};
		if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`);
		links.push(`${link(lastPage)}; rel="last"`);
	}
	return {
		status: 200,
		body: { users: rows.map(serializeUser), aud: AUDIENCE },
		headers: { link: links.join(', '), 'x-total-count': String(total) },
	};
}

export async function createUser(context: AuthContext, request: AuthRequest): Promise<Reply> {
	await requireAdmin(context.config, request.req);
	const body = await request.json();
	const rawEmail = stringField(body, 'email');
	if (!rawEmail && !stringField(body, 'phone'))
		throw badRequest('validation_failed', 'Cannot create a user without either an email or phone');
	if (!rawEmail) throw unprocessable('phone_provider_disabled', 'Phone logins are disabled');
	const email = validateEmail(rawEmail);
	if (await findUserByEmail(context.pool, email))
		throw unprocessable('email_exists', DUPLICATE_EMAIL);
	const password = stringField(body, 'password');
	if (password) requireStrongPassword(password, context.config.minimumPasswordLength);
	// Without a password the account gets an unusable random one, as GoTrue generates.
	const passwordHash = await hashPassword(password || randomBytes(48).toString('base64url'));
	const appMetadata = objectField(body, 'app_metadata');
	const role = stringField(body, 'role') || DEFAULT_ROLE;
	const banDuration = stringField(body, 'ban_duration');
	const bannedUntil = banDuration ? banUntil(banDuration) : undefined;

	const user = await inTransaction(context.pool, async (client) => {
		const id = await databaseStep(
			context,
			'Database error creating new user',
			(async () => {
				const created = await insertUser(client, {
					id: randomUUID(),
					email,
					passwordHash,
					appMetadata: mergeMetadata(
						{ provider: 'email', providers: ['email'] },
						appMetadata ?? {},
					),
					userMetadata: objectField(body, 'user_metadata') ?? {},
				});
				await setRole(client, created, role);
				if (booleanField(body, 'email_confirm')) await confirmEmail(client, created);
				if (bannedUntil !== undefined)
					await client.query('update auth.users set banned_until = $2 where id = $1', [
						created,
						bannedUntil,
					]);
				return created;
			})(),
		);
		return findUserById(client, id);
	});
	return { status: 200, body: user && serializeUser(user) };
}

export async function getUserById(context: AuthContext, request: AuthRequest): Promise<Reply> {
	await requireAdmin(context.config, request.req);
	return { status: 200, body: serializeUser(await loadUser(context, request)) };
}

export async function updateUserById(context: AuthContext, request: AuthRequest): Promise<Reply> {
	await requireAdmin(context.config, request.req);
	const user = await loadUser(context, request);
	const body = await request.json();
	const rawEmail = stringField(body, 'email');
	const email = rawEmail ? validateEmail(rawEmail) : undefined;
	if (email && email !== user.email) {
		const holder = await findUserByEmail(context.pool, email);
		if (holder && holder.id !== user.id) throw unprocessable('email_exists', DUPLICATE_EMAIL);
	}
	const password = stringField(body, 'password');
	if (password !== undefined) requireStrongPassword(password, context.config.minimumPasswordLength);
	const passwordHash = password ? await hashPassword(password) : undefined;
	const userMetadata = objectField(body, 'user_metadata');
	const appMetadata = objectField(body, 'app_metadata');
	const role = stringField(body, 'role');
	const banDuration = stringField(body, 'ban_duration');
	const bannedUntil = banDuration ? banUntil(banDuration) : undefined;

	const updated = await inTransaction(context.pool, (client) =>
		databaseStep(
			context,
			'Error updating user',
			(async () => {
				if (role) await setRole(client, user.id, role);
				if (booleanField(body, 'email_confirm')) await confirmEmail(client, user.id);
				if (passwordHash !== undefined) {
					await client.query(
						'update auth.users set encrypted_password = $2, updated_at = now() where id = $1',
						[user.id, passwordHash],
					);
					// An admin-set password ends every session of the user, as GoTrue's UpdatePassword(nil) does.
					await client.query('delete from auth.sessions where user_id = $1', [user.id]);
				}
				if (email && email !== user.email)
					await client.query('update auth.users set email = $2, updated_at = now() where id = $1', [
						user.id,
						email,
					]);
				if (appMetadata) {
					await client.query(
						'update auth.users set raw_app_meta_data = $2, updated_at = now() where id = $1',
						[user.id, mergeMetadata(user.raw_app_meta_data, appMetadata)],
					);
				}
				if (userMetadata) {
					const current = await findUserById(client, user.id);
					await client.query(
						'update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1',
						[user.id, mergeMetadata(current?.raw_user_meta_data ?? null, userMetadata)],
					);
				}
				if (bannedUntil !== undefined)
					await client.query(
						'update auth.users set banned_until = $2, updated_at = now() where id = $1',
						[user.id, bannedUntil],
					);
				return findUserById(client, user.id);
			})(),
		),
	);
	return { status: 200, body: updated && serializeUser(updated) };
}

export async function deleteUserById(context: AuthContext, request: AuthRequest): Promise<Reply> {
	await requireAdmin(context.config, request.req);
	const user = await loadUser(context, request);
	const body = await request.json({ allowEmpty: true });
	if (booleanField(body, 'should_soft_delete')) {
		// GoTrue's SoftDeleteUser: the row stays, its identifiers are obfuscated and every session ends.
		await inTransaction(context.pool, (client) =>
			databaseStep(
				context,
				'Error soft deleting user',
				(async () => {
					if (user.deleted_at) return;
					await client.query(
						`update auth.users set email = encode(sha256(convert_to(id::text || coalesce(email, ''), 'UTF8')), 'hex'), phone = null,
							encrypted_password = '', raw_user_meta_data = '{}', raw_app_meta_data = '{}', deleted_at = now(), updated_at = now()
						 where id = $1`,
						[user.id],
					);
					await client.query('delete from auth.sessions where user_id = $1', [user.id]);
				})(),
			),
		);
	} else {
		await databaseStep(
			context,
			'Database error deleting user',
			context.pool.query('delete from auth.users where id = $1', [user.id]),
		);
	}
	return { status: 200, body: {} };
}
