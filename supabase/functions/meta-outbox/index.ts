// The buyer-message sender, called every second by the schedule in
// supabase/migrations/20261202700400_meta_outbox_schedule.sql with the service-role key. One run:
// lease the due messages (public.meta_outbox_lease, which has already skipped what Meta's rules
// forbid), then per Page, one message at a time, winners' private replies first:
//   1. meta_outbox_mark_sending: the message is 'sending' BEFORE the Graph call;
//   2. the Graph call: a private reply `POST /{page-id}/messages {recipient: {comment_id}}`, a
//      normal message `POST /{page-id}/messages {recipient: {id}, messaging_type: RESPONSE}` (only
//      within 24 hours of the buyer's last message), or a public reply `POST /{comment-id}/comments`;
//   3. meta_outbox_settle: sent, skipped (a Meta rule), failed (permanent), or retried later.
// A buyer's private messages due together go out as one (the lease holds them for a minute after
// the last one), on a comment that has not had its private reply yet; a comment's public replies
// go out as one.
//
// Never twice: a message whose Graph answer may have been lost (the run died between 1 and 3, or
// Meta answered 5xx or not at all) comes back `uncertain`, with the comment and text it was sent
// with. Before sending it again the sender asks Meta: a public reply is looked for among the
// comment's replies (`GET /{comment-id}/comments`); a private reply needs no look: Meta takes one
// per comment, so a second attempt either delivers the only copy or is refused as already replied,
// which then means the interrupted attempt went through (recorded as sent, with that reason); a
// normal message has no such guard, so it is not sent again: it fails for the seller to check.
// plan.ts holds these decisions; this file makes the calls.
import { GraphApiError, type GraphUsage } from '../_shared/graph.ts';
import { handle, json, requireMethod } from '../_shared/http.ts';
import { graphClient, recordTokenProblem, tokenCipher } from '../_shared/meta.ts';
import { backoffMs, pollIntervalMs } from '../_shared/pacing.ts';
import { requireServiceRole, rpc, serviceClient } from '../_shared/supabase.ts';
import {
	failureOutcomes,
	graphRequest,
	groupBy,
	plan,
	sentOutcomes,
	type Outcome,
	type Row,
	type SendAnswer,
} from './plan.ts';

