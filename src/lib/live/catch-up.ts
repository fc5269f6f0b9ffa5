// Realtime does not replay what happened while a channel was down, so the console refetches what
// changed since the newest change it holds and merges it into LiveData, one refetch at a time,
// retrying until one succeeds.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { LiveData, LiveTable } from './live-data';
import { fetchShowSnapshot } from './snapshot';

const retryMs = 5_000;

export interface CatchUpTarget {
	/** Applies the Realtime events received so far. */
	flushEvents(): void;
	/** Whether the channel's subscriptions exist right now. */
	subscribed(): boolean;
	/** Merged: which tables changed, and whether the channel was subscribed throughout. */
	merged(changed: ReadonlySet<LiveTable>, subscribedThroughout: boolean): void;
	failed(message: string): void;
}

export class CatchUp {
	readonly #supabase: SupabaseClient;
	readonly #showId: string;
	readonly #data: LiveData;
	readonly #target: CatchUpTarget;
	#running = false;
	#again = false;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#disposed = false;

	constructor(supabase: SupabaseClient, showId: string, data: LiveData, target: CatchUpTarget) {
		this.#supabase = supabase;
		this.#showId = showId;
		this.#data = data;
		this.#target = target;
	}

	/**
	 * Refetches what changed since the newest change held and merges it; asked while one runs, it
	 * runs again after. With allItems every item's id is read too, to learn of items removed meanwhile.
	 */
	async run({ allItems = true }: { allItems?: boolean } = {}): Promise<void> {
		if (this.#disposed) return;
		if (this.#running) {
			this.#again = true;
			return;
		}
		this.#running = true;
		clearTimeout(this.#retryTimer);
		try {
			do {
				this.#again = false;
				const subscribedAtStart = this.#target.subscribed();
				this.#target.flushEvents();
				this.#data.beginSync();
				try {
					const snapshot = await fetchShowSnapshot(this.#supabase, this.#showId, {
						changedSince: this.#data.newestChange(),
						allItems,
						missingClaims: this.#data.hasAllClaims
							? null
							: this.#data.missingClaimsUpTo
								? { createdUpTo: this.#data.missingClaimsUpTo }
								: 'all',
					});
					if (this.#disposed) return;
					// Events that arrived during the fetch are applied first, so the merge knows them.
					this.#target.flushEvents();
					const changed = this.#data.finishSync(snapshot);
					this.#target.merged(changed, subscribedAtStart && this.#target.subscribed());
				} catch (error) {
					this.#data.abandonSync();
					const message = (error as Error).message;
					this.#target.failed(message);
					this.#retryTimer = setTimeout(() => void this.run(), retryMs);
					console.error(`live console: catching up failed: ${message}`);
					return;
				}
			} while (this.#again);
		} finally {
			this.#running = false;
		}
	}

	dispose(): void {
		this.#disposed = true;
		clearTimeout(this.#retryTimer);
	}
}
