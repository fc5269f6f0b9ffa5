// Follows some of a workspace's tables over Realtime (RLS lets only its members see their rows):
// any change calls changed(), coalesced over a short pause, and so does the moment the
// subscriptions exist, to catch up on what changed before them. Returns the unsubscribe.
import type { SupabaseClient } from '@supabase/supabase-js';

const coalesceMs = 100;
let channelCount = 0;

export function followWorkspaceTables(
	supabase: SupabaseClient,
	workspaceId: string,
	tables: readonly string[],
	changed: () => void,
): () => void {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let closed = false;
	const soon = () => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			if (!closed) changed();
		}, coalesceMs);
	};
	const filter = `workspace_id=eq.${workspaceId}`;
	const channel = supabase.channel(`${tables.join('+')}:${workspaceId}:${++channelCount}`);
	for (const table of tables)
		channel.on('postgres_changes', { event: '*', schema: 'public', table, filter }, soon);
	// SUBSCRIBED only means the channel joined; this system message says the subscriptions exist.
	channel.on('system', {}, (message: { extension?: string; status?: string }) => {
		if (message.extension === 'postgres_changes' && message.status === 'ok') soon();
	});
	// The join must carry the user's token, or RLS hides every change.
	void supabase.realtime
		.setAuth()
		.catch((error: unknown) =>
			console.warn(
				`${tables.join(', ')}: handing Realtime the session failed: ${(error as Error).message}`,
			),
		)
		.then(() => {
			if (!closed) channel.subscribe();
		});
	return () => {
		closed = true;
		clearTimeout(timer);
		void supabase.removeChannel(channel);
	};
}
