-- The webhook functions named in one shape, webhook_<verb>_event: webhook_record_event stores a
-- verified delivery, webhook_route_event sends its changes to the claim engine, webhook_fail_event
-- keeps a routing failure. webhook_fail_event keeps its body and grants under the new name here
-- (plpgsql qualifies parameters by the function's name, so a rename alone would break it);
-- record and route are created under their new names where their bodies change
-- (20261201230000_bad_comments_lose_nothing.sql).

drop function public.webhook_event_record(text, text, text);
drop function public.ig_route_webhook_event(uuid);
drop function public.webhook_event_failed(uuid, text);

-- A delivery whose routing failed: kept with the error; Meta is answered 500 and delivers again.
create function public.webhook_fail_event(event_id uuid, error text) returns void
language sql volatile security definer
set search_path = ''
as $$
	update public.webhook_events e set status = 'failed', error = webhook_fail_event.error, processed_at = now()
	where e.id = webhook_fail_event.event_id
$$;

revoke execute on function public.webhook_fail_event(uuid, text)
from public, anon, authenticated, service_role;
grant execute on function public.webhook_fail_event(uuid, text) to service_role;
