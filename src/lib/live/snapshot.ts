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
	variantRequestSchema,
	type Comment,
	type LiveIngestion,
	type Show,
	type ShowItem,
	type VariantRequest,
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
	/** Also every item's id, to learn of items removed meanwhile (every item whole when nothing is held). */
	allItems?: boolean;
	/**
	 * The claims not held yet: every claim, or (after the opening snapshot, which holds every winner
	 * and every claim made after a moment) the others made up to that moment; null when all are held.
	 */
	missingClaims?: 'all' | { createdUpTo: string } | null;
}

/**
 * The show and what changed since a moment, with what the request adds. Without `changedSince`:
 * every item and claim and the newest comments.
 */
export async function fetchShowSnapshot(
	supabase: SupabaseClient,
	showId: string,
	{ changedSince = null, allItems = true, missingClaims = 'all' }: SnapshotRequest = {},
): Promise<ShowSnapshot> {
	const since =
		changedSince === null
			? null
			: new Date(Date.parse(changedSince) - catchUpMarginMs).toISOString();
	const claimsSince = missingClaims === 'all' ? null : since;
	const olderClaimsUpTo =
		claimsSince !== null && missingClaims !== null && missingClaims !== 'all'
			? missingClaims.createdUpTo
			: null;

	const [show, ingestion, items, itemIds, claims, comments, variantRequests] = await Promise.all([
		fetchShow(supabase, showId),
		fetchIngestion(supabase, showId),
		readItems(supabase, showId, since),
		allItems && since !== null ? readItemIds(supabase, showId) : undefined,
		readAllPages("the show's claims", (from, to, withCount) => {
			let query = supabase
				.from('claims')
				.select(columns.claim, withCount ? { count: 'exact' } : {})
				.eq('show_id', showId);
			// One read for both, so a claim that is in both is read once (values quoted: they hold
			// PostgREST's reserved "." and ":").
			if (claimsSince && olderClaimsUpTo)
				query = query.or(
					`updated_at.gte."${claimsSince}",and(created_at.lte."${olderClaimsUpTo}",status.neq.winner)`,
				);
			else if (claimsSince) query = query.gte('updated_at', claimsSince);
			return query.order('created_at').order('id').range(from, to);
		}),
		readComments(supabase, showId, since),
		readVariantRequests(supabase, showId, since),
	]);
	return {
		show,
		ingestion,
		items,
		itemsComplete: since === null,
		itemIds,
		claims: z.array(claimSchema).parse(claims),
		claimsComplete: claimsSince === null,
		missingClaimsRead: missingClaims !== null,
		comments,
		variantRequests,
	};
}

/** Claims the console shows before it has them all: the feed's first page. */
const openingClaims = 200;

/**
 * What the console needs to draw its first screen, kept small so a big show opens fast: every
 * item, every winner (the items panel names them), the newest claims (the feed's first page) and
 * comments. The browser then reads the claims left out (CatchUp, with missingClaims).
 */
export async function fetchOpeningSnapshot(
	supabase: SupabaseClient,
	showId: string,
): Promise<ShowSnapshot> {
	const [show, ingestion, items, winners, newest, comments, variantRequests] = await Promise.all([
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
		readVariantRequests(supabase, showId, null),
	]);
	const claims = new Map(
		z
			.array(claimSchema)
			.parse([...winners, ...newest])
			.map((claim) => [claim.id, claim]),
	);
	// A full page may leave earlier claims out: the browser reads those that are not winners.
	const oldestNewest = newest.length < openingClaims ? null : claimSchema.parse(newest.at(-1));
	return {
		show,
		ingestion,
		items,
		itemsComplete: true,
		claims: [...claims.values()],
		claimsComplete: oldestNewest === null,
		missingClaimsUpTo: oldestNewest?.created_at,
		comments,
		variantRequests,
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

async function readItemIds(supabase: SupabaseClient, showId: string): Promise<string[]> {
	const rows = await readAllPages("the show's item ids", (from, to, withCount) =>
		supabase
			.from('show_items')
			.select('id', withCount ? { count: 'exact' } : {})
			.eq('show_id', showId)
			.order('id')
			.range(from, to),
	);
	return z
		.array(z.object({ id: z.string() }))
		.parse(rows)
		.map((row) => row.id);
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

/** The show's variant requests (a show has few), or those changed since a moment. */
async function readVariantRequests(
	supabase: SupabaseClient,
	showId: string,
	since: string | null,
): Promise<VariantRequest[]> {
	const rows = await readAllPages("the show's variant requests", (from, to, withCount) => {
		let query = supabase
			.from('variant_requests')
			.select(columns.variantRequest, withCount ? { count: 'exact' } : {})
			.eq('show_id', showId);
		if (since) query = query.gte('updated_at', since);
		return query.order('created_at').order('id').range(from, to);
	});
	return z.array(variantRequestSchema).parse(rows);
}
