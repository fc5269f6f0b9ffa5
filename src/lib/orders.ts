// Buyer orders in the console's words: their states, the unpaid / paid /
// expired filters and totals per currency (integer minor units). An order's money
// is in its own currency, so totals are kept apart per currency, never added across.
import { formatMoney, type Currency } from '$lib/catalog/money';
import type { Tone } from '$lib/labels';
import type { Order } from '$lib/order-schemas';

export const orderStatuses = [
	'open',
	'invoicing',
	'invoiced',
	'paid',
	'void',
	'expired',
	'refunded',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** What the seller reads on the chip. */
export function orderStatusLabel(order: Pick<Order, 'status' | 'invoice_requested_at'>): string {
	switch (order.status) {
		case 'open':
			return order.invoice_requested_at ? 'Invoice queued' : 'Not invoiced';
		case 'invoicing':
			return 'Sending invoice';
		case 'invoiced':
			return 'Unpaid';
		case 'paid':
			return 'Paid';
		case 'refunded':
			return 'Refunded';
		case 'expired':
			return 'Expired';
		case 'void':
			return 'Void';
	}
}

export const orderStatusTone: Record<OrderStatus, Tone> = {
	open: 'neutral',
	invoicing: 'info',
	invoiced: 'warning',
	paid: 'success',
	refunded: 'neutral',
	expired: 'danger',
	void: 'neutral',
};

/**
 * The money matters the seller must see beside the status: an invoice whose void Stripe has not
 * confirmed yet (the buyer can still pay it; for an order whose items changed, its reissue
 * waits for that void), and a payment that came after the order expired or
 * was voided (its items may have gone to the next buyer), with what the seller decided.
 */
export function orderMoneyNotes(
	order: Pick<
		Order,
		| 'status'
		| 'void_requested_at'
		| 'void_settled_at'
		| 'last_void_error'
		| 'late_payment_at'
		| 'late_payment_resolution'
	>,
): { text: string; needsAction: boolean }[] {
	const notes = [];
	if (order.void_requested_at && !order.void_settled_at) {
		const failure = order.last_void_error ? ` Last attempt failed: ${order.last_void_error}` : '';
		notes.push({
			text:
				order.status === 'invoiced'
					? `Reissuing: the old invoice is being voided at Stripe, then a new one goes out for what the order now holds.${failure}`
					: `Void pending at Stripe: the buyer can still pay this invoice until it goes through.${failure}`,
			needsAction: false,
		});
	}
	if (order.late_payment_at && order.status === 'paid')
		notes.push(
			order.late_payment_resolution === 'refund'
				? { text: 'Paid after expiry: you chose to refund it at Stripe.', needsAction: false }
				: order.late_payment_resolution === 'restore'
					? { text: 'Paid after expiry: you chose to keep the sale.', needsAction: false }
					: {
							text: 'Paid after expiry: refund or restore. Its items may have gone to the next in line.',
							needsAction: true,
						},
		);
	return notes;
}

export const orderFilters = ['all', 'unpaid', 'paid', 'expired'] as const;
export type OrderFilter = (typeof orderFilters)[number];

export const orderFilterLabels: Record<OrderFilter, string> = {
	all: 'All',
	unpaid: 'Unpaid',
	paid: 'Paid',
	expired: 'Expired',
};

/** The statuses each filter keeps. */
export const orderFilterStatuses: Record<OrderFilter, readonly OrderStatus[]> = {
	all: orderStatuses,
	unpaid: ['open', 'invoicing', 'invoiced'],
	paid: ['paid', 'refunded'],
	expired: ['expired'],
};

export function orderFilterFrom(value: string | null): OrderFilter {
	return orderFilters.find((filter) => filter === value) ?? 'all';
}

export interface MoneyTotals {
	currency: string;
	/** Received and kept: paid amounts less refunds. */
	paid: number;
	/** Owed by orders not yet paid, invoiced or not. */
	outstanding: number;
}

/** Paid and outstanding per currency, in the order currencies first appear. */
export function orderTotals(
	orders: readonly Pick<
		Order,
		'currency' | 'status' | 'total' | 'paid_amount' | 'refunded_amount'
	>[],
): MoneyTotals[] {
	const byCurrency = new Map<string, MoneyTotals>();
	for (const order of orders) {
		let totals = byCurrency.get(order.currency);
		if (!totals) {
			totals = { currency: order.currency, paid: 0, outstanding: 0 };
			byCurrency.set(order.currency, totals);
		}
		if (order.status === 'paid' || order.status === 'refunded')
			totals.paid += (order.paid_amount ?? order.total) - order.refunded_amount;
		else if (orderFilterStatuses.unpaid.includes(order.status)) totals.outstanding += order.total;
	}
	return [...byCurrency.values()];
}

/** Minor units of the order's currency, formatted; exponents come from public.currencies. */
export function orderMoney(
	minor: number,
	currencyCode: string,
	exponents: ReadonlyMap<string, number>,
): string {
	const currency: Currency = { code: currencyCode, exponent: exponentOf(exponents, currencyCode) };
	return formatMoney(minor, currency);
}

/** "@handle", else the display name, else the platform id. */
export function orderBuyerName(
	order: Pick<Order, 'user_handle' | 'user_display_name' | 'platform_user_id'>,
): string {
	if (order.user_handle) return `@${order.user_handle}`;
	return order.user_display_name ?? order.platform_user_id ?? 'unknown buyer';
}

/** Meta did not identify the buyer (a manual award to a handle): no message can reach them. */
export function needsManualHandover(order: Pick<Order, 'platform_user_id'>): boolean {
	return order.platform_user_id === null;
}

/** The currency's ISO 4217 exponent from public.currencies (every order's currency is there). */
export function exponentOf(exponents: ReadonlyMap<string, number>, code: string): number {
	const exponent = exponents.get(code);
	if (exponent === undefined) throw new Error(`currency ${code} is not in the currency list`);
	return exponent;
}

export const invoicingModes = ['manual', 'show_stop', 'each_win'] as const;
export type InvoicingMode = (typeof invoicingModes)[number];

export const invoicingModeLabels: Record<InvoicingMode, string> = {
	manual: 'By hand: Send invoices on the show’s summary',
	show_stop: 'Automatically when the show stops',
	each_win: 'Automatically at each win, during the live',
};

export const paymentLinkKinds = ['invoice', 'checkout'] as const;
export type PaymentLinkKind = (typeof paymentLinkKinds)[number];

export const paymentLinkKindLabels: Record<PaymentLinkKind, string> = {
	invoice: 'A Stripe invoice (the buyer can pay until the deadline)',
	checkout: 'A Stripe Checkout link (a payment page; renewed daily until the deadline)',
};
