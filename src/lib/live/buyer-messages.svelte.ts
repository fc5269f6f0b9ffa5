// The show's buyer messages for the live console: read once, then followed on a Realtime channel
// of their own (and read again every few seconds, as Realtime does not promise delivery), so the
// claims feed and the outbox list show each message's state as the sender moves it.
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { mergeMessages, messagesByClaim } from '$lib/buyer-messages';
import { buyerMessageSchema, columns, type BuyerMessage } from '$lib/rows';
import { describeRpcError } from '$lib/rpc-error';

/** The newest messages the console keeps; a show sends one or two per claim. */
const limit = 2_000;
const refreshMs = 8_000;

export class BuyerMessages {
	/** Newest first. */
	messages: BuyerMessage[] = $state.raw([]);
	byClaim: Map<string, BuyerMessage[]> = $derived(messagesByClaim(this.messages));
	/** Whether the show tells buyers at all (null until read). */
	enabled: boolean | null = $state(null);
	/** Why the last read failed, until one succeeds. */
	loadError: string | null = $state(null);

	readonly #supabase: SupabaseClient;
	readonly #showId: string;

	constructor(supabase: SupabaseClient, showId: string) {
		this.#supabase = supabase;
		this.#showId = showId;
	}

	/** Reads and follows the messages; returns the function that stops. */
	start(): () => void {
		let channel: RealtimeChannel | null = this.#supabase
			.channel(`buyer-messages:${this.#showId}`)
			.on(
				'postgres_changes',
				{
					event: '*',
					schema: 'public',
					table: 'buyer_messages',
					filter: `show_id=eq.${this.#showId}`,
				},
				(payload) => {
					const parsed = buyerMessageSchema.safeParse(payload.new);
					if (parsed.success) this.#apply([parsed.data]);
					else void this.load();
				},
			)
			.subscribe((status) => {
				if (status === 'SUBSCRIBED') void this.load();
			});
		const timer = setInterval(() => void this.load(), refreshMs);
		void this.load();
		return () => {
			clearInterval(timer);
			if (channel) void this.#supabase.removeChannel(channel);
			channel = null;
		};
	}

	async load(): Promise<void> {
		const [messages, show] = await Promise.all([
			this.#supabase
				.from('buyer_messages')
				.select(columns.buyerMessage)
				.eq('show_id', this.#showId)
				.order('created_at', { ascending: false })
				.limit(limit),
			this.#supabase
				.from('shows')
				.select('buyer_messages_enabled')
				.eq('id', this.#showId)
				.single<{ buyer_messages_enabled: boolean }>(),
		]);
		const failed = messages.error ?? show.error;
		if (failed) {
			this.loadError = describeRpcError(failed, messages.error ? messages.status : show.status);
			return;
		}
		this.loadError = null;
		this.enabled = show.data?.buyer_messages_enabled ?? null;
		this.#apply(buyerMessageSchema.array().parse(messages.data));
	}

	/** Switches the show's messages off or on (admins; audited). */
	async setEnabled(enabled: boolean): Promise<{ ok: boolean; message: string }> {
		const { data, error, status } = await this.#supabase.rpc('set_show_buyer_messages', {
			show_id: this.#showId,
			enabled,
		});
		if (error) return { ok: false, message: describeRpcError(error, status) };
		this.enabled = (data as { buyer_messages_enabled: boolean }).buyer_messages_enabled;
		return {
			ok: true,
			message: this.enabled
				? 'Buyers of this show are told again.'
				: 'Buyers of this show are no longer told; messages already queued are skipped.',
		};
	}

	/** Sends a failed or skipped message again (audited); returns what to tell the operator. */
	async resend(message: BuyerMessage): Promise<{ ok: boolean; message: string }> {
		const { data, error, status } = await this.#supabase.rpc('resend_buyer_message', {
			message_id: message.id,
		});
		if (error) return { ok: false, message: describeRpcError(error, status) };
		this.#apply([buyerMessageSchema.parse(data)]);
		return { ok: true, message: 'Queued again: it goes out within seconds if Meta allows it.' };
	}

	/** Records that the operator copied the text to send it by hand (audited). */
	async noteCopied(message: BuyerMessage): Promise<void> {
		await this.#supabase.rpc('note_buyer_message_copied', { message_id: message.id });
	}

	#apply(rows: BuyerMessage[]): void {
		this.messages = mergeMessages(this.messages, rows, limit);
	}
}
