-- Connections to Meta accounts (a Facebook Page or an Instagram account) per workspace.
-- The OAuth tokens are kept apart, in private.social_connection_tokens: schema private is not
-- exposed by the API and that table grants nothing to anon or authenticated, so no query a
-- browser can make reaches a token, not even `select *`. Tokens are stored already encrypted
-- (AES-256-GCM by the server code that holds the key); the database never sees plaintext.

create table public.social_connections (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram')),
	external_account_id text not null,
	display_name text,
	token_expires_at timestamptz,
	scopes text[] not null default '{}',
	status text not null default 'active' check (status in ('active', 'expired', 'revoked')),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, platform, external_account_id)
);
create trigger set_updated_at before update on public.social_connections
	for each row execute function private.set_updated_at();

create table private.social_connection_tokens (
	connection_id uuid primary key references public.social_connections (id) on delete cascade,
	encrypted_access_token text not null,
	refresh_token_encrypted text,
	updated_at timestamptz not null default now()
);
create trigger set_updated_at before update on private.social_connection_tokens
	for each row execute function private.set_updated_at();
alter table private.social_connection_tokens enable row level security;
revoke all on private.social_connection_tokens from public, anon, authenticated;
grant select, insert, update, delete on private.social_connection_tokens to service_role;

alter table public.social_connections enable row level security;
revoke all on public.social_connections from anon;

create policy "members read their workspace's connections" on public.social_connections
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "admins add connections" on public.social_connections
	for insert to authenticated
	with check (private.is_workspace_member(workspace_id, 'admin'));
create policy "admins change connections" on public.social_connections
	for update to authenticated
	using (private.is_workspace_member(workspace_id, 'admin'))
	with check (private.is_workspace_member(workspace_id, 'admin'));
create policy "admins remove connections" on public.social_connections
	for delete to authenticated
	using (private.is_workspace_member(workspace_id, 'admin'));
