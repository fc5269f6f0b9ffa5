// The Realtime channel that follows one show: postgres_changes on its claims, items and comments,
// its row and its ingestion health. It reports when its subscriptions exist (the moment to catch
// up) and rebuilds itself, with growing pauses, when it stays down.
import type {
	RealtimeChannel,
	RealtimePostgresChangesPayload,
	SupabaseClient,
} from '@supabase/supabase-js';
import { resubscribeDelayMs } from './connection';
import { everyLiveTable } from './live-data';

/** What the channel hands over. Each handler may throw on a row it cannot read. */
export interface ShowChannelHandlers {
	change(payload: RealtimePostgresChangesPayload<Record<string, unknown>>): void;
	show(row: unknown): void;
	/** null when the show's ingestion row was deleted. */
	ingestion(row: unknown): void;
	/** The subscriptions exist: anything changed before now must be fetched. */
	subscribed(): void;
	/** The channel is down; it rebuilds itself. */
	down(): void;
}

let channelCount = 0;

export class ShowChannel {
	/** Realtime confirmed the subscriptions and nothing failed since. */
	subscribed = $state(false);

	readonly #supabase: SupabaseClient;
	readonly #showId: string;
	readonly #handlers: ShowChannelHandlers;
	#channel: RealtimeChannel | null = null;
	#resubscribeAttempt = 0;
	#resubscribeTimer: ReturnType<typeof setTimeout> | undefined;
	#disposed = false;

	constructor(supabase: SupabaseClient, showId: string, handlers: ShowChannelHandlers) {
		this.#supabase = supabase;
		this.#showId = showId;
		this.#handlers = handlers;
	}

	/** Subscribes now. */
	open(): void {
		this.#subscribe();
	}

	/** Rebuilds the channel after `delayMs`, unless it recovered meanwhile. */
	resubscribeSoon(delayMs: number): void {
		clearTimeout(this.#resubscribeTimer);
		this.#resubscribeTimer = setTimeout(() => {
			if (this.#disposed || this.subscribed) return;
			const stale = this.#channel;
			this.#channel = null;
			if (stale) void this.#supabase.removeChannel(stale);
			this.#subscribe();
		}, delayMs);
	}

	close(): void {
		this.#disposed = true;
		clearTimeout(this.#resubscribeTimer);
		if (this.#channel) void this.#supabase.removeChannel(this.#channel);
		this.#channel = null;
	}

	#subscribe(): void {
		const filter = `show_id=eq.${this.#showId}`;
		const channel = this.#supabase.channel(`live-console:${this.#showId}:${++channelCount}`);
		for (const table of everyLiveTable) {
			channel.on('postgres_changes', { event: '*', schema: 'public', table, filter }, (payload) =>
				this.#handlers.change(payload),
			);
		}
		channel.on(
			'postgres_changes',
			{ event: 'UPDATE', schema: 'public', table: 'shows', filter: `id=eq.${this.#showId}` },
			(payload) => this.#handlers.show(payload.new),
		);
		channel.on(
			'postgres_changes',
			{ event: '*', schema: 'public', table: 'live_ingestion', filter },
			(payload) => this.#handlers.ingestion(payload.eventType === 'DELETE' ? null : payload.new),
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
					this.subscribed = true;
					this.#resubscribeAttempt = 0;
					clearTimeout(this.#resubscribeTimer);
					this.#handlers.subscribed();
				} else
					this.#down('CHANNEL_ERROR', new Error(message.message ?? 'Realtime could not subscribe'));
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
					this.#down(status, error);
				});
			});
	}

	#down(status: string, error: Error | undefined): void {
		this.subscribed = false;
		this.#handlers.down();
		if (error) console.warn(`live console: Realtime channel ${status}: ${error.message}`);
		// realtime-js rejoins errored channels itself; one that stays down is rebuilt.
		this.resubscribeSoon(resubscribeDelayMs(this.#resubscribeAttempt++));
	}
}
