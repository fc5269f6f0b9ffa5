// Rows of the claim engine's tables as the console reads them, over REST or from Realtime.
// Parsing at this boundary means a migration that changes a column fails loudly, not silently.
import { z } from 'zod';

const timestamp = z.string();
const platform = z.enum(['facebook', 'instagram']);

export const showStatuses = ['draft', 'active', 'paused', 'ended'] as const;
export const showSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	name: z.string(),
	status: z.enum(showStatuses),
	platform,
	connection_id: z.uuid().nullable(),
	live_id: z.string().nullable(),
	live_url: z.string().nullable(),
	claim_words: z.array(z.string()).nullable(),
	pass_words: z.array(z.string()).nullable(),
	/** ISO 4217 code of the show's prices, fixed when it is created. */
	currency: z.string(),
	/** The item the seller is showing, which a bare claim word claims; null when none. */
	pinned_item_number: z.number().int().nullable(),
	/** The show's own per-buyer limits (units across the show, of one item); null: the workspace's. */
	max_units_per_buyer: z.number().int().nullable(),
	max_units_per_buyer_item: z.number().int().nullable(),
	started_at: timestamp.nullable(),
	ended_at: timestamp.nullable(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type Show = z.infer<typeof showSchema>;

export const showItemSchema = z.object({
	id: z.uuid(),
	show_id: z.uuid(),
	item_number: z.string(),
	title: z.string().nullable(),
	description: z.string().nullable(),
	quantity: z.number().int(),
	claimed_count: z.number().int(),
	waitlist_count: z.number().int(),
	status: z.enum(['unclaimed', 'partial', 'sold_out']),
	/** The catalog variant it sells, if any; rows of one item number are its variants. */
	product_variant_id: z.uuid().nullable(),
	/** "Blue / M"; '' for an item without variants. */
	variant_label: z.string(),
	/** Unit price in minor units of the show's currency; null when it has none. */
	price: z.number().int().nullable(),
	image_url: z.string().nullable(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type ShowItem = z.infer<typeof showItemSchema>;

/** One pin change of a show (item_number null unpins); the latest is the show's pin. */
export const showPinSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	show_id: z.uuid(),
	item_number: z.number().int().nullable(),
	pinned_at: timestamp,
	pinned_by: z.uuid().nullable(),
});
export type ShowPin = z.infer<typeof showPinSchema>;

export const claimSchema = z.object({
	id: z.uuid(),
	show_id: z.uuid(),
	show_item_id: z.uuid(),
	item_number: z.string(),
	platform: z.enum(['facebook', 'instagram', 'test']),
	platform_user_id: z.string().nullable(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	raw_text: z.string().nullable(),
	status: z.enum(['winner', 'waitlist', 'passed', 'released']),
	waitlist_position: z.number().int().nullable(),
	promoted_at: timestamp.nullable(),
	ended_at: timestamp.nullable(),
	operator_action: z.boolean(),
	operator_notes: z.string().nullable(),
	is_test: z.boolean(),
	/** The buyer's 1st, 2nd, ... open unit of the row: one claim per unit. */
	buyer_unit: z.number().int(),
	/** Its comment was read after a later-written one had been allocated (Meta listed it late). */
	read_late: z.boolean(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type Claim = z.infer<typeof claimSchema>;

/** A claim that named no single variant of its item, waiting for the operator to pick one. */
export const variantRequestSchema = z.object({
	id: z.uuid(),
	show_id: z.uuid(),
	item_number: z.string(),
	platform: z.enum(['facebook', 'instagram', 'test']),
	platform_user_id: z.string(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	raw_text: z.string().nullable(),
	variant_words: z.array(z.string()),
	quantity: z.number().int(),
	status: z.enum(['open', 'resolved', 'passed', 'dismissed']),
	resolved_show_item_id: z.uuid().nullable(),
	resolved_at: timestamp.nullable(),
	is_test: z.boolean(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type VariantRequest = z.infer<typeof variantRequestSchema>;

/** A viewer whose comments the workspace ignores (reason blocked). */
export const blockedViewerSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	platform: z.enum(['facebook', 'instagram', 'test']),
	platform_user_id: z.string(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	created_at: timestamp,
});
export type BlockedViewer = z.infer<typeof blockedViewerSchema>;

export const commentSchema = z.object({
	id: z.uuid(),
	show_id: z.uuid(),
	platform: z.enum(['facebook', 'instagram', 'test']),
	platform_user_id: z.string(),
	user_handle: z.string().nullable(),
	user_display_name: z.string().nullable(),
	raw_text: z.string(),
	commented_at: timestamp,
	/** pinned: a bare claim word, on the item pinned then (item_number null: nothing was). */
	intents: z.array(
		z.object({
			intent: z.enum(['claim', 'pass']),
			item_number: z.string().nullable(),
			pinned: z.boolean().optional(),
		}),
	),
	outcome: z.enum(['processed', 'ignored']),
	ignored_reason: z.string().nullable(),
	/** What came of each intent, in order: 'winner', 'limit_reached', ... */
	intent_outcomes: z.array(z.string()),
	is_test: z.boolean(),
	created_at: timestamp,
});
export type Comment = z.infer<typeof commentSchema>;

export const socialConnectionSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	platform,
	external_account_id: z.string(),
	display_name: z.string().nullable(),
	token_expires_at: timestamp.nullable(),
	scopes: z.array(z.string()),
	status: z.enum(['active', 'expired', 'revoked']),
	status_detail: z.string().nullable(),
	status_changed_at: timestamp.nullable(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type SocialConnection = z.infer<typeof socialConnectionSchema>;

/** Ingestion health of a running show (the poll cursor and lease are not the console's business). */
export const liveIngestionSchema = z.object({
	show_id: z.uuid(),
	platform,
	live_id: z.string(),
	status: z.enum([
		'starting',
		'listening',
		'delayed',
		'replay',
		'live_ended',
		'reconnect_required',
		'failed',
	]),
	status_detail: z.string().nullable(),
	last_success_at: timestamp.nullable(),
	last_comment_at: timestamp.nullable(),
	comments_received: z.number().int(),
	backoff_until: timestamp.nullable(),
	/** When Meta reported the live ended; comments it lists late are still read for a minute. */
	live_ended_at: timestamp.nullable(),
	/** Until when comments on the published replay still claim (the workspace's replay window). */
	replay_until: timestamp.nullable(),
	/** People watching the Facebook live at the last poll (Meta's live_views); null when unknown. */
	viewer_count: z.number().int().nullable(),
	viewer_count_at: timestamp.nullable(),
	/** Time ranges whose comments were never read, and why. */
	gaps: z.array(z.object({ from: timestamp, to: timestamp, reason: z.string() })),
	updated_at: timestamp,
});
export type LiveIngestion = z.infer<typeof liveIngestionSchema>;

/** A workspace's payment integration as members read it (its credentials never leave the server). */
export const integrationSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	provider: z.enum(['stripe']),
	status: z.enum(['active', 'failing', 'disconnected']),
	status_detail: z.string().nullable(),
	external_account_id: z.string().nullable(),
	display_name: z.string().nullable(),
	key_hint: z.string().nullable(),
	livemode: z.boolean(),
	/** api_key: a restricted key the seller pasted; oauth: connected through Stripe Connect. */
	auth_method: z.enum(['api_key', 'oauth']),
	webhook_endpoint_id: z.string().nullable(),
	connected_at: timestamp.nullable(),
	checked_at: timestamp.nullable(),
});
export type Integration = z.infer<typeof integrationSchema>;

/** A message to a buyer in the show's outbox (the sender's lease and idempotency key are not the console's business). */
export const buyerMessageSchema = z.object({
	id: z.uuid(),
	show_id: z.uuid().nullable(),
	claim_id: z.uuid().nullable(),
	order_id: z.uuid().nullable(),
	conversation_id: z.uuid().nullable(),
	platform,
	comment_id: z.string().nullable(),
	event: z.enum([
		'won',
		'promoted',
		'waitlisted',
		'needs_variant',
		'invoice_ready',
		'payment_received',
		'hold_expiring',
		'hold_expired',
		'keyword_answer',
		'seller_reply',
	]),
	channel: z.enum(['public_reply', 'private_reply', 'message']),
	text: z.string(),
	status: z.enum(['queued', 'sending', 'sent', 'failed', 'skipped']),
	reason_code: z.string().nullable(),
	reason: z.string().nullable(),
	attempts: z.number().int(),
	carrier_id: z.uuid().nullable(),
	sent_at: timestamp.nullable(),
	created_at: timestamp,
	updated_at: timestamp,
});
export type BuyerMessage = z.infer<typeof buyerMessageSchema>;

/** A buyer's Messenger / Instagram Direct thread with a connected Page or account. */
export const conversationSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	connection_id: z.uuid(),
	platform,
	buyer_platform_id: z.string(),
	buyer_handle: z.string().nullable(),
	buyer_name: z.string().nullable(),
	last_inbound_at: timestamp.nullable(),
	last_message_at: timestamp.nullable(),
	unread_count: z.number().int(),
});
export type Conversation = z.infer<typeof conversationSchema>;

export const conversationMessageSchema = z.object({
	id: z.uuid(),
	conversation_id: z.uuid(),
	direction: z.enum(['inbound', 'outbound']),
	external_message_id: z.string().nullable(),
	text: z.string().nullable(),
	sent_at: timestamp,
});
export type ConversationMessage = z.infer<typeof conversationMessageSchema>;

/** Column lists that match the schemas above, so selects fetch exactly what is parsed. */
export const columns = {
	show: Object.keys(showSchema.shape).join(', '),
	showItem: Object.keys(showItemSchema.shape).join(', '),
	claim: Object.keys(claimSchema.shape).join(', '),
	comment: Object.keys(commentSchema.shape).join(', '),
	socialConnection: Object.keys(socialConnectionSchema.shape).join(', '),
	liveIngestion: Object.keys(liveIngestionSchema.shape).join(', '),
	integration: Object.keys(integrationSchema.shape).join(', '),
	variantRequest: Object.keys(variantRequestSchema.shape).join(', '),
	buyerMessage: Object.keys(buyerMessageSchema.shape).join(', '),
	conversation: Object.keys(conversationSchema.shape).join(', '),
	conversationMessage: Object.keys(conversationMessageSchema.shape).join(', '),
	blockedViewer: Object.keys(blockedViewerSchema.shape).join(', '),
};
