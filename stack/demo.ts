// The demo `npm start` runs so a newcomer sees claims flow: a demo seller whose show is live, and
// viewers commenting through ingest_comment exactly as the platform connectors do (service role,
// over the gateway). Local only; it never runs against a hosted project.
import { apiClient, rpc } from './api-client.ts';
import type { StackConfig } from './config.ts';

export const demoSeller = { email: 'demo@example.test', password: 'demo password' };
const demoShowName = 'Demo live: Friday boutique drop';
const demoLiveId = 'demo-live';
const itemCount = 30;
const viewers = ['maria.styles', 'jen_loves_boutique', 'kayla.b', 'dee.dee', 'sam_thrifts', 'lou.lou', 'priya.k', 'bea_closet', 'tina.t', 'ro_shops', 'nat.w', 'claire_finds'];
const chatter = ['hi everyone! 👋', 'love that color 😍', 'what size is that?', 'can you show the back?', 'so cute!!', 'is shipping free?', 'gorgeous 🔥'];

/** The demo seller (created on first start) and their live demo show. */
async function liveDemoShow(config: StackConfig): Promise<{ id: string }> {
	const seller = apiClient(config.apiUrl, config.anonKey);
	let signIn = await seller.auth.signInWithPassword(demoSeller);
	if (signIn.error?.code === 'invalid_credentials') {
		const signUp = await seller.auth.signUp(demoSeller);
		if (signUp.error) throw new Error(`demo: sign-up failed: ${signUp.error.message}`);
		signIn = await seller.auth.signInWithPassword(demoSeller);
	}
	if (signIn.error) throw new Error(`demo: sign-in failed: ${signIn.error.message}`);

	const { data: running } = await seller.from('shows').select('id').eq('name', demoShowName).eq('status', 'active').maybeSingle();
	if (running) return running;
	const { data: workspace, error } = await seller.from('workspaces').select('id').limit(1).single();
	if (error) throw new Error(`demo: reading the workspace failed: ${error.message}`);
	const show = await rpc<{ id: string }>(seller, 'create_show', { workspace_id: workspace.id, platform: 'facebook', name: demoShowName });
	await rpc(seller, 'add_show_items', {
		show_id: show.id,
		items: Array.from({ length: itemCount }, (_, index) => ({ item_number: String(index + 1), title: `Look ${index + 1}`, quantity: index % 5 === 0 ? 3 : 1 })),
	});
	// A running show from an earlier demo keeps the live id; ending it frees the id.
	const { data: stale } = await seller.from('shows').select('id').eq('live_id', demoLiveId).in('status', ['active', 'paused']);
	for (const old of stale ?? []) await rpc(seller, 'stop_show', { show_id: old.id });
	return rpc(seller, 'activate_show', { show_id: show.id, live_id: demoLiveId });
}

function pick<T>(list: readonly T[]): T {
	return list[Math.floor(Math.random() * list.length)];
}

/** A viewer's comment: mostly claims in the patterns sellers see, some chatter, a few passes. */
function viewerComment(): { viewer: string; text: string } {
	const viewer = pick(viewers);
	const item = 1 + Math.floor(Math.random() * itemCount);
	const roll = Math.random();
	if (roll < 0.3) return { viewer, text: pick(chatter) };
	if (roll < 0.38) return { viewer, text: `pass ${item}` };
	return { viewer, text: pick([`sold ${item}`, `${item} sold`, `Sold ${item}!!`, `SOLD #${item} 🙌`, `sold ${item} please`]) };
}

/** Starts the demo; returns a function that stops the viewers. */
export async function startDemo(config: StackConfig, log: (line: string) => void, intervalMs = 1500): Promise<() => void> {
	const show = await liveDemoShow(config);
	const platform = apiClient(config.apiUrl, config.serviceRoleKey);
	let sequence = 0;
	const timer = setInterval(() => {
		const { viewer, text } = viewerComment();
		sequence += 1;
		void rpc(platform, 'ingest_comment', {
			comment: {
				show_id: show.id,
				platform: 'facebook',
				live_id: demoLiveId,
				comment_id: `demo-${Date.now()}-${sequence}`,
				platform_user_id: `viewer-${viewer}`,
				user_handle: viewer,
				user_display_name: viewer,
				text,
				created_at: new Date().toISOString(),
			},
		}).catch((error: Error) => log(error.message));
	}, intervalMs);
	log(`demo: log in as ${demoSeller.email} / ${demoSeller.password}; viewers are commenting on "${demoShowName}"`);
	return () => clearInterval(timer);
}
