// Workspace roles and the member forms, shared by the server and the pages.
import { z } from 'zod';

export const workspaceRoleSchema = z.enum(['owner', 'admin', 'assistant']);
export type WorkspaceRole = z.infer<typeof workspaceRoleSchema>;

/** A workspace the user belongs to, with their role in it. */
export interface Membership {
	id: string;
	name: string;
	role: WorkspaceRole;
}

export const roleLabels: Record<WorkspaceRole, string> = {
	owner: 'Owner',
	admin: 'Admin',
	assistant: 'Assistant',
};

export const roleNotes: Record<WorkspaceRole, string> = {
	owner: 'Everything, including members and deleting the workspace',
	admin: 'Shows, connections, settings and assistants',
	assistant: 'Runs live shows',
};

/** Which roles someone with managerRole may grant, change or take away (as the database rules). */
export function manageableRoles(managerRole: WorkspaceRole): WorkspaceRole[] {
	if (managerRole === 'owner') return ['owner', 'admin', 'assistant'];
	if (managerRole === 'admin') return ['assistant'];
	return [];
}

export const inviteSchema = z.object({
	email: z
		.string({ error: 'Enter the email address to invite' })
		.trim()
		.min(1, 'Enter the email address to invite')
		.max(320, 'That address is too long')
		.pipe(z.email({ error: 'Enter an email address like name@example.com' })),
	role: z.enum(['admin', 'assistant'], { error: 'Choose admin or assistant' }),
});

/** The invitation id a form names, or null. */
export function parseInvitationForm(form: FormData): string | null {
	const parsed = z.uuid().safeParse(form.get('invitationId'));
	return parsed.success ? parsed.data : null;
}

/** An invitation as its invitee sees it (my_workspace_invitations, workspace_invitation_by_token). */
export const receivedInvitationSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	workspace_name: z.string(),
	role: z.enum(['admin', 'assistant']),
	invited_by_email: z.string().nullable(),
	expires_at: z.string(),
});
export type ReceivedInvitation = z.infer<typeof receivedInvitationSchema>;

/** A row of workspace_member_directory: a member with their email address. */
export const memberDirectorySchema = z.object({
	user_id: z.uuid(),
	email: z.string().nullable(),
	role: workspaceRoleSchema,
	joined_at: z.string(),
});
export type DirectoryMember = z.infer<typeof memberDirectorySchema>;
