-- A conversation's buyer orders: the inbox shows them beside the thread and the keyword answers
-- read them. A buyer is the same person when Meta names them with the conversation's id (orders
-- from their comments carry the PSID / IGSID as platform_user_id), or when a private reply to
-- one of their comments was answered with that id (the outbox keeps it as recipient_id, beside
-- the buyer_key the order carries). Invoker rights: members see their own workspace's orders only.

create index buyer_messages_workspace_id_recipient_id_idx on public.buyer_messages (workspace_id, recipient_id)
	where channel = 'private_reply';
create index orders_workspace_id_platform_user_id_idx on public.orders (workspace_id, platform, platform_user_id);

create function public.conversation_orders(conversation_id uuid) returns setof public.orders
language sql stable
set search_path = ''
as $$
	select o.*
	from public.conversations c
	join public.orders o on o.workspace_id = c.workspace_id and o.platform = c.platform
	where c.id = conversation_orders.conversation_id
		and (o.platform_user_id = c.buyer_platform_id
			or o.buyer_key in (
				select m.buyer_key from public.buyer_messages m
				where m.workspace_id = c.workspace_id and m.channel = 'private_reply'
					and m.recipient_id = c.buyer_platform_id))
	order by o.created_at desc, o.id
$$;

revoke execute on function public.conversation_orders(uuid) from public, anon, authenticated, service_role;
grant execute on function public.conversation_orders(uuid) to authenticated;
