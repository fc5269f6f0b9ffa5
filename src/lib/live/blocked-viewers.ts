// The workspace's blocked viewers as the live console holds them: by platform and platform user
// id, replaced (never changed in place) so the store's readers see each change.
import type { BlockedViewer } from '$lib/rows';

export type BlockedViewers = ReadonlyMap<string, BlockedViewer>;

type ViewerId = Pick<BlockedViewer, 'platform' | 'platform_user_id'>;

function key(viewer: ViewerId): string {
	return `${viewer.platform} ${viewer.platform_user_id}`;
}

export function blockedViewersOf(rows: readonly BlockedViewer[]): BlockedViewers {
	return new Map(rows.map((viewer) => [key(viewer), viewer]));
}

/** The list with the viewer blocked, or (unblocked) without them. */
export function withBlock(
	viewers: BlockedViewers,
	viewer: BlockedViewer,
	unblocked: boolean,
): BlockedViewers {
	const next = new Map(viewers);
	if (unblocked) next.delete(key(viewer));
	else next.set(key(viewer), viewer);
	return next;
}

export function blockOf(viewers: BlockedViewers, viewer: ViewerId): BlockedViewer | null {
	return viewers.get(key(viewer)) ?? null;
}
