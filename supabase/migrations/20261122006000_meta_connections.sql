-- Meta connections as the Edge Functions (supabase/functions/meta-oauth) make and keep them:
-- * token health the console shows next to each connection (status_detail, status_changed_at);
-- * who at Meta granted each connection (social_connections.meta_user_id, the app-scoped user id,
--   kept after its token is gone) and that user's long-lived token, needed to revoke the grant at
--   Meta on disconnect and to honour Meta's deauthorize and data-deletion calls;
-- * the accounts an OAuth callback found, held for 15 minutes in private.meta_oauth_pending until
--   the user who signed in picks which to connect.
-- Tokens arrive already encrypted (AES-256-GCM, `v1:<key id>:<iv>:<ciphertext>`); the database
-- never sees one in clear. Functions that hand out or store tokens are granted to service_role
-- only; those acting for a user check auth.uid() themselves and are granted to authenticated.

alter table public.social_connections
	add column status_detail text,
	add column status_changed_at timestamptz,
	add column meta_user_id text;
create index social_connections_meta_user_id_idx on public.social_connections (meta_user_id);

alter table private.social_connection_tokens
	add column encrypted_user_access_token text;

create table private.meta_oauth_pending (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	user_id uuid not null references auth.users (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram')),
	meta_user_id text not null,
	encrypted_user_access_token text not null,
	scopes text[] not null default '{}',
	-- [{platform, external_account_id, display_name, token_expires_at, encrypted_access_token}]
	accounts jsonb not null check (jsonb_typeof(accounts) = 'array'),
	created_at timestamptz not null default now(),
	expires_at timestamptz not null default now() + interval '15 minutes'
);
create index meta_oauth_pending_expires_at_idx on private.meta_oauth_pending (expires_at);
alter table private.meta_oauth_pending enable row level security;
revoke all on private.meta_oauth_pending from public, anon, authenticated, service_role;

-- The callback's find, kept for the user who signed in. Returns the pending id the browser
-- carries back to the console (/connections?pending=<id>).
create function public.meta_save_pending_accounts(
	workspace_id uuid,
	user_id uuid,
	platform text,
	meta_user_id text,
	encrypted_user_access_token text,
	scopes text[],
	accounts jsonb
) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	saved uuid;
begin
	if jsonb_typeof(accounts) is distinct from 'array' or exists (
		select 1 from jsonb_array_elements(accounts) as account
		where account.value ->> 'platform' not in ('facebook', 'instagram')
			or coalesce(account.value ->> 'external_account_id', '') !~ '^[0-9A-Za-z_]{1,64}$'
			or coalesce(account.value ->> 'encrypted_access_token', '') !~ '^v1:'
	) then
		raise sqlstate '22023' using message = 'accounts must be [{platform, external_account_id, display_name, token_expires_at, encrypted_access_token}]';
	end if;
	delete from private.meta_oauth_pending where expires_at < now();
	insert into private.meta_oauth_pending (workspace_id, user_id, platform, meta_user_id, encrypted_user_access_token, scopes, accounts)
	values (workspace_id, user_id, platform, meta_user_id, encrypted_user_access_token, coalesce(scopes, '{}'), accounts)
	returning id into saved;
	return saved;
end;
$$;

-- The accounts of a pending sign-in, without tokens, for the user who signed in.
create function public.meta_pending_accounts(pending_id uuid) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	pending private.meta_oauth_pending;
begin
	select * into pending from private.meta_oauth_pending p
	where p.id = pending_id and p.user_id = (select auth.uid()) and p.expires_at > now();
	if not found then
		raise sqlstate 'PT404' using message = 'this Meta sign-in has expired or is not yours; connect again';
	end if;
	return jsonb_build_object(
		'id', pending.id,
		'workspace_id', pending.workspace_id,
		'platform', pending.platform,
		'scopes', to_jsonb(pending.scopes),
		'expires_at', pending.expires_at,
		'accounts', (
			select coalesce(jsonb_agg(
				(account.value - 'encrypted_access_token') || jsonb_build_object('connection_id', existing.id, 'connection_status', existing.status)
				order by account.place
			), '[]')
			from jsonb_array_elements(pending.accounts) with ordinality as account (value, place)
			left join public.social_connections existing
				on existing.workspace_id = pending.workspace_id
				and existing.platform = account.value ->> 'platform'
				and existing.external_account_id = account.value ->> 'external_account_id'
		)
	);
end;
$$;

-- Connects the accounts the user picked from their pending sign-in: a social_connections row each
-- (created, or renewed when reconnecting) and its encrypted token. Needs the admin role.
-- choices: [{platform, external_account_id}].
create function public.meta_connect_accounts(pending_id uuid, choices jsonb) returns setof public.social_connections
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	pending private.meta_oauth_pending;
	choice record;
	account jsonb;
	connection public.social_connections;
begin
	select * into pending from private.meta_oauth_pending p
	where p.id = pending_id and p.user_id = (select auth.uid()) and p.expires_at > now()
	for update;
	if not found then
		raise sqlstate 'PT404' using message = 'this Meta sign-in has expired or is not yours; connect again';
	end if;
	perform private.require_workspace_role(pending.workspace_id, 'admin', 'workspace');
	if jsonb_typeof(choices) is distinct from 'array' or jsonb_array_length(choices) = 0 then
		raise sqlstate '22023' using message = 'choose at least one account: [{platform, external_account_id}]';
	end if;

	for choice in
		select distinct given.value ->> 'platform' as platform, given.value ->> 'external_account_id' as external_account_id
		from jsonb_array_elements(choices) as given
	loop
		account := null;
		select offered.value into account
		from jsonb_array_elements(pending.accounts) as offered
		where offered.value ->> 'platform' = choice.platform and offered.value ->> 'external_account_id' = choice.external_account_id;
		if account is null then
			raise sqlstate '22023' using message = format('%s account %s was not offered by this sign-in', choice.platform, choice.external_account_id);
		end if;
		insert into public.social_connections as existing
			(workspace_id, platform, external_account_id, display_name, token_expires_at, scopes, status, status_detail, status_changed_at, meta_user_id)
		values (
			pending.workspace_id, choice.platform, choice.external_account_id, account ->> 'display_name',
			(account ->> 'token_expires_at')::timestamptz, pending.scopes, 'active', null, now(), pending.meta_user_id
		)
		on conflict (workspace_id, platform, external_account_id) do update set
			display_name = excluded.display_name,
			meta_user_id = excluded.meta_user_id,
			token_expires_at = excluded.token_expires_at,
			scopes = excluded.scopes,
			status = 'active',
			status_detail = null,
			status_changed_at = case when existing.status = 'active' then existing.status_changed_at else now() end
		returning * into connection;
		insert into private.social_connection_tokens (connection_id, encrypted_access_token, encrypted_user_access_token)
		values (connection.id, account ->> 'encrypted_access_token', pending.encrypted_user_access_token)
		on conflict (connection_id) do update set
			encrypted_access_token = excluded.encrypted_access_token,
			encrypted_user_access_token = excluded.encrypted_user_access_token;
		return next connection;
	end loop;
	delete from private.meta_oauth_pending where id = pending.id;
end;
$$;

-- A connection with its encrypted tokens, for a function about to call Meta on its behalf.
create function public.meta_connection_credentials(connection_id uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
	select jsonb_build_object(
		'id', connection.id,
		'workspace_id', connection.workspace_id,
		'platform', connection.platform,
		'external_account_id', connection.external_account_id,
		'display_name', connection.display_name,
		'status', connection.status,
		'meta_user_id', connection.meta_user_id,
		'encrypted_access_token', token.encrypted_access_token,
		'encrypted_user_access_token', token.encrypted_user_access_token,
		'connections_sharing_meta_user', (
			select count(*) from public.social_connections other
			join private.social_connection_tokens other_token on other_token.connection_id = other.id
			where other.meta_user_id = connection.meta_user_id and other.id <> connection.id
		)
	)
	from public.social_connections connection
	left join private.social_connection_tokens token on token.connection_id = connection.id
	where connection.id = meta_connection_credentials.connection_id
$$;

-- Token health as Meta reports it: a token error marks the connection expired or revoked.
create function public.meta_set_connection_status(connection_id uuid, status text, detail text) returns public.social_connections
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	changed public.social_connections;
begin
	if status not in ('active', 'expired', 'revoked') then
		raise sqlstate '22023' using message = format('status must be active, expired or revoked, not %s', status);
	end if;
	update public.social_connections c set
		status = meta_set_connection_status.status,
		status_detail = detail,
		status_changed_at = case when c.status = meta_set_connection_status.status then c.status_changed_at else now() end
	where c.id = connection_id
	returning * into changed;
	if status = 'revoked' then
		delete from private.social_connection_tokens where private.social_connection_tokens.connection_id = meta_set_connection_status.connection_id;
	end if;
	return changed;
end;
$$;

-- An admin disconnects: the token is deleted and the connection kept, revoked, so shows that
-- used it still name it. (meta-oauth/disconnect revokes the grant at Meta first.)
create function public.meta_disconnect(connection_id uuid) returns public.social_connections
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	changed public.social_connections;
begin
	perform private.require_workspace_role(
		(select c.workspace_id from public.social_connections c where c.id = meta_disconnect.connection_id), 'admin', 'connection');
	delete from private.social_connection_tokens t where t.connection_id = meta_disconnect.connection_id;
	update public.social_connections c set
		status = 'revoked', status_detail = 'disconnected', status_changed_at = now()
	where c.id = meta_disconnect.connection_id
	returning * into changed;
	return changed;
end;
$$;

-- Meta's deauthorize callback (erase = false): every connection the Meta user granted is revoked
-- and its tokens deleted. Data deletion (erase = true): the connections are deleted as well.
-- Returns how many connections were affected.
create function public.meta_forget_meta_user(meta_user_id text, erase boolean) returns int
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	affected uuid[];
begin
	select coalesce(array_agg(c.id), '{}') into affected
	from public.social_connections c where c.meta_user_id = meta_forget_meta_user.meta_user_id;
	delete from private.meta_oauth_pending p where p.meta_user_id = meta_forget_meta_user.meta_user_id;
	delete from private.social_connection_tokens t where t.connection_id = any (affected);
	if erase then
		delete from public.social_connections c where c.id = any (affected);
	else
		update public.social_connections c set
			status = 'revoked', status_detail = 'the Meta user removed the app', status_changed_at = now()
		where c.id = any (affected);
	end if;
	return cardinality(affected);
end;
$$;

revoke execute on function
	public.meta_save_pending_accounts(uuid, uuid, text, text, text, text[], jsonb),
	public.meta_pending_accounts(uuid),
	public.meta_connect_accounts(uuid, jsonb),
	public.meta_connection_credentials(uuid),
	public.meta_set_connection_status(uuid, text, text),
	public.meta_disconnect(uuid),
	public.meta_forget_meta_user(text, boolean)
from public, anon, authenticated, service_role;
grant execute on function
	public.meta_save_pending_accounts(uuid, uuid, text, text, text, text[], jsonb),
	public.meta_connection_credentials(uuid),
	public.meta_set_connection_status(uuid, text, text),
	public.meta_forget_meta_user(text, boolean)
to service_role;
grant execute on function
	public.meta_pending_accounts(uuid),
	public.meta_connect_accounts(uuid, jsonb),
	public.meta_disconnect(uuid)
to authenticated;
