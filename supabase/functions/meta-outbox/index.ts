// The buyer-message sender, called every second by the schedule in
// supabase/migrations/20261202700400_meta_outbox_schedule.sql with the service-role key. One run:
// lease the due messages (public.meta_outbox_lease, which has already skipped what Meta's rules
// forbid), then per Page, one message at a time, winners' private replies first:
//   1. meta_outbox_mark_sending: the message is 'sending' BEFORE the Graph call;
//   2. the Graph call: a private reply `POST /{page-id}/messages {recipient: {comment_id}}` or a
//      public reply `POST /{comment-id}/comments`;
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
// which then means the interrupted attempt went through (recorded as sent, with that reason).
import { GraphApiError, type GraphUsage } from '../_shared/graph.ts';
import { handle, json, requireMethod } from '../_shared/http.ts';
import { graphClient, recordTokenProblem, tokenCipher } from '../_shared/meta.ts';
import { backoffMs, pollIntervalMs } from '../_shared/pacing.ts';
import { requireServiceRole, rpc, serviceClient } from '../_shared/supabase.ts';

const MAX_ROWS_PER_RUN = 200;
/** Longer than a run may take, so a lease outlives its run. */
const LEASE_SECONDS = 30;
/** A run stops starting sends after this long; the rest waits for the next run. */
const RUN_BUDGET_MS = 8_000;
/** Between two sends of one Page while usage is low; stretched as usage nears Meta's limit. */
const BASE_SPACING_MS = 50;
/** Messenger's limit for one text message. */
const MAX_TEXT = 2_000;
/** Meta's subcodes (Messenger error codes): outside the allowed window; comment already replied to privately. */
const OUTSIDE_WINDOW = 2018278;
const ALREADY_REPLIED = 2534014;

interface Row {
	id: string;
	lease_token: string;
	show_id: string;
	connection_id: string;
	encrypted_access_token: string | null;
	page_id: string | null;
	platform: 'facebook' | 'instagram';
	comment_id: string;
	buyer_key: string;
	event: 'won' | 'promoted' | 'waitlisted';
	channel: 'public_reply' | 'private_reply';
	text: string;
	status: 'queued' | 'sending';
	uncertain: boolean;
	carrier_id: string | null;
	sent_text: string | null;
	attempts: number;
	created_at: string;
	comment_replied: boolean;
	pacing: {
		usage_percent: number | null;
		consecutive_failures: number;
		last_error_kind: GraphApiError['kind'] | null;
	};
}

/** One Graph call: the messages it carries, on the carrier's comment. */
interface Send {
	rows: Row[];
	carrier: Row;
	text: string;
	/** Sent before, possibly: check with Meta first. */
	uncertain: boolean;
}

type Outcome =
	| {
			id: string;
			outcome: 'sent';
			external_message_id: string | null;
			reason_code?: string;
			reason?: string;
	  }
	| { id: string; outcome: 'skipped' | 'failed'; reason_code: string; reason: string }
	| {
			id: string;
			outcome: 'retry';
			reason_code: string;
			reason: string;
			retry_in_ms: number;
			uncertain: boolean;
	  }
	| { id: string; outcome: 'release'; retry_in_ms: number };

/** An outcome before it is given to each message of a send. */
type OutcomeOfAll = Outcome extends infer Each
	? Each extends Outcome
		? Omit<Each, 'id'>
		: never
	: never;

const isWinnerPrivate = (row: Row) =>
	row.channel === 'private_reply' && (row.event === 'won' || row.event === 'promoted');

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const list = groups.get(key(item)) ?? [];
		list.push(item);
		groups.set(key(item), list);
	}
	return groups;
}

/** Texts joined into one message, as many as fit; the rest go in a later one. */
function combine(rows: Row[], separator: string): { rows: Row[]; text: string; left: Row[] } {
	const taken: Row[] = [];
	let text = '';
	for (const row of rows) {
		const next = text === '' ? row.text : `${text}${separator}${row.text}`;
		if (taken.length > 0 && next.length > MAX_TEXT) break;
		taken.push(row);
		text = next.slice(0, MAX_TEXT);
	}
	return { rows: taken, text, left: rows.slice(taken.length) };
}

/**
 * The Page's leased messages as Graph calls, in sending order, and the outcomes decided without
 * one (skips, and messages left for the next call).
 */
