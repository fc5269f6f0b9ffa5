// Reloads a page's data after a Realtime change, but never during a navigation: SvelteKit
// lets an invalidation take over a navigation that is still loading, which would drop the
// search, filter or conversation the user just chose. The reload waits for it to finish.
import { invalidate } from '$app/navigation';
import { navigating } from '$app/state';

const waitMs = 50;
const waiting = new Set<string>();

export function reloadWhenIdle(dependency: string): void {
	if (waiting.has(dependency)) return;
	if (!navigating.to) {
		void invalidate(dependency);
		return;
	}
	waiting.add(dependency);
	const retry = () => {
		if (navigating.to) return void setTimeout(retry, waitMs);
		waiting.delete(dependency);
		void invalidate(dependency);
	};
	setTimeout(retry, waitMs);
}
