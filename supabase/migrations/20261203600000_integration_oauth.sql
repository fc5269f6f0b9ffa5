-- Stripe Connect OAuth (Standard accounts) beside the pasted restricted key: an integration says
-- how it was connected (auth_method: 'api_key' pasted by the seller, or 'oauth' through Connect,
-- where the platform calls Stripe with its own key and the Stripe-Account header naming
-- external_account_id). The OAuth access and refresh tokens are stored encrypted exactly as a
-- restricted key is (encrypted_api_key holds the access token). save_integration takes the method
-- and the refresh token (defaults keep the key flow unchanged); integration_credentials returns the
-- refresh token too; integration_of_account finds the workspace a Connect webhook event belongs to.

alter table public.integrations
	add column auth_method text not null default 'api_key' check (auth_method in ('api_key', 'oauth'));
grant select (auth_method) on public.integrations to authenticated;

alter table private.integration_credentials
	add column encrypted_refresh_token text check (encrypted_refresh_token ~ '^v1:');

-- One workspace per connected account: a Connect event names only the account (event.account).
create unique index integrations_oauth_account_key on public.integrations (provider, external_account_id)
	where auth_method = 'oauth' and status <> 'disconnected';

drop function public.save_integration(uuid, uuid, text, text, text, text, boolean, text, text, text);

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
	encrypted_webhook_secret text,
	auth_method text default 'api_key',
	encrypted_refresh_token text default null
) returns public.integrations
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.integrations;
	after public.integrations;
begin
	perform private.require_integration_admin(workspace_id, actor_user_id);
	if coalesce(encrypted_api_key, '') !~ '^v1:' or (encrypted_webhook_secret is not null and encrypted_webhook_secret !~ '^v1:')
		or (encrypted_refresh_token is not null and encrypted_refresh_token !~ '^v1:') then
		raise sqlstate '22023' using message = 'credentials must arrive encrypted (v1:…)';
	end if;
	if auth_method is null or auth_method not in ('api_key', 'oauth') then
		raise sqlstate '22023' using message = 'auth_method must be api_key or oauth';
	end if;
	select * into before from public.integrations i
	where i.workspace_id = save_integration.workspace_id and i.provider = save_integration.provider
	for update;
	if auth_method = 'oauth' and exists (
		select 1 from public.integrations other
		where other.provider = save_integration.provider and other.external_account_id = save_integration.external_account_id
			and other.auth_method = 'oauth' and other.status <> 'disconnected' and other.workspace_id <> save_integration.workspace_id
	) then
		raise sqlstate 'PT409' using message = 'this Stripe account is already connected to another workspace; disconnect it there first';
	end if;
	insert into public.integrations as existing
		(workspace_id, provider, status, status_detail, external_account_id, display_name, key_hint, livemode, webhook_endpoint_id,
			connected_by_user_id, connected_at, checked_at, auth_method)
	values (workspace_id, provider, 'active', null, external_account_id, left(display_name, 255), key_hint, coalesce(livemode, false),
		webhook_endpoint_id, actor_user_id, now(), now(), auth_method)
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
		checked_at = excluded.checked_at,
		auth_method = excluded.auth_method
	returning * into after;
	insert into private.integration_credentials (integration_id, encrypted_api_key, encrypted_webhook_secret, encrypted_refresh_token)
	values (after.id, encrypted_api_key, encrypted_webhook_secret, encrypted_refresh_token)
	on conflict (integration_id) do update set
		encrypted_api_key = excluded.encrypted_api_key,
		encrypted_webhook_secret = excluded.encrypted_webhook_secret,
		encrypted_refresh_token = excluded.encrypted_refresh_token;
	perform private.audit_integration('integration.connect', before, after, actor_user_id,
		jsonb_build_object('auth_method', auth_method));
	return after;
end;
$$;

create or replace function public.integration_credentials(workspace_id uuid, provider text) returns jsonb
language sql stable security definer
set search_path = ''
as $$
	select to_jsonb(integration) || jsonb_build_object(
		'encrypted_api_key', credentials.encrypted_api_key,
		'encrypted_webhook_secret', credentials.encrypted_webhook_secret,
		'encrypted_refresh_token', credentials.encrypted_refresh_token)
	from public.integrations integration
	left join private.integration_credentials credentials on credentials.integration_id = integration.id
	where integration.workspace_id = integration_credentials.workspace_id and integration.provider = integration_credentials.provider
$$;

-- The workspace whose Connect integration is the given connected account (null: none).
create function public.integration_of_account(provider text, external_account_id text) returns uuid
language sql stable security definer
set search_path = ''
as $$
	select integration.workspace_id from public.integrations integration
	where integration.provider = integration_of_account.provider
		and integration.external_account_id = integration_of_account.external_account_id
		and integration.auth_method = 'oauth' and integration.status <> 'disconnected'
$$;

revoke execute on function
	public.save_integration(uuid, uuid, text, text, text, text, boolean, text, text, text, text, text),
	public.integration_of_account(text, text)
from public, anon, authenticated, service_role;
grant execute on function
	public.save_integration(uuid, uuid, text, text, text, text, boolean, text, text, text, text, text),
	public.integration_of_account(text, text)
to service_role;
