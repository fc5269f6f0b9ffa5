// Member management, for owners and admins: invite by email with a role, list and revoke pending
// invitations, change roles, remove members, hand the workspace to another owner. The database
// decides who may change whom (admins manage assistants only); this page refuses assistants.
// There is no app mailer: an invitation gives a link the inviter copies and sends themselves.
import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import {
	inviteSchema,
	memberDirectorySchema,
	parseInvitationForm,
	workspaceRoleSchema,
} from '$lib/members';
import { parseForm, type FieldErrors } from '$lib/schemas';
import { requireWorkspaceRole } from '$lib/server/workspace';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const pendingInvitationSchema = z.object({
	id: z.uuid(),
	email: z.string(),
	role: z.enum(['admin', 'assistant']),
	expires_at: z.string(),
	created_at: z.string(),
});

const what = 'Managing members';

type InviteFailure = {
	action: 'invite';
	email: string;
	role: string;
	errors: FieldErrors<typeof inviteSchema>;
	message?: string;
};

export const load: PageServerLoad = async ({ locals, cookies }) => {
	const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', what);
	const [members, invitations] = await Promise.all([
		locals.supabase.rpc('workspace_member_directory', { workspace_id: workspace.id }),
		locals.supabase
			.from('workspace_invitations')
			.select('id, email, role, expires_at, created_at')
			.eq('workspace_id', workspace.id)
			.eq('status', 'pending')
			.order('created_at', { ascending: false }),
	]);
	if (members.error)
		error(502, `Couldn’t load the members: ${describeRpcError(members.error, members.status)}`);
	if (invitations.error)
		error(
			502,
			`Couldn’t load the invitations: ${describeRpcError(invitations.error, invitations.status)}`,
		);
	return {
		workspace,
		members: z.array(memberDirectorySchema).parse(members.data),
		invitations: z.array(pendingInvitationSchema).parse(invitations.data),
	};
};

/** Calls a member function in the current workspace; its refusal becomes the action's message. */
async function call(
	event: RequestEvent,
	action: string,
	fn: string,
	args: (workspaceId: string, form: FormData) => Record<string, unknown> | null,
	done: string,
) {
	const workspace = await requireWorkspaceRole(event, 'admin', what);
	const form = await event.request.formData();
	const parsed = args(workspace.id, form);
	if (!parsed) return fail(400, { action, message: 'That form was not filled in as expected.' });
	const { error: callError, status } = await event.locals.supabase.rpc(fn, parsed);
	if (callError)
		return fail(status || 502, { action, message: describeRpcError(callError, status) });
	return { action, done };
}

const memberArgs =
	(withRole: boolean) =>
	(workspaceId: string, form: FormData): Record<string, unknown> | null => {
		const userId = z.uuid().safeParse(form.get('userId'));
		const role = workspaceRoleSchema.safeParse(form.get('role'));
		if (!userId.success || (withRole && !role.success)) return null;
		return {
			workspace_id: workspaceId,
			user_id: userId.data,
			...(withRole ? { role: role.data } : {}),
		};
	};

export const actions: Actions = {
	invite: async (event) => {
		const { locals, request, url } = event;
		const workspace = await requireWorkspaceRole(event, 'admin', what);
		const form = await request.formData();
		const echo = { email: String(form.get('email') ?? ''), role: String(form.get('role') ?? '') };
		const parsed = parseForm(inviteSchema, form);
		if (!parsed.ok)
			return fail<InviteFailure>(400, { action: 'invite', ...echo, errors: parsed.errors });
		const {
			data,
			error: inviteError,
			status,
		} = await locals.supabase
			.rpc('create_workspace_invitation', {
				workspace_id: workspace.id,
				email: parsed.data.email,
				role: parsed.data.role,
			})
			.single();
		if (inviteError)
			return fail<InviteFailure>(status || 502, {
				action: 'invite',
				...echo,
				errors: {},
				message: describeRpcError(inviteError, status),
			});
		const { token } = z.object({ token: z.string() }).parse(data);
		return {
			action: 'invite',
			invited: {
				email: parsed.data.email.toLowerCase(),
				role: parsed.data.role,
				link: `${url.origin}/invite/${token}`,
			},
		};
	},

	revoke: (event) =>
		call(
			event,
			'revoke',
			'revoke_workspace_invitation',
			(_, form) => {
				const invitationId = parseInvitationForm(form);
				return invitationId ? { invitation_id: invitationId } : null;
			},
			'Invitation revoked: its link no longer works.',
		),

	changeRole: (event) =>
		call(event, 'changeRole', 'change_workspace_member_role', memberArgs(true), 'Role changed.'),

	remove: (event) =>
		call(event, 'remove', 'remove_workspace_member', memberArgs(false), 'Member removed.'),

	transfer: (event) =>
		call(
			event,
			'transfer',
			'transfer_workspace_ownership',
			memberArgs(false),
			'Ownership handed over: you are now an admin.',
		),
};
