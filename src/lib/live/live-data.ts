// The live console's local copy of one show: its items, claims and recent comments, kept current
// by Realtime changes and by refetches after a reconnect. Plain TypeScript (no runes) so the rules
// that keep the screen honest are unit-tested: rows are keyed by id, an update older than what is
// held is ignored, a deleted row never comes back, and a refetch never undoes a newer live event.
import type { Claim, Comment, LiveIngestion, Show, ShowItem, VariantRequest } from '$lib/rows';
import { timestampMicros } from './timestamps';

interface LiveRows {
	show_items: ShowItem;
	claims: Claim;
	comments: Comment;
	variant_requests: VariantRequest;
}
export type LiveTable = keyof LiveRows;
export const everyLiveTable: ReadonlySet<LiveTable> = new Set([
	'show_items',
	'claims',
	'comments',
	'variant_requests',
]);

export type RowChange = {
	[Table in LiveTable]:
		| { table: Table; kind: 'upsert'; row: LiveRows[Table] }
		| { table: Table; kind: 'delete'; id: string };
}[LiveTable];

/** What the console loads: the whole show, or after a reconnect what changed since a moment. */
export interface ShowSnapshot {
	show: Show;
	/** Ingestion health from Meta; null for a show never activated on a live. */
	ingestion: LiveIngestion | null;
	items: ShowItem[];
	/** True when `items` is every item of the show, which also reveals removed ones. */
	itemsComplete: boolean;
	/** Every item's id, when read beside the changed items: an item held but not listed was removed. */
	itemIds?: string[];
	claims: Claim[];
	/** True when `claims` is every claim of the show, not only those changed since a moment. */
	claimsComplete: boolean;
	/** The opening's claims lack the non-winners made up to this moment (when it holds not all). */
	missingClaimsUpTo?: string;
	/** True when a refetch read the claims the console lacked, so it now knows them all. */
	missingClaimsRead?: boolean;
	comments: Comment[];
	/** Claims waiting for the operator to pick a variant, and those answered (all, or those changed). */
	variantRequests?: VariantRequest[];
}

/** The newest comments the console keeps; older ones stay in the database and the summary. */
export const maxCommentsKept = 2000;

// Parsed once per row object and purpose: rows are replaced, never mutated, so caches stay right.
type TimeCache = WeakMap<object, number>;
const createdAtCache: TimeCache = new WeakMap();
const versionCache: TimeCache = new WeakMap();
const eventAtCache: TimeCache = new WeakMap();
const commentedAtCache: TimeCache = new WeakMap();
function cachedMicros(row: object, timestamp: string, cache: TimeCache = createdAtCache): number {
	let micros = cache.get(row);
	if (micros === undefined) {
		micros = timestampMicros(timestamp);
		cache.set(row, micros);
	}
	return micros;
}

export class RowCollection<Row extends { id: string }> {
	readonly rows = new Map<string, Row>();
	private readonly deleted = new Set<string>();
	private touchedDuringSync: Set<string> | null = null;

	/** `versionOf` names the timestamp that orders a row's versions (updated_at where it has one). */
	constructor(private readonly versionOf: (row: Row) => string) {}

	version(row: Row): number {
		return cachedMicros(row, this.versionOf(row), versionCache);
	}

	/** Stores the row unless it was deleted or what is held is newer. Equal versions apply: one
	 * transaction can update a row twice with the same timestamp, and the later event is the truth. */
	upsert(row: Row): boolean {
		if (this.deleted.has(row.id)) return false;
		const held = this.rows.get(row.id);
		if (held && this.version(row) < this.version(held)) return false;
		this.rows.set(row.id, row);
		this.touchedDuringSync?.add(row.id);
		return true;
	}

	remove(id: string): boolean {
		this.deleted.add(id);
		this.touchedDuringSync?.add(id);
		return this.rows.delete(id);
	}

	/** Forgets a row without marking it deleted (the console only trims what it keeps). */
	evict(id: string): void {
		this.rows.delete(id);
	}

	/** From here until finishSync, live events are remembered so a refetch cannot undo them. */
	beginSync(): void {
		this.touchedDuringSync = new Set();
	}

