// The live console's reactive store: LiveData (the rules) fed by Realtime postgres_changes on the
// show's claims, items and comments, batched per animation frame (and on the show row and its
// ingestion health, applied as they come), caught up after every
// (re)subscribe, and the operator actions, whose results are applied at once instead of waiting
// for their own events to come back.
import type {
	RealtimeChannel,
	RealtimePostgresChangesPayload,
	SupabaseClient,
} from '@supabase/supabase-js';
import { z } from 'zod';
import {
	claimSchema,
	liveIngestionSchema,
	showItemSchema,
	showSchema,
	type Claim,
	type Comment,
	type LiveIngestion,
	type Show,
	type ShowItem,
} from '$lib/rows';
import { parseChange } from './changes';
import { connectionState, resubscribeDelayMs } from './connection';
import { FrameBatcher, type FrameScheduler, browserFrameScheduler } from './frame-batcher';
import { buyerName, ignoredReasonLabel, itemLabel } from './labels';
import {
	LiveData,
	claimsByItem,
	claimsByLatestEvent,
	commentsNewestFirst,
	everyLiveTable,
	itemsInOrder,
	lastCommentAt,
	liveStats,
	type ItemClaims,
	type LiveTable,
	type RowChange,
	type ShowSnapshot,
} from './live-data';
import { describeRpcError } from './rpc-error';
import { fetchShowSnapshot } from './snapshot';

export type ActionResult = { ok: true; message?: string } | { ok: false; message: string };

const syncRetryMs = 5_000;
/**
 * Realtime does not promise delivery (a change right after joining can be missed, a server can
 * drop one), so a small catch-up also runs this often: a lost change shows up within seconds.
 */
const safetyCatchUpMs = 8_000;

const claimActionResultSchema = z.object({
	claim: claimSchema,
	item: showItemSchema,
	promoted: claimSchema.nullable().optional(),
});
const itemUpdateResultSchema = z.object({ item: showItemSchema, promoted: z.array(claimSchema) });
const addItemsResultSchema = z.object({
	added: z.array(showItemSchema),
	skipped: z.array(z.string()),
});
const clearTestClaimsResultSchema = z.object({
	cleared: z.array(claimSchema),
	promoted: z.array(claimSchema),
	items: z.array(showItemSchema),
});
const commentResultSchema = z.object({
	outcome: z.enum(['processed', 'ignored']),
	reason: z.string().nullable(),
	results: z.array(
		z.object({
			intent: z.enum(['claim', 'pass']),
			item_number: z.string(),
			outcome: z.string(),
			reason: z.string().nullable(),
			claim: claimSchema.nullable(),
			item: showItemSchema.nullable(),
			promoted: claimSchema.nullable(),
		}),
	),
});

let channelCount = 0;
const noLiveTable: ReadonlySet<LiveTable> = new Set();

export class LiveConsole {
	readonly showId: string;
	show: Show;
	/** How comments reach the show from Meta (null before it was activated on a live). */
	ingestion: LiveIngestion | null;
	/** By item number. */
	items: ShowItem[] = $state.raw([]);
	/** Newest outcome first (claimsByLatestEvent). */
	claims: Claim[] = $state.raw([]);
	/** Newest first. */
	comments: Comment[] = $state.raw([]);
	claimsByItem: Map<string, ItemClaims> = $state.raw(claimsByItem([]));
	stats = $state.raw(liveStats([], []));
	lastCommentAt: string | null = $state(null);
	/** False until every claim has been read after opening (the feed says so meanwhile). */
	hasAllClaims: boolean;
	/** Why the last catch-up failed, until one succeeds. */
	syncError: string | null = $state(null);
	/** Browser clock minus database clock, so elapsed times are right on a skewed laptop. */
	readonly clockSkewMs: number;

	#online = $state(true);
	#subscribed = $state(false);
	#caughtUp = $state(false);
	#everLive = $state(false);
	connection = $derived(
		connectionState({
			online: this.#online,
			subscribed: this.#subscribed,
			caughtUp: this.#caughtUp,
			everLive: this.#everLive,
		}),
	);

