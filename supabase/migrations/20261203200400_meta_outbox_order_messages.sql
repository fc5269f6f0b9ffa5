-- The sender's lease and settle for the messages beyond claims (20261203000200, 20261203200200):
-- * messages without a show (answers in a conversation) are leased too; a show's switch applies
--   to the messages that have a show;
-- * a normal message (channel 'message') goes out only within 24 hours of the buyer's last
--   message in the conversation (Meta's standard messaging window); after that it is skipped,
--   "window closed", never attempted;
-- * an order's private reply whose comment took another private reply meanwhile, or that Meta no
--   longer takes (7 days on Facebook, the live over on Instagram), is routed again as when it was
--   queued (private.route_order_message): another comment, the conversation, or skipped;
-- * a winner's private reply waits up to 10 seconds while its order's invoice is being made (the
--   workspace invoices at each win), so the win and its payment link go out as one private reply;
-- * winners' private replies and payment links go first;
-- * the lease queues the hold-expiring reminders that came due (private.queue_hold_expiring_reminders);
-- * settle stores the recipient id Meta answers a private reply with: the buyer's id in the
--   conversation their answer opens, which links the buyer to it.

-- Skips the due messages Meta's rules forbid (never attempted), routes an order's message again
-- when its route closed, then leases up to max_rows due messages, winners' private replies and
-- payment links first. Returns [{id, show_id, connection_id, encrypted_access_token, page_id,
-- platform, comment_id, recipient_id, order_id, buyer_key, event, channel, text, status,
-- uncertain, carrier_id, sent_text, attempts, comment_replied, pacing: {usage_percent,
-- consecutive_failures, last_error_kind}}] and the lease token in each row.
create or replace function public.meta_outbox_lease(max_rows int default 100, lease_seconds int default 30) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	lease uuid := gen_random_uuid();
	leased jsonb;
	closed public.buyer_messages;
	target public.orders;
	route record;
begin
	perform private.queue_hold_expiring_reminders();

	-- An order's message whose route closed since it was queued.
	for closed in
		select m.* from public.buyer_messages m
		left join public.shows s on s.id = m.show_id
		where m.status = 'queued' and m.next_attempt_at <= now() and (m.lease_until is null or m.lease_until < now())
			and m.order_id is not null
			and case m.channel
				when 'private_reply' then
					(m.platform = 'facebook' and m.commented_at < now() - interval '7 days')
					or (m.platform = 'instagram' and s.status = 'ended')
					or exists (
						select 1 from public.buyer_messages o
						where o.comment_id = m.comment_id and o.channel = 'private_reply' and o.carrier_id = o.id
							and o.id <> m.id and o.status in ('sent', 'sending'))
				when 'message' then not exists (
					select 1 from public.conversations cv
					where cv.id = m.conversation_id and cv.last_inbound_at >= now() - interval '24 hours')
				else false end
		for update of m skip locked
	loop
		select * into target from public.orders o where o.id = closed.order_id;
		route := private.route_order_message(target, closed.event);
		if route.channel is null then
			update public.buyer_messages m set status = 'skipped', reason_code = 'window_closed',
				reason = private.window_closed_reason(closed.event)
			where m.id = closed.id;
		else
			update public.buyer_messages m set
				show_id = route.show_id, connection_id = route.connection_id, platform = route.platform,
				comment_id = route.comment_id, commented_at = route.commented_at, channel = route.channel,
				recipient_id = coalesce(route.recipient_id, m.recipient_id), conversation_id = route.conversation_id,
				status = case when route.skip_reason is null then 'queued' else 'skipped' end,
				reason_code = route.reason_code, reason = route.skip_reason
			where m.id = closed.id;
		end if;
	end loop;

	with due as (
		select m.id, rule.code, rule.outcome, rule.reason
		from public.buyer_messages m
		left join public.shows s on s.id = m.show_id
		left join public.social_connections c on c.id = m.connection_id
		cross join lateral (
			select r.code, r.outcome, r.reason
			from (values
				(1, s.id is not null and not s.buyer_messages_enabled, 'messages_off', 'skipped',
					'messages were switched off for this show'),
				(2, m.buyer_key like 'hidden:%', 'buyer_hidden', 'skipped',
					'Meta hides who wrote this comment, so there is nobody to address'),
				-- Instagram's live comments take no public replies, only a private reply during the live.
				(3, m.platform = 'instagram' and m.channel = 'public_reply', 'public_reply_unavailable', 'skipped',
					'Instagram does not offer public replies to live comments'),
				-- Messenger Private Replies: "The message must be sent within 7 days from when the
				-- post or comment was created".
				(4, m.platform = 'facebook' and m.channel = 'private_reply' and m.commented_at < now() - interval '7 days',
					'window_closed', 'skipped',
					'more than 7 days since the comment: Facebook takes a private reply only within 7 days of it'),
				-- Instagram Private Replies: "excepting Instagram Live, where replies can only be sent
				-- during the live broadcast".
				(5, m.platform = 'instagram' and m.channel = 'private_reply' and s.status = 'ended',
					'instagram_live_ended', 'skipped',
					'the Instagram live is over: Instagram takes private replies to live comments only during the broadcast'),
				-- Messenger Platform policy, standard messaging: a business may answer a person within
				-- the standard messaging window, "For most user actions, it lasts 24 hours", from the
				-- person's last message (conversations.last_inbound_at).
				(6, m.channel = 'message' and not exists (
						select 1 from public.conversations cv
						where (cv.id = m.conversation_id or (m.conversation_id is null and cv.connection_id = m.connection_id
							and cv.buyer_platform_id = m.recipient_id))
							and cv.last_inbound_at >= now() - interval '24 hours'),
					'window_closed', 'skipped', private.window_closed_reason(m.event)),
				(7, c.id is null or c.status <> 'active', 'reconnect_required', 'failed',
					case when c.id is null then 'the show''s connection was removed: connect the account again, then resend'
						else format('the %s connection is %s: reconnect it, then resend', c.platform, c.status) end)
			) as r (place, applies, code, outcome, reason)
			where r.applies
			order by r.place
			limit 1
		) rule
		where m.status = 'queued' and m.next_attempt_at <= now() and (m.lease_until is null or m.lease_until < now())
		for update of m skip locked
	)
	update public.buyer_messages m set
		status = due.outcome, reason_code = due.code, reason = due.reason, lease_token = null, lease_until = null
	from due
	where m.id = due.id;

	with candidates as (
		select m.id
		from public.buyer_messages m
		left join private.meta_outbox_pacing p on p.connection_id = m.connection_id
		where ((m.status = 'queued' and m.next_attempt_at <= now() and (m.lease_until is null or m.lease_until < now()))
				-- A run died mid-send: the row is taken up again, as uncertain.
				or (m.status = 'sending' and m.lease_until < now()))
			and (p.connection_id is null or p.next_send_at <= now())
			-- One private reply per buyer per minute: what comes later waits and goes out as one.
			and (m.channel <> 'private_reply' or m.status = 'sending' or not exists (
				select 1 from public.buyer_messages o
				where o.show_id = m.show_id and o.buyer_key = m.buyer_key and o.channel = 'private_reply'
					and o.carrier_id = o.id and o.id <> m.id
					and (o.status = 'sending' or (o.status = 'sent' and o.sent_at > now() - interval '1 minute'))))
			-- A win whose invoice is being made waits for its payment link, to go out with it.
			and not (m.status = 'queued' and m.channel = 'private_reply' and m.event in ('won', 'promoted')
				and m.created_at > now() - interval '10 seconds' and exists (
					select 1 from public.order_lines l
					join public.orders o on o.id = l.order_id
					where l.claim_id = m.claim_id and o.status in ('open', 'invoicing')
						and o.invoice_requested_at is not null and o.last_invoice_error is null))
		order by (m.channel <> 'public_reply' and m.event in ('won', 'promoted', 'invoice_ready')) desc, m.created_at
		limit greatest(1, max_rows)
		for update of m skip locked
	), taken as (
		update public.buyer_messages m set
			lease_token = lease,
			lease_until = now() + make_interval(secs => greatest(10, lease_seconds)),
			uncertain = m.uncertain or m.status = 'sending'
		from candidates
		where m.id = candidates.id
		returning m.*
	)
	select coalesce(jsonb_agg(jsonb_build_object(
		'id', taken.id,
		'lease_token', taken.lease_token,
		'show_id', taken.show_id,
		'connection_id', taken.connection_id,
		'encrypted_access_token', t.encrypted_access_token,
		-- Instagram: the Page linked to the account sends, found from its token.
		'page_id', case when c.platform = 'facebook' then c.external_account_id end,
		'platform', taken.platform,
		'comment_id', taken.comment_id,
		'recipient_id', taken.recipient_id,
		'order_id', taken.order_id,
		'buyer_key', taken.buyer_key,
		'event', taken.event,
		'channel', taken.channel,
		'text', taken.text,
		'status', taken.status,
		'uncertain', taken.uncertain,
		'carrier_id', taken.carrier_id,
		'sent_text', taken.sent_text,
		'attempts', taken.attempts,
		'created_at', taken.created_at,
		-- Meta takes one private reply per comment: has another message already gone to this one?
		'comment_replied', taken.channel = 'private_reply' and exists (
			select 1 from public.buyer_messages o
			where o.comment_id = taken.comment_id and o.channel = 'private_reply' and o.carrier_id = o.id
				and o.id <> taken.id and o.status in ('sent', 'sending')),
		'pacing', jsonb_build_object(
			'usage_percent', p.usage_percent,
			'consecutive_failures', coalesce(p.consecutive_failures, 0),
			'last_error_kind', p.last_error_kind)
	) order by (taken.channel <> 'public_reply' and taken.event in ('won', 'promoted', 'invoice_ready')) desc, taken.created_at), '[]')
	into leased
	from taken
	left join public.social_connections c on c.id = taken.connection_id
	left join private.social_connection_tokens t on t.connection_id = taken.connection_id
	left join private.meta_outbox_pacing p on p.connection_id = taken.connection_id;
	return leased;
end;
$$;

-- After the Graph call (or instead of it), under the lease: each message's outcome.
-- results: [{id, outcome: sent | skipped | failed | retry | release, reason_code?, reason?,
-- external_message_id?, recipient_id?, retry_in_ms?, uncertain?}]; 'retry' gives up as failed
-- after 8 attempts; 'release' returns a message not attempted in this run. pacing:
-- [{connection_id, next_send_in_ms, usage_percent, consecutive_failures, last_error_kind}].
-- Returns how many messages it settled.
create or replace function public.meta_outbox_settle(lease_token uuid, results jsonb, pacing jsonb default '[]') returns int
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	max_attempts constant int := 8;
	settled int;
begin
	if jsonb_typeof(results) is distinct from 'array' or jsonb_typeof(coalesce(pacing, '[]')) <> 'array' then
		raise sqlstate '22023' using message = 'results and pacing must be JSON arrays';
	end if;
	with given as (
		select (r ->> 'id')::uuid as id, r ->> 'outcome' as outcome, r ->> 'reason_code' as reason_code,
			left(r ->> 'reason', 1000) as reason, r ->> 'external_message_id' as external_message_id,
			left(r ->> 'recipient_id', 200) as recipient_id,
			greatest(0, coalesce((r ->> 'retry_in_ms')::int, 0)) as retry_in_ms,
			coalesce((r ->> 'uncertain')::boolean, false) as uncertain
		from jsonb_array_elements(results) r
	), checked as (
		select given.* from given
		where given.outcome in ('sent', 'skipped', 'failed', 'retry', 'release')
	), updated as (
		update public.buyer_messages m set
			status = case
				when c.outcome = 'sent' then 'sent'
				when c.outcome in ('skipped', 'failed') then c.outcome
				when c.outcome = 'retry' and m.attempts >= max_attempts then 'failed'
				else 'queued' end,
			reason_code = case when c.outcome = 'release' then m.reason_code else c.reason_code end,
			reason = case
				when c.outcome = 'retry' and m.attempts >= max_attempts
					then format('gave up after %s attempts: %s', m.attempts, coalesce(c.reason, 'Meta did not accept it'))
				when c.outcome = 'release' then m.reason
				else c.reason end,
			sent_at = case when c.outcome = 'sent' then now() end,
			external_message_id = case when c.outcome = 'sent' then c.external_message_id else m.external_message_id end,
			-- Meta answers a private reply with the buyer's id in the conversation it opens.
			recipient_id = case when c.outcome = 'sent' then coalesce(c.recipient_id, m.recipient_id) else m.recipient_id end,
			next_attempt_at = case when c.outcome in ('retry', 'release') then now() + make_interval(secs => c.retry_in_ms / 1000.0) else m.next_attempt_at end,
			-- A released message stays as uncertain as it was.
			uncertain = case when c.outcome = 'release' then m.uncertain else c.outcome = 'retry' and c.uncertain end,
			-- A message that surely did not go out forgets where it was going.
			carrier_id = case when c.outcome = 'sent' or (c.outcome in ('retry', 'release') and (c.uncertain or m.uncertain)) then m.carrier_id end,
			sent_text = case when c.outcome = 'sent' or (c.outcome in ('retry', 'release') and (c.uncertain or m.uncertain)) then m.sent_text end,
			lease_token = null,
			lease_until = null
		from checked c
		where m.id = c.id and m.lease_token = meta_outbox_settle.lease_token
		returning m.id
	)
	select count(*) into settled from updated;

	insert into private.meta_outbox_pacing as p (connection_id, next_send_at, usage_percent, consecutive_failures, last_error_kind)
	select (x ->> 'connection_id')::uuid,
		now() + make_interval(secs => greatest(0, coalesce((x ->> 'next_send_in_ms')::int, 0)) / 1000.0),
		(x ->> 'usage_percent')::numeric,
		greatest(0, coalesce((x ->> 'consecutive_failures')::int, 0)),
		x ->> 'last_error_kind'
	from jsonb_array_elements(coalesce(pacing, '[]')) x
	where exists (select 1 from public.social_connections c where c.id = (x ->> 'connection_id')::uuid)
	on conflict (connection_id) do update set
		next_send_at = excluded.next_send_at,
		usage_percent = excluded.usage_percent,
		consecutive_failures = excluded.consecutive_failures,
		last_error_kind = excluded.last_error_kind;
	return settled;
end;
$$;

