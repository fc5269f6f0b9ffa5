-- Payment integrations per workspace, Stripe first: which provider account a workspace bills
-- through, its health, and its credentials. The integrations Edge Function validates a pasted
-- restricted key against the provider, encrypts it (and the webhook signing secret) with
-- TOKEN_ENCRYPTION_KEY exactly as Meta tokens are (AES-256-GCM, `v1:<key id>:<iv>:<ciphertext>`,
-- see supabase/functions/_shared/token-crypto.ts), and saves it here through the service role:
-- the database never sees a credential in clear. Encrypted credentials live apart, in
-- private.integration_credentials, as Meta tokens live in private.social_connection_tokens.
-- Members read their workspace's integration (closed column grants: what the console shows);
-- writes go through the functions below, each checking the acting user's role and audited.

create table public.integrations (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	provider text not null check (provider in ('stripe')),
	status text not null default 'active' check (status in ('active', 'failing', 'disconnected')),
	-- Why it is failing or disconnected, in words the console shows.
	status_detail text check (length(status_detail) <= 1000),
	-- The provider's account (Stripe: acct_…) and its name.
	external_account_id text check (length(external_account_id) <= 255),
	display_name text check (length(display_name) <= 255),
	-- The last 4 characters of the API key: enough to recognise it, never enough to use it.
	key_hint text check (key_hint ~ '^[A-Za-z0-9]{4}$'),
	livemode boolean not null default false,
	-- The provider's webhook endpoint made at connect (null when the seller set it up by hand).
	webhook_endpoint_id text check (length(webhook_endpoint_id) <= 255),
	connected_by_user_id uuid references auth.users (id) on delete set null,
	connected_at timestamptz,
	checked_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, provider)
);
create trigger set_updated_at before update on public.integrations
	for each row execute function private.set_updated_at();

create table private.integration_credentials (
	integration_id uuid primary key references public.integrations (id) on delete cascade,
	encrypted_api_key text not null check (encrypted_api_key ~ '^v1:'),
	-- Signing secret of the provider's webhook endpoint (Stripe: whsec_…).
	encrypted_webhook_secret text check (encrypted_webhook_secret ~ '^v1:'),
	updated_at timestamptz not null default now()
);
create trigger set_updated_at before update on private.integration_credentials
	for each row execute function private.set_updated_at();
alter table private.integration_credentials enable row level security;
revoke all on private.integration_credentials from public, anon, authenticated, service_role;

alter table public.integrations enable row level security;
revoke all on public.integrations from anon, authenticated;
grant select (id, workspace_id, provider, status, status_detail, external_account_id, display_name, key_hint, livemode,
	webhook_endpoint_id, connected_by_user_id, connected_at, checked_at, created_at, updated_at)
	on public.integrations to authenticated;
create policy "members read their workspace's integrations" on public.integrations
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

-- The acting user must be an owner or admin of the workspace (the function calling on their
-- behalf checked the session; this holds even if it did not).
create function private.require_integration_admin(workspace_id uuid, actor_user_id uuid) returns void
language plpgsql stable
set search_path = ''
as $$
declare
	actor_role text;
begin
	select member.role into actor_role from public.workspace_members member
	where member.workspace_id = require_integration_admin.workspace_id and member.user_id = actor_user_id;
	if actor_role is null then
		raise sqlstate 'PT404' using message = 'workspace not found';
	end if;
	if private.role_rank(actor_role) < private.role_rank('admin') then
		raise sqlstate 'PT403' using message = format('this needs the admin role in the workspace; you are %s', actor_role);
	end if;
end;
$$;

-- The audit entry of an integration change made by actor_user_id through the service role.
create function private.audit_integration(action text, before public.integrations, after public.integrations, actor_user_id uuid, details jsonb default '{}')
returns void
language sql
set search_path = ''
as $$
	insert into public.audit_log (workspace_id, actor_user_id, action, entity_type, entity_id, before, after, details)
	values (coalesce(after.workspace_id, before.workspace_id), actor_user_id, action, 'integration', coalesce(after.id, before.id),
		case when before.id is null then null else to_jsonb(before) end,
		case when after.id is null then null else to_jsonb(after) end,
		coalesce(details, '{}'));
$$;

-- Connects (or reconnects) the workspace's provider account with credentials the caller
-- validated and encrypted. Returns the integration as members see it.
create function public.save_integration(
	workspace_id uuid,
	actor_user_id uuid,
	provider text,
	external_account_id text,
	display_name text,
	key_hint text,
	livemode boolean,
	webhook_endpoint_id text,
	encrypted_api_key text,
	encrypted_webhook_secret text
) returns public.integrations
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.integrations;
	after public.integrations;
