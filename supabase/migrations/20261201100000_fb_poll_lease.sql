-- The Facebook poller's lease is not a claim ("claim" means only a buyer's claim): fb_poll_claim
-- becomes fb_poll_lease, unchanged otherwise, with the same grants.
drop function public.fb_poll_claim(int, int);

-- Leases up to max_shows running Facebook shows that are due, for lease_seconds. Returns
-- [{show_id, lease_token, live_id, connection_id, encrypted_access_token, cursor, floor_at,
--   consecutive_failures, live_checked_at, poll_interval_ms}].
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
		'floor_at', leased.floor_at,
		'consecutive_failures', leased.consecutive_failures,
		'live_checked_at', leased.live_checked_at,
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

revoke execute on function public.fb_poll_lease(int, int) from public, anon, authenticated, service_role;
grant execute on function public.fb_poll_lease(int, int) to service_role;