const MAX_ROWS_PER_RUN = 200;
/** Longer than a run may take, so a lease outlives its run. */
const LEASE_SECONDS = 30;
/** A run stops starting sends after this long; the rest waits for the next run. */
const RUN_BUDGET_MS = 8_000;
/** Between two sends of one Page while usage is low; stretched as usage nears Meta's limit. */
const BASE_SPACING_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one Page's messages in order, paced by its usage; settles each send as it is answered. */
async function sendForPage(rows: Row[], leaseToken: string, deadline: number) {
	const graph = graphClient();
	const connectionId = rows[0].connection_id;
	const { sends, decided } = plan(rows);
	const settle = (results: Outcome[], pacing: unknown[] = []) =>
		results.length === 0 && pacing.length === 0
			? Promise.resolve(0)
			: rpc<number>(serviceClient(), 'meta_outbox_settle', {
					lease_token: leaseToken,
					results,
					pacing,
				});
	await settle(decided);

	let token: string;
	try {
		if (!rows[0].encrypted_access_token) throw new Error('the connection has no stored token');
		token = await (await tokenCipher()).decrypt(rows[0].encrypted_access_token);
	} catch (error) {
		await settle(
			sends.flatMap((send) =>
				send.rows.map((row) => ({
					id: row.id,
					outcome: 'failed' as const,
					reason_code: 'reconnect_required',
					reason: `${(error as Error).message}: reconnect the account, then resend`,
				})),
			),
		);
		return { connection_id: connectionId, sent: 0, failed: sends.length };
	}
	const pageId = rows[0].page_id ?? 'me';
	let usage: GraphUsage = { percent: rows[0].pacing.usage_percent ?? undefined };
	let failures = rows[0].pacing.consecutive_failures;
	let lastErrorKind = rows[0].pacing.last_error_kind;
	let pauseMs = 0;
	let sent = 0;
	let index = 0;
	for (; index < sends.length && Date.now() < deadline && pauseMs === 0; index += 1) {
		const send = sends[index];
		if (index > 0) await sleep(pollIntervalMs(BASE_SPACING_MS, usage.percent));
		const marked = await rpc<boolean>(serviceClient(), 'meta_outbox_mark_sending', {
			lease_token: leaseToken,
			message_ids: send.rows.map((row) => row.id),
			carrier_id: send.carrier.id,
			sent_text: send.text,
		});
		if (!marked) continue;
		let results: Outcome[];
		try {
			if (send.uncertain && send.carrier.channel === 'public_reply') {
				const replies = await graph.get<{
					data: { id: string; message?: string; from?: { id: string } }[];
				}>(
					`/${send.carrier.comment_id}/comments`,
					{ fields: 'id,message,from', limit: 100 },
					token,
				);
				usage = replies.usage;
				const earlier = replies.body.data.find(
					(reply) =>
						reply.message === send.text &&
						(send.carrier.page_id === null || reply.from?.id === send.carrier.page_id),
				);
				if (earlier) {
					await settle(
						sentOutcomes(
							send,
							{ id: earlier.id },
							'found under the comment: the interrupted attempt went through',
						),
					);
					continue;
				}
			}
			const request = graphRequest(send, pageId);
			const answer = await graph.post<SendAnswer>(request.path, request.params, token);
			usage = answer.usage;
			results = sentOutcomes(send, answer.body);
			sent += 1;
			failures = 0;
			lastErrorKind = null;
		} catch (error) {
			const failure =
				error instanceof GraphApiError
					? error
					: new GraphApiError(
							'transient',
							`sending failed: ${(error as Error).message ?? String(error)}`,
							0,
						);
			if (failure.usage.percent !== undefined) usage = failure.usage;
			results = failureOutcomes(send, failure);
			if (failure.kind === 'throttled') {
				// The Page waits out Meta's regain time; its other messages wait with it.
				failures = lastErrorKind === 'throttled' ? failures + 1 : 1;
				lastErrorKind = 'throttled';
				pauseMs = backoffMs(failure, failures);
			}
			if (failure.kind === 'token') {
				await recordTokenProblem(serviceClient(), connectionId, failure);
				pauseMs = 1_000;
			}
		}
		await settle(results);
	}
	const left = sends.slice(index).flatMap((send) => send.rows);
	await settle(
		left.map((row) => ({ id: row.id, outcome: 'release' as const, retry_in_ms: pauseMs })),
		[
			{
				connection_id: connectionId,
				next_send_in_ms: pauseMs,
				usage_percent: usage.percent ?? null,
				consecutive_failures: failures,
				last_error_kind: lastErrorKind,
			},
		],
	);
	return { connection_id: connectionId, sent, left: left.length, paused_ms: pauseMs };
}

Deno.serve(
	handle('meta-outbox', async (req) => {
		requireMethod(req, 'POST');
		await requireServiceRole(req);
		// Without Meta's secrets nothing is leased: the messages wait, untouched.
		graphClient();
		await tokenCipher();
		const deadline = Date.now() + RUN_BUDGET_MS;
		const rows = await rpc<Row[]>(serviceClient(), 'meta_outbox_lease', {
			max_rows: MAX_ROWS_PER_RUN,
			lease_seconds: LEASE_SECONDS,
		});
		if (rows.length === 0) return json({ pages: [] });
		const byPage = groupBy(rows, (row) => row.connection_id);
		const pages = await Promise.all(
			[...byPage.values()].map((pageRows) => sendForPage(pageRows, rows[0].lease_token, deadline)),
		);
		return json({ pages });
	}),
);