	/**
	 * Merges refetched rows. Given every id that exists (`existing`, null when unknown), it also
	 * drops held rows neither listed nor fetched, unless a live event touched them after the refetch
	 * began (the refetch may have been read before they existed).
	 */
	finishSync(fetched: Row[], existing: ReadonlySet<string> | null): boolean {
		const touched = this.touchedDuringSync ?? new Set<string>();
		this.touchedDuringSync = null;
		let changed = false;
		for (const row of fetched) changed = this.upsert(row) || changed;
		if (!existing) return changed;
		const fetchedIds = new Set(fetched.map((row) => row.id));
		for (const id of [...this.rows.keys()]) {
			if (!existing.has(id) && !fetchedIds.has(id) && !touched.has(id)) {
				this.rows.delete(id);
				changed = true;
			}
		}
		return changed;
	}

	/** Ends a sync whose refetch failed: nothing is merged or dropped. */
	abandonSync(): void {
		this.touchedDuringSync = null;
	}

	/** Whether a live event touched the row since beginSync. */
	touchedSinceSyncBegan(id: string): boolean {
		return this.touchedDuringSync?.has(id) ?? false;
	}

	newestVersion(): number | null {
		let newest: number | null = null;
		for (const row of this.rows.values()) {
			const version = this.version(row);
			if (newest === null || version > newest) newest = version;
		}
		return newest;
	}
}

export class LiveData {
	show: Show;
	ingestion: LiveIngestion | null;
	/** Whether every claim of the show has been read (the console opens with only some). */
	hasAllClaims: boolean;
	/** Until then: the opening lacks only the non-winners made up to this moment (null: unknown). */
	missingClaimsUpTo: string | null;
	readonly items = new RowCollection<ShowItem>((item) => item.updated_at);
	readonly claims = new RowCollection<Claim>((claim) => claim.updated_at);
	// Comments change only their allocation results after insert, which the console does not show.
	readonly comments = new RowCollection<Comment>((comment) => comment.created_at);
	readonly variantRequests = new RowCollection<VariantRequest>((request) => request.updated_at);

	constructor(snapshot: ShowSnapshot) {
		this.show = snapshot.show;
		this.ingestion = snapshot.ingestion;
		this.hasAllClaims = snapshot.claimsComplete;
		this.missingClaimsUpTo = snapshot.missingClaimsUpTo ?? null;
		for (const item of snapshot.items) this.items.upsert(item);
		for (const claim of snapshot.claims) this.claims.upsert(claim);
		for (const comment of snapshot.comments) this.comments.upsert(comment);
		for (const request of snapshot.variantRequests ?? []) this.variantRequests.upsert(request);
		this.trimComments();
	}

	/** Applies live changes in arrival order; returns the tables whose rows changed. */
	apply(changes: readonly RowChange[]): Set<LiveTable> {
		const changed = new Set<LiveTable>();
		for (const change of changes) {
			const collection = this.collection(change.table);
			const applied =
				change.kind === 'upsert' ? collection.upsert(change.row) : collection.remove(change.id);
			if (applied) changed.add(change.table);
		}
		if (changed.has('comments')) this.trimComments();
		return changed;
	}

	/** The show row from a poll or an action's result; older versions are ignored. */
	applyShow(show: Show): boolean {
		if (
			show.id !== this.show.id ||
			timestampMicros(show.updated_at) < timestampMicros(this.show.updated_at)
		)
			return false;
		this.show = show;
		return true;
	}

	/** The ingestion row from Realtime or a refetch (null: deleted); older versions are ignored. */
	applyIngestion(ingestion: LiveIngestion | null): boolean {
		const held = this.ingestion;
		if (
			ingestion &&
			held &&
			timestampMicros(ingestion.updated_at) < timestampMicros(held.updated_at)
		)
			return false;
		this.ingestion = ingestion;
		return true;
	}

	beginSync(): void {
		this.items.beginSync();
		this.claims.beginSync();
		this.comments.beginSync();
		this.variantRequests.beginSync();
	}

	abandonSync(): void {
		this.items.abandonSync();
		this.claims.abandonSync();
		this.comments.abandonSync();
		this.variantRequests.abandonSync();
	}

