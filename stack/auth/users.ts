// auth.users rows and their JSON form, as GoTrue's models.User serializes them.
import { createHash } from 'node:crypto';
import type pg from 'pg';

export type Db = pg.Pool | pg.PoolClient;
export type JsonObject = Record<string, unknown>;

export interface UserRow {
	id: string;
	aud: string | null;
	role: string | null;
	email: string | null;
	encrypted_password: string | null;
	email_confirmed_at: Date | null;
	invited_at: Date | null;
	confirmation_token: string | null;
	confirmation_sent_at: Date | null;
	recovery_token: string | null;
	recovery_sent_at: Date | null;
	email_change: string | null;
	email_change_sent_at: Date | null;
	last_sign_in_at: Date | null;
	raw_app_meta_data: JsonObject | null;
	raw_user_meta_data: JsonObject | null;
	created_at: Date;
	updated_at: Date;
	phone: string | null;
	phone_confirmed_at: Date | null;
	confirmed_at: Date | null;
	banned_until: Date | null;
	deleted_at: Date | null;
	is_anonymous: boolean;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GoTrue's default audience and role (GOTRUE_JWT_AUD, GOTRUE_JWT_DEFAULT_GROUP_NAME). */
export const AUDIENCE = 'authenticated';
export const DEFAULT_ROLE = 'authenticated';

export async function findUserById(
	db: Db,
	id: string,
	options: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
	const { rows } = await db.query<UserRow>(
		`select * from auth.users where id = $1${options.forUpdate ? ' for update' : ''}`,
		[id],
	);
	return rows[0];
}

/** GoTrue's FindUserByEmailAndAudience: SSO users do not count. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
	const { rows } = await db.query<UserRow>(
		'select * from auth.users where lower(email) = lower($1) and aud = $2 and is_sso_user = false',
		[email, AUDIENCE],
	);
	return rows[0];
}

export function isBanned(user: UserRow): boolean {
	return user.banned_until !== null && user.banned_until.getTime() > Date.now();
}

const iso = (value: Date | null | undefined) => value?.toISOString();

/**
 * The email identity GoTrue keeps in auth.identities. That table is not part of the local schema,
 * so it is derived from the user row; its id is stable per user.
 */
function emailIdentity(user: UserRow): JsonObject[] {
	if (!user.email) return [];
	const digest = createHash('sha256').update(`email-identity:${user.id}`).digest('hex');
	const identityId = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-${((parseInt(digest[16], 16) & 3) | 8).toString(16)}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
	return [
		{
			identity_id: identityId,
			id: user.id,
			user_id: user.id,
			identity_data: {
				email: user.email,
				email_verified: user.email_confirmed_at !== null,
				phone_verified: false,
				sub: user.id,
			},
			provider: 'email',
			last_sign_in_at: iso(user.last_sign_in_at ?? user.created_at),
			created_at: iso(user.created_at),
			updated_at: iso(user.updated_at),
			email: user.email,
		},
	];
}

/** The user object of every GoTrue response; optional fields are left out when empty (omitempty). */
export function serializeUser(user: UserRow): JsonObject {
	return JSON.parse(
		JSON.stringify({
			id: user.id,
			aud: user.aud ?? '',
			role: user.role ?? '',
			email: user.email ?? '',
			email_confirmed_at: iso(user.email_confirmed_at),
			invited_at: iso(user.invited_at),
			phone: user.phone ?? '',
			phone_confirmed_at: iso(user.phone_confirmed_at),
			confirmation_sent_at: iso(user.confirmation_sent_at),
			confirmed_at: iso(user.confirmed_at),
			recovery_sent_at: iso(user.recovery_sent_at),
			new_email: user.email_change || undefined,
			email_change_sent_at: iso(user.email_change_sent_at),
			last_sign_in_at: iso(user.last_sign_in_at),
			app_metadata: user.raw_app_meta_data ?? {},
			user_metadata: user.raw_user_meta_data ?? {},
			identities: emailIdentity(user),
			created_at: iso(user.created_at),
			updated_at: iso(user.updated_at),
			banned_until: iso(user.banned_until),
			deleted_at: iso(user.deleted_at),
			is_anonymous: user.is_anonymous,
		}),
	) as JsonObject;
}

/** GoTrue's UpdateUserMetaData/UpdateAppMetaData: keys merge, a null value removes its key. */
export function mergeMetadata(current: JsonObject | null, updates: JsonObject): JsonObject {
	const merged: JsonObject = { ...(current ?? {}) };
	for (const [key, value] of Object.entries(updates)) {
		if (value === null) delete merged[key];
		else merged[key] = value;
	}
	return merged;
}

export interface NewUser {
	id: string;
	email: string;
	passwordHash: string;
	appMetadata: JsonObject;
	userMetadata: JsonObject;
}

/**
 * Inserts a user as GoTrue's tx.Create does (empty token strings, no role yet), then sets the role
 * in a second statement as user.SetRole does, so triggers on auth.users see the same sequence.
 */
export async function insertUser(client: pg.PoolClient, user: NewUser): Promise<string> {
	const { rows } = await client.query<{ id: string }>(
		`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, confirmation_token, recovery_token, email_change,
			raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at, is_sso_user, is_anonymous)
		 values ('00000000-0000-0000-0000-000000000000', $1, $2, '', $3, $4, '', '', '', $5, $6, false, now(), now(), false, false)
		 returning id`,
		[user.id, AUDIENCE, user.email, user.passwordHash, user.appMetadata, user.userMetadata],
	);
	return rows[0].id;
}

export async function setRole(client: pg.PoolClient, userId: string, role: string): Promise<void> {
	await client.query('update auth.users set role = $2, updated_at = now() where id = $1', [
		userId,
		role,
	]);
}

/** GoTrue's user.Confirm: the address is confirmed and user_metadata.email_verified set. */
export async function confirmEmail(client: pg.PoolClient, userId: string): Promise<void> {
	await client.query(
		`update auth.users set confirmation_token = '', email_confirmed_at = now(), updated_at = now(),
			raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb
		 where id = $1`,
		[userId],
	);
}
