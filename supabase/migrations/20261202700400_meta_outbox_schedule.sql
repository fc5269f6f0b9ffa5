-- The buyer-message sender (supabase/functions/meta-outbox) runs every second, so a buyer hears
-- within a few seconds of the claim; each run sends only what is due (pacing and retries apply
-- within this tick, see 20261202700300_meta_outbox.sql).
insert into private.function_schedules (name, function_name, schedule, timeout_milliseconds)
values ('meta-outbox', 'meta-outbox', '1 seconds', 20000);
