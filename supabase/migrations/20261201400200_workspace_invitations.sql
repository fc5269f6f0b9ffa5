-- Invitations: how people join a workspace. An owner or admin invites an email address with a role
-- (admins invite assistants only); the person signed in with that address, confirmed, accepts or
-- declines. An invitation is single use, expires after 7 days and can be revoked while pending.
-- The link carries a random token; only its SHA-256 is stored, so neither a database read nor the
-- audit log yields a working link. Whoever holds a link still has to be signed in as the invited
-- address: the link finds the invitation, the address authorizes it.

create table public.workspace_invitations (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	-- Stored trimmed and lower case: addresses are matched case-insensitively.
	email text not null check (email = lower(trim(email)) and length(email) <= 320 and email ~ '^[^@\s]+@[^@\s]+$'),
	role text not null check (role in ('admin', 'assistant')),
	token_hash bytea not null unique,
	invited_by_user_id uuid references auth.users (id) on delete set null,
	status text not null default 'pending' check (status in ('pending', 'accepted', 'declined', 'revoked')),
	expires_at timestamptz not null default now() + interval '7 days',
	responded_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	check ((status = 'pending') = (responded_at is null))
);
-- One pending invitation per address and workspace: inviting again replaces it.
create unique index workspace_invitations_pending_email_idx on public.workspace_invitations (workspace_id, email)
	where status = 'pending';
create index workspace_invitations_email_idx on public.workspace_invitations (email) where status = 'pending';
create trigger set_updated_at before update on public.workspace_invitations
	for each row execute function private.set_updated_at();

alter table public.workspace_invitations enable row level security;
revoke all on public.workspace_invitations from anon, authenticated;
-- Every column but the token's hash; writes go through the functions below.
grant select (id, workspace_id, email, role, invited_by_user_id, status, expires_at, responded_at, created_at, updated_at)
	on public.workspace_invitations to authenticated;
create policy "admins read their workspace's invitations" on public.workspace_invitations
	for select to authenticated
	using (private.is_workspace_member(workspace_id, 'admin'));

-- The caller's email address, lower case, once Auth has confirmed it (else null): an unconfirmed
-- address proves nothing, so it opens no invitation.
create function private.caller_confirmed_email() returns text
language sql stable security definer
set search_path = ''
as $$
	select lower(account.email) from auth.users account
	where account.id = (select auth.uid()) and account.email_confirmed_at is not null
$$;

-- An invitation's audit entry: never the token's hash.
create function private.audit_invitation(invitation public.workspace_invitations, action text, details jsonb default '{}')
returns void
language sql
set search_path = ''
as $$
	select private.record_audit(
		invitation.workspace_id, null, 'workspace_invitations.' || action, 'workspace_invitations', invitation.id, null,
		jsonb_build_object('email', invitation.email, 'role', invitation.role, 'status', invitation.status, 'expires_at', invitation.expires_at),
		details
	)
$$;

-- Invites email with role and returns the invitation with its token, which is shown this once.
create function public.create_workspace_invitation(workspace_id uuid, email text, role text)
returns table (invitation_id uuid, expires_at timestamptz, token text)
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	caller_role text := private.lock_workspace_for_member_change(create_workspace_invitation.workspace_id, 'admin');
	address text := lower(trim(create_workspace_invitation.email));
	new_token text := encode(extensions.gen_random_bytes(32), 'hex');
	replaced public.workspace_invitations;
	invitation public.workspace_invitations;
begin
	if address is null or address = '' then
		raise sqlstate '22023' using message = 'enter the email address to invite';
	end if;
	if length(address) > 320 or address !~ '^[^@\s]+@[^@\s]+$' then
		raise sqlstate '22023' using message = 'that is not an email address';
	end if;
	if create_workspace_invitation.role is null or create_workspace_invitation.role not in ('admin', 'assistant') then
		raise sqlstate '22023' using message = 'invite as an admin or an assistant; owners are made from members';
	end if;
	if not private.may_manage_role(caller_role, create_workspace_invitation.role) then
		raise sqlstate 'PT403' using message = 'admins invite assistants only; ask an owner';
	end if;
	if exists (
		select 1 from public.workspace_members member join auth.users account on account.id = member.user_id
		where member.workspace_id = create_workspace_invitation.workspace_id and lower(account.email) = address
	) then
		raise sqlstate 'PT409' using message = format('%s is already a member', address);
	end if;
	if (
		select count(*) from public.workspace_invitations pending
		where pending.workspace_id = create_workspace_invitation.workspace_id and pending.status = 'pending' and pending.expires_at > now()
	) >= 100 then
		raise sqlstate 'PT409' using message = 'this workspace has 100 pending invitations: revoke some first';
	end if;

	update public.workspace_invitations pending set status = 'revoked', responded_at = now()
	where pending.workspace_id = create_workspace_invitation.workspace_id and pending.email = address and pending.status = 'pending'
	returning * into replaced;
	insert into public.workspace_invitations (workspace_id, email, role, token_hash, invited_by_user_id)
	values (create_workspace_invitation.workspace_id, address, create_workspace_invitation.role,
		sha256(convert_to(new_token, 'UTF8')), (select auth.uid()))
	returning * into invitation;
	if replaced.id is not null then
		perform private.audit_invitation(replaced, 'revoke', jsonb_build_object('replaced_by', invitation.id));
	end if;
	perform private.audit_invitation(invitation, 'create');
	return query select invitation.id, invitation.expires_at, new_token;
