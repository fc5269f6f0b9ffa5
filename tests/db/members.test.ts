// Membership by consent: nobody is added to a workspace over the API; people join by accepting an
// invitation sent to their confirmed email address; members are managed by role (owners anyone,
// admins assistants), a workspace keeps an owner, and every change is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	anon,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool(3);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

/** A signed-up user whose address Auth has confirmed (sign-up confirms at once locally). */
async function confirmedUser(): Promise<TestUser> {
	const user = await createUser(owner);
	await owner.query('update auth.users set email_confirmed_at = now() where id = $1', [user.id]);
	return user;
}

async function invite(
	by: TestUser,
	email: string,
	role: string,
	workspaceId = by.workspaceId,
): Promise<{ invitation_id: string; token: string; expires_at: string }> {
	const rows = await queryAs<{ invitation_id: string; token: string; expires_at: string }>(
		api,
		asUser(by),
		'select * from public.create_workspace_invitation($1, $2, $3)',
		[workspaceId, email, role],
	);
	return rows[0];
}

async function respond(user: TestUser, invitationId: string, accept: boolean): Promise<void> {
	await rpc(api, asUser(user), 'respond_to_workspace_invitation', {
		invitation_id: invitationId,
		accept,
	});
}

async function roleOf(workspaceId: string, userId: string): Promise<string | null> {
	const { rows } = await owner.query(
		'select role from public.workspace_members where workspace_id = $1 and user_id = $2',
		[workspaceId, userId],
	);
	return rows[0]?.role ?? null;
}

/** The audit trail of membership changes; the sign-up trigger's own insert has no actor. */
async function auditActions(workspaceId: string): Promise<{ action: string; actor: string }[]> {
	const { rows } = await owner.query(
		`select action, actor_user_id as actor from public.audit_log
		 where workspace_id = $1 and actor_user_id is not null and entity_type in ('workspace_members', 'workspace_invitations', 'workspaces')
		 order by created_at, action`,
		[workspaceId],
	);
	return rows;
}

describe('direct membership writes', () => {
	it('refuses adding anyone, even oneself as owner, changing or removing members over the API', async () => {
		const seller = await confirmedUser();
		const stranger = await confirmedUser();
		const insert =
			'insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, $3)';
		for (const role of ['owner', 'admin', 'assistant'])
			await expect(
				queryAs(api, asUser(seller), insert, [seller.workspaceId, stranger.id, role]),
				`the owner adds someone as ${role}`,
			).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(api, asUser(stranger), insert, [seller.workspaceId, stranger.id, 'owner']),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(api, asUser(seller), `update public.workspace_members set role = 'admin'`),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(api, asUser(seller), 'delete from public.workspace_members'),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(api, asUser(seller), 'delete from public.workspaces'),
		).rejects.toMatchObject({ code: '42501' });
		expect(await roleOf(seller.workspaceId, stranger.id)).toBeNull();
	});
});

