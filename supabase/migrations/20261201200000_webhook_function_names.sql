-- The webhook functions named in one shape, webhook_<verb>_event: webhook_record_event stores a
-- verified delivery, webhook_route_event sends its changes to the claim engine, webhook_fail_event
-- keeps a routing failure. Same bodies and grants (service role only) as
-- 20261122006300_webhook_events.sql under the new names (plpgsql qualifies parameters by the
-- function's name, so a rename alone would break them).

drop function public.webhook_event_record(text, text, text);
drop function public.ig_route_webhook_event(uuid);
drop function public.webhook_event_failed(uuid, text);

-- Stores a verified delivery; returns {id, duplicate}: duplicate when the same bytes were
-- processed before (the new row is then marked so and needs no routing).
create function public.webhook_record_event(source text, raw_body text, body_sha256 text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	recorded public.webhook_events;
	duplicate boolean;
begin
	-- Serialises deliveries of the same bytes, so a retry racing the original is caught.
	perform pg_advisory_xact_lock(hashtextextended(webhook_record_event.body_sha256, 0));
	duplicate := exists (
		select 1 from public.webhook_events e
		where e.body_sha256 = webhook_record_event.body_sha256 and e.status in ('received', 'processed', 'ignored')
	);
	insert into public.webhook_events (source, body_sha256, raw_body, payload, status, processed_at)
	values (
		webhook_record_event.source, webhook_record_event.body_sha256, webhook_record_event.raw_body, webhook_record_event.raw_body::jsonb,
		case when duplicate then 'duplicate' else 'received' end,
		case when duplicate then now() end
	)
	returning * into recorded;
	return jsonb_build_object('id', recorded.id, 'duplicate', duplicate);
end;
$$;

-- Routes a stored Instagram delivery (see 20261122006300_webhook_events.sql). Returns the event's status and results.
create function public.webhook_route_event(event_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	delivery public.webhook_events;
	change record;
	change_value jsonb;
	target public.shows;
	account_id text;
	reason text;
	-- Per routed change, in batch order: what the result entry says before the engine's outcome.
	routed jsonb := '[]';
	batch jsonb := '[]';
	change_results jsonb := '[]';
	engine_results jsonb;
	final_status text;
begin
	select * into delivery from public.webhook_events e where e.id = event_id for update;
	if not found then
		raise sqlstate 'PT404' using message = 'webhook event not found';
	end if;
	if delivery.status <> 'received' then
		return jsonb_build_object('id', delivery.id, 'status', delivery.status, 'results', delivery.results);
	end if;
	if delivery.payload ->> 'object' is distinct from 'instagram' or jsonb_typeof(delivery.payload -> 'entry') is distinct from 'array' then
		change_results := jsonb_build_array(jsonb_build_object('outcome', 'ignored', 'reason', 'not_an_instagram_delivery'));
		update public.webhook_events e set status = 'ignored', results = change_results, processed_at = now()
		where e.id = delivery.id;
		return jsonb_build_object('id', delivery.id, 'status', 'ignored', 'results', change_results);
	end if;

	for change in
		select entry.value ->> 'id' as entry_id, entry.value ->> 'time' as entry_time, item.value as item
		from jsonb_array_elements(delivery.payload -> 'entry') with ordinality as entry (value, entry_place)
		cross join lateral jsonb_array_elements(
			case when jsonb_typeof(entry.value -> 'changes') = 'array' then entry.value -> 'changes' else '[]'::jsonb end
		) with ordinality as item (value, item_place)
		order by entry.entry_place, item.item_place
	loop
		change_value := change.item -> 'value';
		target := null;
		account_id := null;
		reason := null;
		if change.item ->> 'field' is distinct from 'live_comments' then
			reason := 'unsupported_field';
		elsif jsonb_typeof(change_value) is distinct from 'object'
			or coalesce(change_value ->> 'id', '') = '' or coalesce(change_value -> 'media' ->> 'id', '') = '' then
			reason := 'malformed_change';
		else
			select * into target from public.shows s
			where s.platform = 'instagram' and s.live_id = change_value -> 'media' ->> 'id' and s.status in ('active', 'paused');
			if target.id is null then
				reason := 'no_running_show_for_live';
			else
				select c.external_account_id into account_id from public.social_connections c where c.id = target.connection_id;
				if account_id is not null and account_id is distinct from change.entry_id then
					reason := 'account_mismatch';
				end if;
			end if;
		end if;

		if reason is not null then
			change_results := change_results || jsonb_build_array(jsonb_build_object(
				'entry_id', change.entry_id, 'field', change.item ->> 'field', 'media_id', change_value -> 'media' ->> 'id',
				'comment_id', change_value ->> 'id', 'outcome', 'ignored', 'reason', reason));
			continue;
		end if;
		batch := batch || jsonb_build_array(jsonb_build_object(
			'show_id', target.id,
			'platform', 'instagram',
			'live_id', target.live_id,
			'comment_id', change_value ->> 'id',
			-- Instagram always names the commenter; should it not, the comment still counts, alone.
			'platform_user_id', coalesce(nullif(change_value -> 'from' ->> 'id', ''), 'hidden:' || (change_value ->> 'id')),
			'user_handle', change_value -> 'from' ->> 'username',
			'user_display_name', coalesce(change_value -> 'from' ->> 'username', 'Name hidden by Meta'),
			'text', coalesce(change_value ->> 'text', ''),
			-- entry.time is unix seconds (milliseconds on some deliveries).
			'created_at', case
				when change.entry_time ~ '^[0-9]{1,13}$'
					then to_timestamp(change.entry_time::numeric / case when change.entry_time::bigint > 100000000000 then 1000 else 1 end)
				else now()
			end
		));
		routed := routed || jsonb_build_array(jsonb_build_object(
			'entry_id', change.entry_id, 'field', 'live_comments', 'media_id', target.live_id,
			'comment_id', change_value ->> 'id', 'show_id', target.id));
	end loop;

	if jsonb_array_length(batch) > 0 then
		engine_results := public.ingest_comments(batch);
		select change_results || jsonb_agg(
			(routed -> (place::int - 1)) || jsonb_build_object(
				'outcome', engine_result.value ->> 'outcome',
				'reason', engine_result.value ->> 'reason',
				'replayed', engine_result.value -> 'replayed')
			order by place)
		into change_results
		from jsonb_array_elements(engine_results) with ordinality as engine_result (value, place);

		insert into public.live_ingestion as state
			(show_id, workspace_id, platform, live_id, floor_at, status, last_success_at, last_comment_at, comments_received)
		select s.id, s.workspace_id, s.platform, s.live_id, date_trunc('second', coalesce(s.started_at, now())),
			'listening', now(), now(), counted.received
		from (
			select (comment.value ->> 'show_id')::uuid as show_id, count(*) as received
			from jsonb_array_elements(batch) as comment
			group by 1
		) as counted
		join public.shows s on s.id = counted.show_id
		on conflict (show_id) do update set
			status = 'listening', status_detail = null, last_success_at = now(), last_comment_at = now(),
			comments_received = state.comments_received + excluded.comments_received;
	end if;

	final_status := case when jsonb_array_length(batch) > 0 then 'processed' else 'ignored' end;
	update public.webhook_events e set status = final_status, results = change_results, processed_at = now()
	where e.id = delivery.id;
	return jsonb_build_object('id', delivery.id, 'status', final_status, 'results', change_results);
end;
$$;

-- A delivery whose routing failed: kept with the error; Meta is answered 500 and delivers again.
create function public.webhook_fail_event(event_id uuid, error text) returns void
language sql volatile security definer
set search_path = ''
as $$
	update public.webhook_events e set status = 'failed', error = webhook_fail_event.error, processed_at = now()
	where e.id = webhook_fail_event.event_id
$$;

revoke execute on function
	public.webhook_record_event(text, text, text),
	public.webhook_route_event(uuid),
	public.webhook_fail_event(uuid, text)
from public, anon, authenticated, service_role;
grant execute on function
	public.webhook_record_event(text, text, text),
	public.webhook_route_event(uuid),
	public.webhook_fail_event(uuid, text)
to service_role;
