// Orders in the console: status words, the filters, paid and outstanding totals kept apart per
// currency in integer minor units, the settings form (shipping typed in the workspace's currency,
// the payment deadline) and the CSV rows with their closing totals, in USD, JPY and KWD.
import { describe, expect, it } from 'vitest';
import { orderSettingsFormSchema, type Order } from '$lib/order-schemas';
import {
	orderFilterFrom,
	orderMoney,
	orderMoneyNotes,
	orderStatusLabel,
	orderTotals,
} from '$lib/orders';
import {
	orderCsvHeader,
	orderCsvRow,
	orderCsvTotalRows,
	orderMatchesBuyer,
} from '$lib/server/orders';

const exponents = new Map([
	['USD', 2],
	['JPY', 0],
	['KWD', 3],
]);

function order(overrides: Partial<Order> = {}): Order & {
	order_lines: { show_id: string; item_number: string; removed_at: string | null }[];
} {
	return {
		id: '00000000-0000-4000-8000-000000000001',
		workspace_id: '00000000-0000-4000-8000-0000000000a1',
		show_id: null,
		platform: 'facebook',
		platform_user_id: '1001',
		user_handle: 'ana',
		user_display_name: 'Ana Lima',
		currency: 'USD',
		status: 'open',
		subtotal: 1000,
		shipping: 0,
		total: 1000,
		unpriced_lines: 0,
		paid_amount: null,
		refunded_amount: 0,
		invoice_requested_at: null,
		last_invoice_error: null,
		payment_url: null,
		lines_changed_after_invoice_at: null,
		invoiced_at: null,
		due_at: null,
		paid_at: null,
		created_at: '2026-12-01T10:00:00.000Z',
		updated_at: '2026-12-01T10:00:00.000Z',
		void_requested_at: null,
		void_settled_at: null,
		last_void_error: null,
		late_payment_at: null,
		late_payment_resolution: null,
		order_lines: [
			{ show_id: '00000000-0000-4000-8000-0000000000b1', item_number: '12', removed_at: null },
			{ show_id: '00000000-0000-4000-8000-0000000000b1', item_number: '15', removed_at: null },
			{
				show_id: '00000000-0000-4000-8000-0000000000b1',
				item_number: '16',
				removed_at: '2026-12-01T11:00:00.000Z',
			},
		],
		...overrides,
	};
}

describe('money notes', () => {
	it('says a void is pending at Stripe until it is confirmed, with the last failure', () => {
		expect(orderMoneyNotes(order({ status: 'expired' }))).toEqual([]);
		const pending = order({
			status: 'expired',
			void_requested_at: '2026-12-01T12:00:00Z',
			last_void_error: 'Stripe: An unknown error occurred',
		});
		expect(orderMoneyNotes(pending)).toEqual([
			{
				text: 'Void pending at Stripe: the buyer can still pay this invoice until it goes through. Last attempt failed: Stripe: An unknown error occurred',
				needsAction: false,
			},
		]);
		expect(orderMoneyNotes({ ...pending, void_settled_at: '2026-12-01T12:00:08Z' })).toEqual([]);
		expect(orderMoneyNotes({ ...pending, status: 'invoiced', last_void_error: null })).toEqual([
			{
				text: 'Reissuing: the old invoice is being voided at Stripe, then a new one goes out for what the order now holds.',
				needsAction: false,
			},
		]);
	});

	it('asks the seller to refund or restore a payment after expiry, until they decide', () => {
		const late = order({ status: 'paid', late_payment_at: '2026-12-01T12:00:00Z' });
		expect(orderMoneyNotes(late)).toEqual([
			{
				text: 'Paid after expiry: refund or restore. Its items may have gone to the next in line.',
				needsAction: true,
			},
		]);
		expect(orderMoneyNotes({ ...late, late_payment_resolution: 'restore' })).toEqual([
			{ text: 'Paid after expiry: you chose to keep the sale.', needsAction: false },
		]);
		// Refunded at Stripe: the status says it all.
		expect(orderMoneyNotes({ ...late, status: 'refunded' })).toEqual([]);
	});
});

describe('order status', () => {
	it('says whether an open order waits for its invoice', () => {
		expect(orderStatusLabel({ status: 'open', invoice_requested_at: null })).toBe('Not invoiced');
		expect(orderStatusLabel({ status: 'open', invoice_requested_at: '2026-12-01T10:00:00Z' })).toBe(
			'Invoice queued',
		);
		expect(orderStatusLabel({ status: 'invoiced', invoice_requested_at: null })).toBe('Unpaid');
	});

	it('reads an unknown filter as all', () => {
		expect(orderFilterFrom('paid')).toBe('paid');
		expect(orderFilterFrom('everything')).toBe('all');
		expect(orderFilterFrom(null)).toBe('all');
	});
});

