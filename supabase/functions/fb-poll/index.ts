// The Facebook live comment poller, called every 2 seconds by the schedule in
// supabase/migrations/20261122006400_fb_poll_schedule.sql with the service-role key. One run:
// lease the due shows (public.fb_poll_lease), poll each concurrently and hand each show's new
// comments, in the platform's time order, to the engine in one batch together with the cursor
// move (public.fb_poll_complete), or record the failure and its back-off (public.fb_poll_fail).
// Comments are read oldest first from the cursor (`order=chronological`, `since`), so a backlog of
// any size is read in full: when it is longer than one run reads, the next run goes on from
// Meta's paging cursor at once. After Meta reports the live ended, a few more sweeps read the
// comments it lists late; then, when the workspace listens to the replay, the published video's
// comments are read every REPLAY_POLL_MS until the window closes (comments written on the replay
// up to replay_until still claim). Answers {polled: [{show_id, outcome, ...}]}.
import {
	advanceCursor,
	selectNewComments,
	sinceSeconds,
	toEngineComment,
	type GraphComment,
	type PollCursor,
} from '../_shared/facebook-comments.ts';
import { GraphApiError, type GraphUsage } from '../_shared/graph.ts';
import { handle, HttpError, json, requireMethod } from '../_shared/http.ts';
import { graphClient, tokenCipher } from '../_shared/meta.ts';
import { backoffMs, pollIntervalMs, SLOW_DOWN_ABOVE_PERCENT } from '../_shared/pacing.ts';
import { requireServiceRole, rpc, serviceClient } from '../_shared/supabase.ts';

/** Shows leased at once: each batch is polled concurrently and completes well within its lease. */
const SHOWS_PER_BATCH = 25;
/**
 * A run leases batch after batch while shows are due, for up to this long (the schedule calls it
 * every 2 s with a 15 s timeout). One batch a run held 100 lives to a poll every 14 s rather than
 * every 2 s (`npm run bench:lives`).
 */
const RUN_BUDGET_MS = 8_000;
/** Longer than a run can take (Graph calls time out after 10 s), so a lease outlives its run. */
const LEASE_SECONDS = 30;
/** Pages of 100 comments one run reads: 1,000 comments, one engine batch (ingest_comments' limit). */
const MAX_PAGES = 10;
/**
 * Sweeps after Meta reports the live ended, in ms after the end was noticed: Meta lists some
 * comments up to about 20 s late, and those written in the live's last seconds still count.
 */
const END_SWEEPS_MS = [15_000, 30_000, 60_000];
/**
 * How often the replay's comments are read once the live ended: far fewer than during the live
 * (one Graph call a poll, 3 a minute, against 60 while live), fast enough for a late claim to show
 * within half a minute.
 */
const REPLAY_POLL_MS = 20_000;
/** Comments written just before the replay window closes may be listed this late (as after the live). */
const REPLAY_LATE_LISTING_MS = END_SWEEPS_MS[END_SWEEPS_MS.length - 1];
/**
 * Statuses after which a live video's broadcast is over. Facebook then publishes it on the Page
 * (LIVE_STOPPED, then VOD once processed) and its comments edge stays readable and open to new
 * comments, which is what the replay window reads (LiveVideo `status`:
 * https://developers.facebook.com/docs/graph-api/reference/live-video/).
 */
const ENDED_STATUSES = new Set([
	'LIVE_STOPPED',
	'VOD',
	'PROCESSING',
	'SCHEDULED_EXPIRED',
	'SCHEDULED_CANCELED',
]);
const COMMENT_FIELDS = 'id,message,created_time,from{id,name}';

