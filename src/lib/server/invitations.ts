// Answering an invitation, from the invitations page or an invitation link: accepting joins the
// workspace and switches the console to it.
import { fail, redirect, type Cookies } from '@sveltejs/kit';
import { describeRpcError } from '$lib/rpc-error';
import { chooseWorkspace } from '$lib/server/workspace';

export async function respondToInvitation(
	{ locals, cookies }: { locals: App.Locals; cookies: Cookies },
	invitation: { id: string; workspace_id: string },
	accept: boolean,
) {
	const { error, status } = await locals.supabase.rpc('respond_to_workspace_invitation', {
		invitation_id: invitation.id,
		accept,
	});
	if (error) return fail(status || 502, { message: describeRpcError(error, status) });
	if (!accept) return { declined: true };
	chooseWorkspace(cookies, invitation.workspace_id);
	redirect(303, '/dashboard');
}
