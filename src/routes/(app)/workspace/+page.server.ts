import { error, redirect } from '@sveltejs/kit';
import { chooseWorkspace, currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

// Switching workspace is a POST from the user menu; a plain visit goes to the dashboard.
export const load: PageServerLoad = async () => {
	redirect(303, '/dashboard');
};

export const actions: Actions = {
	default: async ({ request, locals, cookies }) => {
		const workspaceId = String((await request.formData()).get('workspaceId') ?? '');
		const { workspaces, error: readError } = await currentWorkspace({ locals, cookies });
		if (readError) error(502, `Couldn’t read your workspaces: ${readError}`);
		if (!workspaces.some((workspace) => workspace.id === workspaceId))
			error(404, 'You are not a member of that workspace.');
		chooseWorkspace(cookies, workspaceId);
		redirect(303, '/dashboard');
	},
};
