-- Conventions every later migration follows.
-- * Extensions live in schema `extensions`; app tables, views and API functions live in `public`.
-- * Every table in `public` enables row level security; policies call helper predicates.
-- * Functions that must bypass RLS are `security definer` with `set search_path = ''` and
--   schema-qualified names, and live in schema `private` when they are not part of the API.
-- * Functions are not executable by default: each API function is granted to the roles that may call it.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

-- PUBLIC's execute is a global default that a per-schema revoke cannot take away.
alter default privileges revoke execute on functions from public;
-- Supabase grants these per schema in public.
alter default privileges in schema public revoke execute on functions from anon, authenticated;
