-- The Facebook poller runs every 2 seconds (supabase/functions/fb-poll). Each run
-- polls only the shows that are due, so a workspace's longer interval
-- (settings.facebook_poll_interval_seconds) and each show's back-off apply within this tick.
insert into private.function_schedules (name, function_name, schedule, timeout_milliseconds)
values ('fb-poll', 'fb-poll', '2 seconds', 15000);
