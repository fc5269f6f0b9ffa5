-- What happens to an invoiced order afterwards: payment events from the provider's webhook
-- (record_payment_event) and the hold timer (expire_unpaid_orders), both called by the service
-- role and audited.
--
-- Webhooks arrive replayed and out of order, so each event is applied only when it moves the
-- order forward: paid is final against a late void (a provider never takes payment on a voided
-- invoice, so a paid that arrives after a void happened first); a refund proves the payment, so
-- a refund that overtakes its paid event marks the order paid and refunded at once; refund
-- amounts are cumulative (the provider's amount refunded so far), so a replay changes nothing.
-- A payment that lands on an order already expired is recorded as paid and flagged in the
-- audit: its items went to the next buyers, and the seller refunds or resolves it.

create function public.record_payment_event(
	provider text,
	external_invoice_id text,
	kind text,
	amount bigint,
	occurred_at timestamptz
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
	happened_at timestamptz := coalesce(occurred_at, now());
	ignored text;
begin
	if kind is null or kind not in ('paid', 'void', 'refunded', 'payment_failed') then
		raise sqlstate '22023' using message = format('kind must be paid, void, refunded or payment_failed, not %s', coalesce(left(kind, 40), 'null'));
	end if;
	if amount < 0 then
		raise sqlstate '22023' using message = 'amount cannot be negative';
	end if;
	select * into before from public.orders o
	where o.payment_provider = record_payment_event.provider and o.external_invoice_id = record_payment_event.external_invoice_id
	for update;
	if before.id is null then
		return jsonb_build_object('ignored', 'unknown invoice');
	end if;

	if kind = 'paid' then
		if before.status in ('paid', 'refunded') then
			ignored := 'already paid';
		else
			update public.orders o set status = 'paid', paid_at = happened_at, paid_amount = amount
			where o.id = before.id returning * into after;
		end if;
	elsif kind = 'void' then
		if before.status in ('open', 'invoicing', 'invoiced') then
			update public.orders o set status = 'void', voided_at = happened_at
			where o.id = before.id returning * into after;
		else
			ignored := 'already ' || before.status;
		end if;
	elsif kind = 'refunded' then
		-- Without an amount the refund is taken as full.
		if coalesce(amount, before.paid_amount, before.total) <= before.refunded_amount then
			ignored := 'refund already recorded';
		else
			update public.orders o set
				status = 'refunded',
				refunded_amount = coalesce(amount, o.paid_amount, o.total),
				paid_at = coalesce(o.paid_at, happened_at)
			where o.id = before.id returning * into after;
		end if;
	elsif before.status in ('invoicing', 'invoiced') then
		update public.orders o set last_payment_failed_at = greatest(o.last_payment_failed_at, happened_at)
		where o.id = before.id returning * into after;
	else
		ignored := 'order is ' || before.status;
	end if;

	if ignored is not null then
		return jsonb_build_object('ignored', ignored, 'order_id', before.id, 'status', before.status);
	end if;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.' || kind, 'order', after.id, to_jsonb(before), to_jsonb(after),
		jsonb_build_object('provider', provider, 'external_invoice_id', external_invoice_id, 'amount', amount, 'occurred_at', happened_at,
			'after_expiry', before.status = 'expired', 'amount_differs', kind = 'paid' and amount is distinct from before.total));
	return jsonb_build_object('order_id', after.id, 'status', after.status);
end;
$$;

-- The hold timer: invoiced orders past due expire; each of their winning claims is released
-- (audited as expired) and its unit goes to the first waiter, who gets a line on their own order
-- (and an invoice request when the workspace invoices automatically). Returns the expired
-- orders for the caller to void at the provider.
create function public.expire_unpaid_orders(max_orders int default 100) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	due public.orders;
	after public.orders;
	line public.order_lines;
	claim public.claims;
	promoted public.claims;
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
		-- Allocation's lock order: the shows (share), the items, then the order; an order another
		-- caller holds is left for the next run.
		perform 1 from public.shows s
		where s.id in (select l.show_id from public.order_lines l where l.order_id = due.id)
		order by s.id for share;
		perform 1 from public.show_items i
		where i.id in (select l.show_item_id from public.order_lines l where l.order_id = due.id and l.removed_at is null)
		order by i.id for update;
		select * into due from public.orders o
		where o.id = due.id and o.status = 'invoiced' and o.due_at <= now()
		for update skip locked;
		if due.id is null then
			continue;
		end if;
		update public.orders o set status = 'expired', expired_at = now() where o.id = due.id returning * into after;
		perform private.record_audit(after.workspace_id, after.show_id, 'order.expire', 'order', after.id, to_jsonb(due), to_jsonb(after));

		for line in select * from public.order_lines l where l.order_id = due.id and l.removed_at is null order by l.created_at loop
			select * into claim from public.claims c where c.id = line.claim_id;
			if claim.status <> 'winner' then
				continue;
			end if;
			promoted := private.end_claim(claim, 'released', null);
			perform private.record_audit(after.workspace_id, line.show_id, 'claim.release', 'claim', claim.id, to_jsonb(claim),
				(select to_jsonb(c) from public.claims c where c.id = claim.id),
				jsonb_build_object('reason', 'expired', 'order_id', after.id,
					'promoted', case when promoted.id is null then null else to_jsonb(promoted) end));
		end loop;

		expired := expired || jsonb_build_array(jsonb_build_object(
			'order_id', after.id,
			'workspace_id', after.workspace_id,
			'payment_provider', after.payment_provider,
			'external_invoice_id', after.external_invoice_id));
	end loop;
	return expired;
end;
$$;

revoke execute on function
	public.record_payment_event(text, text, text, bigint, timestamptz),
	public.expire_unpaid_orders(int)
from public, anon, authenticated, service_role;
grant execute on function
	public.record_payment_event(text, text, text, bigint, timestamptz),
	public.expire_unpaid_orders(int)
to service_role;