describe('invitations', () => {
	it('lets the invited address, and only it, accept once; stores only the token’s hash', async () => {
		const seller = await confirmedUser();
		const invitee = await confirmedUser();
		const other = await confirmedUser();
		const created = await invite(seller, `  ${invitee.email.toUpperCase()} `, 'assistant');
		expect(created.token).toMatch(/^[0-9a-f]{64}$/);

		const { rows: stored } = await owner.query(
			'select email, token_hash from public.workspace_invitations where id = $1',
			[created.invitation_id],
		);
		expect(stored[0].email).toBe(invitee.email);
		expect(stored[0].token_hash).toEqual(createHash('sha256').update(created.token).digest());
		await expect(
			queryAs(api, asUser(seller), 'select token_hash from public.workspace_invitations'),
		).rejects.toMatchObject({ code: '42501' });
		expect(
			await queryAs(
				api,
				asUser(seller),
				'select email, role, status from public.workspace_invitations',
			),
		).toEqual([{ email: invitee.email, role: 'assistant', status: 'pending' }]);

		// Someone signed in with another address learns nothing and cannot accept.
		await expect(
			rpc(api, asUser(other), 'workspace_invitation_by_token', { token: created.token }),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(respond(other, created.invitation_id, true)).rejects.toMatchObject({
			code: 'PT404',
		});
		expect(
			await queryAs(api, asUser(other), 'select * from public.my_workspace_invitations()'),
		).toEqual([]);
		await expect(
			rpc(api, asUser(invitee), 'workspace_invitation_by_token', { token: 'f'.repeat(64) }),
		).rejects.toMatchObject({ code: 'PT404' });

		const mine = await queryAs(
			api,
			asUser(invitee),
			'select id, workspace_id, role, invited_by_email from public.my_workspace_invitations()',
		);
		expect(mine).toEqual([
			{
				id: created.invitation_id,
				workspace_id: seller.workspaceId,
				role: 'assistant',
				invited_by_email: seller.email,
			},
		]);
		expect(
			await rpc(api, asUser(invitee), 'workspace_invitation_by_token', { token: created.token }),
		).toMatchObject({ id: created.invitation_id, role: 'assistant' });
		expect(await roleOf(seller.workspaceId, invitee.id)).toBeNull();

		await respond(invitee, created.invitation_id, true);
		expect(await roleOf(seller.workspaceId, invitee.id)).toBe('assistant');
		await expect(respond(invitee, created.invitation_id, true)).rejects.toMatchObject({
			code: 'PT409',
			message: 'this invitation was already accepted',
		});
		await expect(
			rpc(api, asUser(invitee), 'workspace_invitation_by_token', { token: created.token }),
		).rejects.toMatchObject({ code: 'PT409' });
		await expect(invite(seller, invitee.email, 'admin')).rejects.toMatchObject({
			code: 'PT409',
			message: `${invitee.email} is already a member`,
		});

		expect(await auditActions(seller.workspaceId)).toEqual([
			{ action: 'workspace_invitations.create', actor: seller.id },
			{ action: 'workspace_invitations.accept', actor: invitee.id },
			{ action: 'workspace_members.insert', actor: invitee.id },
		]);
	});

	it('opens nothing to an address Auth has not confirmed', async () => {
		const seller = await confirmedUser();
		const unconfirmed = await createUser(owner);
		const created = await invite(seller, unconfirmed.email, 'assistant');
		expect(
			await queryAs(api, asUser(unconfirmed), 'select * from public.my_workspace_invitations()'),
		).toEqual([]);
		await expect(respond(unconfirmed, created.invitation_id, true)).rejects.toMatchObject({
			code: 'PT404',
		});
	});

	it('can be declined, revoked, replaced, and expires', async () => {
		const seller = await confirmedUser();
		const invitee = await confirmedUser();

		const declined = await invite(seller, invitee.email, 'assistant');
		await respond(invitee, declined.invitation_id, false);
		expect(await roleOf(seller.workspaceId, invitee.id)).toBeNull();

		const revoked = await invite(seller, invitee.email, 'admin');
		await rpc(api, asUser(seller), 'revoke_workspace_invitation', {
			invitation_id: revoked.invitation_id,
		});
		await expect(respond(invitee, revoked.invitation_id, true)).rejects.toMatchObject({
			code: 'PT409',
			message: 'this invitation was already revoked',
		});

		const first = await invite(seller, invitee.email, 'assistant');
		const second = await invite(seller, invitee.email, 'admin');
		await expect(
			rpc(api, asUser(invitee), 'workspace_invitation_by_token', { token: first.token }),
		).rejects.toMatchObject({ code: 'PT409' });
		await owner.query(
			`update public.workspace_invitations set expires_at = now() - interval '1 second' where id = $1`,
			[second.invitation_id],
		);
		expect(
			await queryAs(api, asUser(invitee), 'select * from public.my_workspace_invitations()'),
		).toEqual([]);
		await expect(respond(invitee, second.invitation_id, true)).rejects.toMatchObject({
			code: 'PT409',
			message: 'this invitation has expired: ask for a new one',
		});
		expect(await roleOf(seller.workspaceId, invitee.id)).toBeNull();
		expect((await auditActions(seller.workspaceId)).map((entry) => entry.action)).toEqual([
			'workspace_invitations.create',
			'workspace_invitations.decline',
			'workspace_invitations.create',
			'workspace_invitations.revoke',
			'workspace_invitations.create',
			'workspace_invitations.create',
			'workspace_invitations.revoke',
		]);
	});

	it('are sent by owners (any role) and admins (assistants), checked and bounded', async () => {
		const seller = await confirmedUser();
		const admin = await confirmedUser();
		const assistant = await confirmedUser();
		const stranger = await confirmedUser();
		await addMember(owner, seller.workspaceId, admin.id, 'admin');
		await addMember(owner, seller.workspaceId, assistant.id, 'assistant');
		const at = seller.workspaceId;

		expect((await invite(admin, 'helper@example.test', 'assistant', at)).token).toBeTruthy();
		await expect(invite(admin, 'boss@example.test', 'admin', at)).rejects.toMatchObject({
			code: 'PT403',
		});
		const adminInvitation = await invite(seller, 'boss@example.test', 'admin', at);
		await expect(
			rpc(api, asUser(admin), 'revoke_workspace_invitation', {
				invitation_id: adminInvitation.invitation_id,
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(invite(assistant, 'x@example.test', 'assistant', at)).rejects.toMatchObject({
			code: 'PT403',
		});
		await expect(invite(stranger, 'x@example.test', 'assistant', at)).rejects.toMatchObject({
			code: 'PT404',
		});
		await expect(invite(seller, 'x@example.test', 'owner', at)).rejects.toMatchObject({
			code: '22023',
		});
		for (const email of ['', 'not an address', `${'a'.repeat(320)}@example.test`])
			await expect(invite(seller, email, 'assistant', at), email).rejects.toMatchObject({
				code: '22023',
			});
		await expect(
			queryAs(api, anon, 'select * from public.create_workspace_invitation($1, $2, $3)', [
				at,
				'x@example.test',
				'assistant',
			]),
		).rejects.toMatchObject({ code: '42501' });
		expect(
			await queryAs(api, asUser(assistant), 'select id from public.workspace_invitations'),
		).toEqual([]);
	});
});

describe('managing members', () => {
	it('lets owners change any role, admins manage assistants, and keeps an owner', async () => {
		const seller = await confirmedUser();
		const admin = await confirmedUser();
		const assistant = await confirmedUser();
		const at = seller.workspaceId;
		await addMember(owner, at, admin.id, 'admin');
		await addMember(owner, at, assistant.id, 'assistant');
		const change = (by: TestUser, userId: string, role: string) =>
			rpc(api, asUser(by), 'change_workspace_member_role', {
				workspace_id: at,
				user_id: userId,
				role,
			});
		const remove = (by: TestUser, userId: string) =>
			rpc(api, asUser(by), 'remove_workspace_member', { workspace_id: at, user_id: userId });

		await expect(change(admin, assistant.id, 'admin')).rejects.toMatchObject({ code: 'PT403' });
		await expect(change(admin, admin.id, 'owner')).rejects.toMatchObject({ code: 'PT403' });
		await expect(remove(admin, seller.id)).rejects.toMatchObject({ code: 'PT403' });
		await expect(change(assistant, assistant.id, 'admin')).rejects.toMatchObject({
			code: 'PT403',
		});
		await expect(change(seller, assistant.id, 'boss')).rejects.toMatchObject({ code: '22023' });
		await expect(change(seller, seller.id, 'admin')).rejects.toMatchObject({
			code: 'PT409',
			message: 'the workspace needs an owner: make another member owner first',
		});
		await expect(remove(seller, seller.id)).rejects.toMatchObject({
			code: 'PT409',
			message: 'you are the last owner: transfer ownership or delete the workspace instead',
		});

		await change(seller, assistant.id, 'admin');
		await change(seller, assistant.id, 'assistant');
		await remove(admin, assistant.id);
		expect(await roleOf(at, assistant.id)).toBeNull();

		// Only an owner makes an owner; then the first owner may step down.
		await change(seller, admin.id, 'owner');
		await change(seller, seller.id, 'admin');
		const { rows } = await owner.query(
			'select owner_user_id from public.workspaces where id = $1',
			[at],
		);
		expect(rows[0].owner_user_id).toBe(admin.id);
		await remove(seller, seller.id);
		expect(await roleOf(at, seller.id)).toBeNull();

		expect((await auditActions(at)).slice(-7)).toEqual([
			{ action: 'workspace_members.update', actor: seller.id },
			{ action: 'workspace_members.update', actor: seller.id },
			{ action: 'workspace_members.delete', actor: admin.id },
			{ action: 'workspace_members.update', actor: seller.id },
			// Stepping down moves owner_user_id to the remaining owner, in the same transaction.
			{ action: 'workspace_members.update', actor: seller.id },
			{ action: 'workspaces.update', actor: seller.id },
			{ action: 'workspace_members.delete', actor: seller.id },
		]);
	});

	it('transfers ownership, and deletes a workspace only for an owner who types its name', async () => {
		const seller = await confirmedUser();
		const partner = await confirmedUser();
		const at = seller.workspaceId;
		await addMember(owner, at, partner.id, 'assistant');
		await expect(
			rpc(api, asUser(partner), 'transfer_workspace_ownership', {
				workspace_id: at,
				user_id: partner.id,
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await rpc(api, asUser(seller), 'transfer_workspace_ownership', {
			workspace_id: at,
			user_id: partner.id,
		});
		expect(await roleOf(at, partner.id)).toBe('owner');
		expect(await roleOf(at, seller.id)).toBe('admin');
		const { rows } = await owner.query(
			'select name, owner_user_id from public.workspaces where id = $1',
			[at],
		);
		expect(rows[0].owner_user_id).toBe(partner.id);

		const remove = (by: TestUser, confirmation: string) =>
			rpc(api, asUser(by), 'delete_workspace', { workspace_id: at, confirmation });
		await expect(remove(seller, rows[0].name)).rejects.toMatchObject({ code: 'PT403' });
		await expect(remove(partner, 'wrong')).rejects.toMatchObject({
			code: '22023',
			message: `type the workspace name, ${rows[0].name}, to confirm`,
		});
		await remove(partner, rows[0].name);
		const { rowCount } = await owner.query('select 1 from public.workspaces where id = $1', [at]);
		expect(rowCount).toBe(0);
	});
});
