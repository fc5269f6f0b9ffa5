// Stripe webhook verification and event mapping: only a body signed with the endpoint's secret,
// byte for byte, within 300 s either side of now, is accepted; forgeries, other secrets, tampered
// bodies, stale (replayed) and future timestamps are refused. Events map to the order's payment
// status with their amounts in the order's minor units (JPY: no minor unit).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	mapStripeEvent,
	orderAmount,
	verifyStripeWebhook,
} from '../../supabase/functions/_shared/payments/stripe.ts';
import { WebhookVerificationError } from '../../supabase/functions/_shared/payments/types.ts';

const secret = 'whsec_test_0123456789abcdef';
const now = Date.parse('2026-12-01T12:00:00Z');
const nowSeconds = now / 1000;

function event(type: string, object: Record<string, unknown>, created = nowSeconds - 5) {
	return JSON.stringify({
		id: 'evt_1',
		object: 'event',
		type,
		created,
		data: { object },
		livemode: false,
	});
}

function sign(body: string, timestamp = nowSeconds, key = secret): string {
	return `t=${timestamp},v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

const paid = event('invoice.paid', {
	id: 'in_1',
	object: 'invoice',
	currency: 'jpy',
	amount_paid: 1800,
	status: 'paid',
	status_transitions: { paid_at: nowSeconds - 10 },
});

describe('verifyStripeWebhook', () => {
	it('accepts the exact body signed with the endpoint secret', async () => {
		const verified = await verifyStripeWebhook(paid, sign(paid), secret, now);
		expect(verified).toMatchObject({ id: 'evt_1', type: 'invoice.paid', object: { id: 'in_1' } });
	});

	it('accepts a header with several v1 signatures when one matches (secret rotation)', async () => {
		const header = `${sign(paid, nowSeconds, 'whsec_old')},v1=${sign(paid).split('v1=')[1]}`;
		await expect(verifyStripeWebhook(paid, header, secret, now)).resolves.toMatchObject({
			id: 'evt_1',
		});
	});

	const refusals: [string, () => [string, string | null]][] = [
		['no header', () => [paid, null]],
		['a forged signature', () => [paid, `t=${nowSeconds},v1=${'0'.repeat(64)}`]],
		['another secret', () => [paid, sign(paid, nowSeconds, 'whsec_someone_else')]],
		['a tampered body', () => [paid.replace('1800', '18'), sign(paid)]],
		['whitespace added to the body', () => [`${paid}\n`, sign(paid)]],
		['a stale timestamp (a replay 301 s later)', () => [paid, sign(paid, nowSeconds - 301)]],
		['a timestamp 301 s in the future', () => [paid, sign(paid, nowSeconds + 301)]],
		[
			'a timestamp changed after signing',
			() => [paid, sign(paid).replace(`t=${nowSeconds}`, `t=${nowSeconds + 1}`)],
		],
		['a v0 scheme only', () => [paid, sign(paid).replace('v1=', 'v0=')]],
		['a signed body that is no event', () => ['{"hello":1}', sign('{"hello":1}')]],
	];
	for (const [what, make] of refusals) {
		it(`refuses ${what}`, async () => {
			const [body, header] = make();
			await expect(verifyStripeWebhook(body, header, secret, now)).rejects.toBeInstanceOf(
				WebhookVerificationError,
			);
		});
	}

	it('accepts timestamps up to the tolerance on either side', async () => {
		await expect(
			verifyStripeWebhook(paid, sign(paid, nowSeconds - 300), secret, now),
		).resolves.toBeTruthy();
		await expect(
			verifyStripeWebhook(paid, sign(paid, nowSeconds + 300), secret, now),
		).resolves.toBeTruthy();
	});
});

describe('mapStripeEvent', () => {
	const verified = (type: string, object: Record<string, unknown>) => ({
		id: 'evt_1',
		type,
		created: nowSeconds,
		object,
	});

	it('maps invoice.paid to paid with the amount and time Stripe recorded', () => {
		const mapped = mapStripeEvent(verified('invoice.paid', JSON.parse(paid).data.object));
		expect(mapped).toEqual({
			kind: 'paid',
			externalInvoiceId: 'in_1',
			providerAmount: 1800,
			currency: 'jpy',
			occurredAt: new Date((nowSeconds - 10) * 1000).toISOString(),
		});
		expect(orderAmount(mapped as { providerAmount: number; currency: string }, 0)).toBe(1800);
	});

	it('maps voids, uncollectible, failed payments, refunds and checkout sessions', () => {
		const base = { id: 'in_2', currency: 'usd' };
		expect(mapStripeEvent(verified('invoice.voided', base))).toMatchObject({
			kind: 'void',
			externalInvoiceId: 'in_2',
			providerAmount: null,
		});
		expect(mapStripeEvent(verified('invoice.marked_uncollectible', base))).toMatchObject({
			kind: 'void',
		});
		expect(
			mapStripeEvent(verified('invoice.payment_failed', { ...base, amount_due: 1250 })),
		).toMatchObject({ kind: 'payment_failed', providerAmount: 1250 });
		expect(
			mapStripeEvent(
				verified('charge.refunded', {
					id: 'ch_1',
					currency: 'usd',
					invoice: 'in_2',
					amount_refunded: 500,
				}),
			),
		).toMatchObject({
			kind: 'refunded',
			externalInvoiceId: 'in_2',
			providerAmount: 500,
		});
		// API 2025-03-31 and later: the charge names only its PaymentIntent.
		expect(
			mapStripeEvent(
				verified('charge.refunded', {
					id: 'ch_1',
					currency: 'usd',
					payment_intent: 'pi_1',
					amount_refunded: 500,
				}),
			),
		).toMatchObject({
			kind: 'refunded',
			externalInvoiceId: null,
			paymentId: 'pi_1',
			providerAmount: 500,
		});
		expect(
			mapStripeEvent(
				verified('charge.refunded', { id: 'ch_1', currency: 'usd', amount_refunded: 500 }),
			),
		).toEqual({
			ignored: 'a refund of a payment not linked to an invoice',
		});
		expect(
			mapStripeEvent(
				verified('checkout.session.completed', {
					id: 'cs_1',
					currency: 'jpy',
					payment_status: 'paid',
					amount_total: 2400,
				}),
			),
		).toMatchObject({
			kind: 'paid',
			externalInvoiceId: 'cs_1',
			providerAmount: 2400,
		});
		expect(
			mapStripeEvent(
				verified('checkout.session.completed', {
					id: 'cs_1',
					currency: 'jpy',
					payment_status: 'unpaid',
				}),
			),
		).toHaveProperty('ignored');
		expect(
			mapStripeEvent(verified('checkout.session.expired', { id: 'cs_1', currency: 'jpy' })),
		).toMatchObject({ kind: 'lapsed' });
	});

	it('ignores events the product does not follow, and objects without id or currency', () => {
		expect(
			mapStripeEvent(verified('invoice.payment_succeeded', { id: 'in_1', currency: 'usd' })),
		).toEqual({
			ignored: 'invoice.payment_succeeded is not a payment status the product follows',
		});
		expect(mapStripeEvent(verified('invoice.paid', { id: 'in_1' }))).toHaveProperty('ignored');
	});
});
