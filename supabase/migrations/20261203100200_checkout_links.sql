-- A workspace may send buyers a Stripe Checkout link instead of an invoice (payment_link_kind).
-- The worker then makes a Checkout Session per order, with the invoice's idempotency keys and
-- an expiry aligned with the hold; the order records it as its invoice (external_invoice_id is
-- the session id, payment_url its page), so payment events, holds and voids (expiring the
-- session) work as they do for invoices.
--
-- A Checkout Session lives at most 24 hours, a hold up to 7 days: a session that lapses at the
-- provider while its order's hold still runs is replaced (record_payment_link_lapsed reopens the
-- order through the reissue path, keeping its due time), so the buyer always has a live link until
-- the hold ends.

alter table public.workspaces
	add column payment_link_kind text not null default 'invoice' check (payment_link_kind in ('invoice', 'checkout'));

grant update (payment_link_kind) on public.workspaces to authenticated;

-- The provider's payment link lapsed on its own (checkout.session.expired). A void the product
-- owed for it is settled; an order still within its hold gets a new link; otherwise nothing (the
-- hold timer ends the order). Only the orders of the workspace whose webhook secret verified the
-- event. Service role; audited.
create function public.record_payment_link_lapsed(workspace_id uuid, provider text, external_invoice_id text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
begin
	select * into before from public.orders o
	where o.workspace_id = record_payment_link_lapsed.workspace_id
		and o.payment_provider = record_payment_link_lapsed.provider and o.external_invoice_id = record_payment_link_lapsed.external_invoice_id
	for update;
	if before.id is null then
		if exists (select 1 from public.orders o where o.workspace_id = record_payment_link_lapsed.workspace_id
			and o.payment_provider = record_payment_link_lapsed.provider
			and o.superseded_invoice_ids @> array[record_payment_link_lapsed.external_invoice_id]) then
			return jsonb_build_object('ignored', 'superseded invoice');
		end if;
		return jsonb_build_object('ignored', 'unknown invoice');
	end if;
	if before.void_requested_at is not null and before.void_settled_at is null then
		after := private.settle_order_void(before, 'voided');
	elsif before.status = 'invoiced' and (before.due_at is null or before.due_at > now()) then
		perform private.record_audit(before.workspace_id, before.show_id, 'order.payment_link_lapsed', 'order', before.id, null, null,
			jsonb_build_object('external_invoice_id', before.external_invoice_id, 'due_at', before.due_at));
		after := private.settle_order_void(before, 'already_void');
	else
		return jsonb_build_object('ignored', case when before.status = 'invoiced' then 'hold has ended' else 'already ' || before.status end,
			'order_id', before.id, 'status', before.status);
	end if;
	return jsonb_build_object('order_id', after.id, 'status', after.status);
end;
$$;

revoke execute on function public.record_payment_link_lapsed(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.record_payment_link_lapsed(uuid, text, text) to service_role;
