// The overlay page's connection, with no login: the overlay link's token (from the page's address)
// is exchanged at the overlay-session Edge Function for a JWT of a few minutes that reads only the
// show's overlay feed; the page reads the feed once and then follows it over Realtime. Every few
// seconds it reads the feed again (a missed change is healed, and a revoked link, whose reads
// the database then refuses, is noticed) and renews the session before it expires.
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { overlayFeedColumns, overlayFeedSchema, type OverlayFeed } from '$lib/overlay';
import { supabaseEnv } from '$lib/supabase-env';

/** How often the feed is read again; also how soon an open page says its link was revoked. */
const CHECK_MS = 5_000;
/** A session is renewed this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

export type OverlayLinkStatus = 'connecting' | 'live' | 'revoked' | 'offline';

interface Session {
	access_token: string;
	expires_at: string;
	show_id: string;
}

export class OverlayLink {
	feed = $state.raw<OverlayFeed | null>(null);
	status = $state<OverlayLinkStatus>('connecting');
	#token: string;
	#session: Session | null = null;
	#client: SupabaseClient | null = null;
	#channel: RealtimeChannel | null = null;
	#timer: ReturnType<typeof setInterval> | undefined;
	#stopped = false;

	constructor(token: string) {
		this.#token = token;
	}

	async start(): Promise<void> {
		if (!(await this.#renew())) return;
		const { url, anonKey } = supabaseEnv();
		this.#client = createClient(url, anonKey, {
			accessToken: async () => this.#session?.access_token ?? null,
		});
		const showId = this.#session!.show_id;
		// Realtime joins with the session (the client would set it a moment later by itself).
		await this.#client.realtime.setAuth(this.#session!.access_token);
		this.#channel = this.#client
			.channel(`overlay:${showId}`)
			.on(
				'postgres_changes',
				{ event: '*', schema: 'public', table: 'overlay_feeds', filter: `show_id=eq.${showId}` },
				(change) => {
					if (change.eventType !== 'DELETE') this.#show(change.new);
				},
			)
			// Changes flow from here on (also after a reconnect): read once more, so none is missed.
			.on('system', {}, (message: { extension?: string; status?: string }) => {
				if (message.extension === 'postgres_changes' && message.status === 'ok') void this.#read();
			})
			.subscribe();
		await this.#read();
		this.#timer = setInterval(() => void this.#check(), CHECK_MS);
	}

	stop(): void {
		this.#stopped = true;
		clearInterval(this.#timer);
		if (this.#channel) void this.#client?.removeChannel(this.#channel);
	}

	#show(row: unknown): void {
		const parsed = overlayFeedSchema.safeParse(row);
		if (parsed.success) {
			this.feed = parsed.data;
			this.status = 'live';
		}
	}

	/** A new session for the token; false (and the status says why) when there is none. */
	async #renew(): Promise<boolean> {
		const { url, anonKey } = supabaseEnv();
		try {
			const response = await fetch(`${url}/functions/v1/overlay-session`, {
				method: 'POST',
				headers: { apikey: anonKey, 'content-type': 'application/json' },
				body: JSON.stringify({ token: this.#token }),
			});
			if (response.status === 404) {
				this.#revoked();
				return false;
			}
			if (!response.ok) throw new Error(`overlay-session answered ${response.status}`);
			this.#session = (await response.json()) as Session;
			if (this.#client) await this.#client.realtime.setAuth(this.#session.access_token);
			return true;
		} catch {
			this.status = 'offline';
			return false;
		}
	}

	#revoked(): void {
		this.status = 'revoked';
		this.feed = null;
		this.stop();
	}

	async #read(): Promise<void> {
		if (!this.#client || !this.#session) return;
		const { data, error } = await this.#client
			.from('overlay_feeds')
			.select(overlayFeedColumns)
			.eq('show_id', this.#session.show_id)
			.maybeSingle();
		if (error) {
			this.status = 'offline';
			return;
		}
		// The database no longer lets this session read: the link was revoked or replaced (or the
		// session expired); a new session says which.
		if (!data) {
			if (await this.#renew()) await this.#read();
			return;
		}
		this.#show(data);
	}

	async #check(): Promise<void> {
		if (this.#stopped || !this.#session) return;
		if (
			Date.parse(this.#session.expires_at) - Date.now() < RENEW_BEFORE_MS &&
			!(await this.#renew())
		)
			return;
		await this.#read();
	}
}