	readonly #supabase: SupabaseClient;
	readonly #data: LiveData;
	readonly #batcher: FrameBatcher<RowChange>;
	#channel: RealtimeChannel | null = null;
	#resubscribeAttempt = 0;
	#resubscribeTimer: ReturnType<typeof setTimeout> | undefined;
	#syncing = false;
	#syncAgain = false;
	#syncRetryTimer: ReturnType<typeof setTimeout> | undefined;
	#disposed = false;

	constructor(
		supabase: SupabaseClient,
		snapshot: ShowSnapshot,
		serverNow: number,
		scheduler: FrameScheduler = browserFrameScheduler,
	) {
		this.#supabase = supabase;
		this.showId = snapshot.show.id;
		this.show = $state.raw(snapshot.show);
		this.ingestion = $state.raw(snapshot.ingestion);
		this.hasAllClaims = $state(snapshot.claimsComplete);
		this.clockSkewMs = Date.now() - serverNow;
		this.#data = new LiveData(snapshot);
		this.#batcher = new FrameBatcher(
			(changes) => this.#publish(this.#data.apply(changes)),
			scheduler,
		);
		this.#publish(everyLiveTable);
	}

	/** Subscribes and watches the browser; returns the teardown. Browser only. */
	start(): () => void {
		this.#online = navigator.onLine;
		this.#subscribe();

		const onOnline = () => {
			this.#online = true;
			this.#resubscribeSoon(0);
			void this.sync();
		};
		const onOffline = () => {
			this.#online = false;
		};
		// A laptop waking up, or a phone returning to the tab: catch up, whatever the channel says.
		const onVisibility = () => {
			if (document.visibilityState !== 'visible') return;
			if (!this.#subscribed) this.#resubscribeSoon(0);
			void this.sync();
		};
		window.addEventListener('online', onOnline);
		window.addEventListener('offline', onOffline);
		document.addEventListener('visibilitychange', onVisibility);
		const {
			data: { subscription },
		} = this.#supabase.auth.onAuthStateChange((event) => {
			// supabase-js hands Realtime the new token itself; what it may have missed meanwhile is ours.
			if (event === 'TOKEN_REFRESHED') void this.sync();
		});
		const safetyCatchUp = setInterval(() => {
			if (document.visibilityState === 'visible' && this.#subscribed)
				void this.sync({ allItems: false });
		}, safetyCatchUpMs);

		return () => {
			this.#disposed = true;
			window.removeEventListener('online', onOnline);
			window.removeEventListener('offline', onOffline);
			document.removeEventListener('visibilitychange', onVisibility);
			subscription.unsubscribe();
			clearInterval(safetyCatchUp);
			clearTimeout(this.#resubscribeTimer);
			clearTimeout(this.#syncRetryTimer);
			this.#batcher.dispose();
			if (this.#channel) void this.#supabase.removeChannel(this.#channel);
			this.#channel = null;
		};
	}

	/**
	 * Refetches what changed since the newest change held and merges it; one at a time. After a
	 * (re)subscribe every item is read too, to learn of items removed meanwhile.
	 */
	async sync({ allItems = true }: { allItems?: boolean } = {}): Promise<void> {
		if (this.#disposed) return;
		if (this.#syncing) {
			this.#syncAgain = true;
			return;
		}
		this.#syncing = true;
		clearTimeout(this.#syncRetryTimer);
		try {
			do {
				this.#syncAgain = false;
				const subscribedAtStart = this.#subscribed;
				this.#batcher.flush();
				this.#data.beginSync();
				try {
					const snapshot = await fetchShowSnapshot(this.#supabase, this.showId, {
						changedSince: this.#data.newestChange(),
						allItems,
						allClaims: !this.#data.hasAllClaims,
					});
					if (this.#disposed) return;
					// Events that arrived during the fetch are applied first, so the merge knows them.
					this.#batcher.flush();
					const changed = this.#data.finishSync(snapshot);
					this.#publish(changed);
					this.hasAllClaims = this.#data.hasAllClaims;
					this.syncError = null;
					if (subscribedAtStart && this.#subscribed) {
						this.#caughtUp = true;
						this.#everLive = true;
					}
				} catch (error) {
					this.#data.abandonSync();
					this.syncError = (error as Error).message;
					this.#caughtUp = false;
					this.#syncRetryTimer = setTimeout(() => void this.sync(), syncRetryMs);
					console.error(`live console: catching up failed: ${this.syncError}`);
					return;
				}
			} while (this.#syncAgain);
		} finally {
			this.#syncing = false;
		}
	}

	// Operator actions. Each resolves with what to tell the operator where they acted.

	pause(): Promise<ActionResult> {
		return this.#showAction('pause_show');
	}

	resume(): Promise<ActionResult> {
		return this.#showAction('resume_show');
	}

	stop(): Promise<ActionResult> {
		return this.#showAction('stop_show');
	}

	async addItems(
		items: { item_number: string; title?: string; quantity?: number }[],
	): Promise<ActionResult> {
		return this.#rpc('add_show_items', { show_id: this.showId, items }, (data) => {
			const { added, skipped } = addItemsResultSchema.parse(data);
			this.#applyRows({ items: added });
			const addedText =
				added.length === 0
					? 'No item added'
					: `Added ${added.map((item) => `#${item.item_number}`).join(', ')}`;
			const skippedText =
				skipped.length === 0
					? ''
					: ` (already in the show: ${skipped.map((number) => `#${number}`).join(', ')})`;
			return `${addedText}${skippedText}.`;
		});
	}

	setQuantity(itemId: string, quantity: number): Promise<ActionResult> {
		return this.#rpc('update_show_item', { item_id: itemId, changes: { quantity } }, (data) => {
			const { item, promoted } = itemUpdateResultSchema.parse(data);
			this.#applyRows({ items: [item], claims: promoted });
			const promotedText =
				promoted.length === 0
					? ''
					: `; promoted ${promoted.map((claim) => buyerName(claim)).join(', ')}`;
			return `Quantity is now ${item.quantity}${promotedText}.`;
		});
	}

	release(claimId: string): Promise<ActionResult> {
		return this.#rpc('release_claim', { claim_id: claimId }, (data) => {
			const { claim, item, promoted } = claimActionResultSchema.parse(data);
			this.#applyRows({ items: [item], claims: promoted ? [claim, promoted] : [claim] });
			return `Released ${buyerName(claim)}${promoted ? `; ${buyerName(promoted)} is now the winner` : ''}.`;
		});
	}

	award(itemId: string, handle: string): Promise<ActionResult> {
		return this.#rpc('award_item', { item_id: itemId, user_handle: handle }, (data) => {
			const { claim, item } = claimActionResultSchema.parse(data);
			this.#applyRows({ items: [item], claims: [claim] });
			return `Awarded ${itemLabel(item)} to ${buyerName(claim)}.`;
		});
	}

	moveToFront(claimId: string): Promise<ActionResult> {
		return this.#rpc('move_waiter_to_front', { claim_id: claimId }, (data) => {
			const { claim, item } = claimActionResultSchema.parse(data);
			this.#applyRows({ items: [item], claims: [claim] });
			return `${buyerName(claim)} is now first in line.`;
		});
	}

	/** A rehearsal comment through the engine, marked as a test; says what the engine made of it. */
	testComment(handle: string, text: string): Promise<ActionResult> {
		return this.#rpc(
			'emit_test_comment',
			{ show_id: this.showId, text, user_handle: handle },
			(data) => {
				const result = commentResultSchema.parse(data);
				this.#applyRows({
					items: result.results.flatMap((entry) => (entry.item ? [entry.item] : [])),
					claims: result.results.flatMap((entry) =>
						[entry.claim, entry.promoted].filter((claim) => claim !== null),
					),
				});
				return describeCommentResult(handle, result);
			},
		);
	}

	/** Ends every open test claim of the show; real waiters behind them move up. */
	clearTestClaims(): Promise<ActionResult> {
		return this.#rpc('clear_test_claims', { show_id: this.showId }, (data) => {
			const { cleared, promoted, items } = clearTestClaimsResultSchema.parse(data);
			this.#applyRows({ items, claims: [...cleared, ...promoted] });
			return describeClearedTestClaims(cleared.length, promoted);
		});
	}

	#publish(changed: ReadonlySet<LiveTable>): void {
		const data = this.#data;
		this.show = data.show;
		this.ingestion = data.ingestion;
		if (changed.has('show_items')) this.items = itemsInOrder(data.items.rows.values());
		if (changed.has('claims')) {
			this.claims = claimsByLatestEvent(data.claims.rows.values());
			this.claimsByItem = claimsByItem(data.claims.rows.values());
		}
		if (changed.has('show_items') || changed.has('claims'))
			this.stats = liveStats(data.items.rows.values(), data.claims.rows.values());
		if (changed.has('comments')) {
			this.comments = commentsNewestFirst(data.comments.rows.values());
			this.lastCommentAt = lastCommentAt(data.comments.rows.values());
		}
	}

	#applyRows(rows: { items?: ShowItem[]; claims?: Claim[] }): void {
		const changes: RowChange[] = [
			...(rows.items ?? []).map((row): RowChange => ({ table: 'show_items', kind: 'upsert', row })),
			...(rows.claims ?? []).map((row): RowChange => ({ table: 'claims', kind: 'upsert', row })),
		];
		this.#publish(this.#data.apply(changes));
	}

	#subscribe(): void {
		const filter = `show_id=eq.${this.showId}`;
		const channel = this.#supabase.channel(`live-console:${this.showId}:${++channelCount}`);
		for (const table of everyLiveTable) {
			channel.on('postgres_changes', { event: '*', schema: 'public', table, filter }, (payload) =>
				this.#receive(payload),
			);
		}
		channel.on(
			'postgres_changes',
			{ event: 'UPDATE', schema: 'public', table: 'shows', filter: `id=eq.${this.showId}` },
			(payload) =>
				this.#safely(() => {
					if (this.#data.applyShow(showSchema.parse(payload.new))) this.#publish(noLiveTable);
				}),
		);
		channel.on(
			'postgres_changes',
			{ event: '*', schema: 'public', table: 'live_ingestion', filter },
			(payload) =>
				this.#safely(() => {
					if (
						this.#data.applyIngestion(
							payload.eventType === 'DELETE' ? null : liveIngestionSchema.parse(payload.new),
						)
					)
						this.#publish(noLiveTable);
				}),
		);
		// SUBSCRIBED only means the channel joined: Realtime creates the subscriptions afterwards and
		// says so with this system message. Catching up before it could miss a change made between.
		channel.on(
			'system',
			{},
			(message: { extension?: string; status?: string; message?: string }) => {
				if (this.#disposed || this.#channel !== channel || message.extension !== 'postgres_changes')
					return;
				if (message.status === 'ok') {
					this.#subscribed = true;
					this.#resubscribeAttempt = 0;
					clearTimeout(this.#resubscribeTimer);
					void this.sync();
				} else
					this.#channelDown(
						'CHANNEL_ERROR',
						new Error(message.message ?? 'Realtime could not subscribe'),
					);
			},
		);
		this.#channel = channel;
		// The join carries the token Realtime holds at that moment; on a fresh socket that can still be
		// the anon key, and RLS would then hide every change. Hand it the user's token first.
		void this.#supabase.realtime
			.setAuth()
			.catch((error: unknown) =>
				console.warn(
					`live console: handing Realtime the session failed: ${(error as Error).message}`,
				),
			)
			.then(() => {
				if (this.#disposed || this.#channel !== channel) return;
				channel.subscribe((status, error) => {
					if (this.#disposed || this.#channel !== channel || status === 'SUBSCRIBED') return;
					this.#channelDown(status, error);
				});
			});
	}

	#channelDown(status: string, error: Error | undefined): void {
		this.#subscribed = false;
		this.#caughtUp = false;
		if (error) console.warn(`live console: Realtime channel ${status}: ${error.message}`);
		// realtime-js rejoins errored channels itself; one that stays down is rebuilt.
		this.#resubscribeSoon(resubscribeDelayMs(this.#resubscribeAttempt++));
	}

	#resubscribeSoon(delayMs: number): void {
		clearTimeout(this.#resubscribeTimer);
		this.#resubscribeTimer = setTimeout(() => {
			if (this.#disposed || this.#subscribed) return;
			const stale = this.#channel;
			this.#channel = null;
			if (stale) void this.#supabase.removeChannel(stale);
			this.#subscribe();
		}, delayMs);
	}

	#receive(payload: RealtimePostgresChangesPayload<Record<string, unknown>>): void {
		this.#safely(() => this.#batcher.push(parseChange(payload)));
	}

	#safely(apply: () => void): void {
		try {
			apply();
		} catch (error) {
			// A change we cannot read must not be dropped silently: refetch instead.
			console.error(`live console: ${(error as Error).message}`);
			void this.sync();
		}
	}

	async #showAction(name: 'pause_show' | 'resume_show' | 'stop_show'): Promise<ActionResult> {
		return this.#rpc(name, { show_id: this.showId }, (data) => {
			this.#data.applyShow(showSchema.parse(data));
			this.show = this.#data.show;
			return undefined;
		});
	}

	async #rpc(
		name: string,
		args: Record<string, unknown>,
		apply: (data: unknown) => string | undefined,
	): Promise<ActionResult> {
		const { data, error, status } = await this.#supabase.rpc(name, args);
		if (error) return { ok: false, message: describeRpcError(error, status) };
		try {
			return { ok: true, message: apply(data) };
		} catch (parseError) {
			// The action happened; only its answer was unexpected. Catch up rather than guess.
			console.error(
				`live console: the answer of ${name} could not be read: ${(parseError as Error).message}`,
			);
			void this.sync();
			return { ok: true };
		}
	}
}

