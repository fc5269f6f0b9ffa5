// An invitation link: /invite/<token>. Signing in (or up) first is the guard's job; the link then
// shows the invitation to the address it was sent to, and to nobody else.
import { fail } from '@sveltejs/kit';
import { describeRpcError } from '$lib/rpc-error';
import { receivedInvitationSchema, type ReceivedInvitation } from '$lib/members';
import { respondToInvitation } from '$lib/server/invitations';
import type { Actions, PageServerLoad } from './$types';

// create_workspace_invitation's tokens: 32 random bytes in hex.
const tokenPattern = /^[0-9a-f]{64}$/;

async function invitationOf(
	locals: App.Locals,
	token: string,
): Promise<{ invitation: ReceivedInvitation | null; problem: string | null }> {
	if (!tokenPattern.test(token))
		return {
			invitation: null,
			problem: 'This invitation link is not valid: check it was copied whole.',
		};
	const { data, error, status } = await locals.supabase
		.rpc('workspace_invitation_by_token', { token })
		.maybeSingle();
	if (error) return { invitation: null, problem: describeRpcError(error, status) };
	if (!data) return { invitation: null, problem: 'This invitation link is not valid.' };
	return { invitation: receivedInvitationSchema.parse(data), problem: null };
}

export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	// The address carries the token: never pass it on to another site.
	setHeaders({ 'referrer-policy': 'no-referrer' });
	return invitationOf(locals, params.token);
};

async function respond(event: Parameters<Actions[string]>[0], accept: boolean) {
	const { invitation, problem } = await invitationOf(event.locals, event.params.token ?? '');
	if (!invitation) return fail(409, { message: problem });
	return respondToInvitation(event, invitation, accept);
}

export const actions: Actions = {
	accept: (event) => respond(event, true),
	decline: (event) => respond(event, false),
};
