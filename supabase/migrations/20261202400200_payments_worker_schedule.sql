-- The payments worker (supabase/functions/payments-worker) runs every 2 seconds: it creates the
-- requested invoices at the provider and voids the invoices of orders whose hold expired. Each run
-- takes a bounded batch, so a backlog drains over a few ticks.
insert into private.function_schedules (name, function_name, schedule, timeout_milliseconds)
values ('payments-worker', 'payments-worker', '2 seconds', 30000);