end;
$$;

create function public.revoke_workspace_invitation(invitation_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	invitation_workspace_id uuid := (select i.workspace_id from public.workspace_invitations i where i.id = invitation_id);
	invitation public.workspace_invitations;
	caller_role text;
begin
	if invitation_workspace_id is null then
		raise sqlstate 'PT404' using message = 'invitation not found';
	end if;
	caller_role := private.lock_workspace_for_member_change(invitation_workspace_id, 'admin');
	select * into invitation from public.workspace_invitations i where i.id = invitation_id for update;
	if not private.may_manage_role(caller_role, invitation.role) then
		raise sqlstate 'PT403' using message = 'admins manage assistants only; ask an owner';
	end if;
	if invitation.status <> 'pending' then
		raise sqlstate 'PT409' using message = format('this invitation was already %s', invitation.status);
	end if;
	update public.workspace_invitations i set status = 'revoked', responded_at = now()
	where i.id = invitation.id
	returning * into invitation;
	perform private.audit_invitation(invitation, 'revoke');
end;
$$;

-- What the invitee is shown: their pending invitations that have not expired.
create function public.my_workspace_invitations()
returns table (id uuid, workspace_id uuid, workspace_name text, role text, invited_by_email text, expires_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
	select invitation.id, invitation.workspace_id, w.name, invitation.role, inviter.email::text, invitation.expires_at
	from public.workspace_invitations invitation
	join public.workspaces w on w.id = invitation.workspace_id
	left join auth.users inviter on inviter.id = invitation.invited_by_user_id
	where invitation.email = private.caller_confirmed_email()
		and invitation.status = 'pending'
		and invitation.expires_at > now()
	order by invitation.created_at
$$;

-- The invitation an invitation link's token belongs to, for the signed-in invitee. Anyone else,
-- and any used, revoked or expired link, learns only why it does not work.
create function public.workspace_invitation_by_token(token text)
returns table (id uuid, workspace_id uuid, workspace_name text, role text, invited_by_email text, expires_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
declare
	invitation public.workspace_invitations;
begin
	if length(token) between 1 and 200 then
		select * into invitation from public.workspace_invitations i where i.token_hash = sha256(convert_to(token, 'UTF8'));
	end if;
	if invitation.id is null then
		raise sqlstate 'PT404' using message = 'this invitation link is not valid: ask for a new invitation';
	end if;
	if invitation.email is distinct from private.caller_confirmed_email() then
		raise sqlstate 'PT403' using message = 'this invitation was sent to another email address: sign in with that address to accept it';
	end if;
	if invitation.status <> 'pending' then
		raise sqlstate 'PT409' using message = format('this invitation was already %s', invitation.status);
	end if;
	if invitation.expires_at <= now() then
		raise sqlstate 'PT409' using message = 'this invitation has expired: ask for a new one';
	end if;
	return query
		select invitation.id, invitation.workspace_id, w.name, invitation.role, inviter.email::text, invitation.expires_at
		from public.workspaces w
		left join auth.users inviter on inviter.id = invitation.invited_by_user_id
		where w.id = invitation.workspace_id;
end;
$$;

-- Accepting makes the caller a member with the invitation's role; declining only closes it.
create function public.respond_to_workspace_invitation(invitation_id uuid, accept boolean) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	invitation public.workspace_invitations;
begin
	if accept is null then
		raise sqlstate '22023' using message = 'accept or decline the invitation';
	end if;
	select * into invitation from public.workspace_invitations i where i.id = invitation_id for update;
	if invitation.id is null or invitation.email is distinct from private.caller_confirmed_email() then
		raise sqlstate 'PT404' using message = 'invitation not found';
	end if;
	if invitation.status <> 'pending' then
		raise sqlstate 'PT409' using message = format('this invitation was already %s', invitation.status);
	end if;
	if invitation.expires_at <= now() then
		raise sqlstate 'PT409' using message = 'this invitation has expired: ask for a new one';
	end if;
	if accept then
		if exists (
			select 1 from public.workspace_members member
			where member.workspace_id = invitation.workspace_id and member.user_id = (select auth.uid())
		) then
			raise sqlstate 'PT409' using message = 'you are already a member of this workspace';
		end if;
		insert into public.workspace_members (workspace_id, user_id, role)
		values (invitation.workspace_id, (select auth.uid()), invitation.role);
	end if;
	update public.workspace_invitations i
	set status = case when accept then 'accepted' else 'declined' end, responded_at = now()
	where i.id = invitation.id
	returning * into invitation;
	perform private.audit_invitation(invitation, case when accept then 'accept' else 'decline' end);
end;
$$;

revoke execute on function private.caller_confirmed_email(), private.audit_invitation(public.workspace_invitations, text, jsonb)
	from public, anon, authenticated, service_role;
revoke execute on function public.create_workspace_invitation(uuid, text, text), public.revoke_workspace_invitation(uuid),
	public.my_workspace_invitations(), public.workspace_invitation_by_token(text),
	public.respond_to_workspace_invitation(uuid, boolean)
	from public, anon, authenticated, service_role;
grant execute on function public.create_workspace_invitation(uuid, text, text), public.revoke_workspace_invitation(uuid),
	public.my_workspace_invitations(), public.workspace_invitation_by_token(text),
	public.respond_to_workspace_invitation(uuid, boolean)
	to authenticated;
