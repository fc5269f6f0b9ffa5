// Words for the buyer-message outbox, shared by the live console and the settings page.
import type { Tone } from '$lib/labels';
import type { BuyerMessage } from '$lib/rows';

export const messageEvents = [
	{ id: 'won', label: 'Claim won', hint: 'A buyer’s claim wins a unit.', privateOnly: false },
	{
		id: 'promoted',
		label: 'Moved up from the waitlist',
		hint: 'The buyer ahead passed or was released.',
		privateOnly: false,
	},
	{
		id: 'waitlisted',
		label: 'Waitlisted',
		hint: 'The item is taken; the buyer waits at {position}.',
		privateOnly: false,
	},
	{
		id: 'needs_variant',
		label: 'Needs a variant',
		hint: 'The buyer claimed an item with variants without naming one; {variants} lists them.',
		privateOnly: false,
	},
	{
		id: 'invoice_ready',
		label: 'Payment link ready',
		hint: 'The buyer’s invoice is made: {link} to pay {total}, by {deadline} when you set a time to pay.',
		privateOnly: true,
	},
	{
		id: 'payment_received',
		label: 'Payment received',
		hint: 'The buyer paid their order.',
		privateOnly: true,
	},
	{
		id: 'hold_expiring',
		label: 'Time to pay running out',
		hint: 'A reminder before {deadline} to a buyer who has not paid yet.',
		privateOnly: true,
	},
	{
		id: 'hold_expired',
		label: 'Time to pay passed',
		hint: 'The buyer did not pay in time; their items went to the next in line.',
		privateOnly: true,
	},
] as const;
export type MessageEvent = (typeof messageEvents)[number]['id'];

export const messageChannels = [
	{ id: 'both', label: 'Public reply and private message' },
	{ id: 'public', label: 'Public reply under the comment' },
	{ id: 'private', label: 'Private message (Messenger / Instagram Direct)' },
] as const;
export type MessageChannel = (typeof messageChannels)[number]['id'];

export const channelLabel: Record<BuyerMessage['channel'], string> = {
	public_reply: 'Public reply',
	private_reply: 'Private message',
	message: 'Direct message',
};

export const eventLabel: Record<BuyerMessage['event'], string> = {
	won: 'Won',
	promoted: 'Moved up',
	waitlisted: 'Waitlisted',
	needs_variant: 'Needs a variant',
	invoice_ready: 'Payment link',
	payment_received: 'Paid',
	hold_expiring: 'Hold expiring',
	hold_expired: 'Hold expired',
	keyword_answer: 'Automatic answer',
	seller_reply: 'Your reply',
};

export const statusLabel: Record<BuyerMessage['status'], string> = {
	queued: 'Queued',
	sending: 'Sending',
	sent: 'Sent',
	failed: 'Failed',
	skipped: 'Skipped',
};

export const statusTone: Record<BuyerMessage['status'], Tone> = {
	queued: 'info',
	sending: 'info',
	sent: 'success',
	failed: 'danger',
	skipped: 'warning',
};

/** Whether the operator can send it again (or copy its text to send by hand). */
export const canResend = (message: BuyerMessage) =>
	message.status === 'failed' || message.status === 'skipped';

/**
 * One badge for a claim's messages: the worst state wins (failed, then skipped, then on its way),
 * so a problem is never hidden behind a message that went out.
 */
export function claimMessagesSummary(messages: readonly BuyerMessage[]): {
	label: string;
	tone: Tone;
} | null {
	if (messages.length === 0) return null;
	const count = (status: BuyerMessage['status']) =>
		messages.filter((message) => message.status === status).length;
	if (count('failed') > 0) return { label: 'Message failed', tone: 'danger' };
	if (count('skipped') > 0)
		return count('skipped') === messages.length
			? { label: 'Not told', tone: 'warning' }
			: { label: 'Partly told', tone: 'warning' };
	if (count('queued') + count('sending') > 0) return { label: 'Telling…', tone: 'info' };
	return { label: 'Told', tone: 'success' };
}

/** Each message in one line, for a badge's tooltip; an order's name their event too. */
export function describeMessages(
	messages: readonly BuyerMessage[],
	{ withEvent = false }: { withEvent?: boolean } = {},
): string {
	return messages
		.map(
			(message) =>
				`${withEvent ? `${eventLabel[message.event]}, ` : ''}${channelLabel[message.channel]}: ${statusLabel[message.status].toLowerCase()}${message.reason ? ` (${message.reason})` : ''}`,
		)
		.join('\n');
}

/**
 * An order's badge: whether its buyer was told of its latest event (messages come newest first),
 * and the reason when they were not, so the seller knows to hand the link over.
 */
export function orderMessagesSummary(messages: readonly BuyerMessage[]): {
	event: BuyerMessage['event'];
	label: string;
	tone: Tone;
	reason: string | null;
} | null {
	const [latest] = messages;
	if (!latest) return null;
	const summary = claimMessagesSummary([latest])!;
	return {
		event: latest.event,
		...summary,
		reason: latest.status === 'skipped' || latest.status === 'failed' ? latest.reason : null,
	};
}

/** Messages by their claim or order, each one's newest first (the messages come newest first). */
export function messagesBy(
	messages: readonly BuyerMessage[],
	key: 'claim_id' | 'order_id',
): Map<string, BuyerMessage[]> {
	const byKey = new Map<string, BuyerMessage[]>();
	for (const message of messages) {
		const id = message[key];
		if (id === null) continue;
		const list = byKey.get(id) ?? [];
		list.push(message);
		byKey.set(id, list);
	}
	return byKey;
}

/**
 * Rows read or received merged into those known, newest first, at most `limit`. Realtime and
 * reads may cross: of two states of a row the later-updated one wins.
 */
export function mergeMessages(
	known: readonly BuyerMessage[],
	rows: readonly BuyerMessage[],
	limit: number,
): BuyerMessage[] {
	const byId = new Map(known.map((message) => [message.id, message]));
	for (const row of rows) {
		const current = byId.get(row.id);
		if (!current || Date.parse(current.updated_at) <= Date.parse(row.updated_at))
			byId.set(row.id, row);
	}
	return [...byId.values()]
		.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id.localeCompare(a.id))
		.slice(0, limit);
}
