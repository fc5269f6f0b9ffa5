-- Voids owed at the payment provider are durable, and money that arrives anyway is never lost.
--
-- When a hold expires the order's invoice must be voided at the provider so the buyer can no
-- longer pay for items that went to the next in line. That call can fail (the provider down,
-- a key revoked), so the order now remembers the void is owed (void_requested_at) until the
-- worker settles it: voided, or found already void, paid or gone. A failure retries with a
-- backoff (5 s doubling, at most 15 minutes) and never gives up; the console shows the void as
-- pending meanwhile. Like invoice requests, the worker leases what it takes
-- (take_void_requests) and reports back (mark_order_void_settled / mark_order_void_failed).
--
-- A payment that still lands on an expired or void order (before the void went through, or a
-- provider that takes it anyway) is recorded as paid and flagged (late_payment_at): its items
-- may have gone to the next buyers, so the seller refunds it or restores the sale, and says
-- which (resolve_late_payment, owners and admins, audited).
--
-- An invoice voided at the provider by the seller (invoice.voided, marked uncollectible) ends
-- the order as void and releases its claims exactly as expiry does (private.end_unpaid_order),
-- so each waitlist promotes its next buyer. (record_payment_event, which applies both, is in
-- 20261203100100_invoice_reissue.sql.)

alter table public.orders
	-- The order's invoice must be voided at the provider; settled once void_settled_at is set.
	add column void_requested_at timestamptz,
	add column void_attempts int not null default 0,
	-- When the worker may try the void next: after a failure's backoff, or when its lease runs out.
	add column next_void_attempt_at timestamptz,
	add column last_void_error text check (length(last_void_error) <= 1000),
	add column void_settled_at timestamptz,
	-- How the owed void ended at the provider.
	add column void_outcome text check (void_outcome in ('voided', 'already_void', 'already_paid', 'gone')),
	-- A payment received after the order expired or was voided, and what the seller did about it.
	add column late_payment_at timestamptz,
	add column late_payment_resolution text check (late_payment_resolution in ('refund', 'restore')),
	add column late_payment_resolved_at timestamptz;

create index orders_void_requests_idx on public.orders (next_void_attempt_at)
	where void_requested_at is not null and void_settled_at is null;

-- Locks what releasing an order's claims touches, in allocation's lock order: the shows (share)
-- and the items; the caller then locks the order itself.
create function private.lock_order_items(order_id uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
	perform 1 from public.shows s
	where s.id in (select l.show_id from public.order_lines l where l.order_id = lock_order_items.order_id)
	order by s.id for share;
	perform 1 from public.show_items i
	where i.id in (select l.show_item_id from public.order_lines l where l.order_id = lock_order_items.order_id and l.removed_at is null)
	order by i.id for update;
end;
$$;

-- Ends an unpaid order (locked by the caller, items locked first) as 'expired' or 'void': audited
-- as order.<action>, each winning claim released (audited with the reason) so its unit goes to
-- the first waiter, who gets a line on their own order. A provider invoice still payable is
-- owed a void unless the provider voided it itself.
create function private.end_unpaid_order(ending public.orders, new_status text, reason text, ended_at timestamptz, provider_voided boolean)
returns public.orders
language plpgsql
set search_path = ''
as $$
declare
	after public.orders;
	line public.order_lines;
	claim public.claims;
	promoted public.claims;
begin
	update public.orders o set
		status = new_status,
		expired_at = case when new_status = 'expired' then ended_at else o.expired_at end,
		voided_at = case when new_status = 'void' then ended_at else o.voided_at end,
		void_requested_at = case when o.external_invoice_id is not null and not provider_voided then now() end,
		next_void_attempt_at = null
	where o.id = ending.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.' || case when new_status = 'expired' then 'expire' else 'void' end,
		'order', after.id, to_jsonb(ending), to_jsonb(after), jsonb_build_object('reason', reason));

	for line in select * from public.order_lines l where l.order_id = ending.id and l.removed_at is null order by l.created_at loop
		select * into claim from public.claims c where c.id = line.claim_id;
		if claim.status <> 'winner' then
			continue;
		end if;
		promoted := private.end_claim(claim, 'released', null);
		perform private.record_audit(after.workspace_id, line.show_id, 'claim.release', 'claim', claim.id, to_jsonb(claim),
			(select to_jsonb(c) from public.claims c where c.id = claim.id),
			jsonb_build_object('reason', reason, 'order_id', after.id,
				'promoted', case when promoted.id is null then null else to_jsonb(promoted) end));
	end loop;
	return after;
end;
$$;

-- The hold timer, now through private.end_unpaid_order; the returned orders' voids are also owed
-- in the database, so a void that fails at the provider is retried by take_void_requests.
create or replace function public.expire_unpaid_orders(max_orders int default 100) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	due public.orders;
	after public.orders;
	expired jsonb := '[]';
begin
	if max_orders is null or max_orders not between 1 and 1000 then
		raise sqlstate '22023' using message = 'max_orders must be between 1 and 1000';
	end if;
	for due in
		select o.* from public.orders o
		where o.status = 'invoiced' and o.due_at <= now()
		order by o.due_at
		limit max_orders
	loop
		-- An order another caller holds is left for the next run.
		perform private.lock_order_items(due.id);
		select * into due from public.orders o
		where o.id = due.id and o.status = 'invoiced' and o.due_at <= now()
		for update skip locked;
		if due.id is null then
			continue;
		end if;
		after := private.end_unpaid_order(due, 'expired', 'expired', now(), false);
		expired := expired || jsonb_build_array(jsonb_build_object(
			'order_id', after.id,
			'workspace_id', after.workspace_id,
			'payment_provider', after.payment_provider,
			'external_invoice_id', after.external_invoice_id));
	end loop;
	return expired;
