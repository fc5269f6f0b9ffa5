-- Closed table privileges for the API roles. Supabase's defaults grant anon and authenticated
-- every table privilege in public, and RLS only filters rows: TRUNCATE empties a table past every
-- policy, MAINTAIN takes table locks, and REFERENCES and TRIGGER are never the API's business.
-- Taken away from every table now and, through default privileges, from every table later
-- migrations create. tests/db/privileges.test.ts holds the allow-list of what remains.
revoke truncate, references, trigger on all tables in schema public from anon, authenticated;
alter default privileges in schema public
	revoke truncate, references, trigger on tables from anon, authenticated;

-- MAINTAIN exists from PostgreSQL 17 on.
do $$
begin
	if current_setting('server_version_num')::int >= 170000 then
		execute 'revoke maintain on all tables in schema public from anon, authenticated';
		execute 'alter default privileges in schema public revoke maintain on tables from anon, authenticated';
	end if;
end;
$$;
