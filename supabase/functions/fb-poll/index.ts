// The Facebook live comment poller (PRD 6.5.1, 11.3), called every 2 seconds by the schedule in
// supabase/migrations/20261122006400_fb_poll_schedule.sql with the service-role key. One run:
// lease the due shows (public.fb_poll_lease), poll each concurrently — newest first, only what is
// new since its cursor — and hand each show's new comments, oldest first, to the engine in one
// batch together with the cursor move (public.fb_poll_complete), or record the failure and the
// back-off (public.fb_poll_fail). Answers {polled: [{show_id, outcome, ...}]}.
import {
	advanceCursor,
	reachedBoundary,
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

/** Shows one run takes on; more wait for the next tick. */
const MAX_SHOWS_PER_RUN = 25;
/** Longer than a run can take (Graph calls time out after 10 s), so a lease outlives its run. */
const LEASE_SECONDS = 30;
/** Pages of 100 comments one poll may read: 1,000 comments per show per tick. */
const MAX_PAGES = 10;
/** How often a poll also asks whether the live is still on. */
const LIVE_CHECK_INTERVAL_MS = 15_000;
/** Statuses after which a live video brings no more comments. */
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
	floor_at: string;
	consecutive_failures: number;
	live_checked_at: string | null;
	poll_interval_ms: number;
}

interface CommentsPage {
	data: GraphComment[];
	paging?: { next?: string };
}

type PollResult =
	| { show_id: string; outcome: 'ingested'; comments: number; live_status?: string }
	| { show_id: string; outcome: 'failed'; error: string; retry_in_ms: number }
	| { show_id: string; outcome: 'lease_lost' };

/** The highest usage any answer of this poll reported. */
function worstUsage(usages: GraphUsage[]): number | undefined {
	const percents = usages
		.map((usage) => usage.percent)
		.filter((percent): percent is number => percent !== undefined);
	return percents.length > 0 ? Math.max(...percents) : undefined;
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

		let liveStatus: string | undefined;
		if (
			!lease.live_checked_at ||
			Date.now() - Date.parse(lease.live_checked_at) >= LIVE_CHECK_INTERVAL_MS
		) {
			const live = await graph.get<{ status: string }>(
				`/${lease.live_id}`,
				{ fields: 'status' },
				token,
			);
			usages.push(live.usage);
			liveStatus = live.body.status;
		}

		const newestFirst: GraphComment[] = [];
		let page = await graph.get<CommentsPage>(
			`/${lease.live_id}/comments`,
			{
				fields: COMMENT_FIELDS,
				order: 'reverse_chronological',
				filter: 'stream',
				live_filter: 'no_filter',
				limit: 100,
				since: sinceSeconds(cursor),
			},
			token,
		);
		for (let pages = 1; ; pages += 1) {
			usages.push(page.usage);
			newestFirst.push(...page.body.data);
			if (!page.body.paging?.next || reachedBoundary(page.body.data, cursor) || pages >= MAX_PAGES)
				break;
			page = await graph.next<CommentsPage>(page.body.paging.next, token);
		}

		const fresh = selectNewComments(newestFirst, cursor);
		const next = advanceCursor(cursor, fresh);
		const usagePercent = worstUsage(usages);
		const intervalMs = pollIntervalMs(lease.poll_interval_ms, usagePercent);
		const liveEnded = liveStatus !== undefined && ENDED_STATUSES.has(liveStatus);
		const slowed = intervalMs > lease.poll_interval_ms;
		await rpc(serviceClient(), 'fb_poll_complete', {
			show_id: lease.show_id,
			lease_token: lease.lease_token,
			comments: fresh.map((comment) =>
				toEngineComment(comment, { showId: lease.show_id, liveId: lease.live_id }),
			),
			cursor_newest_at: next.newestAt === null ? null : new Date(next.newestAt).toISOString(),
			cursor_recent: next.recent,
			next_poll_in_ms: intervalMs,
			status: liveEnded ? 'live_ended' : slowed ? 'delayed' : 'listening',
			status_detail: liveEnded
				? `the live video is ${liveStatus}: no more comments will come`
				: slowed
					? `Meta API usage is at ${Math.round(usagePercent!)} % (slowing down above ${SLOW_DOWN_ABOVE_PERCENT} %): polling every ${(intervalMs / 1000).toFixed(1)} s`
					: null,
			usage_percent: usagePercent ?? null,
			live_checked: liveStatus !== undefined,
		});
		return {
			show_id: lease.show_id,
			outcome: 'ingested',
			comments: fresh.length,
			...(liveStatus ? { live_status: liveStatus } : {}),
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
		const retryInMs = backoffMs(failure, lease.consecutive_failures + 1);
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
			status_detail: `${failure.message} (retrying in ${Math.round(retryInMs / 1000)} s)`,
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
		const leases = await rpc<Lease[]>(serviceClient(), 'fb_poll_lease', {
			max_shows: MAX_SHOWS_PER_RUN,
			lease_seconds: LEASE_SECONDS,
		});
		const polled = await Promise.all(leases.map(pollShow));
		return json({ polled });
	}),
);
