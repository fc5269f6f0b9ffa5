import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { parseInvitationForm, receivedInvitationSchema } from '$lib/members';
import { respondToInvitation } from '$lib/server/invitations';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { data, error: readError, status } = await locals.supabase.rpc('my_workspace_invitations');
	if (readError)
		error(502, `Couldn’t load your invitations: ${describeRpcError(readError, status)}`);
	return { invitations: z.array(receivedInvitationSchema).parse(data) };
};

async function respond(event: Parameters<Actions[string]>[0], accept: boolean) {
	const form = await event.request.formData();
	const parsed = parseInvitationForm(form);
	if (!parsed) return fail(400, { message: 'There is no such invitation.' });
	// The workspace comes from the invitation itself, not from the form.
	const { data } = await event.locals.supabase.rpc('my_workspace_invitations');
	const invitation = z
		.array(receivedInvitationSchema)
		.parse(data ?? [])
		.find((row) => row.id === parsed);
	if (!invitation)
		return fail(404, {
			message: 'This invitation is no longer open: it was answered, revoked or has expired.',
		});
	return respondToInvitation(event, invitation, accept);
}

export const actions: Actions = {
	accept: (event) => respond(event, true),
	decline: (event) => respond(event, false),
};
