// What the console tells the operator about its link to the show. "Live" is earned: the channel
// is subscribed AND everything missed before it was caught up; anything less says so.

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionFacts {
	/** The browser's own view (navigator.onLine and its online/offline events). */
	online: boolean;
	/** Realtime confirmed the channel's subscriptions ("Subscribed to PostgreSQL") and nothing failed since. */
	subscribed: boolean;
	/** A catch-up refetch finished while subscribed. */
	caughtUp: boolean;
	/** The console has been live at least once (so a loss is a reconnect, not a first connect). */
	everLive: boolean;
}

export function connectionState(facts: ConnectionFacts): ConnectionState {
	if (!facts.online) return 'offline';
	if (facts.subscribed && facts.caughtUp) return 'live';
	return facts.everLive ? 'reconnecting' : 'connecting';
}

export const connectionLabel: Record<ConnectionState, string> = {
	connecting: 'Console connecting…',
	live: 'Console live',
	reconnecting: 'Console reconnecting…',
	offline: 'Console offline',
};

/** Waits before rebuilding a channel that did not recover on its own: 5 s, 10 s, 20 s, then 30 s. */
export function resubscribeDelayMs(attempt: number): number {
	return Math.min(30_000, 5_000 * 2 ** Math.max(0, attempt));
}
