-- Buyer messages that are not about one claim: an item that needs a variant, an order's invoice
-- link, its payment and its hold, answers to what the buyer wrote, the seller's replies. A message
-- goes out on one of three channels: a public reply under a comment, Meta's one private reply to a
-- comment, or a normal message in the buyer's conversation ('message', only within 24 hours of the
-- buyer's last message). Members read every message of their workspace, shows or not.

alter table public.buyer_messages
	alter column show_id drop not null,
	alter column claim_id drop not null,
	alter column comment_id drop not null,
	add column order_id uuid references public.orders (id) on delete cascade,
	add column variant_request_id uuid references public.variant_requests (id) on delete cascade,
	add column conversation_id uuid references public.conversations (id) on delete set null,
	-- Who a normal message goes to (PSID / IGSID); for a private reply, the id Meta answers it with.
	add column recipient_id text check (length(recipient_id) <= 200),
	drop constraint buyer_messages_event_check,
	add constraint buyer_messages_event_check check (event in (
		'won', 'promoted', 'waitlisted', 'needs_variant', 'invoice_ready', 'payment_received',
		'hold_expiring', 'hold_expired', 'keyword_answer', 'seller_reply')),
	drop constraint buyer_messages_channel_check,
	add constraint buyer_messages_channel_check check (channel in ('public_reply', 'private_reply', 'message')),
	-- A reply answers a comment; a normal message goes to someone in a conversation.
	add constraint buyer_messages_has_target check (case channel
		when 'message' then recipient_id is not null
		else comment_id is not null end);

create index buyer_messages_order_id_idx on public.buyer_messages (order_id);
create index buyer_messages_variant_request_id_idx on public.buyer_messages (variant_request_id);
create index buyer_messages_conversation_id_idx on public.buyer_messages (conversation_id);
create index buyer_messages_workspace_id_created_at_idx on public.buyer_messages (workspace_id, created_at);

drop policy "members read their workspace's buyer messages" on public.buyer_messages;
create policy "members read their workspace's buyer messages" on public.buyer_messages
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
