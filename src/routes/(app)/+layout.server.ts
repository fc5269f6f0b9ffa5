import { currentWorkspace } from '$lib/server/workspace';
import type { LayoutServerLoad } from './$types';

// A failed read leaves the console usable and says why on the dashboard.
export const load: LayoutServerLoad = async ({ locals }) => {
	const { workspace, error } = await currentWorkspace(locals.supabase);
	if (error) console.error(`console: reading the workspace failed: ${error}`);
	return { workspace, workspaceError: error };
};
