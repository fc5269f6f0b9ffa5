// The inbox's view of a conversation: the thread merges stored messages with outbox messages Meta
// has not echoed, marks automatic answers, and the 24-hour window opens with the buyer's last message.
import { describe, expect, it } from 'vitest';
import {
	conversationBuyerName,
	replyWindow,
	threadEntries,
	type ConversationOutboxMessage,
} from '../../src/lib/inbox.ts';
import type { ConversationMessage } from '../../src/lib/rows.ts';

const conversationId = crypto.randomUUID();

function stored(
	direction: 'inbound' | 'outbound',
	text: string,
	at: string,
	mid: string,
): ConversationMessage {
	return {
		id: crypto.randomUUID(),
		conversation_id: conversationId,
		direction,
		external_message_id: mid,
		text,
		sent_at: at,
	};
}

function outbox(
	event: ConversationOutboxMessage['event'],
	status: ConversationOutboxMessage['status'],
	text: string,
	at: string,
	extra: Partial<ConversationOutboxMessage> = {},
): ConversationOutboxMessage {
	return {
		id: crypto.randomUUID(),
		show_id: null,
		claim_id: null,
		order_id: null,
		conversation_id: conversationId,
		platform: 'facebook',
		comment_id: null,
		event,
		channel: 'message',
		text,
		status,
		reason_code: null,
		reason: null,
		attempts: 0,
		carrier_id: null,
		sent_at: status === 'sent' ? at : null,
		external_message_id: null,
		created_at: at,
		updated_at: at,
		...extra,
	};
}

describe('threadEntries', () => {
	it('shows an echoed answer once, marked automatic, and unsent outbox messages with their state', () => {
		const entries = threadEntries(
			[
				stored('inbound', 'cart', '2026-12-01T05:00:00Z', 'm_1'),
				stored('outbound', 'Automatic answer: your order', '2026-12-01T05:00:02Z', 'm_2'),
			],
			[
				outbox('keyword_answer', 'sent', 'Automatic answer: your order', '2026-12-01T05:00:01Z', {
					external_message_id: 'm_2',
				}),
				outbox('seller_reply', 'failed', 'See you!', '2026-12-01T05:01:00Z', {
					reason: 'the 24-hour window closed',
				}),
			],
		);
		expect(
			entries.map((entry) => [
				entry.direction,
				entry.text,
				entry.automatic,
				entry.pending?.status ?? null,
			]),
		).toEqual([
			['inbound', 'cart', false, null],
			['outbound', 'Automatic answer: your order', true, null],
			['outbound', 'See you!', false, 'failed'],
		]);
	});
});

describe('replyWindow', () => {
	it('is open for 24 hours after the buyer last wrote, and closed before they write', () => {
		const last = { last_inbound_at: '2026-12-01T05:00:00.000Z' };
		expect(replyWindow(last, new Date('2026-12-02T04:59:00Z'))).toEqual({
			open: true,
			closesAt: '2026-12-02T05:00:00.000Z',
		});
		expect(replyWindow(last, new Date('2026-12-02T05:00:00Z')).open).toBe(false);
		expect(replyWindow({ last_inbound_at: null }, new Date())).toEqual({
			open: false,
			closesAt: null,
		});
	});
});

describe('conversationBuyerName', () => {
	it('prefers the handle, then the name, then says where the buyer wrote', () => {
		const base = { buyer_platform_id: '7301122334455667', platform: 'instagram' as const };
		expect(conversationBuyerName({ ...base, buyer_handle: 'ana', buyer_name: 'Ana' })).toBe('@ana');
		expect(conversationBuyerName({ ...base, buyer_handle: null, buyer_name: 'Ana' })).toBe('Ana');
		expect(conversationBuyerName({ ...base, buyer_handle: null, buyer_name: null })).toBe(
			'Instagram buyer 455667',
		);
	});
});
