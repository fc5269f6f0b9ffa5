// The full claim log of a show as CSV: every claim, open or ended, oldest first;
// test claims only with ?include_tests=1.
import { claimSchema } from '$lib/rows';
import { csvDownloadHeaders, csvFileName, toCsv } from '$lib/csv';
import {
	includeTestsFrom,
	readClaims,
	readItems,
	readShow,
	showDay,
	showIdFrom,
	utcCell,
} from '$lib/server/show-report';
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
];

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const [show, items, claims] = await Promise.all([
		readShow(locals.supabase, showId),
		readItems(locals.supabase, showId),
		readClaims(locals.supabase, showId, logClaimSchema, { includeTests: includeTestsFrom(url) }),
	]);
	const titles = new Map(items.map((item) => [item.id, item.title]));
	const rows = claims.map((claim) => [
		utcCell(claim.created_at),
		claim.item_number,
		titles.get(claim.show_item_id) ?? '',
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
	]);
	return new Response(toCsv(header, rows), {
		headers: csvDownloadHeaders(
			csvFileName(show.name, showDay(show, url.searchParams.get('tz')), 'claims'),
		),
	});
};
