-- Late claims on the replay: after a Facebook live ends, Facebook publishes it as a video and
-- viewers go on commenting on it. A workspace may keep taking claims from those comments for a
-- while (replay_listen_minutes: off, 15 min, 30 min, 1 h, 2 h, 6 h or 24 h), as long as the
-- show is still open. The window is fixed when Meta first reports the end (replay_until, by
-- Meta's clock like live_ended_at); fb-poll keeps reading the video's comments until then at a
-- slower cadence (ingestion status 'replay'), and comments written up to replay_until claim.
-- Instagram live comments stop with the broadcast: there is nothing to listen to afterwards.
alter table public.workspaces
	add column replay_listen_minutes int not null default 0
		check (replay_listen_minutes in (0, 15, 30, 60, 120, 360, 1440));
grant update (replay_listen_minutes) on public.workspaces to authenticated;

alter table public.live_ingestion
	add column replay_until timestamptz,
	drop constraint live_ingestion_status_check,
	add constraint live_ingestion_status_check
		check (status in ('starting', 'listening', 'delayed', 'replay', 'live_ended', 'reconnect_required', 'failed'));

-- The window starts when the end is first recorded (fb_poll_complete sets live_ended_at once).
create function private.set_replay_until() returns trigger
language plpgsql
set search_path = ''
as $$
declare
	minutes int;
begin
	select w.replay_listen_minutes into minutes from public.workspaces w where w.id = new.workspace_id;
	if new.platform = 'facebook' and coalesce(minutes, 0) > 0 then
		new.replay_until := new.live_ended_at + make_interval(mins => minutes);
	end if;
	return new;
end;
$$;
create trigger set_replay_until before update of live_ended_at on public.live_ingestion
	for each row when (old.live_ended_at is null and new.live_ended_at is not null)
	execute function private.set_replay_until();

-- A comment made after the live ended claims nothing, unless it was made within the replay window
-- or the workspace takes claims after the end whenever they come (claims_after_live_end).
create or replace function private.after_live_end(target_show public.shows, commented_at timestamptz) returns boolean
language sql stable
set search_path = ''
as $$
	select coalesce((
		select commented_at > coalesce(i.replay_until, i.live_ended_at)
			and (w.settings -> 'claims_after_live_end') is distinct from 'true'::jsonb
		from public.live_ingestion i
		join public.workspaces w on w.id = i.workspace_id
		where i.show_id = target_show.id
	), false)
$$;

-- The lease also hands out the replay window, so the poller knows how long to go on.
create or replace function public.fb_poll_lease(max_shows int default 25, lease_seconds int default 20) returns jsonb
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
		'replay_until', leased.replay_until,
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

-- A show stopped while its replay was listened to lost nothing of its live: the seller closed the
-- replay window by stopping it, so no gap is recorded for it (only for a live still behind).
create or replace function private.record_unread_gap() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	update public.live_ingestion i set
		gaps = i.gaps || jsonb_build_array(jsonb_build_object(
			'from', coalesce(i.cursor_newest_at, i.floor_at),
			'to', coalesce(new.ended_at, now()),
			'reason', coalesce(i.status_detail, 'the show was stopped before these comments were read')
		))
	where i.show_id = new.id and i.platform = 'facebook'
		and i.status not in ('live_ended', 'replay')
		and (i.catch_up is not null or i.live_ended_at is not null
			or i.status in ('starting', 'delayed', 'failed', 'reconnect_required'))
		and coalesce(i.cursor_newest_at, i.floor_at) < coalesce(new.ended_at, now());
	return null;
end;
$$;

revoke execute on function private.set_replay_until() from public, anon, authenticated, service_role;