function plan(rows: Row[]): { sends: Send[]; decided: Outcome[] } {
	const sends: Send[] = [];
	const decided: Outcome[] = [];
	// Messages that may already have gone out are sent again exactly as before.
	const resumed = rows.filter((row) => row.uncertain && row.carrier_id !== null);
	for (const group of groupBy(resumed, (row) => row.carrier_id!).values()) {
		const carrier = group.find((row) => row.id === row.carrier_id);
		if (carrier?.sent_text)
			sends.push({ rows: group, carrier, text: carrier.sent_text, uncertain: true });
		else for (const row of group) decided.push({ id: row.id, outcome: 'release', retry_in_ms: 0 });
	}
	const fresh = rows.filter((row) => !resumed.includes(row));
	const byBuyer = groupBy(
		fresh.filter((row) => row.channel === 'private_reply'),
		(row) => `${row.show_id}:${row.buyer_key}`,
	);
	for (const group of byBuyer.values()) {
		// Meta takes one private reply per comment: the newest comment not yet answered carries
		// the buyer's messages.
		const carrier = [...group].reverse().find((row) => !row.comment_replied);
		if (!carrier) {
			for (const row of group)
				decided.push({
					id: row.id,
					outcome: 'skipped',
					reason_code: 'already_replied',
					reason:
						'this comment already had its private reply (Meta takes one per comment), and the buyer wrote no newer comment to answer',
				});
			continue;
		}
		// The carrier first, so it is among the messages that fit; the text keeps the events' order.
		const { rows: taken, left } = combine(
			[carrier, ...group.filter((row) => row !== carrier)],
			'\n',
		);
		const ordered = group.filter((row) => taken.includes(row));
		sends.push({ rows: ordered, carrier, text: combine(ordered, '\n').text, uncertain: false });
		for (const row of left) decided.push({ id: row.id, outcome: 'release', retry_in_ms: 0 });
	}
	const byComment = groupBy(
		fresh.filter((row) => row.channel === 'public_reply'),
		(row) => row.comment_id,
	);
	for (const group of byComment.values()) {
		const { rows: taken, text, left } = combine(group, ' ');
		sends.push({ rows: taken, carrier: taken[0], text, uncertain: false });
		for (const row of left) decided.push({ id: row.id, outcome: 'release', retry_in_ms: 0 });
	}
	// Winners' private replies first, then in the order the events happened.
	const rank = (send: Send) => (send.rows.some(isWinnerPrivate) ? 0 : 1);
	const first = (send: Send) => Math.min(...send.rows.map((row) => Date.parse(row.created_at)));
	sends.sort((a, b) => rank(a) - rank(b) || first(a) - first(b));
	return { sends, decided };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sentOutcomes(send: Send, externalId: string | null, note?: string): Outcome[] {
	return send.rows.map((row) =>
		row.id === send.carrier.id
			? {
					id: row.id,
					outcome: 'sent',
					external_message_id: externalId,
					...(note ? { reason_code: 'confirmed', reason: note } : {}),
				}
			: {
					id: row.id,
					outcome: 'sent',
					external_message_id: externalId,
					reason_code: 'combined',
					reason: `sent together with other messages to this buyer, in the reply to comment ${send.carrier.comment_id}`,
				},
	);
}

/** What Meta's refusal means for the messages of one send. */
function failureOutcomes(send: Send, error: GraphApiError): Outcome[] {
	const all = (outcome: OutcomeOfAll) =>
		send.rows.map((row) => ({ ...outcome, id: row.id }) as Outcome);
	const privateReply = send.carrier.channel === 'private_reply';
	if (privateReply && error.subcode === ALREADY_REPLIED) {
		// Only this app sends private replies for the show: after an interrupted attempt, Meta's
		// refusal says that attempt delivered the message.
		if (send.uncertain)
			return sentOutcomes(
				send,
				null,
				'Meta already holds the private reply to this comment: the interrupted attempt went through',
			);
		return all({
			outcome: 'skipped',
			reason_code: 'already_replied',
			reason: 'Meta says this comment already had its private reply (one per comment)',
		});
	}
	if (privateReply && error.subcode === OUTSIDE_WINDOW)
		return all({
			outcome: 'skipped',
			reason_code: 'window_closed',
			reason:
				send.carrier.platform === 'instagram'
					? 'Meta refused: Instagram takes private replies to live comments only while the live is on'
					: 'Meta refused: the 7 days for a private reply to this comment are over',
		});
	const attempts = Math.max(...send.rows.map((row) => row.attempts + 1));
	if (error.kind === 'throttled' || error.kind === 'transient')
		return all({
			outcome: 'retry',
			reason_code: error.kind,
			reason: `${error.message}; trying again`,
			retry_in_ms: backoffMs(error, attempts),
			// Meta did not take a throttled call; a 5xx or a lost answer may still have delivered it.
			uncertain: error.kind === 'transient',
		});
	if (error.kind === 'token')
		return all({
			outcome: 'failed',
			reason_code: 'reconnect_required',
			reason: `Meta no longer accepts the connection's token (${error.message}): reconnect the account, then resend`,
		});
	if (error.kind === 'permission')
		return all({
			outcome: 'failed',
			reason_code: 'permission',
			reason: `Meta refused for lack of a permission (${error.message}): reconnect and grant ${privateReply ? 'pages_messaging' : 'pages_manage_engagement'}, then resend`,
		});
	return all({
		outcome: 'failed',
		reason_code: 'rejected',
		reason: `Meta refused the message: ${error.message}`,
	});
}

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
							earlier.id,
							'found under the comment: the interrupted attempt went through',
						),
					);
					continue;
				}
			}
			const answer =
				send.carrier.channel === 'private_reply'
					? await graph.post<{ message_id?: string }>(
							`/${pageId}/messages`,
							{
								recipient: JSON.stringify({ comment_id: send.carrier.comment_id }),
								message: JSON.stringify({ text: send.text }),
							},
							token,
						)
					: await graph.post<{ id?: string }>(
							`/${send.carrier.comment_id}/comments`,
							{ message: send.text },
							token,
						);
			usage = answer.usage;
			const body = answer.body as { message_id?: string; id?: string };
			results = sentOutcomes(send, body.message_id ?? body.id ?? null);
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
