-- The members of a workspace with their email addresses, for the console's settings page.
-- auth.users is not readable by the API roles, so this security definer function shows a member
-- the addresses of their own workspace's members, and nobody else's.

create function public.workspace_member_directory(workspace_id uuid)
returns table (user_id uuid, email text, role text, joined_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
begin
	perform private.require_workspace_role(workspace_member_directory.workspace_id, 'assistant', 'workspace');
	return query
		select member.user_id, account.email::text, member.role, member.created_at
		from public.workspace_members member
		join auth.users account on account.id = member.user_id
		where member.workspace_id = workspace_member_directory.workspace_id
		order by private.role_rank(member.role) desc, member.created_at;
end;
$$;
revoke execute on function public.workspace_member_directory(uuid) from public, anon;
grant execute on function public.workspace_member_directory(uuid) to authenticated;
