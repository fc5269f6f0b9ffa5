// Reads for the console inbox, under row level security: the workspace's conversations, newest
// first, and one conversation with its messages, its outbox messages and the buyer's orders.
import { error } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { orderColumns, orderLineSchema, orderSchema } from '$lib/order-schemas';
import { describeRpcError } from '$lib/rpc-error';
import {
	buyerMessageSchema,
	columns,
	conversationMessageSchema,
	conversationSchema,
	type Conversation,
} from '$lib/rows';

/** The most conversations the list shows, and the newest messages of a thread. */
export const conversationListLimit = 200;
export const threadMessageLimit = 500;

const conversationOutboxSchema = buyerMessageSchema.extend({
	external_message_id: z.string().nullable(),
});
const conversationOutboxColumns = Object.keys(conversationOutboxSchema.shape).join(', ');

const buyerOrderSchema = orderSchema.extend({
	order_lines: z.array(
		orderLineSchema.pick({ show_id: true, item_number: true, removed_at: true }),
	),
});

export async function readConversations(
	supabase: SupabaseClient,
	workspaceId: string,
): Promise<Conversation[]> {
	const {
		data,
		error: readError,
		status,
	} = await supabase
		.from('conversations')
		.select(columns.conversation)
		.eq('workspace_id', workspaceId)
		.order('last_message_at', { ascending: false, nullsFirst: false })
		.order('id')
		.limit(conversationListLimit);
	if (readError)
		error(502, `Couldn’t load the conversations: ${describeRpcError(readError, status)}`);
	return z.array(conversationSchema).parse(data);
}

export async function readConversation(supabase: SupabaseClient, conversationId: string) {
	const [conversation, messages, outbox, orders] = await Promise.all([
		supabase
			.from('conversations')
			.select(columns.conversation)
			.eq('id', conversationId)
			.maybeSingle(),
		supabase
			.from('conversation_messages')
			.select(columns.conversationMessage)
			.eq('conversation_id', conversationId)
			.order('sent_at', { ascending: false })
			.limit(threadMessageLimit),
		supabase
			.from('buyer_messages')
			.select(conversationOutboxColumns)
			.eq('conversation_id', conversationId)
			.order('created_at', { ascending: false })
			.limit(threadMessageLimit),
		supabase
			.rpc('conversation_orders', { conversation_id: conversationId })
			.select(`${orderColumns}, order_lines(show_id, item_number, removed_at)`),
	]);
	for (const [what, read] of [
		['conversation', conversation],
		['messages', messages],
		['outbox messages', outbox],
		['orders', orders],
	] as const)
		if (read.error)
			error(502, `Couldn’t load the ${what}: ${describeRpcError(read.error, read.status)}`);
	if (!conversation.data) error(404, 'This conversation does not exist or is not yours to see.');
	return {
		conversation: conversationSchema.parse(conversation.data),
		messages: z.array(conversationMessageSchema).parse(messages.data).reverse(),
		outbox: z.array(conversationOutboxSchema).parse(outbox.data).reverse(),
		orders: z.array(buyerOrderSchema).parse(orders.data),
	};
}