	/** Merges a refetch begun at beginSync; returns the tables whose rows changed. */
	finishSync(snapshot: ShowSnapshot): Set<LiveTable> {
		const changed = new Set<LiveTable>();
		this.applyShow(snapshot.show);
		// A refetch that found none does not undo a row that arrived over Realtime meanwhile.
		if (snapshot.ingestion) this.applyIngestion(snapshot.ingestion);
		const claimsTouchedDuringSync = new Set(
			[...this.claims.rows.keys()].filter((id) => this.claims.touchedSinceSyncBegan(id)),
		);
		const existingItems = snapshot.itemsComplete
			? new Set(snapshot.items.map((item) => item.id))
			: snapshot.itemIds && new Set(snapshot.itemIds);
		if (this.items.finishSync(snapshot.items, existingItems ?? null)) changed.add('show_items');
		const existingClaims = snapshot.claimsComplete
			? new Set(snapshot.claims.map((claim) => claim.id))
			: null;
		if (this.claims.finishSync(snapshot.claims, existingClaims)) changed.add('claims');
		if (snapshot.claimsComplete || snapshot.missingClaimsRead) {
			this.hasAllClaims = true;
			this.missingClaimsUpTo = null;
		}
		if (this.comments.finishSync(snapshot.comments, null)) changed.add('comments');
		if (this.variantRequests.finishSync(snapshot.variantRequests ?? [], null))
			changed.add('variant_requests');
		// Claims go with their item when it is removed; drop any whose delete event was missed.
		for (const claim of [...this.claims.rows.values()]) {
			if (!this.items.rows.has(claim.show_item_id) && !claimsTouchedDuringSync.has(claim.id)) {
				this.claims.evict(claim.id);
				changed.add('claims');
			}
		}
		this.trimComments();
		return changed;
	}

	/** The newest change held, as an ISO timestamp: a refetch after a reconnect starts a little before it. */
	newestChange(): string | null {
		const versions = [
			this.items.newestVersion(),
			this.claims.newestVersion(),
			this.comments.newestVersion(),
			this.variantRequests.newestVersion(),
		].filter((v) => v !== null);
		if (versions.length === 0) return null;
		return new Date(Math.floor(Math.max(...versions) / 1000)).toISOString();
	}

	private collection<Table extends LiveTable>(table: Table): RowCollection<LiveRows[Table]> {
		const collections: { [T in LiveTable]: RowCollection<LiveRows[T]> } = {
			show_items: this.items,
			claims: this.claims,
			comments: this.comments,
			variant_requests: this.variantRequests,
		};
		return collections[table];
	}

	private trimComments(): void {
		const excess = this.comments.rows.size - maxCommentsKept;
		if (excess <= 0) return;
		const oldestFirst = [...this.comments.rows.values()].sort(
			(a, b) => this.comments.version(a) - this.comments.version(b),
		);
		for (const comment of oldestFirst.slice(0, excess)) this.comments.evict(comment.id);
	}
}

// Views the console renders, recomputed once per batch of changes.

export function itemsInOrder(items: Iterable<ShowItem>): ShowItem[] {
	return [...items].sort(compareItems);
}

/**
 * By item number (2 before 10); the variant rows of one number in the order they were added,
 * which is the product's variant order; then by id, so the order never flickers.
 */
export function compareItems(
	a: Pick<ShowItem, 'id' | 'item_number' | 'created_at'>,
	b: Pick<ShowItem, 'id' | 'item_number' | 'created_at'>,
): number {
	return (
		Number(a.item_number) - Number(b.item_number) ||
		cachedMicros(a, a.created_at) - cachedMicros(b, b.created_at) ||
		byId(a, b)
	);
}

/** Newest first by when they arrived; ties by id so the order never flickers. */
export function newestFirst<Row extends { id: string; created_at: string }>(
	rows: Iterable<Row>,
): Row[] {
	return [...rows].sort(
		(a, b) => cachedMicros(b, b.created_at) - cachedMicros(a, a.created_at) || byId(a, b),
	);
}

/**
 * The comment stream's order: newest first by arrival, and within one arrival (a poller's batch
 * shares its transaction's time) by when the buyer wrote it.
 */
export function commentsNewestFirst(comments: Iterable<Comment>): Comment[] {
	const commentedAt = (comment: Comment) =>
		cachedMicros(comment, comment.commented_at, commentedAtCache);
	return [...comments].sort(
		(a, b) =>
			cachedMicros(b, b.created_at) - cachedMicros(a, a.created_at) ||
			commentedAt(b) - commentedAt(a) ||
			byId(a, b),
	);
}

