-- Workspaces (tenants) and their members, the role predicates every policy and API function uses,
-- and the sign-up trigger that gives each new user a workspace of their own.
-- Roles, lowest first: assistant (runs a live show), admin (shows, connections, members, settings),
-- owner (everything, including other owners and deleting the workspace).

create function private.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	new.updated_at := now();
	return new;
end;
$$;

create table public.workspaces (
	id uuid primary key default gen_random_uuid(),
	owner_user_id uuid not null references auth.users (id) on delete cascade,
	name text not null check (length(trim(name)) between 1 and 200),
	-- Defaults for every show of the workspace; a show may override them.
	claim_words text[] not null default '{sold}' check (cardinality(claim_words) between 1 and 10),
	pass_words text[] not null default '{pass}' check (cardinality(pass_words) between 1 and 10),
	settings jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index workspaces_owner_user_id_idx on public.workspaces (owner_user_id);
create trigger set_updated_at before update on public.workspaces
	for each row execute function private.set_updated_at();

create table public.workspace_members (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	user_id uuid not null references auth.users (id) on delete cascade,
	role text not null check (role in ('owner', 'admin', 'assistant')),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, user_id)
);
create index workspace_members_user_id_idx on public.workspace_members (user_id);
create trigger set_updated_at before update on public.workspace_members
	for each row execute function private.set_updated_at();

-- Role order: a role satisfies every role at or below it.
create function private.role_rank(role text) returns int
language sql immutable
set search_path = ''
as $$
	select array_position(array['assistant', 'admin', 'owner'], role)
$$;

-- Whether the current user belongs to the workspace with at least min_role. Security definer so
-- policies on workspace_members can use it without recursing into their own RLS.
create function private.is_workspace_member(workspace_id uuid, min_role text default 'assistant') returns boolean
language sql stable security definer
set search_path = ''
as $$
	select exists (
		select 1
		from public.workspace_members member
		where member.workspace_id = is_workspace_member.workspace_id
			and member.user_id = (select auth.uid())
			and private.role_rank(member.role) >= private.role_rank(min_role)
	)
$$;
grant execute on function private.is_workspace_member(uuid, text) to authenticated;

-- For API functions: the caller's user id once they are known to hold min_role in the workspace.
-- A non-member is told the thing does not exist (PT404) rather than that it is forbidden, so
-- other tenants' ids reveal nothing; a member with too low a role gets PT403.
create function private.require_workspace_role(workspace_id uuid, min_role text, what text) returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
	caller_role text;
begin
	select member.role into caller_role
	from public.workspace_members member
	where member.workspace_id = require_workspace_role.workspace_id and member.user_id = (select auth.uid());
	if caller_role is null then
		raise sqlstate 'PT404' using message = format('%s not found', what);
	end if;
	if private.role_rank(caller_role) < private.role_rank(min_role) then
		raise sqlstate 'PT403' using
			message = format('this needs the %s role in the workspace; you are %s', min_role, caller_role);
	end if;
	return (select auth.uid());
end;
$$;

alter table public.workspaces enable row level security;
alter table public.workspace_members enable row level security;

-- Workspaces are created by the sign-up trigger; members may only edit the fields below.
revoke all on public.workspaces, public.workspace_members from anon;
revoke insert, update on public.workspaces from authenticated;
grant update (name, claim_words, pass_words, settings) on public.workspaces to authenticated;

create policy "members read their workspaces" on public.workspaces
	for select to authenticated
	using (private.is_workspace_member(id));
create policy "admins change their workspace's settings" on public.workspaces
	for update to authenticated
	using (private.is_workspace_member(id, 'admin'))
	with check (private.is_workspace_member(id, 'admin'));
create policy "owners delete their workspace" on public.workspaces
	for delete to authenticated
	using (private.is_workspace_member(id, 'owner'));

-- Managing an owner's membership takes an owner; any other membership takes an admin.
create policy "members read their workspace's members" on public.workspace_members
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "admins add members, owners add owners" on public.workspace_members
	for insert to authenticated
	with check (private.is_workspace_member(workspace_id, case when role = 'owner' then 'owner' else 'admin' end));
create policy "admins change members, owners change owners" on public.workspace_members
	for update to authenticated
	using (private.is_workspace_member(workspace_id, case when role = 'owner' then 'owner' else 'admin' end))
	with check (private.is_workspace_member(workspace_id, case when role = 'owner' then 'owner' else 'admin' end));
create policy "admins remove members, owners remove owners" on public.workspace_members
	for delete to authenticated
	using (private.is_workspace_member(workspace_id, case when role = 'owner' then 'owner' else 'admin' end));

-- Sign-up: every new user owns a workspace from their first request on. The name comes from
-- sign-up metadata `workspace_name` when given.
create function private.create_personal_workspace() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	workspace_id uuid;
begin
	insert into public.workspaces (owner_user_id, name)
	values (
		new.id,
		coalesce(
			nullif(trim(new.raw_user_meta_data ->> 'workspace_name'), ''),
			nullif(split_part(coalesce(new.email, ''), '@', 1), '') || '''s workspace',
			'My workspace'
		)
	)
	returning id into workspace_id;
	insert into public.workspace_members (workspace_id, user_id, role) values (workspace_id, new.id, 'owner');
	return new;
end;
$$;

create trigger create_personal_workspace after insert on auth.users
	for each row execute function private.create_personal_workspace();
