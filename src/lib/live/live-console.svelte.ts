// The live console's reactive store: LiveData (the rules) fed by the show's Realtime channel,
// whose row changes are batched per animation frame (the show row and its ingestion health are
// applied as they come), caught up after every (re)subscribe, and the operator actions, whose
// results are applied at once.
import type { SupabaseClient } from '@supabase/supabase-js';
import {
	blockedViewerSchema,
	columns,
	liveIngestionSchema,
	showSchema,
	type BlockedViewer,
	type Claim,
	type Comment,
	type LiveIngestion,
	type Show,
	type ShowItem,
	type VariantRequest,
} from '$lib/rows';
import { blockOf, blockedViewersOf, withBlock, type BlockedViewers } from './blocked-viewers';
import { CatchUp } from './catch-up';
import { parseChange } from './changes';
import { connectionState } from './connection';
import { FrameBatcher, type FrameScheduler, browserFrameScheduler } from './frame-batcher';
import {
	LiveData,
	claimsByItem,
	claimsByLatestEvent,
	commentsNewestFirst,
	everyLiveTable,
	itemsInOrder,
	lastCommentAt,
	liveStats,
	openVariantRequests,
	type ItemClaims,
	type LiveTable,
	type RowChange,
	type ShowSnapshot,
} from './live-data';
import { OperatorActions } from './operator-actions';
import { ShowChannel } from './show-channel.svelte';

/**
 * Realtime does not promise delivery (a change right after joining can be missed, a server can
 * drop one), so a small catch-up also runs this often: a lost change shows up within seconds.
 */
