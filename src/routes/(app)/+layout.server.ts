import { workspaceSchema } from '$lib/schemas';
import type { LayoutServerLoad } from './$types';

// The workspace the console shows: the first one the user belongs to (sign-up creates one).
// A failed read leaves the console usable and says why on the dashboard.
export const load: LayoutServerLoad = async ({ locals }) => {
	const { data, error, status } = await locals.supabase.from('workspaces').select('id, name').order('created_at').limit(1).maybeSingle();
	if (error) {
		const reason = error.message || `the database answered HTTP ${status}`;
		console.error(`console: reading the workspace failed: ${reason}`);
		return { workspace: null, workspaceError: reason };
	}
	return { workspace: data ? workspaceSchema.parse(data) : null, workspaceError: null };
};
