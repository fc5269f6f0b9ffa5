-- What the console inbox does with a conversation: mark it read, and reply as the seller through
-- the outbox (a normal message, channel 'message', event seller_reply). Every member reads the
-- inbox; owners, admins and assistants may all reply, since assistants are the ones who answer
-- buyers during a live. Both are audited.

-- Meta's standard messaging: a business may answer within 24 hours of the person's last message
-- (Messenger Platform policy overview, "Standard Messaging"); the outbox's sender checks it again.
create function private.conversation_window_closes_at(conversation public.conversations) returns timestamptz
language sql immutable
set search_path = ''
as $$
	select conversation.last_inbound_at + interval '24 hours'
$$;

create function public.mark_conversation_read(conversation_id uuid) returns public.conversations
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.conversations;
	after public.conversations;
begin
	select * into before from public.conversations c where c.id = mark_conversation_read.conversation_id;
	if not found then
		raise sqlstate 'PT404' using message = 'conversation not found';
	end if;
	perform private.require_workspace_role(before.workspace_id, 'assistant', 'conversation');
	select * into before from public.conversations c where c.id = mark_conversation_read.conversation_id for update;
	if before.unread_count = 0 then
		return before;
	end if;
	update public.conversations c set unread_count = 0 where c.id = before.id returning * into after;
	perform private.record_audit(after.workspace_id, null, 'conversation.read', 'conversation', after.id,
		jsonb_build_object('unread_count', before.unread_count), jsonb_build_object('unread_count', 0));
	return after;
end;
$$;

-- The seller's reply, queued for the sender. request_key (one per message the operator writes)
-- makes a repeated submit return the same row instead of sending twice.
create function public.send_conversation_reply(conversation_id uuid, text text, request_key uuid)
returns public.buyer_messages
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	conversation public.conversations;
	connection public.social_connections;
	reply_text text := btrim(send_conversation_reply.text);
	key text := 'seller_reply:' || send_conversation_reply.conversation_id || ':' || send_conversation_reply.request_key;
	queued public.buyer_messages;
begin
	select * into conversation from public.conversations c where c.id = send_conversation_reply.conversation_id;
	if not found then
		raise sqlstate 'PT404' using message = 'conversation not found';
	end if;
	perform private.require_workspace_role(conversation.workspace_id, 'assistant', 'conversation');
	if request_key is null then
		raise sqlstate '22023' using message = 'request_key is required';
	end if;
	select * into queued from public.buyer_messages m where m.idempotency_key = key;
	if found then
		return queued;
	end if;
	if coalesce(reply_text, '') = '' then
		raise sqlstate '22023' using message = 'write a message first';
	end if;
	-- Messenger's limit for a text message.
	if length(reply_text) > 2000 then
		raise sqlstate '22023' using message = format('a message holds at most 2000 characters; this one has %s', length(reply_text));
	end if;
	select * into conversation from public.conversations c where c.id = conversation.id for update;
	if conversation.last_inbound_at is null then
		raise sqlstate 'PT409' using message = 'the buyer has not written yet: Meta lets you reply only within 24 hours of their last message';
	end if;
	if private.conversation_window_closes_at(conversation) <= now() then
		raise sqlstate 'PT409' using message = format(
			'the 24-hour window closed at %s UTC: Meta lets you reply only within 24 hours of the buyer''s last message',
			to_char(private.conversation_window_closes_at(conversation) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'));
	end if;
	select * into connection from public.social_connections c where c.id = conversation.connection_id;
	if connection.status <> 'active' then
		raise sqlstate 'PT409' using message = 'the connection to this account is not active: reconnect it to reply';
	end if;
	insert into public.buyer_messages (workspace_id, connection_id, platform, channel, recipient_id,
		conversation_id, event, buyer_key, text, idempotency_key)
	values (conversation.workspace_id, connection.id, conversation.platform, 'message', conversation.buyer_platform_id,
		conversation.id, 'seller_reply', conversation.buyer_platform_id, reply_text, key)
	returning * into queued;
	update public.conversations c set unread_count = 0 where c.id = conversation.id and c.unread_count > 0;
	perform private.record_audit(conversation.workspace_id, null, 'conversation.reply', 'buyer_message', queued.id,
		null, to_jsonb(queued), jsonb_build_object('conversation_id', conversation.id));
	return queued;
end;
$$;

revoke execute on function private.conversation_window_closes_at(public.conversations) from public, anon, authenticated, service_role;
revoke execute on function
	public.mark_conversation_read(uuid),
	public.send_conversation_reply(uuid, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function
	public.mark_conversation_read(uuid),
	public.send_conversation_reply(uuid, text, uuid)
to authenticated;
