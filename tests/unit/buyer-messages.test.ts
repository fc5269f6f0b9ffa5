// The console's words for buyer messages: one badge per claim that never hides a problem, and the
// settings form read into what set_buyer_message_settings takes, and rows merged as they arrive.
import { describe, expect, it } from 'vitest';
import { messageSettingsFromForm } from '$lib/buyer-message-settings';
import {
	claimMessagesSummary,
	describeMessages,
	mergeMessages,
	messagesBy,
	orderMessagesSummary,
} from '$lib/buyer-messages';
import type { BuyerMessage } from '$lib/rows';

function message(status: BuyerMessage['status'], extra: Partial<BuyerMessage> = {}): BuyerMessage {
	return {
		id: crypto.randomUUID(),
		show_id: crypto.randomUUID(),
		claim_id: crypto.randomUUID(),
		order_id: null,
		conversation_id: null,
		platform: 'facebook',
		comment_id: '1_2',
		event: 'won',
		channel: 'private_reply',
		text: 'You got #12',
		status,
		reason_code: null,
		reason: null,
		attempts: 0,
		carrier_id: null,
		sent_at: null,
		created_at: '2026-12-01T03:00:00Z',
		updated_at: '2026-12-01T03:00:00Z',
		...extra,
	};
}

describe('claimMessagesSummary', () => {
	it('says nothing without messages, and "Told" when every one went out', () => {
		expect(claimMessagesSummary([])).toBeNull();
		expect(claimMessagesSummary([message('sent'), message('sent')])).toEqual({
			label: 'Told',
			tone: 'success',
		});
	});

	it('lets the worst state win', () => {
		expect(claimMessagesSummary([message('sent'), message('queued')])?.label).toBe('Telling…');
		expect(claimMessagesSummary([message('sent'), message('skipped')])?.label).toBe('Partly told');
		expect(claimMessagesSummary([message('skipped'), message('skipped')])?.label).toBe('Not told');
		expect(claimMessagesSummary([message('skipped'), message('failed')])).toEqual({
			label: 'Message failed',
			tone: 'danger',
		});
	});

	it('lists each message with its reason for the tooltip', () => {
		expect(
			describeMessages([
				message('sent', { channel: 'public_reply' }),
				message('skipped', { reason: 'the 7 days are over' }),
			]),
		).toBe('Public reply: sent\nPrivate message: skipped (the 7 days are over)');
	});
});

describe('orderMessagesSummary', () => {
	it('tells the latest event of the order, with the reason its buyer was not told', () => {
		const orderId = crypto.randomUUID();
		const link = message('skipped', {
			order_id: orderId,
			claim_id: null,
			event: 'invoice_ready',
			reason: 'window closed: the buyer has not written in 24 hours; hand the link over yourself',
			created_at: '2026-12-01T03:00:05Z',
		});
		const won = message('sent', { order_id: null });
		const paid = message('sent', {
			order_id: orderId,
			event: 'payment_received',
			created_at: '2026-12-01T04:00:00Z',
		});
		expect(orderMessagesSummary([])).toBeNull();
		expect(orderMessagesSummary([link])).toEqual({
			event: 'invoice_ready',
			label: 'Not told',
			tone: 'warning',
			reason: 'window closed: the buyer has not written in 24 hours; hand the link over yourself',
		});
		const byOrder = messagesBy(mergeMessages([], [won, link, paid], 10), 'order_id');
		expect(byOrder.get(orderId)?.map((row) => row.event)).toEqual([
			'payment_received',
			'invoice_ready',
		]);
		expect(orderMessagesSummary(byOrder.get(orderId)!)).toMatchObject({
			label: 'Told',
			reason: null,
		});
		expect(describeMessages([link], { withEvent: true })).toBe(
			'Payment link, Private message: skipped (window closed: the buyer has not written in 24 hours; hand the link over yourself)',
		);
	});
});

describe('messageSettingsFromForm', () => {
	it('reads every event, an unchecked switch as off', () => {
		const form = new FormData();
		form.set('won.enabled', 'on');
		form.set('won.channel', 'private');
		form.set('won.public_template', '{handle} got #{item}');
		form.set('won.private_template', 'Hi {name}');
		form.set('promoted.channel', 'both');
		const settings = messageSettingsFromForm(form);
		expect(settings.won).toEqual({
			enabled: true,
			channel: 'private',
			public_template: '{handle} got #{item}',
			private_template: 'Hi {name}',
		});
		expect(settings.promoted.enabled).toBe(false);
		expect(Object.keys(settings)).toEqual([
			'won',
			'promoted',
			'waitlisted',
			'needs_variant',
			'invoice_ready',
			'payment_received',
			'hold_expiring',
			'hold_expired',
		]);
	});

	it('sends an order event no channel or public template, and hours_before as a number', () => {
		const form = new FormData();
		form.set('invoice_ready.enabled', 'on');
		form.set('invoice_ready.private_template', 'Pay {total}: {link}');
		form.set('hold_expiring.hours_before', '6');
		const settings = messageSettingsFromForm(form);
		expect(settings.invoice_ready).toEqual({
			enabled: true,
			private_template: 'Pay {total}: {link}',
		});
		expect(settings.hold_expiring).toMatchObject({ enabled: false, hours_before: 6 });
	});
});

describe('mergeMessages', () => {
	it('keeps the later state of a row and orders newest first', () => {
		const older = message('queued', { created_at: '2026-12-01T03:00:00Z' });
		const newer = message('queued', { created_at: '2026-12-01T03:00:05Z' });
		const sent = { ...older, status: 'sent' as const, updated_at: '2026-12-01T03:00:02Z' };
		const merged = mergeMessages([older, newer], [sent], 10);
		expect(merged.map((row) => [row.id, row.status])).toEqual([
			[newer.id, 'queued'],
			[older.id, 'sent'],
		]);
		// A stale read does not undo it.
		expect(mergeMessages(merged, [older], 10).find((row) => row.id === older.id)?.status).toBe(
			'sent',
		);
		expect(mergeMessages(merged, [], 1)).toHaveLength(1);
	});
});