/** The requests still waiting for a variant, oldest first: the operator answers them in order. */
export function openVariantRequests(requests: Iterable<VariantRequest>): VariantRequest[] {
	return [...requests]
		.filter((request) => request.status === 'open')
		.sort((a, b) => cachedMicros(a, a.created_at) - cachedMicros(b, b.created_at) || byId(a, b));
}

/** When a claim last changed outcome: it ended, was promoted, or was made. */
export function claimEventAt(claim: Claim): string {
	return claim.ended_at ?? claim.promoted_at ?? claim.created_at;
}

/**
 * The claim feed's order: newest outcome first, so a pass, release or promotion shows at the top
 * when it happens. A waitlist renumbering is no outcome and moves nothing.
 */
export function claimsByLatestEvent(claims: Iterable<Claim>): Claim[] {
	const eventAt = (claim: Claim) => cachedMicros(claim, claimEventAt(claim), eventAtCache);
	return [...claims].sort((a, b) => eventAt(b) - eventAt(a) || byId(a, b));
}

function byId(a: { id: string }, b: { id: string }): number {
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface ItemClaims {
	/** Holding a unit, in the order they got it. */
	winners: Claim[];
	/** Waiting, first in line first. */
	waitlist: Claim[];
	/** Passed and released claims, newest first. */
	ended: Claim[];
}

export function claimsByItem(claims: Iterable<Claim>): Map<string, ItemClaims> {
	const byItem = new Map<string, ItemClaims>();
	for (const claim of claims) {
		let entry = byItem.get(claim.show_item_id);
		if (!entry) {
			entry = { winners: [], waitlist: [], ended: [] };
			byItem.set(claim.show_item_id, entry);
		}
		if (claim.status === 'winner') entry.winners.push(claim);
		else if (claim.status === 'waitlist') entry.waitlist.push(claim);
		else entry.ended.push(claim);
	}
	// A promoted waiter won when promoted, not when they commented.
	const wonAt = (claim: Claim) => timestampMicros(claim.promoted_at ?? claim.created_at);
	for (const entry of byItem.values()) {
		entry.winners.sort((a, b) => wonAt(a) - wonAt(b));
		entry.waitlist.sort((a, b) => (a.waitlist_position ?? 0) - (b.waitlist_position ?? 0));
		entry.ended = newestFirst(entry.ended);
	}
	return byItem;
}

/** Who a claim belongs to: the platform's id when known, else the handle (as the engine does). */
export function buyerKey(claim: Pick<Claim, 'platform_user_id' | 'user_handle'>): string {
	return claim.platform_user_id ?? `@${(claim.user_handle ?? '').toLowerCase()}`;
}

export interface LiveStats {
	itemsTotal: number;
	/** Items with at least one winner. */
	itemsClaimed: number;
	itemsSoldOut: number;
	/** Distinct buyers holding at least one item. */
	uniqueBuyers: number;
	winners: number;
	waiting: number;
}

export function liveStats(items: Iterable<ShowItem>, claims: Iterable<Claim>): LiveStats {
	const stats: LiveStats = {
		itemsTotal: 0,
		itemsClaimed: 0,
		itemsSoldOut: 0,
		uniqueBuyers: 0,
		winners: 0,
		waiting: 0,
	};
	for (const item of items) {
		stats.itemsTotal++;
		if (item.claimed_count > 0) stats.itemsClaimed++;
		if (item.status === 'sold_out') stats.itemsSoldOut++;
		stats.waiting += item.waitlist_count;
	}
	const buyers = new Set<string>();
	for (const claim of claims) {
		if (claim.status !== 'winner') continue;
		stats.winners++;
		buyers.add(buyerKey(claim));
	}
	stats.uniqueBuyers = buyers.size;
	return stats;
}

/** When the newest comment arrived (database time), or null before the first. */
export function lastCommentAt(comments: Iterable<Comment>): string | null {
	let newest: Comment | null = null;
	for (const comment of comments) {
		if (
			!newest ||
			cachedMicros(comment, comment.created_at) > cachedMicros(newest, newest.created_at)
		)
			newest = comment;
	}
	return newest?.created_at ?? null;
}
