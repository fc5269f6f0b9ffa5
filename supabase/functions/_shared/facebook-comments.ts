// Facebook live comments, from Graph pages to the engine: which comments of a newest-first poll
// are new since the stored cursor, in what order to send them, and how the cursor moves on.
// The cursor keeps the newest created_time sent and the ids sent within the late window before
// it, because Meta stamps comments to the second and may list one a little after its neighbours.

export interface GraphComment {
	id: string;
	message?: string;
	created_time: string;
	from?: { id: string; name?: string };
}

export interface PollCursor {
	/** Unix ms of the newest comment sent so far; null before the first. */
	newestAt: number | null;
	/** Ids sent within LATE_WINDOW_MS of newestAt, with their created_time in unix ms. */
	recent: Record<string, number>;
	/** Unix ms before which comments are not the show's (its activation, to the second). */
	floorAt: number;
}

export interface EngineComment {
	show_id: string;
	platform: 'facebook';
	live_id: string;
	comment_id: string;
	platform_user_id: string;
	user_handle: null;
	user_display_name: string;
	text: string;
	created_at: string;
}

/** How far back a poll looks for comments Meta listed late. */
export const LATE_WINDOW_MS = 30_000;

/** Meta writes +0000 where ISO 8601 (and Date.parse everywhere) wants +00:00. */
export function parseMetaTime(value: string): number {
	const time = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
	if (Number.isNaN(time)) throw new Error(`not a Meta timestamp: ${value}`);
	return time;
}

/** Comments created before this are old news: sent already, or from before the show. */
export function boundaryMs(cursor: PollCursor): number {
	return Math.max(cursor.floorAt, (cursor.newestAt ?? cursor.floorAt) - LATE_WINDOW_MS);
}

/** The `since` to ask Meta for (unix seconds, whole seconds down). */
export function sinceSeconds(cursor: PollCursor): number {
	return Math.floor(boundaryMs(cursor) / 1000);
}

/** Whether a newest-first page reached comments older than the boundary, so no later page is needed. */
export function reachedBoundary(page: GraphComment[], cursor: PollCursor): boolean {
	const oldest = page.at(-1);
	return oldest !== undefined && parseMetaTime(oldest.created_time) < boundaryMs(cursor);
}

/**
 * The comments of `newestFirst` (the poll's pages, concatenated) not sent before, oldest first;
 * comments stamped the same second keep Meta's order (reversed, since Meta lists newest first).
 */
export function selectNewComments(newestFirst: GraphComment[], cursor: PollCursor): GraphComment[] {
	const boundary = boundaryMs(cursor);
	const seen = new Set<string>();
	const fresh: { comment: GraphComment; at: number; place: number }[] = [];
	newestFirst.forEach((comment, place) => {
		if (seen.has(comment.id) || comment.id in cursor.recent) return;
		seen.add(comment.id);
		const at = parseMetaTime(comment.created_time);
		if (at >= boundary) fresh.push({ comment, at, place });
	});
	return fresh.sort((a, b) => a.at - b.at || b.place - a.place).map(({ comment }) => comment);
}

/** The cursor once `sent` (from selectNewComments) is committed. */
export function advanceCursor(cursor: PollCursor, sent: GraphComment[]): PollCursor {
	const recent: Record<string, number> = { ...cursor.recent };
	for (const comment of sent) recent[comment.id] = parseMetaTime(comment.created_time);
	const newestAt = Math.max(cursor.newestAt ?? -Infinity, ...Object.values(recent));
	const next: PollCursor = {
		newestAt: Number.isFinite(newestAt) ? newestAt : null,
		recent: {},
		floorAt: cursor.floorAt,
	};
	const keepFrom = boundaryMs(next);
	for (const [id, at] of Object.entries(recent)) if (at >= keepFrom) next.recent[id] = at;
	return next;
}

/** The last digits of a comment id, to tell hidden commenters apart in the console. */
const shortId = (commentId: string) => commentId.slice(-6);

/**
 * The engine's comment. Meta leaves out `from` when the token may not see the commenter: such a
 * comment still counts, under a placeholder user of its own (`hidden:<comment id>`).
 */
export function toEngineComment(
	comment: GraphComment,
	show: { showId: string; liveId: string },
): EngineComment {
	const from = comment.from;
	return {
		show_id: show.showId,
		platform: 'facebook',
		live_id: show.liveId,
		comment_id: comment.id,
		platform_user_id: from?.id ? from.id : `hidden:${comment.id}`,
		user_handle: null,
		user_display_name: from?.id
			? (from.name ?? from.id)
			: `Name hidden by Meta (comment …${shortId(comment.id)})`,
		text: comment.message ?? '',
		created_at: new Date(parseMetaTime(comment.created_time)).toISOString(),
	};
}
