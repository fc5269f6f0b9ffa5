// What the summary page and the CSV exports read about a show, each select limited to the columns
// it needs and every page of rows fetched (selectAll), so a show of 500 items and 5,000 claims
// loads in a few parallel round trips with no query per item.
import type { SupabaseClient } from '@supabase/supabase-js';
import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { formatIsoDay } from '$lib/format';
import { compareItems } from '$lib/live/live-data';
import { describeRpcError } from '$lib/rpc-error';
import { claimSchema, showItemSchema, showSchema } from '$lib/rows';
import { selectAll } from './select-all';

export const reportShowSchema = showSchema.pick({
	id: true,
	name: true,
	status: true,
	platform: true,
	live_id: true,
	created_at: true,
	started_at: true,
	ended_at: true,
});
export type ReportShow = z.infer<typeof reportShowSchema>;

export const reportItemSchema = showItemSchema.pick({
	id: true,
	item_number: true,
	title: true,
	quantity: true,
	claimed_count: true,
	waitlist_count: true,
	status: true,
	product_variant_id: true,
	variant_label: true,
	price: true,
	image_url: true,
	created_at: true,
});
export type ReportItem = z.infer<typeof reportItemSchema>;

export const buyerRollupSchema = z.object({
	buyer_key: z.string(),
	platform_user_id: z.string().nullable(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	won_count: z.number().int(),
	won_items: z.array(z.string()),
	waiting_items: z.array(z.string()),
	has_test_claims: z.boolean(),
	first_claimed_at: z.string(),
	last_claimed_at: z.string(),
});
export type BuyerRollup = z.infer<typeof buyerRollupSchema>;

const columnsOf = (schema: z.ZodObject) => Object.keys(schema.shape).join(', ');

/**
 * Whether a report counts test claims: they are left out unless the link asks with
 * `?include_tests=1`, so an invoice never bills a rehearsal.
 */
export function includeTestsFrom(url: URL): boolean {
	return url.searchParams.get('include_tests') === '1';
}

/** A uuid from the URL, or a 404: anything else never reaches the database. */
export function showIdFrom(params: { id: string }): string {
	const parsed = z.uuid().safeParse(params.id);
	if (!parsed.success) error(404, 'There is no such show');
	return parsed.data;
}

function failed(what: string, cause: { message: string; code?: string }, status = 502): never {
	error(502, `Couldn’t load ${what}: ${describeRpcError(cause, status)}`);
}

export async function readShow(supabase: SupabaseClient, showId: string): Promise<ReportShow> {
	const {
		data,
		error: readError,
		status,
	} = await supabase
		.from('shows')
		.select(columnsOf(reportShowSchema))
		.eq('id', showId)
		.maybeSingle();
	if (readError) failed('the show', readError, status);
	if (!data) error(404, 'There is no such show in your workspace');
	return reportShowSchema.parse(data);
}

/**
 * Items in item-number order (numeric: 2 before 10); the variant rows of one number in the order
 * they were added, which is the product's variant order.
 */
export async function readItems(supabase: SupabaseClient, showId: string): Promise<ReportItem[]> {
	const result = await selectAll((from, to) =>
		supabase
			.from('show_items')
			.select(columnsOf(reportItemSchema), { count: 'exact' })
			.eq('show_id', showId)
			.order('id')
			.range(from, to),
	);
	if (result.error) failed('the items', result.error);
	return z.array(reportItemSchema).parse(result.rows).sort(compareItems);
}

/**
 * Claims as `schema` (a pick of claimSchema) reads them, oldest first; `statuses` narrows to e.g.
 * the open ones, `includeTests: false` leaves test claims out.
 */
export async function readClaims<Schema extends z.ZodObject>(
	supabase: SupabaseClient,
	showId: string,
	schema: Schema,
	{
		statuses,
		includeTests,
	}: { statuses?: readonly z.infer<typeof claimSchema.shape.status>[]; includeTests: boolean },
): Promise<z.infer<Schema>[]> {
	const result = await selectAll((from, to) => {
		let query = supabase
			.from('claims')
			.select(columnsOf(schema), { count: 'exact' })
			.eq('show_id', showId);
		if (statuses) query = query.in('status', [...statuses]);
		if (!includeTests) query = query.eq('is_test', false);
		return query.order('created_at').order('id').range(from, to);
	});
	if (result.error) failed('the claims', result.error);
	return z.array(schema).parse(result.rows);
}

export async function countClaims(
	supabase: SupabaseClient,
	showId: string,
	{ includeTests }: { includeTests: boolean },
): Promise<number> {
	let query = supabase
		.from('claims')
		.select('id', { count: 'exact', head: true })
		.eq('show_id', showId);
	if (!includeTests) query = query.eq('is_test', false);
	const { count, error: readError, status } = await query;
	if (readError) failed('the claim count', readError, status);
	return count ?? 0;
}

/**
 * One row per buyer holding or waiting for an item (the buyer_rollups view), by first claim; a
 * test buyer's row (has_test_claims) only with `includeTests`.
 */
export async function readBuyerRollups(
	supabase: SupabaseClient,
	showId: string,
	{ includeTests }: { includeTests: boolean },
): Promise<BuyerRollup[]> {
	const result = await selectAll((from, to) => {
		let query = supabase
			.from('buyer_rollups')
			.select(columnsOf(buyerRollupSchema), { count: 'exact' })
			.eq('show_id', showId);
		if (!includeTests) query = query.eq('has_test_claims', false);
		return query.order('first_claimed_at').order('buyer_key').range(from, to);
	});
	if (result.error) failed('the buyers', result.error);
	return z.array(buyerRollupSchema).parse(result.rows);
}

/**
 * The day a show ran, for export file names, in the reader's time zone when the link carries a
 * valid IANA `tz`, else UTC.
 */
export function showDay(show: ReportShow, requestedTimeZone: string | null): string {
	let timeZone = 'UTC';
	if (requestedTimeZone) {
		try {
			new Intl.DateTimeFormat('en-US', { timeZone: requestedTimeZone });
			timeZone = requestedTimeZone;
		} catch {
			// An unknown zone falls back to UTC rather than failing the download.
		}
	}
	return formatIsoDay(show.started_at ?? show.created_at, { timeZone });
}

/** "2025-03-12 14:05:09": UTC, in a form spreadsheets read as a date and time. */
export function utcCell(timestamp: string | null): string {
	return timestamp ? new Date(timestamp).toISOString().slice(0, 19).replace('T', ' ') : '';
}
