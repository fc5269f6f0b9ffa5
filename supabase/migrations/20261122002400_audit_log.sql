-- The operator audit trail: who did what to which row, with the row before and after.
-- API functions call private.record_audit; tables members edit directly (workspace settings,
-- members, connections) are audited by a trigger, so no change escapes the log either way.

create table public.audit_log (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	show_id uuid references public.shows (id) on delete set null,
	actor_user_id uuid references auth.users (id) on delete set null,
	action text not null,
	entity_type text not null,
	entity_id uuid,
	before jsonb,
	after jsonb,
	details jsonb not null default '{}',
	created_at timestamptz not null default now()
);
create index audit_log_workspace_id_created_at_idx on public.audit_log (workspace_id, created_at);
create index audit_log_show_id_idx on public.audit_log (show_id);

alter table public.audit_log enable row level security;
revoke all on public.audit_log from anon;
revoke insert, update, delete, truncate on public.audit_log from authenticated;

create policy "members read their workspace's audit log" on public.audit_log
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

create function private.record_audit(
	workspace_id uuid,
	show_id uuid,
	action text,
	entity_type text,
	entity_id uuid,
	before jsonb,
	after jsonb,
	details jsonb default '{}'
) returns void
language sql
set search_path = ''
as $$
	insert into public.audit_log (workspace_id, show_id, actor_user_id, action, entity_type, entity_id, before, after, details)
	values (workspace_id, show_id, (select auth.uid()), action, entity_type, entity_id, before, after, coalesce(details, '{}'));
$$;

-- Audits a direct change to a workspace-owned row; action is '<table>.<insert|update|delete>'.
-- A workspace's own deletion (and the cascade it starts) leaves no trail to write into.
create function private.audit_row_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	changed_row jsonb := to_jsonb(coalesce(new, old));
	workspace_id uuid := case when tg_table_name = 'workspaces' then (changed_row ->> 'id')::uuid else (changed_row ->> 'workspace_id')::uuid end;
begin
	if tg_op = 'DELETE' and not exists (select 1 from public.workspaces w where w.id = workspace_id) then
		return old;
	end if;
	perform private.record_audit(
		workspace_id, null, tg_table_name || '.' || lower(tg_op), tg_table_name, (changed_row ->> 'id')::uuid,
		case when tg_op = 'INSERT' then null else to_jsonb(old) end,
		case when tg_op = 'DELETE' then null else to_jsonb(new) end
	);
	return coalesce(new, old);
end;
$$;

create trigger audit_row_change after update on public.workspaces
	for each row execute function private.audit_row_change();
create trigger audit_row_change after insert or update or delete on public.workspace_members
	for each row execute function private.audit_row_change();
create trigger audit_row_change after insert or update or delete on public.social_connections
	for each row execute function private.audit_row_change();
