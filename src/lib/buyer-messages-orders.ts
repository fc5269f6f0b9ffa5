// The orders tables' "Told" badges: a workspace's order messages followed once their code (which
// carries zod) has loaded, so the orders pages load none of it up front.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { OrderBuyerMessages } from '$lib/live/buyer-messages.svelte';

/** Follows the workspace's order messages; `ready` gets them once loaded. Returns the stop. */
export function followOrderMessages(
	supabase: SupabaseClient,
	workspaceId: string,
	ready: (messages: OrderBuyerMessages) => void,
): () => void {
	let stop: (() => void) | null = null;
	let stopped = false;
	void import('$lib/live/buyer-messages.svelte').then(({ OrderBuyerMessages }) => {
		if (stopped) return;
		const messages = new OrderBuyerMessages(supabase, workspaceId);
		stop = messages.start();
		ready(messages);
	});
	return () => {
		stopped = true;
		stop?.();
	};
}