const safetyCatchUpMs = 8_000;

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
	/** Claims waiting for the operator to pick a variant, oldest first. */
	variantRequests: VariantRequest[] = $state.raw([]);
	claimsByItem: Map<string, ItemClaims> = $state.raw(claimsByItem([]));
	stats = $state.raw(liveStats([], []));
	lastCommentAt: string | null = $state(null);
	/** The workspace's blocked viewers. */
	blockedViewers: BlockedViewers = $state.raw(blockedViewersOf([]));
	/** False until every claim has been read after opening (the feed says so meanwhile). */
	hasAllClaims: boolean;
	/** Why the last catch-up failed, until one succeeds. */
	syncError: string | null = $state(null);
	/** Browser clock minus database clock, so elapsed times are right on a skewed laptop. */
	readonly clockSkewMs: number;
	/** What the operator can do; results land in this store at once. */
	readonly actions: OperatorActions;

	#online = $state(true);
	#caughtUp = $state(false);
	#everLive = $state(false);
	connection = $derived.by(() =>
		connectionState({
			online: this.#online,
			subscribed: this.#channel.subscribed,
			caughtUp: this.#caughtUp,
			everLive: this.#everLive,
		}),
	);

	readonly #supabase: SupabaseClient;
	readonly #data: LiveData;
	readonly #batcher: FrameBatcher<RowChange>;
	readonly #channel: ShowChannel;
	readonly #catchUp: CatchUp;

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
		this.#channel = new ShowChannel(supabase, this.showId, {
			change: (payload) => this.#safely(() => this.#batcher.push(parseChange(payload))),
			show: (row) =>
				this.#safely(() => {
					if (this.#data.applyShow(showSchema.parse(row))) this.#publish(noLiveTable);
				}),
			ingestion: (row) =>
				this.#safely(() => {
					if (this.#data.applyIngestion(row === null ? null : liveIngestionSchema.parse(row)))
						this.#publish(noLiveTable);
				}),
			subscribed: () => void this.sync(),
			down: () => (this.#caughtUp = false),
		});
		this.#catchUp = new CatchUp(supabase, this.showId, this.#data, {
			flushEvents: () => this.#batcher.flush(),
			subscribed: () => this.#channel.subscribed,
			merged: (changed, subscribedThroughout) => {
				this.#publish(changed);
				this.hasAllClaims = this.#data.hasAllClaims;
				this.syncError = null;
				if (subscribedThroughout) {
					this.#caughtUp = true;
					this.#everLive = true;
				}
			},
			failed: (message) => {
				this.syncError = message;
				this.#caughtUp = false;
			},
		});
		this.actions = new OperatorActions(supabase, this.showId, {
			applyRows: (rows) => this.#applyRows(rows),
			applyShow: (show) => {
				this.#data.applyShow(show);
				this.show = this.#data.show;
			},
			applyBlocked: (viewer, unblocked) => this.#applyBlocked(viewer, unblocked),
			// The show row's own update follows over Realtime; until then, only its pin changed.
			applyPin: (itemNumber) => {
				this.#data.applyShow({ ...this.#data.show, pinned_item_number: itemNumber });
				this.show = this.#data.show;
			},
			catchUp: () => void this.sync(),
		});
		this.#publish(everyLiveTable);
	}

	/** Subscribes and watches the browser; returns the teardown. Browser only. */
	start(): () => void {
		this.#online = navigator.onLine;
		this.#channel.open();
		void this.#readBlockedViewers();

		const onOnline = () => {
			this.#online = true;
			this.#channel.resubscribeSoon(0);
			void this.sync();
		};
		const onOffline = () => {
			this.#online = false;
		};
		// A laptop waking up, or a phone returning to the tab: catch up, whatever the channel says.
		const onVisibility = () => {
			if (document.visibilityState !== 'visible') return;
			if (!this.#channel.subscribed) this.#channel.resubscribeSoon(0);
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
			if (document.visibilityState === 'visible' && this.#channel.subscribed)
				void this.sync({ allItems: false });
		}, safetyCatchUpMs);

		return () => {
			window.removeEventListener('online', onOnline);
			window.removeEventListener('offline', onOffline);
			document.removeEventListener('visibilitychange', onVisibility);
			subscription.unsubscribe();
			clearInterval(safetyCatchUp);
			this.#catchUp.dispose();
			this.#channel.close();
			this.#batcher.dispose();
		};
	}

	/** Catches up with what changed since the newest change held (see CatchUp.run). */
	sync(options?: { allItems?: boolean }): Promise<void> {
		return this.#catchUp.run(options);
	}

	/** Whether the commenter of this claim or comment is blocked in the workspace. */
	isBlocked(viewer: Pick<BlockedViewer, 'platform' | 'platform_user_id'>): boolean {
		return blockOf(this.blockedViewers, viewer) !== null;
	}

	/** The block on this commenter, if any. */
	blockOf(viewer: Pick<BlockedViewer, 'platform' | 'platform_user_id'>): BlockedViewer | null {
		return blockOf(this.blockedViewers, viewer);
	}

	async #readBlockedViewers(): Promise<void> {
		const { data, error } = await this.#supabase
			.from('blocked_viewers')
			.select(columns.blockedViewer)
			.eq('workspace_id', this.show.workspace_id);
		if (error) {
			console.error(`live console: reading the blocked viewers failed: ${error.message}`);
			return;
		}
		this.blockedViewers = blockedViewersOf(blockedViewerSchema.array().parse(data));
	}

	#applyBlocked(viewer: BlockedViewer, unblocked = false): void {
		this.blockedViewers = withBlock(this.blockedViewers, viewer, unblocked);
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
		if (changed.has('variant_requests'))
			this.variantRequests = openVariantRequests(data.variantRequests.rows.values());
		if (changed.has('comments')) {
			this.comments = commentsNewestFirst(data.comments.rows.values());
			this.lastCommentAt = lastCommentAt(data.comments.rows.values());
		}
	}

	#applyRows(rows: {
		items?: ShowItem[];
		claims?: Claim[];
		variantRequests?: VariantRequest[];
	}): void {
		const changes: RowChange[] = [
			...(rows.items ?? []).map((row): RowChange => ({ table: 'show_items', kind: 'upsert', row })),
			...(rows.claims ?? []).map((row): RowChange => ({ table: 'claims', kind: 'upsert', row })),
			...(rows.variantRequests ?? []).map((row): RowChange => ({
				table: 'variant_requests',
				kind: 'upsert',
				row,
			})),
		];
		this.#publish(this.#data.apply(changes));
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
}
