// Follows a workspace's orders and their lines over Realtime (see followWorkspaceTables).
import type { SupabaseClient } from '@supabase/supabase-js';
import { followWorkspaceTables } from '$lib/follow-workspace';

export function followOrders(
	supabase: SupabaseClient,
	workspaceId: string,
	changed: () => void,
): () => void {
	return followWorkspaceTables(supabase, workspaceId, ['orders', 'order_lines'], changed);
}
