-- Ingestion health and the Facebook poll state, one row per running show (public.live_ingestion).
-- Members read their workspace's rows (and follow them through Realtime): status tells the
-- console whether comments are flowing ('listening'), late ('delayed': Meta throttled us, failed,
-- or usage is near its limit and polling slowed down), whether the live has ended, or whether
-- the connection needs a new sign-in. Only the functions below write it.
--
-- The Facebook poller (supabase/functions/fb-poll) runs every 2 seconds, possibly overlapping:
-- * fb_poll_claim leases the due shows (FOR UPDATE SKIP LOCKED, then a lease token and expiry),
--   so two runs never poll one show at the same time;
-- * fb_poll_complete, holding the lease, ingests the batch through ingest_comments and advances
--   the cursor in the same transaction: a run that dies before it commits leaves the cursor where
--   it was, and the next run polls those comments again; one whose lease was taken over ingests
--   nothing;
-- * fb_poll_fail records a failure and when to try again (the back-off is computed by the function).

create table public.live_ingestion (
	show_id uuid primary key references public.shows (id) on delete cascade,
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram')),
	live_id text not null,
	status text not null default 'starting'
		check (status in ('starting', 'listening', 'delayed', 'live_ended', 'reconnect_required', 'failed')),
	-- Why, in words the console can show.
	status_detail text,
	last_polled_at timestamptz,
	-- The last poll (or webhook delivery) that reached the engine.
	last_success_at timestamptz,
	last_comment_at timestamptz,
	comments_received bigint not null default 0,
	consecutive_failures int not null default 0,
	backoff_until timestamptz,
	-- The highest share (%) of a Meta rate limit in the last answer's usage headers.
	usage_percent numeric,
	last_error jsonb,
	-- The Facebook cursor (supabase/functions/_shared/facebook-comments.ts): the newest comment
	-- time sent, the ids sent within the late window before it ({id: unix ms}), and the show's
	-- activation, before which comments are not the show's.
	cursor_newest_at timestamptz,
	cursor_recent jsonb not null default '{}' check (jsonb_typeof(cursor_recent) = 'object'),
	floor_at timestamptz not null,
	next_poll_at timestamptz not null default now(),
	live_checked_at timestamptz,
	lease_token uuid,
	lease_until timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index live_ingestion_workspace_id_idx on public.live_ingestion (workspace_id);
create index live_ingestion_next_poll_at_idx on public.live_ingestion (next_poll_at) where platform = 'facebook';
create trigger set_updated_at before update on public.live_ingestion
	for each row execute function private.set_updated_at();

alter table public.live_ingestion enable row level security;
revoke all on public.live_ingestion from anon;
revoke insert, update, delete, truncate on public.live_ingestion from authenticated;
create policy "members read their workspace's ingestion health" on public.live_ingestion
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
alter publication supabase_realtime add table public.live_ingestion;

-- The workspace's poll interval: settings.facebook_poll_interval_seconds (1-60), else 2 s.
create function private.facebook_poll_interval_ms(settings jsonb) returns int
language sql immutable
set search_path = ''
as $$
	select case
		when jsonb_typeof(settings -> 'facebook_poll_interval_seconds') = 'number'
			then (greatest(1, least(60, (settings ->> 'facebook_poll_interval_seconds')::numeric)) * 1000)::int
		else 2000
	end
$$;

-- Leases up to max_shows running Facebook shows that are due, for lease_seconds. Returns
-- [{show_id, lease_token, live_id, connection_id, encrypted_access_token, cursor, floor_at,
--   consecutive_failures, live_checked_at, poll_interval_ms}].
create function public.fb_poll_claim(max_shows int default 25, lease_seconds int default 20) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	claimed jsonb;
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
		'floor_at', leased.floor_at,
		'consecutive_failures', leased.consecutive_failures,
		'live_checked_at', leased.live_checked_at,
		'poll_interval_ms', private.facebook_poll_interval_ms(w.settings)
	)), '[]')
	into claimed
	from leased
	join public.shows s on s.id = leased.show_id
	join public.workspaces w on w.id = s.workspace_id
	join public.social_connections c on c.id = s.connection_id
	left join private.social_connection_tokens t on t.connection_id = c.id;
	return claimed;
