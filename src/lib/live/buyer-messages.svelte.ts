// Buyer messages for the console: read once, then followed on a Realtime channel of their own
// (and read again every few seconds, as Realtime does not promise delivery), so each message's
// state shows as the sender moves it. BuyerMessages follows one show's (the claims feed and the
// outbox list of the live console); OrderBuyerMessages a workspace's order messages (the orders
// tables' "Told" badges).
import type { PostgrestError, RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { mergeMessages, messagesBy } from '$lib/buyer-messages';
import { buyerMessageSchema, columns, type BuyerMessage } from '$lib/rows';
import { describeRpcError } from '$lib/rpc-error';

/** The newest messages the console keeps; a show sends one or two per claim. */
const limit = 2_000;
const refreshMs = 8_000;

type Read = { data: unknown; error: PostgrestError | null; status: number };

/** Whose messages: a show's or a workspace's, all of them or only those about orders. */
interface Scope {
	column: 'show_id' | 'workspace_id';
	id: string;
	ordersOnly: boolean;
}

/** The messages of a scope, newest first, as they change. */
abstract class FollowedMessages {
	/** Newest first. */
	messages: BuyerMessage[] = $state.raw([]);
	/** Why the last read failed, until one succeeds. */
	loadError: string | null = $state(null);

	protected readonly supabase: SupabaseClient;
	readonly #column: Scope['column'];
	readonly #id: string;
	readonly #ordersOnly: boolean;

	constructor(supabase: SupabaseClient, scope: Scope) {
		this.supabase = supabase;
		this.#column = scope.column;
		this.#id = scope.id;
		this.#ordersOnly = scope.ordersOnly;
	}

	/** Reads and follows the messages; returns the function that stops. */
	start(): () => void {
		let channel: RealtimeChannel | null = this.supabase
			.channel(`buyer-messages:${this.#column}:${this.#id}`)
			.on(
				'postgres_changes',
				{
					event: '*',
					schema: 'public',
					table: 'buyer_messages',
					filter: `${this.#column}=eq.${this.#id}`,
				},
				(payload) => {
					const parsed = buyerMessageSchema.safeParse(payload.new);
					if (!parsed.success) void this.load();
					else if (!this.#ordersOnly || parsed.data.order_id !== null) this.apply([parsed.data]);
				},
			)
			.subscribe((status) => {
				if (status === 'SUBSCRIBED') void this.load();
			});
		const timer = setInterval(() => void this.load(), refreshMs);
		void this.load();
		return () => {
			clearInterval(timer);
			if (channel) void this.supabase.removeChannel(channel);
			channel = null;
		};
	}

	/** The newest messages kept, as the select reads them. */
	protected readMessages(): PromiseLike<Read> {
		const query = this.supabase
			.from('buyer_messages')
			.select(columns.buyerMessage)
			.eq(this.#column, this.#id);
		return (this.#ordersOnly ? query.not('order_id', 'is', null) : query)
			.order('created_at', { ascending: false })
			.limit(limit);
	}

	protected accept(read: Read): boolean {
		if (read.error) {
			this.loadError = describeRpcError(read.error, read.status);
			return false;
		}
		this.loadError = null;
		this.apply(buyerMessageSchema.array().parse(read.data));
		return true;
	}

	async load(): Promise<void> {
		this.accept(await this.readMessages());
	}

	protected apply(rows: BuyerMessage[]): void {
		this.messages = mergeMessages(this.messages, rows, limit);
	}
}

/** A show's messages, and whether the show tells buyers at all. */
export class BuyerMessages extends FollowedMessages {
	byClaim: Map<string, BuyerMessage[]> = $derived(messagesBy(this.messages, 'claim_id'));
	/** Whether the show tells buyers at all (null until read). */
	enabled: boolean | null = $state(null);

	readonly #showId: string;

	constructor(supabase: SupabaseClient, showId: string) {
		super(supabase, { column: 'show_id', id: showId, ordersOnly: false });
		this.#showId = showId;
	}

	override async load(): Promise<void> {
		const [messages, show] = await Promise.all([
			this.readMessages(),
			this.supabase
				.from('shows')
				.select('buyer_messages_enabled')
				.eq('id', this.#showId)
				.single<{ buyer_messages_enabled: boolean }>(),
		]);
		if (show.error) {
			this.loadError = describeRpcError(show.error, show.status);
			return;
		}
		if (this.accept(messages)) this.enabled = show.data?.buyer_messages_enabled ?? null;
	}

	/** Switches the show's messages off or on (admins; audited). */
	async setEnabled(enabled: boolean): Promise<{ ok: boolean; message: string }> {
		const { data, error, status } = await this.supabase.rpc('set_show_buyer_messages', {
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
		const { data, error, status } = await this.supabase.rpc('resend_buyer_message', {
			message_id: message.id,
		});
		if (error) return { ok: false, message: describeRpcError(error, status) };
		this.apply([buyerMessageSchema.parse(data)]);
		return { ok: true, message: 'Queued again: it goes out within seconds if Meta allows it.' };
	}

	/** Records that the operator copied the text to send it by hand (audited). */
	async noteCopied(message: BuyerMessage): Promise<void> {
		await this.supabase.rpc('note_buyer_message_copied', { message_id: message.id });
	}
}

/** A workspace's messages about orders, by order: whether each order's buyer was told. */
export class OrderBuyerMessages extends FollowedMessages {
	byOrder: Map<string, BuyerMessage[]> = $derived(messagesBy(this.messages, 'order_id'));

	constructor(supabase: SupabaseClient, workspaceId: string) {
		super(supabase, { column: 'workspace_id', id: workspaceId, ordersOnly: true });
	}
}
