// Buyer orders and the order settings as the database returns them, checked at that boundary,
// and the order settings form. Kept apart from orders.ts so pages that only label orders do not
// load zod.
import { z } from 'zod';
import { parseMoney, type Currency } from '$lib/catalog/money';
import { invoicingModes, orderStatuses, paymentLinkKinds } from '$lib/orders';

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
	'id, workspace_id, show_id, platform, platform_user_id, user_handle, user_display_name, currency, status, subtotal, shipping, total, unpriced_lines, paid_amount, refunded_amount, invoice_requested_at, last_invoice_error, payment_url, lines_changed_after_invoice_at, invoiced_at, due_at, paid_at, created_at, updated_at, void_requested_at, void_settled_at, last_void_error, late_payment_at, late_payment_resolution';

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
	void_requested_at: z.string().nullable(),
	void_settled_at: z.string().nullable(),
	last_void_error: z.string().nullable(),
	late_payment_at: z.string().nullable(),
	late_payment_resolution: z.enum(['refund', 'restore']).nullable(),
});
export type Order = z.infer<typeof orderSchema>;

/** The workspace's order settings as stored (public.workspaces). */
export const orderSettingsRowSchema = z.object({
	orders_merge_across_shows: z.boolean(),
	order_shipping_fee: amount,
	invoicing_mode: z.enum(invoicingModes),
	pay_within_hours: z.number().int().nullable(),
	payment_link_kind: z.enum(paymentLinkKinds),
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
			paymentLinkKind: z.enum(paymentLinkKinds, { message: 'Choose what buyers are sent' }),
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
			payment_link_kind: form.paymentLinkKind,
		}));
}