end;
$$;

-- The end of a successful poll, under its lease: the batch goes to the engine and the cursor
-- moves, atomically. status is listening, delayed (slowed by usage) or live_ended; the next poll
-- is due next_poll_in_ms after this one was claimed. Returns {ingested, results}.
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
	live_checked boolean default false
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
	if received > 0 then
		results := public.ingest_comments(comments);
	end if;
	update public.live_ingestion i set
		cursor_newest_at = fb_poll_complete.cursor_newest_at,
		cursor_recent = coalesce(fb_poll_complete.cursor_recent, '{}'),
		lease_token = null,
		lease_until = null,
		last_success_at = now(),
		last_comment_at = case when received > 0 then now() else i.last_comment_at end,
		comments_received = i.comments_received + received,
		consecutive_failures = 0,
		backoff_until = null,
		last_error = null,
		usage_percent = fb_poll_complete.usage_percent,
		live_checked_at = case when live_checked then now() else i.live_checked_at end,
		-- Half a second early, so the scheduler's next tick finds it due despite jitter.
		next_poll_at = coalesce(i.last_polled_at, now()) + make_interval(secs => greatest(0, next_poll_in_ms - 500) / 1000.0),
		status = fb_poll_complete.status,
		status_detail = fb_poll_complete.status_detail
	where i.show_id = fb_poll_complete.show_id;
	return jsonb_build_object('ingested', received, 'results', results);
end;
$$;

-- A failed poll, under its lease: try again in retry_in_ms. connection_status (expired or
-- revoked) marks the show's connection when Meta refused its token. Returns false when the lease
-- was lost (the failure is then another run's business).
create function public.fb_poll_fail(
	show_id uuid,
	lease_token uuid,
	status text,
	status_detail text,
	error jsonb,
	retry_in_ms int,
	usage_percent numeric default null,
	connection_status text default null
) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	state public.live_ingestion;
	connection_id uuid;
begin
	select * into state from public.live_ingestion i where i.show_id = fb_poll_fail.show_id for update;
	if not found or state.lease_token is distinct from fb_poll_fail.lease_token then
		return false;
	end if;
	update public.live_ingestion i set
		lease_token = null,
		lease_until = null,
		consecutive_failures = i.consecutive_failures + 1,
		backoff_until = now() + make_interval(secs => retry_in_ms / 1000.0),
		next_poll_at = now() + make_interval(secs => retry_in_ms / 1000.0),
		status = fb_poll_fail.status,
		status_detail = fb_poll_fail.status_detail,
		last_error = error,
		usage_percent = coalesce(fb_poll_fail.usage_percent, i.usage_percent)
	where i.show_id = fb_poll_fail.show_id;
	if connection_status is not null then
		select s.connection_id into connection_id from public.shows s where s.id = fb_poll_fail.show_id;
		if connection_id is not null then
			perform public.meta_set_connection_status(connection_id, connection_status, status_detail);
		end if;
	end if;
	return true;
end;
$$;

-- A reconnected account: its shows are polled again at once instead of after their back-off.
create function private.resume_ingestion_after_reconnect() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	update public.live_ingestion i set next_poll_at = now(), backoff_until = null
	from public.shows s
	where s.id = i.show_id and s.connection_id = new.id and i.status <> 'live_ended';
	return null;
end;
$$;
create trigger resume_ingestion_after_reconnect after update of status on public.social_connections
	for each row when (new.status = 'active' and old.status is distinct from 'active')
	execute function private.resume_ingestion_after_reconnect();

revoke execute on function
	private.facebook_poll_interval_ms(jsonb),
	private.resume_ingestion_after_reconnect(),
	public.fb_poll_claim(int, int),
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, boolean),
	public.fb_poll_fail(uuid, uuid, text, text, jsonb, int, numeric, text)
from public, anon, authenticated, service_role;
grant execute on function
	public.fb_poll_claim(int, int),
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, boolean),
	public.fb_poll_fail(uuid, uuid, text, text, jsonb, int, numeric, text)
to service_role;