describe('orderTotals', () => {
	it('keeps paid (less refunds) and outstanding apart per currency', () => {
		expect(
			orderTotals([
				order({ status: 'paid', total: 2500, paid_amount: 2500, refunded_amount: 500 }),
				order({ status: 'invoiced', total: 1999 }),
				order({ status: 'open', total: 1 }),
				order({ status: 'expired', total: 7000 }),
				order({ currency: 'JPY', status: 'paid', total: 1500, paid_amount: 1500 }),
				order({ currency: 'JPY', status: 'invoicing', total: 980 }),
				order({ currency: 'KWD', status: 'refunded', total: 12345, refunded_amount: 12345 }),
			]),
		).toEqual([
			{ currency: 'USD', paid: 2000, outstanding: 2000 },
			{ currency: 'JPY', paid: 1500, outstanding: 980 },
			{ currency: 'KWD', paid: 0, outstanding: 0 },
		]);
	});

	it('formats each total in its currency', () => {
		expect(orderMoney(1500, 'JPY', exponents)).toBe('¥1,500');
		expect(orderMoney(12345, 'KWD', exponents)).toBe('KWD\u00a012.345');
		expect(() => orderMoney(1, 'XXX', exponents)).toThrow(/not in the currency list/);
	});
});

describe('order settings form', () => {
	const form = (fields: Record<string, string>) => ({
		grouping: 'merge',
		shippingFee: '',
		invoicingMode: 'manual',
		paymentLinkKind: 'invoice',
		payWithinHours: '',
		...fields,
	});

	it('reads the shipping fee in the workspace currency’s minor units', () => {
		const parse = (code: string, exponent: number, typed: string) =>
			orderSettingsFormSchema({ code, exponent }).parse(form({ shippingFee: typed }))
				.order_shipping_fee;
		expect(parse('USD', 2, '4.99')).toBe(499);
		expect(parse('JPY', 0, '300')).toBe(300);
		expect(parse('KWD', 3, '1.5')).toBe(1500);
		expect(parse('USD', 2, '')).toBe(0);
		expect(
			orderSettingsFormSchema({ code: 'JPY', exponent: 0 }).safeParse(form({ shippingFee: '3.5' }))
				.success,
		).toBe(false);
	});

	it('takes a deadline of 1 to 168 hours, or none', () => {
		const schema = orderSettingsFormSchema({ code: 'USD', exponent: 2 });
		expect(schema.parse(form({ payWithinHours: '48', grouping: 'per_show' }))).toEqual({
			orders_merge_across_shows: false,
			order_shipping_fee: 0,
			invoicing_mode: 'manual',
			pay_within_hours: 48,
			payment_link_kind: 'invoice',
		});
		expect(schema.parse(form({})).pay_within_hours).toBeNull();
		expect(schema.parse(form({ paymentLinkKind: 'checkout' })).payment_link_kind).toBe('checkout');
		expect(schema.safeParse(form({ paymentLinkKind: 'cash' })).success).toBe(false);
		for (const hours of ['0', '169', '1.5', 'two'])
			expect(schema.safeParse(form({ payWithinHours: hours })).success).toBe(false);
		expect(schema.safeParse(form({ invoicingMode: 'hourly' })).success).toBe(false);
	});
});

describe('orders CSV', () => {
	it('writes amounts as decimals of each order’s currency, items still on the order, and totals', () => {
		const yen = order({
			currency: 'JPY',
			status: 'paid',
			subtotal: 2480,
			shipping: 300,
			total: 2780,
			paid_amount: 2780,
			paid_at: '2026-12-01T12:30:00.000Z',
		});
		const row = orderCsvRow(yen, exponents);
		expect(Object.fromEntries(orderCsvHeader.map((column, index) => [column, row[index]]))).toEqual(
			expect.objectContaining({
				buyer_handle: 'ana',
				items: '12; 15',
				status: 'paid',
				currency: 'JPY',
				subtotal: '2480',
				shipping: '300',
				total: '2780',
				paid_utc: '2026-12-01 12:30:00',
			}),
		);
		expect(orderCsvRow(order({ currency: 'KWD', total: 13845 }), exponents)[8]).toBe('13.845');

		const totals = orderCsvTotalRows(
			orderTotals([yen, order({ status: 'invoiced', total: 1999 })]),
			exponents,
		);
		expect(totals.map((line) => [line[0], line[4], line[5], line[8]])).toEqual([
			['TOTAL PAID', 'paid', 'JPY', '2780'],
			['TOTAL OUTSTANDING', 'unpaid', 'JPY', '0'],
			['TOTAL PAID', 'paid', 'USD', '0.00'],
			['TOTAL OUTSTANDING', 'unpaid', 'USD', '19.99'],
		]);
		expect(totals.every((line) => line.length === orderCsvHeader.length)).toBe(true);
	});

	it('finds buyers by handle, name or platform id', () => {
		expect(orderMatchesBuyer(order(), '@AN')).toBe(true);
		expect(orderMatchesBuyer(order(), 'lima')).toBe(true);
		expect(orderMatchesBuyer(order(), '1001')).toBe(true);
		expect(orderMatchesBuyer(order(), 'bruno')).toBe(false);
		expect(orderMatchesBuyer(order(), '  ')).toBe(true);
	});
});
