// Buyer orders as the console reads them, the words for their states, the unpaid / paid /
// expired filters and totals per currency (integer minor units). An order's money
// is in its own currency, so totals are kept apart per currency, never added across.
import { z } from 'zod';
import { formatMoney, parseMoney, type Currency } from '$lib/catalog/money';
import type { Tone } from '$lib/labels';

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

const amount = z.number().int().nonnegative();

export const orderLineSchema = z.object({
	order_id: z.uuid(),
	show_id: z.uuid(),
	item_number: z.string(),
	title: z.string().nullable(),
	variant_label: z.string(),
	unit_price: amount.nullable(),
	quantity: z.number().int(),
	line_total: amount.nullable(),
	removed_at: z.string().nullable(),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

export const orderColumns =
	'id, workspace_id, show_id, platform, platform_user_id, user_handle, user_display_name, currency, status, subtotal, shipping, total, unpriced_lines, paid_amount, refunded_amount, invoice_requested_at, last_invoice_error, payment_url, lines_changed_after_invoice_at, invoiced_at, due_at, paid_at, created_at, updated_at';

export const orderSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	show_id: z.uuid().nullable(),
	platform: z.enum(['facebook', 'instagram', 'test']),
	platform_user_id: z.string().nullable(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	currency: z.string(),
	status: z.enum(orderStatuses),
	subtotal: amount,
	shipping: amount,
	total: amount,
	unpriced_lines: z.number().int(),
	paid_amount: amount.nullable(),
	refunded_amount: amount,
	invoice_requested_at: z.string().nullable(),
	last_invoice_error: z.string().nullable(),
	payment_url: z.string().nullable(),
	lines_changed_after_invoice_at: z.string().nullable(),
	invoiced_at: z.string().nullable(),
	due_at: z.string().nullable(),
	paid_at: z.string().nullable(),
	created_at: z.string(),
	updated_at: z.string(),
});
export type Order = z.infer<typeof orderSchema>;

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

/** The workspace's order settings as stored (public.workspaces). */
export const orderSettingsRowSchema = z.object({
	orders_merge_across_shows: z.boolean(),
	order_shipping_fee: amount,
	invoicing_mode: z.enum(invoicingModes),
	pay_within_hours: z.number().int().nullable(),
});
export type OrderSettings = z.infer<typeof orderSettingsRowSchema>;

/** The order settings form: the shipping fee as typed in the workspace's currency. */
export function orderSettingsFormSchema(currency: Currency) {
	return z
		.object({
			grouping: z.enum(['merge', 'per_show'], { message: 'Choose how orders are grouped' }),
			shippingFee: z.string().transform((typed, context) => {
				if (typed.trim() === '') return 0;
				const parsed = parseMoney(typed, currency);
				if (parsed.ok) return parsed.minor;
				context.addIssue({ code: 'custom', message: parsed.message });
				return z.NEVER;
			}),
			invoicingMode: z.enum(invoicingModes, { message: 'Choose when invoices go out' }),
			payWithinHours: z
				.string()
				.trim()
				.refine((typed) => typed === '' || /^\d{1,3}$/.test(typed), 'Enter whole hours')
				.transform((typed) => (typed === '' ? null : Number(typed)))
				.refine(
					(hours) => hours === null || (hours >= 1 && hours <= 168),
					'Between 1 and 168 hours (7 days), or empty for no deadline',
				),
		})
		.transform((form): OrderSettings => ({
			orders_merge_across_shows: form.grouping === 'merge',
			order_shipping_fee: form.shippingFee,
			invoicing_mode: form.invoicingMode,
			pay_within_hours: form.payWithinHours,
		}));
}
