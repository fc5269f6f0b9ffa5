// Facebook live comments, from Graph pages to the engine: which comments of a poll (read oldest
// first, `order=chronological`) are new since the stored cursor, in what order to send them, and
// how the cursor moves on. The cursor keeps the newest created_time sent and the ids sent within
// the late window before it, because Meta stamps comments to the second and may list one a
// little after its neighbours. Reading oldest first, the cursor never passes a comment not read.

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

/**
 * The comments of `oldestFirst` (the poll's pages, concatenated) not sent before, in the
 * platform's time order; comments stamped the same second keep Meta's order.
 */
export function selectNewComments(oldestFirst: GraphComment[], cursor: PollCursor): GraphComment[] {
	const boundary = boundaryMs(cursor);
	const seen = new Set<string>();
	const fresh: { comment: GraphComment; at: number; place: number }[] = [];
	oldestFirst.forEach((comment, place) => {
		if (seen.has(comment.id) || comment.id in cursor.recent) return;
		seen.add(comment.id);
		const at = parseMetaTime(comment.created_time);
		if (at >= boundary) fresh.push({ comment, at, place });
	});
	return fresh.sort((a, b) => a.at - b.at || a.place - b.place).map(({ comment }) => comment);
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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text PostgreSQL can hold: no NUL (U+0000, which text refuses; dropped) and no lone UTF-16
 * surrogate (not encodable as UTF-8; replaced by U+FFFD), so one odd comment never fails a batch.
 */
export function storableText(text: string): string {
	return text.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '');
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
			? storableText(from.name ?? from.id)
			: // Short, so a narrow claim card still tells two hidden viewers apart.
				`Hidden viewer …${shortId(comment.id)}`,
		text: storableText(comment.message ?? ''),
		created_at: new Date(parseMetaTime(comment.created_time)).toISOString(),
	};
}
