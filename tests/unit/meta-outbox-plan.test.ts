// The sender's decisions without the network: the request each channel makes (a normal message
// names its recipient and answers within the 24-hour window as RESPONSE), a win and its payment
// link combined into one private reply on the comment not yet answered, the recipient id Meta
// answers a private reply with kept, a lost answer to a normal message never sent again, and a
// window Meta says is closed recorded as skipped.
import { describe, expect, it } from 'vitest';
import { GraphApiError } from '../../supabase/functions/_shared/graph.ts';
import {
	failureOutcomes,
	graphRequest,
	plan,
	sentOutcomes,
	type Row,
} from '../../supabase/functions/meta-outbox/plan.ts';

let sequence = 0;
function row(extra: Partial<Row>): Row {
	sequence += 1;
	return {
		id: `m${sequence}`,
		lease_token: 'lease',
		show_id: 'show',
		connection_id: 'page-connection',
		encrypted_access_token: 'token',
		page_id: 'page-1',
		platform: 'facebook',
		comment_id: 'comment-1',
		recipient_id: null,
		order_id: null,
		buyer_key: 'ann',
		event: 'won',
		channel: 'private_reply',
		text: `text ${sequence}`,
		status: 'queued',
		uncertain: false,
		carrier_id: null,
		sent_text: null,
		attempts: 0,
		created_at: new Date(Date.UTC(2026, 11, 1, 5, 0, sequence)).toISOString(),
		comment_replied: false,
		pacing: { usage_percent: null, consecutive_failures: 0, last_error_kind: null },
		...extra,
	};
}

describe('requests', () => {
	it('sends a normal message to the recipient id as a RESPONSE, a private reply to the comment', () => {
		const message = row({
			channel: 'message',
			comment_id: null,
			recipient_id: 'psid-9',
			text: 'Pay here',
		});
		const [send] = plan([message]).sends;
		expect(graphRequest(send, 'page-1')).toEqual({
			path: '/page-1/messages',
			params: {
				recipient: '{"id":"psid-9"}',
				messaging_type: 'RESPONSE',
				message: '{"text":"Pay here"}',
			},
		});
		const reply = row({ text: 'You got #1' });
		expect(graphRequest(plan([reply]).sends[0], 'page-1')).toEqual({
			path: '/page-1/messages',
			params: { recipient: '{"comment_id":"comment-1"}', message: '{"text":"You got #1"}' },
		});
	});
});

describe('plan', () => {
	it('combines a win and its payment link into one private reply, before public replies', () => {
		const publicReply = row({ channel: 'public_reply', text: '@ann you got #1!' });
		const won = row({ text: 'You got #1.' });
		const link = row({
			event: 'invoice_ready',
			order_id: 'order-1',
			text: 'Pay 12.50 USD here: https://pay/x',
		});
		const { sends, decided } = plan([publicReply, won, link]);
		expect(decided).toEqual([]);
		expect(
			sends.map((send) => [send.carrier.channel, send.rows.map((r) => r.id), send.text]),
		).toEqual([
			['private_reply', [won.id, link.id], 'You got #1.\nPay 12.50 USD here: https://pay/x'],
			['public_reply', [publicReply.id], '@ann you got #1!'],
		]);
	});

	it('goes first with payment links, and never resends a normal message whose answer was lost', () => {
		const waitlisted = row({
			event: 'waitlisted',
			channel: 'public_reply',
			comment_id: 'comment-2',
		});
		const link = row({
			event: 'invoice_ready',
			channel: 'message',
			comment_id: null,
			recipient_id: 'psid-1',
		});
		const lost = row({
			channel: 'message',
			comment_id: null,
			recipient_id: 'psid-2',
			event: 'payment_received',
			uncertain: true,
			status: 'sending',
		});
		lost.carrier_id = lost.id;
		lost.sent_text = lost.text;
		const { sends, decided } = plan([waitlisted, link, lost]);
		expect(sends.map((send) => send.carrier.id)).toEqual([link.id, waitlisted.id]);
		expect(decided).toEqual([
			expect.objectContaining({ id: lost.id, outcome: 'failed', reason_code: 'uncertain' }),
		]);
	});
});

describe('seller replies', () => {
	it('sends a seller’s reply on its own, not folded into an automatic answer due at the same time', () => {
		const answer = row({
			event: 'keyword_answer',
			channel: 'message',
			comment_id: null,
			recipient_id: 'psid-4',
		});
		const reply = row({
			event: 'seller_reply',
			channel: 'message',
			comment_id: null,
			recipient_id: 'psid-4',
			text: 'Yes, we ship nationwide!',
		});
		const { sends } = plan([answer, reply]);
		expect(sends.map((send) => [send.carrier.id, send.text])).toEqual([
			[answer.id, answer.text],
			[reply.id, 'Yes, we ship nationwide!'],
		]);
	});
});

describe('outcomes', () => {
	it('keeps the recipient id Meta answers a private reply with, on every message it carried', () => {
		const won = row({});
		const link = row({ event: 'invoice_ready' });
		const [send] = plan([won, link]).sends;
		expect(sentOutcomes(send, { recipient_id: 'psid-7', message_id: 'mid.1' })).toEqual([
			expect.objectContaining({ id: won.id, outcome: 'sent', recipient_id: 'psid-7' }),
			expect.objectContaining({ id: link.id, outcome: 'sent', recipient_id: 'psid-7' }),
		]);
	});

	it('records a normal message Meta says is outside the window as skipped, window closed', () => {
		const [send] = plan([
			row({ channel: 'message', comment_id: null, recipient_id: 'psid-3' }),
		]).sends;
		const refusal = new GraphApiError('request', 'outside of allowed window', 400, {
			code: 10,
			error_subcode: 2018278,
		});
		expect(failureOutcomes(send, refusal)).toEqual([
			expect.objectContaining({ outcome: 'skipped', reason_code: 'window_closed' }),
		]);
	});
});
