// The full claim log of a show as CSV: every claim, open or ended, oldest first;
// test claims only with ?include_tests=1. Each claim is one unit: a winner's line carries its
// item's unit price, quantity 1 and the line total; other claims quantity 0. Money is a decimal
// string in the show's currency's exponent, named in the currency column.
import { claimSchema } from '$lib/rows';
import { minorToDecimal } from '$lib/catalog/money';
import { csvDownloadHeaders, csvFileName, toCsv } from '$lib/csv';
import { lineTotal } from '$lib/sales';
import {
	includeTestsFrom,
	readClaims,
	readItems,
	readShow,
	showDay,
	showIdFrom,
	utcCell,
} from '$lib/server/show-report';
import { readCurrency } from '$lib/server/stock';
import type { RequestHandler } from './$types';

const logClaimSchema = claimSchema.pick({
	created_at: true,
	item_number: true,
	show_item_id: true,
	user_handle: true,
	user_display_name: true,
	platform_user_id: true,
	platform: true,
	status: true,
	waitlist_position: true,
	promoted_at: true,
	ended_at: true,
	raw_text: true,
	operator_action: true,
	operator_notes: true,
	is_test: true,
});

const header = [
	'claimed_at_utc',
	'item_number',
	'item_title',
	'buyer_handle',
	'buyer_name',
	'platform_user_id',
	'platform',
	'status',
	'waitlist_position',
	'promoted_at_utc',
	'ended_at_utc',
	'comment',
	'operator_action',
	'operator_notes',
	'test',
	'variant',
	'currency',
	'unit_price',
	'quantity',
	'line_total',
];

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const [show, items, claims] = await Promise.all([
		readShow(locals.supabase, showId),
		readItems(locals.supabase, showId),
		readClaims(locals.supabase, showId, logClaimSchema, { includeTests: includeTestsFrom(url) }),
	]);
	const currency = await readCurrency(locals.supabase, show.currency);
	const itemsById = new Map(items.map((item) => [item.id, item]));
	const amount = (minor: number | null) =>
		minor === null ? '' : minorToDecimal(minor, currency.exponent);
	const rows = claims.map((claim) => {
		const item = itemsById.get(claim.show_item_id);
		const price = item?.price ?? null;
		const quantity = claim.status === 'winner' ? 1 : 0;
		return [
			utcCell(claim.created_at),
			claim.item_number,
			item?.title ?? '',
			claim.user_handle,
			claim.user_display_name,
			claim.platform_user_id,
			claim.platform,
			claim.status,
			claim.waitlist_position,
			utcCell(claim.promoted_at),
			utcCell(claim.ended_at),
			claim.raw_text,
			claim.operator_action ? 'yes' : 'no',
			claim.operator_notes,
			claim.is_test ? 'yes' : 'no',
			item?.variant_label ?? '',
			currency.code,
			amount(price),
			quantity,
			amount(lineTotal(price, quantity)),
		];
	});
	return new Response(toCsv(header, rows), {
		headers: csvDownloadHeaders(
			csvFileName(show.name, showDay(show, url.searchParams.get('tz')), 'claims'),
		),
	});
};
