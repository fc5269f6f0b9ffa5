// Reads a show for the live console with the caller's Supabase client: the page load on the server
// (the whole show) and the browser after a reconnect (what changed since a moment). RLS decides
// what the user may read; a show they may not read is indistinguishable from none.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import {
	claimSchema,
	columns,
	commentSchema,
	liveIngestionSchema,
	showItemSchema,
	showSchema,
	type Comment,
	type LiveIngestion,
	type Show,
	type ShowItem,
} from '$lib/rows';
import type { ShowSnapshot } from './live-data';

/** The API's max_rows (supabase/config.toml, and hosted projects' default): one page at most. */
const pageSize = 1000;
/** Comments shown when the console opens; older ones are in the summary. */
export const initialComments = 200;
/**
 * How far before the newest change already held a catch-up refetch starts. Rows carry their
 * transaction's start time, so a long transaction can commit after a newer-stamped one.
 */
const catchUpMarginMs = 30_000;

export class ShowNotFoundError extends Error {
	constructor(showId: string) {
		super(`There is no show ${showId}, or you are not a member of its workspace`);
		this.name = 'ShowNotFoundError';
	}
}

interface PageResult {
	data: unknown[] | null;
	error: { message: string } | null;
	count?: number | null;
}

/**
 * Every row a query matches, past the API's page limit: the first page says how many there are,
 * then the rest are read in parallel. `page(from, to, withCount)` builds the ordered query.
 */
async function readAllPages(
	what: string,
	page: (from: number, to: number, withCount: boolean) => PromiseLike<PageResult>,
): Promise<unknown[]> {
	const first = await page(0, pageSize - 1, true);
	if (first.error) throw new Error(`Reading ${what} failed: ${first.error.message}`);
	const rows = first.data ?? [];
	const total = first.count ?? rows.length;
	const rest: PromiseLike<PageResult>[] = [];
	for (let from = pageSize; from < total; from += pageSize)
		rest.push(page(from, from + pageSize - 1, false));
	for (const result of await Promise.all(rest)) {
		if (result.error) throw new Error(`Reading ${what} failed: ${result.error.message}`);
		rows.push(...(result.data ?? []));
	}
	return rows;
}

export async function fetchShow(supabase: SupabaseClient, showId: string): Promise<Show> {
	const { data, error } = await supabase
		.from('shows')
		.select(columns.show)
		.eq('id', showId)
		.maybeSingle();
	if (error) throw new Error(`Reading the show failed: ${error.message}`);
	if (!data) throw new ShowNotFoundError(showId);
	return showSchema.parse(data);
}

/** How comments reach the show from Meta, once it has been activated on a live; else null. */
export async function fetchIngestion(
	supabase: SupabaseClient,
	showId: string,
): Promise<LiveIngestion | null> {
	const { data, error } = await supabase
		.from('live_ingestion')
		.select(columns.liveIngestion)
		.eq('show_id', showId)
		.maybeSingle();
	if (error) throw new Error(`Reading the show's ingestion health failed: ${error.message}`);
	return data ? liveIngestionSchema.parse(data) : null;
}

export interface SnapshotRequest {
	/** An ISO timestamp from LiveData.newestChange: read only what changed from a little before it. */
	changedSince?: string | null;
	/** Every item, even unchanged ones (reveals items removed meanwhile). */
	allItems?: boolean;
	/** Every claim, even unchanged ones (the console opened with only some). */
	allClaims?: boolean;
}

/**
 * The show and what changed since a moment, or everything asked for whole. Without
 * `changedSince`: every item and claim and the newest comments.
 */
export async function fetchShowSnapshot(
	supabase: SupabaseClient,
	showId: string,
	{ changedSince = null, allItems = true, allClaims = true }: SnapshotRequest = {},
): Promise<ShowSnapshot> {
	const since =
		changedSince === null
			? null
			: new Date(Date.parse(changedSince) - catchUpMarginMs).toISOString();
	const itemsSince = allItems ? null : since;
	const claimsSince = allClaims ? null : since;

	const [show, ingestion, items, claims, comments] = await Promise.all([
		fetchShow(supabase, showId),
		fetchIngestion(supabase, showId),
		readItems(supabase, showId, itemsSince),
		readAllPages("the show's claims", (from, to, withCount) => {
			let query = supabase
				.from('claims')
				.select(columns.claim, withCount ? { count: 'exact' } : {})
				.eq('show_id', showId);
			if (claimsSince) query = query.gte('updated_at', claimsSince);
			return query.order('created_at').order('id').range(from, to);
		}),
		readComments(supabase, showId, since),
	]);
	return {
		show,
		ingestion,
		items,
		itemsComplete: itemsSince === null,
		claims: z.array(claimSchema).parse(claims),
		claimsComplete: claimsSince === null,
		comments,
	};
}

/** Claims the console shows before it has them all: the feed's first page. */
const openingClaims = 200;

/**
 * What the console needs to draw its first screen, kept small so a big show opens fast: every
 * item, every winner (the items panel names them), the newest claims (the feed's first page) and
 * comments. The browser then reads every claim (LiveConsole.sync with allClaims).
 */
export async function fetchOpeningSnapshot(
	supabase: SupabaseClient,
	showId: string,
): Promise<ShowSnapshot> {
	const [show, ingestion, items, winners, newest, comments] = await Promise.all([
		fetchShow(supabase, showId),
		fetchIngestion(supabase, showId),
		readItems(supabase, showId, null),
		readAllPages("the show's winners", (from, to, withCount) =>
			supabase
				.from('claims')
				.select(columns.claim, withCount ? { count: 'exact' } : {})
				.eq('show_id', showId)
				.eq('status', 'winner')
				.order('id')
				.range(from, to),
		),
		supabase
			.from('claims')
			.select(columns.claim)
			.eq('show_id', showId)
			// (show_id, created_at) is indexed: the newest page is read without touching the rest.
			.order('created_at', { ascending: false })
			.limit(openingClaims)
			.then(({ data, error }) => {
				if (error) throw new Error(`Reading the show's newest claims failed: ${error.message}`);
				return data ?? [];
			}),
		readComments(supabase, showId, null),
	]);
	const claims = new Map(
		z
			.array(claimSchema)
			.parse([...winners, ...newest])
			.map((claim) => [claim.id, claim]),
	);
	return {
		show,
		ingestion,
		items,
		itemsComplete: true,
		claims: [...claims.values()],
		claimsComplete: false,
		comments,
	};
}

async function readItems(
	supabase: SupabaseClient,
	showId: string,
	since: string | null,
): Promise<ShowItem[]> {
	const rows = await readAllPages("the show's items", (from, to, withCount) => {
		let query = supabase
			.from('show_items')
			.select(columns.showItem, withCount ? { count: 'exact' } : {})
			.eq('show_id', showId);
		if (since) query = query.gte('updated_at', since);
		return query.order('id').range(from, to);
	});
	return z.array(showItemSchema).parse(rows);
}

async function readComments(
	supabase: SupabaseClient,
	showId: string,
	since: string | null,
): Promise<Comment[]> {
	let query = supabase.from('comments').select(columns.comment).eq('show_id', showId);
	if (since) query = query.gte('created_at', since);
	const { data, error } = await query
		.order('created_at', { ascending: false })
		.limit(since ? pageSize : initialComments);
	if (error) throw new Error(`Reading the show's comments failed: ${error.message}`);
	return z.array(commentSchema).parse(data ?? []);
}
