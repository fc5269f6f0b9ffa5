import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { receivedInvitationSchema } from '$lib/members';
import { currentWorkspace } from '$lib/server/workspace';
import type { LayoutServerLoad } from './$types';

// A failed read leaves the console usable and says why on the dashboard.
export const load: LayoutServerLoad = async ({ locals, cookies }) => {
	const [{ workspace, workspaces, error }, invitations] = await Promise.all([
		currentWorkspace({ locals, cookies }),
		// Invitations to the user's address wait for them on every page until answered.
		locals.supabase.rpc('my_workspace_invitations'),
	]);
	if (error) console.error(`console: reading the workspace failed: ${error}`);
	if (invitations.error)
		console.error(
			`console: reading invitations failed: ${describeRpcError(invitations.error, invitations.status)}`,
		);
	return {
		workspace,
		workspaces,
		workspaceError: error,
		invitations: invitations.error ? [] : z.array(receivedInvitationSchema).parse(invitations.data),
	};
};
