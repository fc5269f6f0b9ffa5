// The buyer rollup of a show as CSV: one row per buyer with what they won and what
// they still wait for, ready for invoicing. Test buyers only with ?include_tests=1. Each row
// carries the buyer's won lines (item, variant, quantity × unit price = line total), units and
// total; money is a decimal string in the show's currency's exponent, named in the currency column.
import { minorToDecimal } from '$lib/catalog/money';
import { csvDownloadHeaders, csvFileName, toCsv } from '$lib/csv';
import { claimSchema } from '$lib/rows';
import { rollupKey, salesOf, type BuyerSales } from '$lib/sales';
import {
	includeTestsFrom,
	readBuyerRollups,
	readClaims,
	readItems,
	readShow,
	showDay,
	showIdFrom,
	utcCell,
} from '$lib/server/show-report';
import { readCurrency } from '$lib/server/stock';
import type { RequestHandler } from './$types';

const wonClaimSchema = claimSchema.pick({
	show_item_id: true,
	status: true,
	platform_user_id: true,
	user_handle: true,
	is_test: true,
});

const header = [
	'buyer_handle',
	'buyer_name',
	'platform_user_id',
	'items_won',
	'won_items',
	'won_items_with_titles',
	'waiting_for',
	'first_claim_utc',
	'last_claim_utc',
	'test',
	'currency',
	'units',
	'total',
	'won_lines',
];

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const includeTests = includeTestsFrom(url);
	const [show, items, buyers, winners] = await Promise.all([
		readShow(locals.supabase, showId),
		readItems(locals.supabase, showId),
		readBuyerRollups(locals.supabase, showId, { includeTests }),
		readClaims(locals.supabase, showId, wonClaimSchema, { statuses: ['winner'], includeTests }),
	]);
	const currency = await readCurrency(locals.supabase, show.currency);
	const amount = (minor: number) => minorToDecimal(minor, currency.exponent);
	const titles = new Map(items.map((item) => [item.item_number, item.title]));
	const sales = salesOf(items, winners).byBuyer;
	// "7 Blue / S: 2 x 29.99 = 59.98", in item order; an item without a price shows none.
	const wonLines = (bought: BuyerSales | undefined) =>
		items
			.filter((item) => bought?.unitsByItem.has(item.id))
			.map((item) => {
				const units = bought!.unitsByItem.get(item.id)!;
				const name = [item.item_number, item.variant_label].filter(Boolean).join(' ');
				return item.price === null
					? `${name}: ${units}`
					: `${name}: ${units} x ${amount(item.price)} = ${amount(item.price * units)}`;
			})
			.join('; ');
	const rows = buyers.map((buyer) => {
		const bought = sales.get(rollupKey({ ...buyer, is_test: buyer.has_test_claims }));
		return [
			buyer.user_handle,
			buyer.user_display_name,
			buyer.platform_user_id,
			buyer.won_count,
			buyer.won_items.join('; '),
			buyer.won_items
				.map((number) => [number, titles.get(number)].filter(Boolean).join(' '))
				.join('; '),
			buyer.waiting_items.join('; '),
			utcCell(buyer.first_claimed_at),
			utcCell(buyer.last_claimed_at),
			buyer.has_test_claims ? 'yes' : 'no',
			currency.code,
			bought?.units ?? 0,
			amount(bought?.total ?? 0),
			wonLines(bought),
		];
	});
	return new Response(toCsv(header, rows), {
		headers: csvDownloadHeaders(
			csvFileName(show.name, showDay(show, url.searchParams.get('tz')), 'buyers'),
		),
	});
};
