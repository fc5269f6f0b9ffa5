-- What payment providers tell us, kept before it is acted on. The stripe-webhook function stores
-- each verified event raw, keyed by (workspace, provider, event id), then maps it and calls
-- public.record_payment_event: a replay of a processed event is a no-op, one whose processing
-- failed is processed again on redelivery. The rows hold provider payloads of every workspace,
-- so only the service role reaches them, through these functions.
-- Also the provider's customer for each buyer, so every invoice of a buyer goes to one customer.

create table private.payment_events (
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	provider text not null check (provider in ('stripe')),
	event_id text not null check (length(event_id) between 1 and 255),
	event_type text not null check (length(event_type) between 1 and 255),
	raw_body text not null,
	status text not null default 'received' check (status in ('received', 'processed', 'ignored', 'failed')),
	-- record_payment_event's answer, or why the event was ignored.
	outcome jsonb,
	error text,
	received_at timestamptz not null default now(),
	processed_at timestamptz,
	primary key (workspace_id, provider, event_id)
);
create index payment_events_received_at_idx on private.payment_events (received_at);
alter table private.payment_events enable row level security;
revoke all on private.payment_events from public, anon, authenticated, service_role;

create table private.payment_customers (
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	provider text not null check (provider in ('stripe')),
	-- The provider account the customer lives in: a reconnected other account starts afresh.
	external_account_id text not null,
	platform text not null,
	buyer_key text not null,
	external_customer_id text not null check (length(external_customer_id) between 1 and 255),
	created_at timestamptz not null default now(),
	primary key (workspace_id, provider, external_account_id, platform, buyer_key)
);
alter table private.payment_customers enable row level security;
revoke all on private.payment_customers from public, anon, authenticated, service_role;

-- Stores a verified event unless it is already there. Returns {stored, status}: stored is false
-- for a replay; status 'received' or 'failed' means it still needs processing.
create function public.store_payment_event(workspace_id uuid, provider text, event_id text, event_type text, raw_body text)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	existing private.payment_events;
begin
	insert into private.payment_events (workspace_id, provider, event_id, event_type, raw_body)
	values (workspace_id, provider, event_id, event_type, raw_body)
	on conflict do nothing;
	if found then
		return jsonb_build_object('stored', true, 'status', 'received');
	end if;
	select * into existing from private.payment_events e
	where e.workspace_id = store_payment_event.workspace_id and e.provider = store_payment_event.provider
		and e.event_id = store_payment_event.event_id;
	return jsonb_build_object('stored', false, 'status', existing.status);
end;
$$;

create function public.finish_payment_event(workspace_id uuid, provider text, event_id text, status text, outcome jsonb, error text)
returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
	if status not in ('processed', 'ignored', 'failed') then
		raise sqlstate '22023' using message = format('status must be processed, ignored or failed, not %s', left(status, 40));
	end if;
	update private.payment_events e set
		status = finish_payment_event.status,
		outcome = finish_payment_event.outcome,
		error = left(finish_payment_event.error, 2000),
		processed_at = now()
	where e.workspace_id = finish_payment_event.workspace_id and e.provider = finish_payment_event.provider
		and e.event_id = finish_payment_event.event_id;
	if not found then
		raise sqlstate 'PT404' using message = 'payment event not found';
	end if;
end;
$$;

-- The buyer's customer at the provider account, if one was made.
create function public.payment_customer(workspace_id uuid, provider text, external_account_id text, platform text, buyer_key text)
returns text
language sql stable security definer
set search_path = ''
as $$
	select c.external_customer_id from private.payment_customers c
	where c.workspace_id = payment_customer.workspace_id and c.provider = payment_customer.provider
		and c.external_account_id = payment_customer.external_account_id and c.platform = payment_customer.platform
		and c.buyer_key = payment_customer.buyer_key
$$;

-- Remembers the buyer's customer; when another run got there first, its customer wins and is returned.
create function public.save_payment_customer(workspace_id uuid, provider text, external_account_id text, platform text, buyer_key text,
	external_customer_id text) returns text
language plpgsql volatile security definer
set search_path = ''
as $$
begin
	insert into private.payment_customers (workspace_id, provider, external_account_id, platform, buyer_key, external_customer_id)
	values (workspace_id, provider, external_account_id, platform, buyer_key, external_customer_id)
	on conflict do nothing;
	return public.payment_customer(workspace_id, provider, external_account_id, platform, buyer_key);
end;
$$;

revoke execute on function
	public.store_payment_event(uuid, text, text, text, text),
	public.finish_payment_event(uuid, text, text, text, jsonb, text),
	public.payment_customer(uuid, text, text, text, text),
	public.save_payment_customer(uuid, text, text, text, text, text)
from public, anon, authenticated, service_role;
grant execute on function
	public.store_payment_event(uuid, text, text, text, text),
	public.finish_payment_event(uuid, text, text, text, jsonb, text),
	public.payment_customer(uuid, text, text, text, text),
	public.save_payment_customer(uuid, text, text, text, text, text)
to service_role;
