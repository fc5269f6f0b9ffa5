-- Back-off per kind of error: a failed poll is recorded as before, except that
-- consecutive_failures counts failures of one kind in a row (a throttle after 5xx errors starts
-- its own count), so fb-poll's back-off never grows across kinds.
create or replace function public.fb_poll_fail(
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
		consecutive_failures = case
			when i.last_error ->> 'kind' is not distinct from error ->> 'kind' then i.consecutive_failures + 1
			else 1
		end,
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
