-- Edge Function schedules, declared once for both worlds. A later migration declares one with
--   insert into private.function_schedules (name, function_name, schedule) values ('facebook-poll', 'facebook-poll', '2 seconds');
-- * On Supabase, where pg_cron and pg_net exist, the trigger below turns each enabled row into
--   the pg_cron job of Supabase's "Scheduling Edge Functions" recipe: every tick it calls
--   net.http_post(<project_url>/functions/v1/<function_name>, Bearer <service_role_key>, body).
--   Both values come from Vault; set them once per project:
--     select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--     select vault.create_secret('<service_role key>', 'service_role_key');
--   If pg_cron or pg_net is enabled only after rows exist, create their jobs with
--     update private.function_schedules set enabled = enabled;
-- * Locally (no pg_cron, no pg_net) stack/functions/scheduler.ts runs the same rows, told of
--   every change by the NOTIFY the trigger sends.
-- Like pg_net, a call does not wait for the previous one: a function scheduled every few seconds
-- must tolerate overlapping runs on Supabase (the local scheduler skips a tick instead).

-- Enabled wherever they are available: on Supabase; never locally.
do $$
begin
	if exists (select from pg_available_extensions where name = 'pg_cron') then
		create extension if not exists pg_cron with schema pg_catalog;
	end if;
	if exists (select from pg_available_extensions where name = 'pg_net') then
		create extension if not exists pg_net with schema extensions;
	end if;
end;
$$;

-- The schedules pg_cron accepts and the local scheduler runs alike: '[1-59] seconds', or five
-- cron fields (minute hour day-of-month month day-of-week) of *, n, a-b, */s, a-b/s and lists.
create function private.is_pg_cron_schedule(schedule text) returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
	fields text[] := regexp_split_to_array(btrim(schedule), '\s+');
	lowest constant int[] := '{0,0,1,1,0}';
	highest constant int[] := '{59,23,31,12,7}';
	item text;
	parts text[];
begin
	if schedule ~ '^([1-9]|[1-5][0-9]) seconds$' then
		return true;
	end if;
	if cardinality(fields) <> 5 then
		return false;
	end if;
	for field in 1..5 loop
		foreach item in array string_to_array(fields[field], ',') loop
			-- parts: {star, from, to, step}
			parts := regexp_match(item, '^(?:(\*)|([0-9]{1,2})(?:-([0-9]{1,2}))?)(?:/([0-9]{1,2}))?$');
			if parts is null
				or (parts[4] is not null and parts[1] is null and parts[3] is null)
				or parts[4]::int = 0
				or parts[2]::int < lowest[field]
				or coalesce(parts[3], parts[2])::int > highest[field]
				or parts[3]::int < parts[2]::int then
				return false;
			end if;
		end loop;
	end loop;
	return true;
end;
$$;

create table private.function_schedules (
	-- Also the pg_cron job's name.
	name text primary key check (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
	function_name text not null check (function_name ~ '^[A-Za-z0-9][A-Za-z0-9_-]*$'),
	schedule text not null check (private.is_pg_cron_schedule(schedule)),
	-- The JSON body of every call.
	body jsonb not null default '{}',
	-- How long a call may take before it is abandoned, as pg_net's timeout_milliseconds.
	timeout_milliseconds integer not null default 5000 check (timeout_milliseconds between 1000 and 300000),
	enabled boolean not null default true
);
alter table private.function_schedules enable row level security;
revoke all on table private.function_schedules from public, anon, authenticated, service_role;

create function private.apply_function_schedule() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	if exists (select from pg_catalog.pg_extension where extname = 'pg_cron')
		and exists (select from pg_catalog.pg_extension where extname = 'pg_net') then
		if tg_op <> 'INSERT' and exists (select from cron.job where jobname = old.name) then
			perform cron.unschedule(old.name);
		end if;
		if tg_op <> 'DELETE' and new.enabled then
			perform cron.schedule(new.name, new.schedule, format(
				$job$select net.http_post(
	url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || %L,
	headers := jsonb_build_object(
		'Content-Type', 'application/json',
		'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')
	),
	body := %L::jsonb,
	timeout_milliseconds := %s
) as request_id$job$,
				'/functions/v1/' || new.function_name, new.body, new.timeout_milliseconds));
		end if;
	end if;
	perform pg_notify('function_schedules', coalesce(new.name, old.name));
	return null;
end;
$$;

create trigger apply_function_schedule after insert or update or delete on private.function_schedules
	for each row execute function private.apply_function_schedule();
