// The workspace the console works in: the first one the user belongs to (sign-up creates one).
import type { SupabaseClient } from '@supabase/supabase-js';
import { describeRpcError } from '$lib/rpc-error';
import { workspaceSchema, type Workspace } from '$lib/schemas';

export async function currentWorkspace(
	supabase: SupabaseClient,
): Promise<{ workspace: Workspace | null; error: string | null }> {
	const { data, error, status } = await supabase
		.from('workspaces')
		.select('id, name')
		.order('created_at')
		.limit(1)
		.maybeSingle();
	if (error) return { workspace: null, error: describeRpcError(error, status) };
	return { workspace: data ? workspaceSchema.parse(data) : null, error: null };
}
