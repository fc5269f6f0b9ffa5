// The console's current workspace: the cookie's choice only while the user is a member of it,
// else the first workspace they belong to; and role gating on top of it.
import { describe, expect, it } from 'vitest';
import type { Cookies } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { currentWorkspace, requireWorkspaceRole, workspaceCookie } from '$lib/server/workspace';

const userId = '00000000-0000-4000-8000-000000000001';
const own = { id: '00000000-0000-4000-8000-0000000000a1', name: 'My shop' };
const team = { id: '00000000-0000-4000-8000-0000000000b2', name: 'Team Boutique' };
const left = { id: '00000000-0000-4000-8000-0000000000c3', name: 'Left long ago' };

/** A client answering the two reads currentWorkspace makes, as RLS would for this user. */
function fakeSupabase(memberships: { workspace_id: string; role: string }[]): SupabaseClient {
	const answer = (data: unknown) => ({ data, error: null, status: 200 });
	// RLS shows only the user's workspaces; a stale cookie may still name another one.
	const visible = [own, team].filter((row) => memberships.some((m) => m.workspace_id === row.id));
	return {
		from: (table: string) => ({
			select: () =>
				table === 'workspace_members'
					? { eq: async () => answer(memberships) }
					: { order: () => ({ order: async () => answer(visible) }) },
		}),
	} as unknown as SupabaseClient;
}

function fakeCookies(value?: string): Cookies & { deleted: boolean } {
	const jar = { value, deleted: false };
	return {
		get: (name: string) => (name === workspaceCookie ? jar.value : undefined),
		delete: () => {
			jar.deleted = true;
			jar.value = undefined;
		},
		get deleted() {
			return jar.deleted;
		},
	} as unknown as Cookies & { deleted: boolean };
}

function context(memberships: { workspace_id: string; role: string }[], cookie?: string) {
	const cookies = fakeCookies(cookie);
	const locals = { supabase: fakeSupabase(memberships), user: { id: userId } } as App.Locals;
	return { locals, cookies };
}

const both = [
	{ workspace_id: own.id, role: 'owner' },
	{ workspace_id: team.id, role: 'assistant' },
];

describe('currentWorkspace', () => {
	it('follows the cookie to a workspace the user belongs to, with their role there', async () => {
		const { workspace, workspaces } = await currentWorkspace(context(both, team.id));
		expect(workspace).toEqual({ ...team, role: 'assistant' });
		expect(workspaces.map((row) => row.name)).toEqual(['My shop', 'Team Boutique']);
	});

	it('falls back to the first workspace, and forgets the cookie, once the user is not a member', async () => {
		const request = context([{ workspace_id: own.id, role: 'owner' }], left.id);
		const { workspace } = await currentWorkspace(request);
		expect(workspace).toEqual({ ...own, role: 'owner' });
		expect(request.cookies.deleted).toBe(true);
	});

	it('has no workspace for a user who belongs to none', async () => {
		expect((await currentWorkspace(context([], team.id))).workspace).toBeNull();
	});
});

describe('requireWorkspaceRole', () => {
	it('refuses an assistant what takes an admin, with a 403 that says why', async () => {
		await expect(
			requireWorkspaceRole(context(both, team.id), 'admin', 'Managing members'),
		).rejects.toMatchObject({
			status: 403,
			body: {
				message:
					'Managing members is for the workspace’s owners and admins; you are an assistant in Team Boutique.',
			},
		});
		expect(await requireWorkspaceRole(context(both, own.id), 'owner', 'Deleting')).toMatchObject({
			id: own.id,
		});
		await expect(requireWorkspaceRole(context([]), 'assistant', 'Leaving')).rejects.toMatchObject({
			status: 409,
		});
	});
});
