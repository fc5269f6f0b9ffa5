-- New Instagram posts reach the catalog without the seller asking: every 30 minutes the import
-- function (supabase/functions/ig-catalog-import) re-scans each active Instagram account imported
-- before (public.catalog_import_due picks them, one scan per account at a time). A re-scan drafts
-- only posts it has not seen, so overlapping or repeated runs change nothing.
insert into private.function_schedules (name, function_name, schedule, body, timeout_milliseconds)
values ('ig-catalog-import', 'ig-catalog-import', '*/30 * * * *', '{"scheduled": true}', 150000);
