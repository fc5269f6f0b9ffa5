-- Schema private's functions are internals: nobody calls them but the API functions (as their
-- owner) and the policies. A schema-scoped default privilege cannot take away the global
-- default EXECUTE for PUBLIC, so it is revoked here, after every claim-engine migration, and
-- only the predicates policies and constraints evaluate as the caller are granted back.
revoke execute on all functions in schema private from public, anon, authenticated, service_role;
grant execute on function private.is_workspace_member(uuid, text), private.member_show_ids() to authenticated;
grant execute on function private.item_status(int, int) to service_role;