interface Lease {
	show_id: string;
	lease_token: string;
	live_id: string;
	connection_id: string;
	encrypted_access_token: string | null;
	cursor_newest_at: string | null;
	cursor_recent: Record<string, number>;
	/** Where an unfinished catch-up goes on: the reading's `since` and Meta's cursor after the last comment read. */
	catch_up: CatchUp | null;
	floor_at: string;
	/** Failures of last_error_kind in a row. */
	consecutive_failures: number;
	last_error_kind: GraphApiError['kind'] | null;
	live_ended_at: string | null;
	/** Until when (Meta's clock) the replay's comments still claim; null: the workspace does not listen. */
	replay_until: string | null;
	end_sweeps: number;
	poll_interval_ms: number;
}

interface CatchUp {
	since: number;
	after: string;
}

interface CommentsPage {
	data: GraphComment[];
	paging?: { next?: string; cursors?: { after?: string } };
}

type PollResult =
	| {
			show_id: string;
			outcome: 'ingested';
			comments: number;
			catching_up: boolean;
			/** Null once the end is known: the live's status is no longer asked. */
			live_status: string | null;
	  }
	| { show_id: string; outcome: 'failed'; error: string; retry_in_ms: number }
	| { show_id: string; outcome: 'lease_lost' };

/** The highest usage any answer of this poll reported. */
function worstUsage(usages: GraphUsage[]): number | undefined {
	const percents = usages
		.map((usage) => usage.percent)
		.filter((percent): percent is number => percent !== undefined);
	return percents.length > 0 ? Math.max(...percents) : undefined;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19) + ' UTC';

/**
 * Up to MAX_PAGES pages of comments, oldest first, from the catch-up position or else from the
 * cursor's boundary; `catchUp` is where to go on when Meta holds more.
 */
async function readComments(
	lease: Lease,
	cursor: PollCursor,
	token: string,
	usages: GraphUsage[],
): Promise<{ read: GraphComment[]; catchUp: CatchUp | null; serverTime?: number }> {
	const graph = graphClient();
	const query = (since: number, after?: string) =>
		graph.get<CommentsPage>(
			`/${lease.live_id}/comments`,
			{
				fields: COMMENT_FIELDS,
				// Oldest first, so the cursor never passes a comment not read (Graph's comments edge
				// takes order=chronological|reverse_chronological and since/until).
				order: 'chronological',
				filter: 'stream',
				live_filter: 'no_filter',
				limit: 100,
				since,
				after,
			},
			token,
		);
	let since = lease.catch_up?.since ?? sinceSeconds(cursor);
	let page;
	try {
		page = await query(since, lease.catch_up?.after);
	} catch (error) {
		// A paging cursor Meta no longer takes: read again from the boundary (repeats are dropped).
		if (!(error instanceof GraphApiError) || error.kind !== 'request' || !lease.catch_up)
			throw error;
		since = sinceSeconds(cursor);
		page = await query(since);
	}
	const read: GraphComment[] = [];
	const serverTime = page.serverTime;
	for (let pages = 1; ; pages += 1) {
		usages.push(page.usage);
		read.push(...page.body.data);
		if (!page.body.paging?.next) return { read, catchUp: null, serverTime };
		if (pages >= MAX_PAGES) {
			const after = page.body.paging.cursors?.after;
			return { read, catchUp: after ? { since, after } : null, serverTime };
		}
		page = await graph.next<CommentsPage>(page.body.paging.next, token);
	}
}

