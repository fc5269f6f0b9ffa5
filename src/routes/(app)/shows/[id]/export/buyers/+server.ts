// The buyer rollup of a show as CSV: one row per buyer with what they won and what
// they still wait for, ready for invoicing. Test buyers only with ?include_tests=1.
import { csvDownloadHeaders, csvFileName, toCsv } from '$lib/csv';
import {
	includeTestsFrom,
	readBuyerRollups,
	readItems,
	readShow,
	showDay,
	showIdFrom,
	utcCell,
} from '$lib/server/show-report';
import type { RequestHandler } from './$types';

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
];

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const [show, items, buyers] = await Promise.all([
		readShow(locals.supabase, showId),
		readItems(locals.supabase, showId),
		readBuyerRollups(locals.supabase, showId, { includeTests: includeTestsFrom(url) }),
	]);
	const titles = new Map(items.map((item) => [item.item_number, item.title]));
	const rows = buyers.map((buyer) => [
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
	]);
	return new Response(toCsv(header, rows), {
		headers: csvDownloadHeaders(
			csvFileName(show.name, showDay(show, url.searchParams.get('tz')), 'buyers'),
		),
	});
};
