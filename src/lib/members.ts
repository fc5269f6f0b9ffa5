// The member and invitation forms and rows, checked on the server.
import { z } from 'zod';
import { workspaceRoles } from './roles';

export const workspaceRoleSchema = z.enum(workspaceRoles);

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
