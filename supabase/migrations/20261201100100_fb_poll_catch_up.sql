-- Facebook polling that never drops a comment (supabase/functions/fb-poll):
-- * catch-up: a poll reads oldest first from its cursor; when a backlog is longer than one run
--   reads, where to go on is kept (catch_up: the `since` of the reading and Meta's paging cursor
--   after the last comment read) and the next run goes on from there at once, so the cursor
--   never passes a comment that was not read;
-- * the end of a live: when Meta first reports it ended, its time by Meta's clock is kept
--   (live_ended_at); the poller sweeps a few more times for comments Meta lists late
--   (end_sweeps) before the show's ingestion is live_ended.
alter table public.live_ingestion
	add column catch_up jsonb check (jsonb_typeof(catch_up) = 'object'),
	add column live_ended_at timestamptz,
	add column end_sweeps int not null default 0;

-- The poller's lease is not a claim ("claim" means only a buyer's claim): fb_poll_claim becomes
-- fb_poll_lease, which now also hands out the catch-up position, the end of the live and the kind
-- of the last failure (back-off grows only across failures of one kind, see
-- 20261201100200_fb_poll_backoff_per_kind.sql).
drop function public.fb_poll_claim(int, int);
create function public.fb_poll_lease(max_shows int default 25, lease_seconds int default 20) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	leases jsonb;
begin
	insert into public.live_ingestion (show_id, workspace_id, platform, live_id, floor_at)
	select s.id, s.workspace_id, s.platform, s.live_id, date_trunc('second', coalesce(s.started_at, now()))
	from public.shows s
	where s.platform = 'facebook' and s.status in ('active', 'paused') and s.live_id is not null
	on conflict (show_id) do nothing;

	-- A show whose Page is not (or no longer) connected cannot be polled: say so once.
	update public.live_ingestion i set
		status = 'reconnect_required',
		status_detail = case
			when c.id is null then 'the show has no Facebook connection: connect the Page and choose it for the show'
			else format('the Facebook connection is %s: reconnect it', c.status)
		end
	from public.shows s
	left join public.social_connections c on c.id = s.connection_id
	where i.show_id = s.id and i.platform = 'facebook' and s.status in ('active', 'paused')
		and i.status not in ('live_ended', 'reconnect_required')
		and (c.id is null or c.status <> 'active');

	with due as (
		select i.show_id
		from public.live_ingestion i
		join public.shows s on s.id = i.show_id
		join public.social_connections c on c.id = s.connection_id
		where i.platform = 'facebook' and s.status in ('active', 'paused') and c.status = 'active'
			and i.status <> 'live_ended'
			and i.next_poll_at <= now()
			and (i.lease_until is null or i.lease_until < now())
		order by i.next_poll_at
		limit greatest(1, max_shows)
		for update of i skip locked
	), leased as (
		update public.live_ingestion i set
			lease_token = gen_random_uuid(),
			lease_until = now() + make_interval(secs => greatest(5, lease_seconds)),
			last_polled_at = now()
		from due
		where i.show_id = due.show_id
		returning i.*
	)
	select coalesce(jsonb_agg(jsonb_build_object(
		'show_id', leased.show_id,
		'lease_token', leased.lease_token,
		'live_id', leased.live_id,
		'connection_id', c.id,
		'encrypted_access_token', t.encrypted_access_token,
		'cursor_newest_at', leased.cursor_newest_at,
		'cursor_recent', leased.cursor_recent,
		'catch_up', leased.catch_up,
		'floor_at', leased.floor_at,
		'consecutive_failures', leased.consecutive_failures,
		'last_error_kind', leased.last_error ->> 'kind',
		'live_ended_at', leased.live_ended_at,
		'end_sweeps', leased.end_sweeps,
		'poll_interval_ms', private.facebook_poll_interval_ms(w.settings)
	)), '[]')
	into leases
	from leased
	join public.shows s on s.id = leased.show_id
	join public.workspaces w on w.id = s.workspace_id
	join public.social_connections c on c.id = s.connection_id
	left join private.social_connection_tokens t on t.connection_id = c.id;
	return leases;
end;
$$;

-- The end of a successful poll, under its lease: the batch goes to the engine and the cursor
-- moves, atomically. catch_up: {since, after}, where to read on at once (null: caught up).
-- live_ended_at / end_sweeps: the live's end by Meta's clock and the sweeps done since; status
-- is live_ended only after the last sweep. The next poll is due next_poll_in_ms after this one
-- was leased. Returns {ingested, results}.
drop function public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, boolean);
create function public.fb_poll_complete(
	show_id uuid,
	lease_token uuid,
	comments jsonb,
	cursor_newest_at timestamptz,
	cursor_recent jsonb,
	next_poll_in_ms int,
	status text,
	status_detail text default null,
	usage_percent numeric default null,
	catch_up jsonb default null,
	live_ended_at timestamptz default null,
	end_sweeps int default 0
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	state public.live_ingestion;
	results jsonb := '[]';
	received int := coalesce(jsonb_array_length(comments), 0);
begin
	select * into state from public.live_ingestion i where i.show_id = fb_poll_complete.show_id for update;
	if not found or state.lease_token is distinct from fb_poll_complete.lease_token then
		raise sqlstate 'PT409' using message = 'the poll lease was lost to another run; this batch was not ingested';
	end if;
	-- Before the batch, so that comments created after the end are judged by it.
	update public.live_ingestion i set live_ended_at = coalesce(i.live_ended_at, fb_poll_complete.live_ended_at)
	where i.show_id = fb_poll_complete.show_id;
	if received > 0 then
		results := public.ingest_comments(comments);
	end if;
	update public.live_ingestion i set
		cursor_newest_at = fb_poll_complete.cursor_newest_at,
		cursor_recent = coalesce(fb_poll_complete.cursor_recent, '{}'),
		catch_up = fb_poll_complete.catch_up,
		end_sweeps = greatest(0, fb_poll_complete.end_sweeps),
		lease_token = null,
		lease_until = null,
		last_success_at = now(),
		last_comment_at = case when received > 0 then now() else i.last_comment_at end,
		comments_received = i.comments_received + received,
		consecutive_failures = 0,
		backoff_until = null,
		last_error = null,
		usage_percent = fb_poll_complete.usage_percent,
		-- Every poll asks Meta whether the live is still on.
		live_checked_at = now(),
		-- Half a second early, so the scheduler's next tick finds it due despite jitter.
		next_poll_at = coalesce(i.last_polled_at, now()) + make_interval(secs => greatest(0, next_poll_in_ms - 500) / 1000.0),
		status = fb_poll_complete.status,
		status_detail = fb_poll_complete.status_detail
	where i.show_id = fb_poll_complete.show_id;
	return jsonb_build_object('ingested', received, 'results', results);
end;
$$;

revoke execute on function public.fb_poll_lease(int, int) from public, anon, authenticated, service_role;
grant execute on function public.fb_poll_lease(int, int) to service_role;
revoke execute on function
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, jsonb, timestamptz, int)
from public, anon, authenticated, service_role;
grant execute on function
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, jsonb, timestamptz, int)
to service_role;
