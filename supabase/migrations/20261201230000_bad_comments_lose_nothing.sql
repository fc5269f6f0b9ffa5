-- One bad comment never loses the others.
-- * Webhook deliveries are stored as the bytes Meta signed (raw_bytes) before anything parses
--   them, so a body PostgreSQL text or jsonb cannot hold (U+0000, broken UTF-8) is still kept.
--   The payload is stored when routed, as the function parsed it with such text replaced.
-- * An identical redelivery (same SHA-256) stores no second copy: the first event counts it
--   (deliveries); only a failed event is routed again.
-- * public.ingest_comments allocates each comment in a subtransaction of its own: a comment the
--   engine refuses (e.g. text over 10,000 characters) comes back ignored with reason
--   invalid_comment and the error, and the rest of the batch is ingested; a batch with a
--   malformed show id or time is no longer refused whole.

alter table public.webhook_events add column raw_bytes bytea;
update public.webhook_events set raw_bytes = convert_to(raw_body, 'UTF8');
alter table public.webhook_events
	alter column raw_bytes set not null,
	drop column raw_body,
	alter column payload drop not null,
	add column deliveries int not null default 1 check (deliveries >= 1),
	add column last_delivered_at timestamptz;

-- Stores a verified delivery's bytes (base64); returns {id, duplicate}: duplicate when the same
-- bytes arrived before and were not a failure (that event then counts the delivery). A failed
-- event is made received again, to be routed anew.
create function public.webhook_record_event(source text, raw_body_base64 text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	raw bytea := decode(webhook_record_event.raw_body_base64, 'base64');
	digest text := encode(sha256(raw), 'hex');
	earlier public.webhook_events;
	recorded public.webhook_events;
begin
	-- Serialises deliveries of the same bytes, so a retry racing the original is caught.
	perform pg_advisory_xact_lock(hashtextextended(digest, 0));
	select * into earlier from public.webhook_events e
	where e.body_sha256 = digest and e.status <> 'duplicate'
	order by e.received_at desc
	limit 1;
	if earlier.id is not null then
		update public.webhook_events e set
			deliveries = e.deliveries + 1,
			last_delivered_at = now(),
			status = case when e.status = 'failed' then 'received' else e.status end,
			error = case when e.status = 'failed' then null else e.error end
		where e.id = earlier.id;
		return jsonb_build_object('id', earlier.id, 'duplicate', earlier.status <> 'failed');
	end if;
	insert into public.webhook_events (source, body_sha256, raw_bytes)
	values (webhook_record_event.source, digest, raw)
	returning * into recorded;
	return jsonb_build_object('id', recorded.id, 'duplicate', false);
end;
$$;

-- Routes a stored delivery, given its payload as the function parsed it, with text PostgreSQL
-- cannot hold already replaced; the payload is kept on the event. A change reaches a running show
-- only when the show has a connection whose Instagram account is the delivery's (entry.id).
create function public.webhook_route_event(event_id uuid, payload jsonb) returns jsonb
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
	update public.webhook_events e set payload = webhook_route_event.payload where e.id = delivery.id;
	delivery.payload := webhook_route_event.payload;
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
				-- Only the account the show's connection names may feed it: a show without one is
				-- a rehearsal, and a delivery for another account is not this show's.
				select c.external_account_id into account_id from public.social_connections c where c.id = target.connection_id;
				if account_id is null then
					reason := 'show_has_no_connection';
				elsif account_id is distinct from change.entry_id then
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


-- A uuid given as text, or null when it is none.
create function private.uuid_or_null(value text) returns uuid
language sql immutable
set search_path = ''
as $$
	select case when value ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' then value::uuid end
$$;

-- A time given as text, or null when it is none.
create function private.timestamptz_or_null(value text) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
begin
	return value::timestamptz;
exception when data_exception then
	return null;
end;
$$;

-- As 20261122003100_ingest.sql, and a comment the engine refuses is answered ignored
-- (invalid_comment, with the error) while the rest of the batch is ingested.
create or replace function public.ingest_comments(comments jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	batch_size constant int := 1000;
	ordered jsonb[];
	places int[];
	results jsonb[] := '{}';
	failure_state text;
	failure_message text;
begin
	if jsonb_typeof(comments) is distinct from 'array' then
		raise sqlstate '22023' using message = 'comments must be a JSON array of comments';
	end if;
	if jsonb_array_length(comments) > batch_size then
		raise sqlstate '22023' using message = format('at most %s comments per batch, got %s', batch_size, jsonb_array_length(comments));
	end if;

	-- Locks as before; a show id that is not a uuid names no show.
	perform
	from public.shows show_row
	where show_row.id in (select private.uuid_or_null(given.value ->> 'show_id') from jsonb_array_elements(comments) as given)
	order by show_row.id
	for share;
	perform
	from public.show_items locked
	join (
		select distinct show_row.id as show_id, parsed.item_number
		from jsonb_array_elements(comments) as given
		join public.shows show_row on show_row.id = private.uuid_or_null(given.value ->> 'show_id')
		join public.workspaces workspace on workspace.id = show_row.workspace_id
		cross join lateral public.parse_comment(
			coalesce(given.value ->> 'text', ''),
			coalesce(show_row.claim_words, workspace.claim_words),
			coalesce(show_row.pass_words, workspace.pass_words)
		) as parsed
	) as named on named.show_id = locked.show_id and named.item_number = locked.item_number
	order by locked.id
	for update of locked;

	-- Platform time order, then arrival order.
	select array_agg(given.value order by private.timestamptz_or_null(given.value ->> 'created_at') nulls last, given.place),
		array_agg(given.place::int order by private.timestamptz_or_null(given.value ->> 'created_at') nulls last, given.place)
	into ordered, places
	from jsonb_array_elements(comments) with ordinality as given (value, place);

	-- The whole batch in one subtransaction; only if a comment is refused is the batch allocated
	-- again, one subtransaction per comment. (Over 64 subtransactions in a transaction slow every
	-- concurrent snapshot, so the common path must not pay one per comment.)
	begin
		for step in 1 .. coalesce(cardinality(ordered), 0) loop
			results[places[step]] := private.allocate_comment(ordered[step]);
		end loop;
	exception when data_exception or not_null_violation or check_violation then
		results := '{}';
		for step in 1 .. coalesce(cardinality(ordered), 0) loop
			begin
				results[places[step]] := private.allocate_comment(ordered[step]);
			exception when data_exception or not_null_violation or check_violation then
				get stacked diagnostics failure_state = returned_sqlstate, failure_message = message_text;
				results[places[step]] := jsonb_build_object(
					'comment_id', null, 'replayed', false, 'outcome', 'ignored', 'reason', 'invalid_comment',
					'error', jsonb_build_object('code', failure_state, 'message', failure_message), 'results', '[]'::jsonb);
			end;
		end loop;
	end;
	return to_jsonb(results);
end;
$$;

revoke execute on function
	public.webhook_record_event(text, text),
	public.webhook_route_event(uuid, jsonb),
	private.uuid_or_null(text),
	private.timestamptz_or_null(text)
from public, anon, authenticated, service_role;
grant execute on function
	public.webhook_record_event(text, text),
	public.webhook_route_event(uuid, jsonb)
to service_role;
