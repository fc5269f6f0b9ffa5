// Reads for the orders page and its CSV: the workspace's orders with their lines (row level
// security decides what is visible), narrowed by buyer and status, the currency exponents their
// amounts need, and the CSV's rows (amounts as decimals of each order's currency, times in UTC).
import { error } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { minorToDecimal, type Currency } from '$lib/catalog/money';
import type { Membership } from '$lib/roles';
import {
	orderColumns,
	orderLineSchema,
	orderSchema,
	orderSettingsRowSchema,
	type OrderSettings,
} from '$lib/order-schemas';
import { exponentOf, orderFilterStatuses, type MoneyTotals, type OrderFilter } from '$lib/orders';
import { readCatalogContext } from '$lib/server/catalog';
import { utcCell } from '$lib/server/show-report';

/** The newest orders a page or export reads at most. */
export const orderReadLimit = 5000;

const orderWithLinesSchema = orderSchema.extend({
	order_lines: z.array(
		orderLineSchema.pick({ show_id: true, item_number: true, removed_at: true }),
	),
});
export type OrderWithLines = z.infer<typeof orderWithLinesSchema>;

export async function readCurrencyExponents(
	supabase: SupabaseClient,
): Promise<Map<string, number>> {
	const {
		data,
		error: readError,
		status,
	} = await supabase.from('currencies').select('code, minor_unit');
	if (readError) error(502, `Couldn’t load the currencies: ${describeRpcError(readError, status)}`);
	return new Map(
		z
			.array(z.object({ code: z.string(), minor_unit: z.number().int() }))
			.parse(data)
			.map((currency) => [currency.code, currency.minor_unit]),
	);
}

/** Whether the buyer's handle, name or platform id contains the query (any case). */
export function orderMatchesBuyer(
	order: Pick<OrderWithLines, 'user_handle' | 'user_display_name' | 'platform_user_id'>,
	query: string,
): boolean {
	const wanted = query.trim().replace(/^@/, '').toLowerCase();
	if (wanted === '') return true;
	return [order.user_handle, order.user_display_name, order.platform_user_id].some((value) =>
		value?.toLowerCase().includes(wanted),
	);
}

/** The workspace's orders, newest first, with the buyer query and status filter applied. */
export async function readOrders(
	supabase: SupabaseClient,
	workspaceId: string,
	options: { query: string; filter: OrderFilter },
): Promise<{ orders: OrderWithLines[]; truncated: boolean }> {
	const {
		data,
		error: readError,
		status,
	} = await supabase
		.from('orders')
		.select(`${orderColumns}, order_lines(show_id, item_number, removed_at)`)
		.eq('workspace_id', workspaceId)
		.in('status', [...orderFilterStatuses[options.filter]])
		.order('created_at', { ascending: false })
		.order('id')
		.limit(orderReadLimit);
	if (readError) error(502, `Couldn’t load the orders: ${describeRpcError(readError, status)}`);
	const orders = z.array(orderWithLinesSchema).parse(data);
	return {
		orders: orders.filter((order) => orderMatchesBuyer(order, options.query)),
		truncated: orders.length === orderReadLimit,
	};
}

export const orderCsvHeader = [
	'buyer_handle',
	'buyer_name',
	'platform_user_id',
	'items',
	'status',
	'currency',
	'subtotal',
	'shipping',
	'total',
	'refunded',
	'payment_url',
	'invoiced_utc',
	'due_utc',
	'paid_utc',
	'created_utc',
];

/** One CSV row per order; amounts as decimals of the order's currency ("12.50", "1500", "1.250"). */
export function orderCsvRow(
	order: OrderWithLines,
	exponents: ReadonlyMap<string, number>,
): string[] {
	const decimal = (minor: number) => minorToDecimal(minor, exponentOf(exponents, order.currency));
	return [
		order.user_handle ?? '',
		order.user_display_name ?? '',
		order.platform_user_id ?? '',
		order.order_lines
			.filter((line) => line.removed_at === null)
			.map((line) => line.item_number)
			.join('; '),
		order.status,
		order.currency,
		decimal(order.subtotal),
		decimal(order.shipping),
		decimal(order.total),
		decimal(order.refunded_amount),
		order.payment_url ?? '',
		utcCell(order.invoiced_at),
		utcCell(order.due_at),
		utcCell(order.paid_at),
		utcCell(order.created_at),
	];
}

/** The closing rows: paid and outstanding per currency, in the total column. */
export function orderCsvTotalRows(
	totals: readonly MoneyTotals[],
	exponents: ReadonlyMap<string, number>,
): string[][] {
	return totals.flatMap(({ currency, paid, outstanding }) =>
		(
			[
				['TOTAL PAID', 'paid', paid],
				['TOTAL OUTSTANDING', 'unpaid', outstanding],
			] as const
		).map(([label, status, minor]) =>
			orderCsvHeader.map((column) => {
				if (column === 'buyer_handle') return label;
				if (column === 'status') return status;
				if (column === 'currency') return currency;
				if (column === 'total') return minorToDecimal(minor, exponentOf(exponents, currency));
				return '';
			}),
		),
	);
}

/** The workspace's order settings and its currency (the shipping fee's). */
export async function readOrderSettings(
	supabase: SupabaseClient,
	workspace: Membership,
): Promise<{ settings: OrderSettings; currency: Currency }> {
	const [read, context] = await Promise.all([
		supabase
			.from('workspaces')
			.select(
				'orders_merge_across_shows, order_shipping_fee, invoicing_mode, pay_within_hours, payment_link_kind',
			)
			.eq('id', workspace.id)
			.single(),
		readCatalogContext(supabase, workspace),
	]);
	if (read.error)
		error(502, `Couldn’t load the order settings: ${describeRpcError(read.error, read.status)}`);
	return { settings: orderSettingsRowSchema.parse(read.data), currency: context.currency };
}