const intentOutcomes: Record<string, (itemNumber: string, claim: Claim | null) => string> = {
	winner: (item) => `won #${item}`,
	waitlist: (item, claim) => `is #${claim?.waitlist_position} on the waitlist for #${item}`,
	duplicate: (item) => `already holds #${item} (duplicate)`,
	passed: (item) => `passed on #${item}`,
	unknown_item: (item) => `named #${item}, which is not in this show`,
	ignored: (item) => `passed on #${item} without holding it`,
};

export function describeClearedTestClaims(cleared: number, promoted: Claim[]): string {
	const clearedText =
		cleared === 0
			? 'No test claims to clear.'
			: `Cleared ${cleared} test ${cleared === 1 ? 'claim' : 'claims'}.`;
	const promotedText = promoted
		.map((claim) => ` ${buyerName(claim)} now holds #${claim.item_number}.`)
		.join('');
	return clearedText + promotedText;
}

function describeCommentResult(
	handle: string,
	result: z.infer<typeof commentResultSchema>,
): string {
	const who = `@${handle.replace(/^@/, '')}`;
	if (result.outcome === 'ignored') {
		return result.reason === 'no_intent'
			? `Test comment from ${who} had no claim or pass.`
			: `Test comment from ${who} was ignored: ${ignoredReasonLabel(result.reason ?? 'unknown')}.`;
	}
	const parts = result.results.map((entry) =>
		(intentOutcomes[entry.outcome] ?? ((item: string) => `${entry.outcome} #${item}`))(
			entry.item_number,
			entry.claim,
		),
	);
	return `Test comment: ${who} ${parts.join(', ')}.`;
}