end;
$$;

-- The worker's batch of owed voids: up to max_orders (1-100) whose attempt is due, leased for
-- lease_seconds. With workspace_ids, only those workspaces' (the ones with the provider
-- connected); the others stay owed, shown as pending.
create function public.take_void_requests(
	max_orders int default 20,
	lease_seconds int default 60,
	workspace_ids uuid[] default null
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	taken public.orders;
	batch jsonb := '[]';
begin
	if max_orders is null or max_orders not between 1 and 100 then
		raise sqlstate '22023' using message = 'max_orders must be between 1 and 100';
	end if;
	if lease_seconds is null or lease_seconds not between 10 and 3600 then
		raise sqlstate '22023' using message = 'lease_seconds must be between 10 and 3600';
	end if;
	for taken in
		with due as (
			select o.id from public.orders o
			where o.void_requested_at is not null and o.void_settled_at is null
				and coalesce(o.next_void_attempt_at, '-infinity') <= now()
				and (workspace_ids is null or o.workspace_id = any (workspace_ids))
			order by o.void_requested_at, o.id
			limit max_orders
			for update skip locked
		)
		update public.orders o
		set next_void_attempt_at = now() + make_interval(secs => lease_seconds)
		from due
		where o.id = due.id
		returning o.*
	loop
		batch := batch || jsonb_build_array(jsonb_build_object(
			'order_id', taken.id,
			'workspace_id', taken.workspace_id,
			'payment_provider', taken.payment_provider,
			'external_invoice_id', taken.external_invoice_id,
			'void_attempts', taken.void_attempts));
	end loop;
	return batch;
end;
$$;

-- The provider settled the owed void. Found already paid, the payment is late for an order that
-- ended unpaid: flagged now, before (or without) the payment's own webhook.
create function public.mark_order_void_settled(order_id uuid, outcome text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
begin
	if outcome is null or outcome not in ('voided', 'already_void', 'already_paid', 'gone') then
		raise sqlstate '22023' using message = format('outcome must be voided, already_void, already_paid or gone, not %s', coalesce(left(outcome, 40), 'null'));
	end if;
	select * into before from public.orders o where o.id = mark_order_void_settled.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	if before.void_requested_at is null then
		raise sqlstate 'PT409' using message = 'no void is owed for this order';
	end if;
	if before.void_settled_at is not null then
		return to_jsonb(before);
	end if;
	update public.orders o set
		void_settled_at = now(),
		void_outcome = outcome,
		next_void_attempt_at = null,
		last_void_error = null,
		late_payment_at = case when outcome = 'already_paid' and o.status in ('expired', 'void') then coalesce(o.late_payment_at, now()) else o.late_payment_at end
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoice_void_settled', 'order', after.id, to_jsonb(before), to_jsonb(after),
		jsonb_build_object('outcome', outcome, 'attempts', after.void_attempts + 1));
	return to_jsonb(after);
end;
$$;

-- The void failed at the provider: tried again after 5 s doubling, at most 15 minutes, for as
-- long as it takes (a buyer can pay an invoice that is not void).
create function public.mark_order_void_failed(order_id uuid, reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
begin
	select * into before from public.orders o where o.id = mark_order_void_failed.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	if before.void_requested_at is null then
		raise sqlstate 'PT409' using message = 'no void is owed for this order';
	end if;
	if before.void_settled_at is not null then
		return to_jsonb(before);
	end if;
	update public.orders o set
		void_attempts = o.void_attempts + 1,
		next_void_attempt_at = now() + least(interval '15 minutes', interval '5 seconds' * power(2, least(o.void_attempts, 10))),
		last_void_error = left(coalesce(nullif(trim(reason), ''), 'unknown error'), 1000)
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoice_void_failed', 'order', after.id, to_jsonb(before), to_jsonb(after),
		jsonb_build_object('reason', after.last_void_error, 'attempts', after.void_attempts));
	return to_jsonb(after);
end;
$$;

-- The seller says what becomes of a late payment: 'refund' (they refund the buyer at the
-- provider, whose refund event then marks the order refunded) or 'restore' (they keep the sale
-- and send the items). Owners and admins; audited. Deciding again changes the decision.
create function public.resolve_late_payment(order_id uuid, resolution text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
begin
	if resolution is null or resolution not in ('refund', 'restore') then
		raise sqlstate '22023' using message = 'resolution must be refund or restore';
	end if;
	select * into before from public.orders o where o.id = resolve_late_payment.order_id;
	perform private.require_workspace_role(before.workspace_id, 'admin', 'order');
	select * into before from public.orders o where o.id = before.id for update;
	if before.late_payment_at is null then
		raise sqlstate 'PT409' using message = 'this order has no late payment to resolve';
	end if;
	update public.orders o set late_payment_resolution = resolution, late_payment_resolved_at = now()
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.resolve_late_payment', 'order', after.id, to_jsonb(before), to_jsonb(after),
		jsonb_build_object('resolution', resolution));
	return to_jsonb(after);
end;
$$;

revoke execute on function
	private.lock_order_items(uuid),
	private.end_unpaid_order(public.orders, text, text, timestamptz, boolean)
from public, anon, authenticated, service_role;
revoke execute on function
	public.take_void_requests(int, int, uuid[]),
	public.mark_order_void_settled(uuid, text),
	public.mark_order_void_failed(uuid, text),
	public.resolve_late_payment(uuid, text)
from public, anon, authenticated, service_role;
grant execute on function public.resolve_late_payment(uuid, text) to authenticated;
grant execute on function
	public.take_void_requests(int, int, uuid[]),
	public.mark_order_void_settled(uuid, text),
	public.mark_order_void_failed(uuid, text)
to service_role;
