-- Telling the buyer about their order and about an item that needs a variant, queued in the same
-- transaction as the change that causes it (triggers on public.orders and public.variant_requests),
-- like the claim events of 20261202700100_buyer_messages.sql:
--   invoice_ready     the order is invoiced with a payment link ({link}, {total}, {deadline});
--                     a reissued link is a new message, the same link again is not
--   payment_received  the order is paid
--   hold_expired      the hold ran out: the items went to the next buyers in line
--   needs_variant     a claim named no variant of an item that has several ({variants})
-- (hold_expiring is queued by a scheduled pass, 20261203200300_hold_expiring_reminders.sql.)
--
-- How an order's message can reach the buyer under Meta's rules. Meta lets a Page start a private
-- conversation only by a private reply to a comment: one per comment, on Facebook within 7 days
-- of the comment, on Instagram Live only while the broadcast is on (Messenger "Private Replies",
-- Instagram "Private Replies"). Any other message must answer the buyer within the standard
-- messaging window: "For most user actions, it lasts 24 hours" from their last message
-- (Messenger Platform policy, standard messaging). So, in order:
--   1. a private reply on the buyer's newest comment among the order's claims that has not had
--      its private reply yet and that Meta still takes one for; a private reply queued but not
--      yet sent on that comment (the win) goes out together with it, as one text;
--   2. otherwise a normal message (channel 'message') in the buyer's conversation with the Page,
--      when the buyer wrote within 24 hours (conversations.last_inbound_at). The conversation is
--      the buyer's: its buyer_platform_id is the order's platform user id, or the recipient id
--      Meta answered one of the buyer's private replies with (the id their Messenger / Direct
--      thread knows them by, stored by the sender);
--   3. otherwise the message is recorded as skipped, "window closed", and the seller hands the
--      link over by hand (the console shows the order's link to copy).
-- The route is chosen when the message is queued and chosen again when it is due, in case the
-- comment took another private reply or the window closed meanwhile (public.meta_outbox_lease).

-- The sender finds a buyer's conversation through the recipient ids of their private replies.
create index buyer_messages_recipient_idx on public.buyer_messages (workspace_id, buyer_key)
	where recipient_id is not null;

-- Why a normal message cannot go: shared by the queueing and the sender's lease.
create function private.window_closed_reason(event text) returns text
language sql immutable
set search_path = ''
as $$
	select 'window closed: the buyer has not written in 24 hours; '
		|| case when event in ('invoice_ready', 'hold_expiring') then 'hand the link over yourself' else 'tell them yourself' end
$$;

-- Where an order's message goes (see the header). channel is null when the buyer cannot be
-- addressed at all (no comment, no conversation: a manual award); skip_reason is set when the
-- message can only be recorded as skipped.
create function private.route_order_message(
	target public.orders,
	event text,
	out show_id uuid,
	out connection_id uuid,
	out platform text,
	out comment_id text,
	out commented_at timestamptz,
	out channel text,
	out recipient_id text,
	out conversation_id uuid,
	out reason_code text,
	out skip_reason text
)
language plpgsql stable
set search_path = ''
as $$
declare
	conversation public.conversations;
begin
	platform := target.platform;
	-- 1. A private reply Meta still takes.
	select c.show_id, s.connection_id, c.comment_id, cm.commented_at
	into show_id, connection_id, comment_id, commented_at
	from public.order_lines l
	join public.claims c on c.id = l.claim_id
	join public.shows s on s.id = c.show_id
	join public.social_connections sc on sc.id = s.connection_id and sc.status = 'active' and sc.platform = c.platform
	left join public.comments cm on cm.id = c.source_comment_id
	where l.order_id = target.id and c.comment_id is not null and not c.is_test and s.buyer_messages_enabled
		-- Messenger Private Replies: "within 7 days from when the post or comment was created".
		and (c.platform <> 'facebook' or cm.commented_at is null or cm.commented_at >= now() - interval '7 days')
		-- Instagram Private Replies: on a live, "only ... during the live broadcast".
		and (c.platform <> 'instagram' or s.status <> 'ended')
		-- One private reply per comment.
		and not exists (
			select 1 from public.buyer_messages o
			where o.comment_id = c.comment_id and o.channel = 'private_reply' and o.carrier_id = o.id
				and o.status in ('sent', 'sending'))
	order by cm.commented_at desc nulls last, c.created_at desc
	limit 1;
	if comment_id is not null then
		channel := 'private_reply';
		return;
	end if;

	-- 2. The buyer's conversation, the one they wrote in last.
	select cv.* into conversation
	from public.conversations cv
	join public.social_connections sc on sc.id = cv.connection_id and sc.status = 'active'
	where cv.workspace_id = target.workspace_id and cv.platform = target.platform
		and (cv.buyer_platform_id = target.platform_user_id or cv.buyer_platform_id in (
			select m.recipient_id from public.buyer_messages m
			where m.workspace_id = target.workspace_id and m.buyer_key = target.buyer_key and m.recipient_id is not null))
	order by cv.last_inbound_at desc nulls last
	limit 1;
	if conversation.id is not null then
		show_id := target.show_id;
		connection_id := conversation.connection_id;
		channel := 'message';
		recipient_id := conversation.buyer_platform_id;
		conversation_id := conversation.id;
		-- Standard messaging: a normal message only within 24 hours of the buyer's last message.
		if conversation.last_inbound_at >= now() - interval '24 hours' then
			return;
		end if;
	else
		-- 3. Nothing reaches the buyer: recorded on their newest comment, as skipped.
		select c.show_id, s.connection_id, c.comment_id, cm.commented_at
		into show_id, connection_id, comment_id, commented_at
		from public.order_lines l
		join public.claims c on c.id = l.claim_id
		join public.shows s on s.id = c.show_id
		left join public.comments cm on cm.id = c.source_comment_id
		where l.order_id = target.id and c.comment_id is not null and not c.is_test
		order by cm.commented_at desc nulls last, c.created_at desc
		limit 1;
		if comment_id is null then
			return;
		end if;
		channel := 'private_reply';
	end if;
	reason_code := 'window_closed';
	skip_reason := private.window_closed_reason(event);
end;
$$;

-- An order event's message, queued (or recorded as skipped) once per idempotency key.
create function private.queue_order_message(target public.orders, event text, message_key text) returns void
language plpgsql
set search_path = ''
as $$
declare
	event_settings jsonb;
	route record;
	rendered text;
begin
	if target.platform not in ('facebook', 'instagram') then
		return;
	end if;
	select private.buyer_message_settings(w.settings) -> event into event_settings
	from public.workspaces w where w.id = target.workspace_id;
	if not (event_settings ->> 'enabled')::boolean then
		return;
	end if;
	-- Every show of the order switched off: nothing for this buyer either.
	if not exists (
		select 1 from public.order_lines l join public.shows s on s.id = l.show_id
		where l.order_id = target.id and s.buyer_messages_enabled) then
		return;
	end if;
	route := private.route_order_message(target, event);
	if route.channel is null then
		return;
	end if;
	rendered := private.render_buyer_message(event_settings ->> 'private_template', jsonb_build_object(
		'handle', case when target.user_handle is not null then '@' || target.user_handle else coalesce(target.user_display_name, '') end,
		'name', coalesce(target.user_display_name, target.user_handle, ''),
		'total', private.format_price(target.total, target.currency),
		'link', target.payment_url,
		'deadline', private.format_deadline(target.due_at)));
	insert into public.buyer_messages (
		workspace_id, show_id, order_id, connection_id, platform, comment_id, commented_at, buyer_key, event, channel,
		recipient_id, conversation_id, text, status, reason_code, reason, idempotency_key)
	values (target.workspace_id, route.show_id, target.id, route.connection_id, route.platform, route.comment_id,
		route.commented_at, target.buyer_key, event, route.channel, route.recipient_id, route.conversation_id,
		coalesce(nullif(rendered, ''), private.format_price(target.total, target.currency), event),
		case when route.skip_reason is null then 'queued' else 'skipped' end, route.reason_code, route.skip_reason,
		message_key)
	on conflict (idempotency_key) do nothing;
end;
$$;

create function private.queue_order_messages() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if new.status = 'invoiced' and new.payment_url is not null
		and (old.status <> 'invoiced' or old.payment_url is distinct from new.payment_url) then
		perform private.queue_order_message(new, 'invoice_ready', format('invoice_ready:%s:%s', new.id, md5(new.payment_url)));
	elsif new.status = 'paid' and old.status <> 'paid' then
		perform private.queue_order_message(new, 'payment_received', format('payment_received:%s', new.id));
	elsif new.status = 'expired' and old.status <> 'expired' then
		perform private.queue_order_message(new, 'hold_expired', format('hold_expired:%s', new.id));
	end if;
	return null;
end;
$$;
create trigger queue_order_messages after update of status, payment_url on public.orders
	for each row execute function private.queue_order_messages();

-- A buyer asked for an item without naming one of its variants: ask which, on their comment.
create function private.queue_variant_request_messages() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	target_show public.shows;
	event_settings jsonb;
	source public.comments;
	placeholder_values jsonb;
	channel text;
begin
	if new.is_test or new.platform not in ('facebook', 'instagram') or new.source_comment_id is null then
		return null;
	end if;
	select * into target_show from public.shows s where s.id = new.show_id;
	if not target_show.buyer_messages_enabled or not exists (
		select 1 from public.social_connections c
		where c.id = target_show.connection_id and c.status = 'active' and c.platform = new.platform) then
		return null;
	end if;
	select private.buyer_message_settings(w.settings) -> 'needs_variant' into event_settings
	from public.workspaces w where w.id = target_show.workspace_id;
	if not (event_settings ->> 'enabled')::boolean then
		return null;
	end if;
	select * into source from public.comments c where c.id = new.source_comment_id;
	if source.comment_id is null then
		return null;
	end if;
	placeholder_values := jsonb_build_object(
		'handle', case when new.user_handle is not null then '@' || new.user_handle else coalesce(new.user_display_name, '') end,
		'name', coalesce(new.user_display_name, new.user_handle, ''),
		'item', new.item_number,
		'title', (select i.title from public.show_items i where i.show_id = new.show_id and i.item_number = new.item_number
			order by i.variant_label limit 1),
		'variants', (select string_agg(i.variant_label, ', ' order by i.variant_label) from public.show_items i
			where i.show_id = new.show_id and i.item_number = new.item_number and i.variant_label <> ''));
	foreach channel in array case event_settings ->> 'channel'
		when 'public' then array['public_reply'] when 'private' then array['private_reply']
		else array['public_reply', 'private_reply'] end loop
		insert into public.buyer_messages (
			workspace_id, show_id, variant_request_id, connection_id, platform, comment_id, commented_at, buyer_key,
			event, channel, text, idempotency_key)
		values (target_show.workspace_id, target_show.id, new.id, target_show.connection_id, new.platform, source.comment_id,
			source.commented_at, new.platform_user_id, 'needs_variant', channel,
			coalesce(nullif(private.render_buyer_message(
				event_settings ->> (case channel when 'public_reply' then 'public_template' else 'private_template' end),
				placeholder_values), ''), '#' || new.item_number),
			format('needs_variant:%s:%s', new.id, channel))
		on conflict (idempotency_key) do nothing;
	end loop;
	return null;
end;
$$;
create trigger queue_variant_request_messages after insert on public.variant_requests
	for each row execute function private.queue_variant_request_messages();

revoke execute on function
	private.window_closed_reason(text),
	private.route_order_message(public.orders, text),
	private.queue_order_message(public.orders, text, text),
	private.queue_order_messages(),
	private.queue_variant_request_messages()
from public, anon, authenticated, service_role;
