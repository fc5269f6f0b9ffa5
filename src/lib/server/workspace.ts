// The workspace the console works in. A member of several workspaces chooses one (the user menu's
// switcher); the choice is a cookie holding its id, checked against the user's memberships on
// every request, so a stale or forged id falls back to the first workspace the user belongs to.
import { error, type Cookies } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { workspaceRoleSchema } from '$lib/members';
import type { Membership, WorkspaceRole } from '$lib/roles';

export const workspaceCookie = 'workspace';

export interface CurrentWorkspace {
	/** The chosen workspace with the user's role in it; null when they belong to none. */
	workspace: Membership | null;
	/** Every workspace the user belongs to, oldest first. */
	workspaces: Membership[];
	error: string | null;
}

type RequestContext = { locals: App.Locals; cookies: Cookies };

const membershipRowSchema = z.object({ workspace_id: z.uuid(), role: workspaceRoleSchema });
const workspaceRowSchema = z.object({ id: z.uuid(), name: z.string() });

// One read per request, however many loads and actions ask.
const resolved = new WeakMap<App.Locals, Promise<CurrentWorkspace>>();

export function currentWorkspace(context: RequestContext): Promise<CurrentWorkspace> {
	let result = resolved.get(context.locals);
	if (!result) {
		result = readCurrentWorkspace(context);
		resolved.set(context.locals, result);
	}
	return result;
}

async function readCurrentWorkspace({
	locals,
	cookies,
}: RequestContext): Promise<CurrentWorkspace> {
	const userId = locals.user?.id;
	if (!userId) return { workspace: null, workspaces: [], error: null };
	const [memberships, workspaces] = await Promise.all([
		locals.supabase.from('workspace_members').select('workspace_id, role').eq('user_id', userId),
		locals.supabase.from('workspaces').select('id, name').order('created_at').order('id'),
	]);
	const failed = memberships.error
		? { error: memberships.error, status: memberships.status }
		: workspaces.error
			? { error: workspaces.error, status: workspaces.status }
			: null;
	if (failed)
		return {
			workspace: null,
			workspaces: [],
			error: describeRpcError(failed.error, failed.status),
		};

	const roles = new Map(
		z
			.array(membershipRowSchema)
			.parse(memberships.data)
			.map((row) => [row.workspace_id, row.role]),
	);
	const mine = z
		.array(workspaceRowSchema)
		.parse(workspaces.data)
		.flatMap((row) => {
			const role = roles.get(row.id);
			return role ? [{ ...row, role }] : [];
		});
	const chosen = cookies.get(workspaceCookie);
	const workspace = mine.find((row) => row.id === chosen) ?? mine[0] ?? null;
	if (chosen !== undefined && workspace?.id !== chosen)
		cookies.delete(workspaceCookie, { path: '/' });
	return { workspace, workspaces: mine, error: null };
}

/** Makes workspaceId the console's workspace for this browser (the caller checked membership). */
export function chooseWorkspace(cookies: Cookies, workspaceId: string): void {
	cookies.set(workspaceCookie, workspaceId, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		maxAge: 60 * 60 * 24 * 365,
	});
}

const roleRank: Record<WorkspaceRole, number> = { assistant: 1, admin: 2, owner: 3 };

export function hasRole(role: WorkspaceRole, minRole: WorkspaceRole): boolean {
	return roleRank[role] >= roleRank[minRole];
}

/**
 * The current workspace once the user holds at least minRole in it; otherwise the request ends
 * with 403 (409 without a workspace). The database refuses the same people on its own; this keeps
 * them off pages and actions they cannot use.
 */
export async function requireWorkspaceRole(
	context: RequestContext,
	minRole: WorkspaceRole,
	what: string,
): Promise<Membership> {
	const { workspace, error: readError } = await currentWorkspace(context);
	if (!workspace)
		error(409, readError ?? 'Your account has no workspace: accept an invitation to join one.');
	if (!hasRole(workspace.role, minRole))
		error(
			403,
			`${what} is for the workspace’s ${minRole === 'owner' ? 'owners' : 'owners and admins'}; you are an ${workspace.role} in ${workspace.name}.`,
		);
	return workspace;
}
