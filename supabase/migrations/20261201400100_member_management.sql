-- Managing members: owners change any role, remove anyone and make other owners; admins manage
-- assistants only; anyone may leave; a workspace always keeps an owner, so its last owner can
-- neither leave nor be demoted (they transfer ownership or delete the workspace). Changes are
-- audited by the workspace_members trigger (audit_row_change), the caller as actor.

-- Whether a member with manager_role may grant, change or take away role.
create function private.may_manage_role(manager_role text, role text) returns boolean
language sql immutable
set search_path = ''
as $$
	select manager_role = 'owner' or (manager_role = 'admin' and role = 'assistant')
$$;

-- The caller's role in the workspace once they hold at least min_role (PT404 / PT403 otherwise);
-- locks the workspace row so concurrent member changes (two owners demoting each other) run one
-- after the other.
create function private.lock_workspace_for_member_change(workspace_id uuid, min_role text) returns text
language plpgsql
set search_path = ''
as $$
begin
	perform private.require_workspace_role(lock_workspace_for_member_change.workspace_id, min_role, 'workspace');
	perform 1 from public.workspaces w where w.id = lock_workspace_for_member_change.workspace_id for no key update;
	return (
		select member.role from public.workspace_members member
		where member.workspace_id = lock_workspace_for_member_change.workspace_id and member.user_id = (select auth.uid())
	);
end;
$$;

-- PT409 when taking the owner role away from user_id would leave the workspace without an owner.
create function private.keep_an_owner(workspace_id uuid, user_id uuid, message text) returns void
language plpgsql
set search_path = ''
as $$
begin
	if not exists (
		select 1 from public.workspace_members member
		where member.workspace_id = keep_an_owner.workspace_id and member.role = 'owner' and member.user_id <> keep_an_owner.user_id
	) then
		raise sqlstate 'PT409' using message = message;
	end if;
end;
$$;

-- workspaces.owner_user_id names an owner (the workspace is deleted with that account): when that
-- member stops being an owner, it passes to the longest-standing remaining owner. Security definer:
-- it also runs when Auth deletes an account, whose role cannot write workspaces.
create function private.follow_workspace_owner() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	update public.workspaces w
	set owner_user_id = (
		select member.user_id from public.workspace_members member
		where member.workspace_id = w.id and member.role = 'owner'
		order by member.created_at, member.user_id
		limit 1
	)
	where w.id = old.workspace_id
		and w.owner_user_id = old.user_id
		and not exists (
			select 1 from public.workspace_members member
			where member.workspace_id = w.id and member.user_id = w.owner_user_id and member.role = 'owner'
		)
		and exists (select 1 from public.workspace_members member where member.workspace_id = w.id and member.role = 'owner');
	return null;
end;
$$;
create trigger follow_workspace_owner after update of role or delete on public.workspace_members
	for each row execute function private.follow_workspace_owner();

create function public.change_workspace_member_role(workspace_id uuid, user_id uuid, role text) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	caller_role text := private.lock_workspace_for_member_change(change_workspace_member_role.workspace_id, 'admin');
	target public.workspace_members;
begin
	if role is null or role not in ('owner', 'admin', 'assistant') then
		raise sqlstate '22023' using message = 'the role must be owner, admin or assistant';
	end if;
	select * into target from public.workspace_members member
	where member.workspace_id = change_workspace_member_role.workspace_id and member.user_id = change_workspace_member_role.user_id;
	if target.id is null then
		raise sqlstate 'PT404' using message = 'member not found';
	end if;
	if not private.may_manage_role(caller_role, target.role) or not private.may_manage_role(caller_role, role) then
		raise sqlstate 'PT403' using message = 'admins manage assistants only; ask an owner';
	end if;
	if target.role = 'owner' and role <> 'owner' then
		perform private.keep_an_owner(target.workspace_id, target.user_id,
			'the workspace needs an owner: make another member owner first');
	end if;
	if target.role <> role then
		update public.workspace_members member set role = change_workspace_member_role.role where member.id = target.id;
	end if;
end;
$$;

-- Removes a member, or the caller themselves (leaving, open to every role).
create function public.remove_workspace_member(workspace_id uuid, user_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	leaving boolean := user_id = (select auth.uid());
	caller_role text := private.lock_workspace_for_member_change(
		remove_workspace_member.workspace_id, case when leaving then 'assistant' else 'admin' end);
	target public.workspace_members;
begin
	select * into target from public.workspace_members member
	where member.workspace_id = remove_workspace_member.workspace_id and member.user_id = remove_workspace_member.user_id;
	if target.id is null then
		raise sqlstate 'PT404' using message = 'member not found';
	end if;
	if not leaving and not private.may_manage_role(caller_role, target.role) then
		raise sqlstate 'PT403' using message = 'admins manage assistants only; ask an owner';
	end if;
	if target.role = 'owner' then
		perform private.keep_an_owner(target.workspace_id, target.user_id,
			case when leaving
				then 'you are the last owner: transfer ownership or delete the workspace instead'
				else 'the workspace needs an owner: make another member owner first' end);
	end if;
	delete from public.workspace_members member where member.id = target.id;
end;
$$;

-- Hands the workspace to another member: they become its owner (and owner_user_id), the caller an admin.
create function public.transfer_workspace_ownership(workspace_id uuid, user_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	caller_id uuid := (select auth.uid());
begin
	perform private.lock_workspace_for_member_change(transfer_workspace_ownership.workspace_id, 'owner');
	if user_id = caller_id then
		raise sqlstate '22023' using message = 'choose another member to hand the workspace to';
	end if;
	update public.workspace_members member set role = 'owner'
	where member.workspace_id = transfer_workspace_ownership.workspace_id and member.user_id = transfer_workspace_ownership.user_id;
	if not found then
		raise sqlstate 'PT404' using message = 'member not found';
	end if;
	update public.workspaces w set owner_user_id = transfer_workspace_ownership.user_id
	where w.id = transfer_workspace_ownership.workspace_id;
	update public.workspace_members member set role = 'admin'
	where member.workspace_id = transfer_workspace_ownership.workspace_id and member.user_id = caller_id;
end;
$$;

-- Deletes the workspace with everything in it; the caller types its name to confirm. Its audit log
-- goes with it, so the deletion is recorded in the server's log by the console.
create function public.delete_workspace(workspace_id uuid, confirmation text) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	workspace_name text;
begin
	perform private.lock_workspace_for_member_change(delete_workspace.workspace_id, 'owner');
	select w.name into workspace_name from public.workspaces w where w.id = delete_workspace.workspace_id;
	if confirmation is distinct from workspace_name then
		raise sqlstate '22023' using message = format('type the workspace name, %s, to confirm', workspace_name);
	end if;
	delete from public.workspaces w where w.id = delete_workspace.workspace_id;
end;
$$;

revoke execute on function private.may_manage_role(text, text), private.lock_workspace_for_member_change(uuid, text),
	private.keep_an_owner(uuid, uuid, text), private.follow_workspace_owner()
	from public, anon, authenticated, service_role;
revoke execute on function public.change_workspace_member_role(uuid, uuid, text), public.remove_workspace_member(uuid, uuid),
	public.transfer_workspace_ownership(uuid, uuid), public.delete_workspace(uuid, text)
	from public, anon, authenticated, service_role;
grant execute on function public.change_workspace_member_role(uuid, uuid, text), public.remove_workspace_member(uuid, uuid),
	public.transfer_workspace_ownership(uuid, uuid), public.delete_workspace(uuid, text)
	to authenticated;
