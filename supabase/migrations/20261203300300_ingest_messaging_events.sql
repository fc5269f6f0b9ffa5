-- Buyers' messages from Meta's messaging webhooks into their conversations: Messenger (`object:
-- page`, fields messages and message_echoes) and Instagram (`object: instagram`, field messages,
-- echoes included), each event `{sender: {id}, recipient: {id}, timestamp (ms), message: {mid,
-- text, is_echo?}}` (Messenger Platform webhook events reference). The callers (the meta-messaging
-- and ig-webhook Edge Functions) have verified the delivery's signature.
--
-- Each event is stored in the conversation of every active connection of the Page / Instagram
-- account with the buyer (PSID / IGSID): the buyer's message as inbound (last_inbound_at opens
-- the 24-hour window, unread_count rises), an echo of what the Page sent (from the outbox or from
-- Meta's own inbox) as outbound. Idempotent by mid: a redelivery stores nothing twice. One bad
-- event never sinks its batch: each runs in its own subtransaction and is reported beside the
-- others. A keyword (`cart`, `total`, `pay`) is answered through the outbox in the same
-- transaction, once per mid, by the newest connection of the account only.

create function private.ingest_messaging_event(platform text, account_id text, event jsonb) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
	message jsonb := event -> 'message';
	mid text := message ->> 'mid';
	echo boolean;
	buyer_id text;
	account_side text;
	body text;
	sent timestamptz;
	keyword text;
	answering_connection_id uuid;
	connection public.social_connections;
	conversation public.conversations;
	known record;
	stored_id uuid;
	answer jsonb;
	stored int := 0;
	answered boolean := false;
begin
	if jsonb_typeof(event) is distinct from 'object' or jsonb_typeof(message) is distinct from 'object' then
		-- Deliveries, reads, reactions and postbacks are not messages.
		return jsonb_build_object('outcome', 'ignored', 'reason', 'not_a_message');
	end if;
	-- An echo is a message the Page sent: the buyer is its recipient.
	echo := coalesce(jsonb_typeof(message -> 'is_echo') = 'boolean' and (message -> 'is_echo')::boolean, false);
	buyer_id := case when echo then event -> 'recipient' ->> 'id' else event -> 'sender' ->> 'id' end;
	account_side := case when echo then event -> 'sender' ->> 'id' else event -> 'recipient' ->> 'id' end;
	if coalesce(mid, '') = '' or length(mid) > 500 or coalesce(buyer_id, '') = '' or length(buyer_id) > 200
		or coalesce(account_id, '') = '' or account_side is distinct from account_id then
		return jsonb_build_object('mid', left(mid, 500), 'outcome', 'ignored', 'reason', 'malformed_message');
	end if;
	-- Messenger's texts are at most 2000 characters; a longer one keeps its first 2000.
	body := nullif(left(message ->> 'text', 2000), '');
	sent := case
		when event ->> 'timestamp' ~ '^[0-9]{10,15}$' then to_timestamp((event ->> 'timestamp')::numeric / 1000)
		else now()
	end;
	keyword := case when not echo then private.conversation_keyword(body) end;

	select c.id into answering_connection_id
	from public.social_connections c
	where c.platform = ingest_messaging_event.platform and c.external_account_id = account_id and c.status = 'active'
	order by c.created_at desc, c.id
	limit 1;
	if answering_connection_id is null then
		return jsonb_build_object('mid', mid, 'outcome', 'ignored', 'reason', 'no_active_connection');
	end if;

	for connection in
		select * from public.social_connections c
		where c.platform = ingest_messaging_event.platform and c.external_account_id = account_id and c.status = 'active'
		order by c.created_at, c.id
	loop
		insert into public.conversations (workspace_id, connection_id, platform, buyer_platform_id)
		values (connection.workspace_id, connection.id, connection.platform, buyer_id)
		on conflict (connection_id, buyer_platform_id) do nothing;
		select * into conversation from public.conversations c
		where c.connection_id = connection.id and c.buyer_platform_id = buyer_id
		for update;

		stored_id := null;
		insert into public.conversation_messages (workspace_id, conversation_id, direction, external_message_id, text, sent_at)
		values (conversation.workspace_id, conversation.id, case when echo then 'outbound' else 'inbound' end, mid, body, sent)
		on conflict (conversation_id, external_message_id) do nothing
		returning id into stored_id;
		continue when stored_id is null;
		stored := stored + 1;

		answer := null;
		if keyword is not null and connection.id = answering_connection_id then
			answer := private.keyword_answer(conversation.id, keyword);
			insert into public.buyer_messages (workspace_id, connection_id, platform, channel, recipient_id,
				conversation_id, order_id, event, buyer_key, text, idempotency_key)
			values (conversation.workspace_id, connection.id, connection.platform, 'message', buyer_id,
				conversation.id, (answer ->> 'order_id')::uuid, 'keyword_answer', buyer_id, answer ->> 'text',
				'keyword_answer:' || conversation.id || ':' || mid)
			on conflict (idempotency_key) do nothing;
			answered := true;
		end if;

		select o.user_handle, o.user_display_name into known
		from public.conversation_orders(conversation.id) o
		limit 1;
		update public.conversations c set
			last_inbound_at = case when echo then c.last_inbound_at else greatest(c.last_inbound_at, sent) end,
			last_message_at = greatest(c.last_message_at, sent),
			-- An answered keyword needs no one; anything else the buyer writes waits for the seller.
			unread_count = c.unread_count + case when echo or answer is not null then 0 else 1 end,
			buyer_handle = coalesce(c.buyer_handle, left(known.user_handle, 200)),
			buyer_name = coalesce(c.buyer_name, left(known.user_display_name, 200))
		where c.id = conversation.id;
	end loop;

	return jsonb_build_object('mid', mid, 'direction', case when echo then 'outbound' else 'inbound' end,
		'outcome', case when stored > 0 then 'stored' else 'duplicate' end, 'keyword', keyword, 'answered', answered);
end;
$$;

-- A whole delivery: {status, results: one per messaging event, in order}.
create function public.ingest_messaging_events(payload jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	platform text := case when jsonb_typeof(payload) = 'object' then
		case payload ->> 'object' when 'page' then 'facebook' when 'instagram' then 'instagram' end end;
	item record;
	results jsonb := '[]';
	result jsonb;
begin
	if platform is null or jsonb_typeof(payload -> 'entry') is distinct from 'array' then
		return jsonb_build_object('status', 'ignored', 'results',
			jsonb_build_array(jsonb_build_object('outcome', 'ignored', 'reason', 'not_a_messaging_delivery')));
	end if;
	for item in
		select entry.value ->> 'id' as account_id, event.value as event
		from jsonb_array_elements(payload -> 'entry') with ordinality as entry (value, entry_place)
		cross join lateral jsonb_array_elements(
			case when jsonb_typeof(entry.value -> 'messaging') = 'array' then entry.value -> 'messaging' else '[]'::jsonb end
		) with ordinality as event (value, event_place)
		order by entry.entry_place, event.event_place
	loop
		begin
			result := private.ingest_messaging_event(platform, item.account_id, item.event);
		exception when others then
			result := jsonb_build_object('mid', left(item.event -> 'message' ->> 'mid', 500), 'outcome', 'failed',
				'reason', sqlerrm);
		end;
		results := results || jsonb_build_array(result);
	end loop;
	return jsonb_build_object('status', 'processed', 'results', results);
end;
$$;

revoke execute on function private.ingest_messaging_event(text, text, jsonb) from public, anon, authenticated, service_role;
revoke execute on function public.ingest_messaging_events(jsonb) from public, anon, authenticated;
grant execute on function public.ingest_messaging_events(jsonb) to service_role;
