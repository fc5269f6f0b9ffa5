// The console inbox's view of a conversation: its thread (what the buyer wrote, what the Page
// sent, and outbox messages not yet sent or that failed), who the buyer is, and whether Meta's
// 24-hour window for normal messages is open.
import type { BuyerMessage, Conversation, ConversationMessage } from '$lib/rows';

/** An outbox message of the conversation, with Meta's id of what was sent (the mid its echo carries). */
export type ConversationOutboxMessage = BuyerMessage & { external_message_id: string | null };

/** Meta's standard messaging window: a business answers within 24 hours of the person's last message. */
export const replyWindowMs = 24 * 60 * 60 * 1000;

export interface ThreadEntry {
	key: string;
	direction: 'inbound' | 'outbound';
	text: string | null;
	at: string;
	/** Sent by the keyword answers, not by a person. */
	automatic: boolean;
	/** An outbox message Meta has not received (yet): queued, sending, failed or skipped. */
	pending: Pick<ConversationOutboxMessage, 'status' | 'reason'> | null;
}

/** The thread in time order: stored messages, and the outbox's messages for it that Meta has not echoed. */
export function threadEntries(
	messages: readonly ConversationMessage[],
	outbox: readonly ConversationOutboxMessage[],
): ThreadEntry[] {
	const automaticMids = new Set(
		outbox
			.filter((row) => row.event === 'keyword_answer' && row.external_message_id !== null)
			.map((row) => row.external_message_id),
	);
	const storedMids = new Set(messages.map((message) => message.external_message_id));
	const entries: ThreadEntry[] = messages.map((message) => ({
		key: message.id,
		direction: message.direction,
		text: message.text,
		at: message.sent_at,
		automatic: automaticMids.has(message.external_message_id),
		pending: null,
	}));
	for (const row of outbox) {
		if (row.channel !== 'message') continue;
		if (row.external_message_id !== null && storedMids.has(row.external_message_id)) continue;
		entries.push({
			key: row.id,
			direction: 'outbound',
			text: row.text,
			at: row.sent_at ?? row.created_at,
			automatic: row.event === 'keyword_answer',
			pending: row.status === 'sent' ? null : { status: row.status, reason: row.reason },
		});
	}
	return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** When the window for normal messages closes (or closed); null before the buyer wrote anything. */
export function replyWindow(
	conversation: Pick<Conversation, 'last_inbound_at'>,
	now: Date,
): { open: boolean; closesAt: string | null } {
	if (conversation.last_inbound_at === null) return { open: false, closesAt: null };
	const closes = Date.parse(conversation.last_inbound_at) + replyWindowMs;
	return { open: closes > now.getTime(), closesAt: new Date(closes).toISOString() };
}

export function conversationBuyerName(
	conversation: Pick<
		Conversation,
		'buyer_handle' | 'buyer_name' | 'buyer_platform_id' | 'platform'
	>,
): string {
	if (conversation.buyer_handle) return `@${conversation.buyer_handle.replace(/^@/, '')}`;
	if (conversation.buyer_name) return conversation.buyer_name;
	return `${conversation.platform === 'instagram' ? 'Instagram' : 'Messenger'} buyer ${conversation.buyer_platform_id.slice(-6)}`;
}