async function pollShow(lease: Lease): Promise<PollResult> {
	const usages: GraphUsage[] = [];
	try {
		const graph = graphClient();
		if (!lease.encrypted_access_token) {
			throw new GraphApiError(
				'token',
				'the connection has no stored token: reconnect the Page',
				0,
				{ code: 190 },
			);
		}
		const token = await (await tokenCipher()).decrypt(lease.encrypted_access_token);
		const cursor: PollCursor = {
			newestAt: lease.cursor_newest_at ? Date.parse(lease.cursor_newest_at) : null,
			recent: lease.cursor_recent,
			floorAt: Date.parse(lease.floor_at),
		};

		// Until Meta reports the end, every poll asks whether the live is still on, beside reading
		// its comments: the first answer saying it ended dates the end (by Meta's clock), and
		// comments created after it (or after the replay window) claim nothing. The same call
		// brings the viewer count (LiveVideo `live_views`, field expansion: no call of its own).
		// Once the end is known, only the comments are read.
		const [live, { read, catchUp, serverTime }] = await Promise.all([
			lease.live_ended_at
				? null
				: graph.get<{ status: string; live_views?: number }>(
						`/${lease.live_id}`,
						{ fields: 'status,live_views' },
						token,
					),
			readComments(lease, cursor, token, usages),
		]);
		if (live) usages.push(live.usage);
		const liveStatus = live?.body.status ?? null;
		const liveEndedAt = lease.live_ended_at
			? Date.parse(lease.live_ended_at)
			: liveStatus !== null && ENDED_STATUSES.has(liveStatus)
				? (live?.serverTime ?? Date.now())
				: null;
		const metaNow = serverTime ?? live?.serverTime ?? Date.now();
		const replayUntil = lease.replay_until ? Date.parse(lease.replay_until) : null;

		const fresh = selectNewComments(read, cursor);
		const next = advanceCursor(cursor, fresh);
		const usagePercent = worstUsage(usages);
		const intervalMs = pollIntervalMs(lease.poll_interval_ms, usagePercent);
		const slowed = intervalMs > lease.poll_interval_ms;

		// After the end: sweeps at END_SWEEPS_MS once the backlog is read, then nothing more.
		const endSweeps =
			liveEndedAt !== null && lease.live_ended_at !== null && !catchUp
				? lease.end_sweeps + 1
				: lease.end_sweeps;
		const swept = liveEndedAt !== null && !catchUp && endSweeps >= END_SWEEPS_MS.length;
		// The replay is read until comments written before its window closed have all been listed.
		const onReplay =
			swept && replayUntil !== null && metaNow < replayUntil + REPLAY_LATE_LISTING_MS;
		const ended = swept && !onReplay;
		let status: 'listening' | 'delayed' | 'replay' | 'live_ended';
		let statusDetail: string | null;
		let nextPollInMs: number;
		if (catchUp) {
			// A backlog is read at full speed while Meta's usage allows.
			status = 'delayed';
			statusDetail = `catching up on comments Meta holds: read up to ${next.newestAt === null ? 'the start' : clock(next.newestAt)} so far`;
			nextPollInMs = slowed ? intervalMs : 0;
		} else if (onReplay) {
			status = 'replay';
			statusDetail = `the live video ended at ${clock(liveEndedAt!)}: listening to the replay until ${clock(replayUntil!)}`;
			nextPollInMs = Math.max(intervalMs, REPLAY_POLL_MS);
		} else if (ended) {
			status = 'live_ended';
			statusDetail = `the live video ended at ${clock(liveEndedAt!)}: no more comments will come (comments Meta listed late${replayUntil === null ? '' : ` and those on the replay until ${clock(replayUntil)}`} were read)`;
			nextPollInMs = intervalMs;
		} else if (liveEndedAt !== null) {
			status = 'listening';
			const sweepAfterMs = END_SWEEPS_MS[endSweeps] - (END_SWEEPS_MS[endSweeps - 1] ?? 0);
			statusDetail = `the live video ended at ${clock(liveEndedAt)}: reading comments Meta lists late (${endSweeps + 1} of ${END_SWEEPS_MS.length} sweeps, the next in ${Math.round(sweepAfterMs / 1000)} s)`;
			nextPollInMs = Math.max(intervalMs, sweepAfterMs);
		} else {
			status = slowed ? 'delayed' : 'listening';
			statusDetail = slowed
				? `Meta API usage is at ${Math.round(usagePercent!)} % (slowing down above ${SLOW_DOWN_ABOVE_PERCENT} %): polling every ${(intervalMs / 1000).toFixed(1)} s`
				: null;
			nextPollInMs = intervalMs;
		}
		await rpc(serviceClient(), 'fb_poll_complete', {
			show_id: lease.show_id,
			lease_token: lease.lease_token,
			comments: fresh.map((comment) =>
				toEngineComment(comment, { showId: lease.show_id, liveId: lease.live_id }),
			),
			cursor_newest_at: next.newestAt === null ? null : new Date(next.newestAt).toISOString(),
			cursor_recent: next.recent,
			catch_up: catchUp,
			next_poll_in_ms: nextPollInMs,
			status,
			status_detail: statusDetail,
			usage_percent: usagePercent ?? null,
			live_ended_at: liveEndedAt === null ? null : new Date(liveEndedAt).toISOString(),
			end_sweeps: endSweeps,
			viewer_count: liveEndedAt === null ? (live?.body.live_views ?? null) : null,
		});
		return {
			show_id: lease.show_id,
			outcome: 'ingested',
			comments: fresh.length,
			catching_up: catchUp !== null,
			live_status: liveStatus,
		};
	} catch (error) {
		// fb_poll_complete's only conflict: another run took the show over, so this one ingested nothing.
		if (error instanceof HttpError && error.status === 409)
			return { show_id: lease.show_id, outcome: 'lease_lost' };
		// Missing secrets will not fix themselves: 'request' fails the show visibly and retries slowly.
		const misconfigured = error instanceof HttpError && error.code === 'function_not_configured';
		const failure =
			error instanceof GraphApiError
				? error
				: new GraphApiError(
						misconfigured ? 'request' : 'transient',
						`polling failed: ${(error as Error).message ?? String(error)}`,
						0,
					);
		if (!(error instanceof GraphApiError)) console.error(`fb-poll: show ${lease.show_id}:`, error);
		// Back-off counts only failures of this kind: a throttle after 5xx errors starts afresh.
		const failuresOfKind =
			lease.last_error_kind === failure.kind ? lease.consecutive_failures + 1 : 1;
		const retryInMs = backoffMs(failure, failuresOfKind);
		const regainMinutes =
			failure.kind === 'throttled' && failure.usage.regainAfterMs
				? Math.round(failure.usage.regainAfterMs / 60_000)
				: 0;
		const status =
			failure.kind === 'token'
				? 'reconnect_required'
				: failure.kind === 'throttled' || failure.kind === 'transient'
					? 'delayed'
					: 'failed';
		await rpc(serviceClient(), 'fb_poll_fail', {
			show_id: lease.show_id,
			lease_token: lease.lease_token,
			status,
			status_detail: `${failure.message}${regainMinutes ? `; Meta asks to wait ${regainMinutes} min` : ''} (retrying in ${Math.round(retryInMs / 1000)} s)`,
			error: failure.toJSON(),
			retry_in_ms: retryInMs,
			usage_percent: failure.usage.percent ?? null,
			connection_status: failure.connectionStatus ?? null,
		});
		return {
			show_id: lease.show_id,
			outcome: 'failed',
			error: failure.message,
			retry_in_ms: retryInMs,
		};
	}
}

Deno.serve(
	handle('fb-poll', async (req) => {
		requireMethod(req, 'POST');
		await requireServiceRole(req);
		// Meta's secrets are needed only once a show is due: a project without them polls nothing, quietly.
		const started = Date.now();
		const polled: PollResult[] = [];
		for (;;) {
			const leases = await rpc<Lease[]>(serviceClient(), 'fb_poll_lease', {
				max_shows: SHOWS_PER_BATCH,
				lease_seconds: LEASE_SECONDS,
			});
			polled.push(...(await Promise.all(leases.map(pollShow))));
			if (leases.length < SHOWS_PER_BATCH || Date.now() - started > RUN_BUDGET_MS) break;
		}
		return json({ polled });
	}),
);
