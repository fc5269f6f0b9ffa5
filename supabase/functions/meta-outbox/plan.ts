// What the buyer-message sender (index.ts) decides without the network: the leased messages as
// Graph calls (which go out together, on which comment or to whom, in which order), the request
// each call makes, and what Meta's answer or refusal means for each message.
import { backoffMs } from '../_shared/pacing.ts';
import type { GraphApiError, GraphParams } from '../_shared/graph.ts';

/** Messenger's limit for one text message. */
export const MAX_TEXT = 2_000;
/** Meta's subcodes (Messenger error codes): outside the allowed window; comment already replied to privately. */
const OUTSIDE_WINDOW = 2018278;
const ALREADY_REPLIED = 2534014;

export type Channel = 'public_reply' | 'private_reply' | 'message';

/** A leased message, as public.meta_outbox_lease returns it. */
export interface Row {
	id: string;
	lease_token: string;
	show_id: string | null;
	connection_id: string;
	encrypted_access_token: string | null;
	page_id: string | null;
	platform: 'facebook' | 'instagram';
	/** The comment a reply answers (null for a normal message). */
	comment_id: string | null;
	/** Who a normal message goes to: the buyer's id in their conversation with the Page. */
	recipient_id: string | null;
	order_id: string | null;
	buyer_key: string;
	event:
		| 'won'
		| 'promoted'
		| 'waitlisted'
		| 'needs_variant'
		| 'invoice_ready'
		| 'payment_received'
		| 'hold_expiring'
		| 'hold_expired'
		| 'keyword_answer'
		| 'seller_reply';
	channel: Channel;
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

/** One Graph call: the messages it carries, on the carrier's comment or to its recipient. */
export interface Send {
	rows: Row[];
	carrier: Row;
	text: string;
	/** Sent before, possibly: check with Meta first. */
	uncertain: boolean;
}

export type Outcome =
	| {
			id: string;
			outcome: 'sent';
			external_message_id: string | null;
			recipient_id?: string;
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

/** Winners' private replies and payment links go before other traffic. */
const isUrgent = (row: Row) =>
	row.channel !== 'public_reply' &&
	(row.event === 'won' || row.event === 'promoted' || row.event === 'invoice_ready');

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
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
export function plan(rows: Row[]): { sends: Send[]; decided: Outcome[] } {
	const sends: Send[] = [];
	const decided: Outcome[] = [];
	// Messages that may already have gone out are sent again exactly as before.
	const resumed = rows.filter((row) => row.uncertain && row.carrier_id !== null);
	for (const group of groupBy(resumed, (row) => row.carrier_id!).values()) {
		const carrier = group.find((row) => row.id === row.carrier_id);
		if (carrier?.channel === 'message')
			// A normal message has no Meta-side guard against a second copy (a private reply has its
			// one per comment; a public reply can be looked up): never sent twice, the seller checks.
			for (const row of group)
				decided.push({
					id: row.id,
					outcome: 'failed',
					reason_code: 'uncertain',
					reason:
						'Meta’s answer was lost, so this may have reached the buyer: check the conversation, and resend only if it is not there',
				});
		else if (carrier?.sent_text)
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
		// the buyer's messages (a win and its payment link among them).
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
	// Normal messages to one person in one run go as one, but a seller's reply goes as they wrote
	// it: it is their side of a conversation, not a notice.
	const byRecipient = groupBy(
		fresh.filter((row) => row.channel === 'message'),
		(row) => (row.event === 'seller_reply' ? `reply:${row.id}` : row.recipient_id!),
	);
	for (const group of byRecipient.values()) {
		const { rows: taken, text, left } = combine(group, '\n');
		sends.push({ rows: taken, carrier: taken[0], text, uncertain: false });
		for (const row of left) decided.push({ id: row.id, outcome: 'release', retry_in_ms: 0 });
	}
	const byComment = groupBy(
		fresh.filter((row) => row.channel === 'public_reply'),
		(row) => row.comment_id!,
	);
	for (const group of byComment.values()) {
		const { rows: taken, text, left } = combine(group, ' ');
		sends.push({ rows: taken, carrier: taken[0], text, uncertain: false });
		for (const row of left) decided.push({ id: row.id, outcome: 'release', retry_in_ms: 0 });
	}
	// Winners' private replies and payment links first, then in the order the events happened.
	const rank = (send: Send) => (send.rows.some(isUrgent) ? 0 : 1);
	const first = (send: Send) => Math.min(...send.rows.map((row) => Date.parse(row.created_at)));
	sends.sort((a, b) => rank(a) - rank(b) || first(a) - first(b));
	return { sends, decided };
}

/** The Graph call that sends: its path and parameters (JSON values as Meta's examples encode them). */
export function graphRequest(send: Send, pageId: string): { path: string; params: GraphParams } {
	const message = JSON.stringify({ text: send.text });
	switch (send.carrier.channel) {
		case 'private_reply':
			// Private Replies: the Send API with the comment as the recipient.
			return {
				path: `/${pageId}/messages`,
				params: {
					recipient: JSON.stringify({ comment_id: send.carrier.comment_id }),
					message,
				},
			};
		case 'message':
			// Send API, standard messaging: an answer to the person (RESPONSE) within 24 hours of
			// their last message; the lease has checked the window (public.meta_outbox_lease).
			return {
				path: `/${pageId}/messages`,
				params: {
					recipient: JSON.stringify({ id: send.carrier.recipient_id }),
					messaging_type: 'RESPONSE',
					message,
				},
			};
		case 'public_reply':
			return { path: `/${send.carrier.comment_id}/comments`, params: { message: send.text } };
	}
}

/** Meta's answer to a send: the Send API's {recipient_id, message_id}, or a comment's {id}. */
export interface SendAnswer {
	message_id?: string;
	recipient_id?: string;
	id?: string;
}

export function sentOutcomes(send: Send, answer: SendAnswer | null, note?: string): Outcome[] {
	const externalId = answer?.message_id ?? answer?.id ?? null;
	// The recipient id Meta answers a private reply with is the buyer's id in the conversation it
	// opens: stored, it lets a later message reach them there.
	const recipient = answer?.recipient_id ? { recipient_id: answer.recipient_id } : {};
	return send.rows.map((row) =>
		row.id === send.carrier.id
			? {
					id: row.id,
					outcome: 'sent',
					external_message_id: externalId,
					...recipient,
					...(note ? { reason_code: 'confirmed', reason: note } : {}),
				}
			: {
					id: row.id,
					outcome: 'sent',
					external_message_id: externalId,
					...recipient,
					reason_code: 'combined',
					reason:
						send.carrier.channel === 'message'
							? 'sent together with other messages to this buyer, in one message'
							: `sent together with other messages to this buyer, in the reply to comment ${send.carrier.comment_id}`,
				},
	);
}

/** What Meta's refusal means for the messages of one send. */
export function failureOutcomes(send: Send, error: GraphApiError): Outcome[] {
	const all = (outcome: OutcomeOfAll) =>
		send.rows.map((row) => ({ ...outcome, id: row.id }) as Outcome);
	const { channel } = send.carrier;
	if (channel === 'private_reply' && error.subcode === ALREADY_REPLIED) {
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
	if (channel !== 'public_reply' && error.subcode === OUTSIDE_WINDOW)
		return all({
			outcome: 'skipped',
			reason_code: 'window_closed',
			reason:
				channel === 'message'
					? 'Meta refused: window closed, the buyer has not written in 24 hours; send it yourself'
					: send.carrier.platform === 'instagram'
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
			reason: `Meta refused for lack of a permission (${error.message}): reconnect and grant ${channel === 'public_reply' ? 'pages_manage_engagement' : 'pages_messaging'}, then resend`,
		});
	return all({
		outcome: 'failed',
		reason_code: 'rejected',
		reason: `Meta refused the message: ${error.message}`,
	});
}