begin
	perform private.require_integration_admin(workspace_id, actor_user_id);
	if coalesce(encrypted_api_key, '') !~ '^v1:' or (encrypted_webhook_secret is not null and encrypted_webhook_secret !~ '^v1:') then
		raise sqlstate '22023' using message = 'credentials must arrive encrypted (v1:…)';
	end if;
	select * into before from public.integrations i
	where i.workspace_id = save_integration.workspace_id and i.provider = save_integration.provider
	for update;
	insert into public.integrations as existing
		(workspace_id, provider, status, status_detail, external_account_id, display_name, key_hint, livemode, webhook_endpoint_id,
			connected_by_user_id, connected_at, checked_at)
	values (workspace_id, provider, 'active', null, external_account_id, left(display_name, 255), key_hint, coalesce(livemode, false),
		webhook_endpoint_id, actor_user_id, now(), now())
	on conflict on constraint integrations_workspace_id_provider_key do update set
		status = 'active',
		status_detail = null,
		external_account_id = excluded.external_account_id,
		display_name = excluded.display_name,
		key_hint = excluded.key_hint,
		livemode = excluded.livemode,
		webhook_endpoint_id = excluded.webhook_endpoint_id,
		connected_by_user_id = excluded.connected_by_user_id,
		connected_at = excluded.connected_at,
		checked_at = excluded.checked_at
	returning * into after;
	insert into private.integration_credentials (integration_id, encrypted_api_key, encrypted_webhook_secret)
	values (after.id, encrypted_api_key, encrypted_webhook_secret)
	on conflict (integration_id) do update set
		encrypted_api_key = excluded.encrypted_api_key,
		encrypted_webhook_secret = excluded.encrypted_webhook_secret;
	perform private.audit_integration('integration.connect', before, after, actor_user_id);
	return after;
end;
$$;

-- The integration with its encrypted credentials, for a function about to call the provider or
-- verify its webhook. Null when the workspace has none.
create function public.integration_credentials(workspace_id uuid, provider text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
	select to_jsonb(integration) || jsonb_build_object(
		'encrypted_api_key', credentials.encrypted_api_key,
		'encrypted_webhook_secret', credentials.encrypted_webhook_secret)
	from public.integrations integration
	left join private.integration_credentials credentials on credentials.integration_id = integration.id
	where integration.workspace_id = integration_credentials.workspace_id and integration.provider = integration_credentials.provider
$$;

-- What a check found: active again, or failing with the provider's reason. actor_user_id is null
-- for the functions' own findings (a key the provider refused while invoicing).
create function public.set_integration_status(workspace_id uuid, provider text, status text, detail text, actor_user_id uuid)
returns public.integrations
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.integrations;
	after public.integrations;
begin
	if status not in ('active', 'failing') then
		raise sqlstate '22023' using message = format('status must be active or failing, not %s', left(status, 40));
	end if;
	if actor_user_id is not null then
		perform private.require_integration_admin(workspace_id, actor_user_id);
	end if;
	select * into before from public.integrations i
	where i.workspace_id = set_integration_status.workspace_id and i.provider = set_integration_status.provider
	for update;
	if before.id is null or before.status = 'disconnected' then
		raise sqlstate 'PT404' using message = format('no %s integration is connected', provider);
	end if;
	update public.integrations i set
		status = set_integration_status.status,
		status_detail = case when set_integration_status.status = 'active' then null else left(detail, 1000) end,
		checked_at = now()
	where i.id = before.id
	returning * into after;
	if before.status is distinct from after.status or actor_user_id is not null then
		perform private.audit_integration('integration.check', before, after, actor_user_id);
	end if;
	return after;
end;
$$;

-- Disconnects: the credentials are deleted, the row kept (disconnected) so orders invoiced
-- through it still name it. (The integrations function removes the webhook endpoint first.)
create function public.disconnect_integration(workspace_id uuid, provider text, actor_user_id uuid) returns public.integrations
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.integrations;
	after public.integrations;
begin
	perform private.require_integration_admin(workspace_id, actor_user_id);
	select * into before from public.integrations i
	where i.workspace_id = disconnect_integration.workspace_id and i.provider = disconnect_integration.provider
	for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = format('no %s integration is connected', provider);
	end if;
	delete from private.integration_credentials c where c.integration_id = before.id;
	update public.integrations i set
		status = 'disconnected', status_detail = 'disconnected', webhook_endpoint_id = null, checked_at = now()
	where i.id = before.id
	returning * into after;
	perform private.audit_integration('integration.disconnect', before, after, actor_user_id);
	return after;
end;
$$;

revoke execute on function
	private.require_integration_admin(uuid, uuid),
	private.audit_integration(text, public.integrations, public.integrations, uuid, jsonb)
from public, anon, authenticated, service_role;
revoke execute on function
	public.save_integration(uuid, uuid, text, text, text, text, boolean, text, text, text),
	public.integration_credentials(uuid, text),
	public.set_integration_status(uuid, text, text, text, uuid),
	public.disconnect_integration(uuid, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function
	public.save_integration(uuid, uuid, text, text, text, text, boolean, text, text, text),
	public.integration_credentials(uuid, text),
	public.set_integration_status(uuid, text, text, text, uuid),
	public.disconnect_integration(uuid, text, uuid)
to service_role;
