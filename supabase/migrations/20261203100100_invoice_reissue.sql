-- An invoiced order whose lines change (a claim released after invoicing) gets a new invoice for
-- what it now holds, and one left without lines ends as void.
--
-- Never two payable invoices: the old invoice's void is owed first (the same durable void the
-- hold timer uses, see 20261203100000_order_void_retries.sql) while the order stays invoiced;
-- only once the provider confirms it void does the order open again with an invoice request, so
-- the worker makes the new one (its idempotency key hashes the new content, so it is a new
-- invoice, and a retry replays it). The new invoice keeps the order's first due time. Should the buyer pay the old invoice first, the order is paid
-- and keeps its lines_changed_after_invoice_at flag: the seller refunds the difference.
-- A line released while the worker is still making the invoice is caught when the invoice is
-- reported (mark_order_invoiced), the same way.
--
-- The old invoice ids stay on the order (superseded_invoice_ids), so the provider's late events
-- about them are recognised and ignored instead of being redelivered for days.

alter table public.orders
	add column superseded_invoice_ids text[] not null default '{}';
create index orders_superseded_invoice_ids_idx on public.orders using gin (superseded_invoice_ids);

-- Opens a leased or invoiced order again for a new invoice attempt; wins that opened a second
-- open order for the buyer meanwhile move onto it (one open order per buyer). Its next invoice
-- is made from its lines as they are, so the changed-lines flag goes.
create function private.reopen_order(reopening public.orders) returns void
language plpgsql
set search_path = ''
as $$
declare
	newer public.orders;
begin
	select * into newer from public.orders o
	where o.workspace_id = reopening.workspace_id and o.show_id is not distinct from reopening.show_id and o.platform = reopening.platform
		and o.buyer_key = reopening.buyer_key and o.currency = reopening.currency and o.status = 'open'
	for update;
	if newer.id is not null then
		update public.order_lines l set order_id = reopening.id where l.order_id = newer.id;
		delete from public.orders o where o.id = newer.id;
		perform private.record_audit(newer.workspace_id, newer.show_id, 'order.merge', 'order', newer.id, to_jsonb(newer), null,
			jsonb_build_object('into_order_id', reopening.id));
	end if;
	update public.orders o set status = 'open', lines_changed_after_invoice_at = null where o.id = reopening.id;
	-- Open again, it takes the workspace's current shipping fee.
	perform private.refresh_order_totals(reopening.id);
end;
$$;

-- As before (20261202500200_order_invoicing.sql), reopening through private.reopen_order.
create or replace function public.mark_order_invoice_failed(order_id uuid, reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
begin
	select * into before from public.orders o where o.id = mark_order_invoice_failed.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	if before.status <> 'invoicing' then
		raise sqlstate 'PT409' using message = format('order is %s, not invoicing', before.status);
	end if;
	perform private.reopen_order(before);
	update public.orders o set
		invoice_attempts = o.invoice_attempts + 1,
		next_invoice_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, least(o.invoice_attempts, 10))),
		last_invoice_error = left(coalesce(nullif(trim(reason), ''), 'unknown error'), 1000)
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoice_failed', 'order', after.id, to_jsonb(before), to_jsonb(after));
	return to_jsonb(after);
end;
$$;

-- The invoiced order's lines changed: with none left it ends as void (its invoice's void owed);
-- otherwise its invoice's void is owed first and the new invoice follows once it is confirmed.
create function private.reissue_changed_invoice(changed public.orders, reason text) returns void
language plpgsql
set search_path = ''
as $$
declare
	after public.orders;
begin
	if not exists (select 1 from public.order_lines l where l.order_id = changed.id and l.removed_at is null) then
		perform private.end_unpaid_order(changed, 'void', 'emptied_after_invoice', now(), false);
		return;
	end if;
	update public.orders o set
		void_requested_at = now(), void_attempts = 0, next_void_attempt_at = null, last_void_error = null,
		void_settled_at = null, void_outcome = null
	where o.id = changed.id and o.status = 'invoiced' and o.void_requested_at is null
	returning * into after;
	if after.id is not null then
		perform private.record_audit(after.workspace_id, after.show_id, 'order.reissue_requested', 'order', after.id, to_jsonb(changed), to_jsonb(after),
			jsonb_build_object('reason', reason, 'external_invoice_id', after.external_invoice_id));
	end if;
end;
$$;

-- As before (20261202500100_orders.sql), and an invoiced order losing a line is reissued.
create or replace function private.remove_order_line(ended public.claims) returns void
language plpgsql
set search_path = ''
as $$
declare
	line public.order_lines;
	holder public.orders;
begin
	-- Lock the line's order, then make sure the line is still on it (a failed invoice can fold
	-- a newer open order into an older one meanwhile).
	loop
		select * into line from public.order_lines l where l.claim_id = ended.id and l.removed_at is null;
		if line.id is null then
			return;
		end if;
		select * into holder from public.orders o where o.id = line.order_id for update;
		exit when exists (select 1 from public.order_lines l where l.id = line.id and l.order_id = holder.id);
	end loop;
	if holder.status = 'open' then
		delete from public.order_lines l where l.id = line.id;
		if not exists (select 1 from public.order_lines l where l.order_id = holder.id) then
			delete from public.orders o where o.id = holder.id;
			perform private.record_audit(holder.workspace_id, ended.show_id, 'order.discard', 'order', holder.id,
				to_jsonb(holder), null, jsonb_build_object('reason', 'its last line was ' || ended.status));
		end if;
	elsif holder.status in ('invoicing', 'invoiced', 'paid') then
		update public.order_lines l set removed_at = now() where l.id = line.id;
		update public.orders o set lines_changed_after_invoice_at = now() where o.id = holder.id;
		perform private.record_audit(holder.workspace_id, ended.show_id, 'order.line_removed_after_invoice', 'order', holder.id,
			to_jsonb(holder), (select to_jsonb(o) from public.orders o where o.id = holder.id),
			jsonb_build_object('claim_id', ended.id, 'claim_status', ended.status, 'line', to_jsonb(line)));
		if holder.status = 'invoiced' then
			select * into holder from public.orders o where o.id = holder.id;
			perform private.reissue_changed_invoice(holder, 'a line was ' || ended.status);
		end if;
	end if;
end;
$$;

-- As before (20261202500200_order_invoicing.sql); an invoice made from lines that changed while
-- it was being made is reissued at once.
create or replace function public.mark_order_invoiced(order_id uuid, provider text, external_invoice_id text, payment_url text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
	hold_hours int;
begin
	if coalesce(length(trim(provider)), 0) not between 1 and 50 then
		raise sqlstate '22023' using message = 'provider must be 1-50 characters';
	end if;
	if coalesce(length(trim(external_invoice_id)), 0) not between 1 and 255 then
		raise sqlstate '22023' using message = 'external_invoice_id must be 1-255 characters';
	end if;
	if payment_url is not null and not private.are_web_urls(array[payment_url]) then
		raise sqlstate '22023' using message = 'payment_url must be an http(s) address of at most 2048 characters';
	end if;
	select * into before from public.orders o where o.id = mark_order_invoiced.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	if (before.external_invoice_id = mark_order_invoiced.external_invoice_id and before.payment_provider = provider)
		or mark_order_invoiced.external_invoice_id = any (before.superseded_invoice_ids) then
		return to_jsonb(before);
	end if;
	if before.status <> 'invoicing' then
		raise sqlstate 'PT409' using message = format('order is %s, not invoicing', before.status);
	end if;
	select w.pay_within_hours into hold_hours from public.workspaces w where w.id = before.workspace_id;
	update public.orders o set
		status = 'invoiced',
		payment_provider = provider,
		external_invoice_id = mark_order_invoiced.external_invoice_id,
		payment_url = mark_order_invoiced.payment_url,
		invoiced_at = now(),
		-- A reissue keeps the hold the buyer was first given.
		due_at = coalesce(before.due_at, now() + make_interval(hours => hold_hours)),
		next_invoice_attempt_at = null,
		last_invoice_error = null
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoiced', 'order', after.id, to_jsonb(before), to_jsonb(after));
	if after.lines_changed_after_invoice_at is not null then
		perform private.reissue_changed_invoice(after, 'lines changed while invoicing');
		select * into after from public.orders o where o.id = after.id;
	end if;
	return to_jsonb(after);
end;
$$;

-- Settles the owed void of a locked order: audited; a paid invoice found on an order that ended
-- unpaid is a late payment; a void confirmed while the order is still invoiced is a reissue's,
-- so the order opens again, requested, its old invoice kept as superseded.
create function private.settle_order_void(owed public.orders, outcome text) returns public.orders
language plpgsql
set search_path = ''
as $$
declare
	after public.orders;
begin
	update public.orders o set
		void_settled_at = now(),
		void_outcome = outcome,
		next_void_attempt_at = null,
		last_void_error = null,
		late_payment_at = case when outcome = 'already_paid' and o.status in ('expired', 'void') then coalesce(o.late_payment_at, now()) else o.late_payment_at end
	where o.id = owed.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoice_void_settled', 'order', after.id, to_jsonb(owed), to_jsonb(after),
		jsonb_build_object('outcome', outcome, 'attempts', after.void_attempts + 1));
	if after.status = 'invoiced' and outcome <> 'already_paid' then
		perform private.reopen_order(after);
		update public.orders o set
			superseded_invoice_ids = o.superseded_invoice_ids || o.external_invoice_id,
			external_invoice_id = null,
			payment_url = null,
			invoiced_at = null,
			invoice_requested_at = now(),
			next_invoice_attempt_at = null,
			last_invoice_error = null,
			void_requested_at = null,
			void_attempts = 0,
			void_settled_at = null,
			void_outcome = null
		where o.id = after.id;
		select * into owed from public.orders o where o.id = after.id;
		perform private.record_audit(owed.workspace_id, owed.show_id, 'order.reissue', 'order', owed.id, to_jsonb(after), to_jsonb(owed),
			jsonb_build_object('superseded_invoice_id', after.external_invoice_id));
		return owed;
	end if;
	return after;
end;
$$;

create or replace function public.mark_order_void_settled(order_id uuid, outcome text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
begin
	if outcome is null or outcome not in ('voided', 'already_void', 'already_paid', 'gone') then
		raise sqlstate '22023' using message = format('outcome must be voided, already_void, already_paid or gone, not %s', coalesce(left(outcome, 40), 'null'));
	end if;
	select * into before from public.orders o where o.id = mark_order_void_settled.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	-- Settled already, or reissued since (the provider's void event came first): as it is.
	if before.void_settled_at is not null or (before.void_requested_at is null and before.superseded_invoice_ids <> '{}') then
		return to_jsonb(before);
	end if;
	if before.void_requested_at is null then
		raise sqlstate 'PT409' using message = 'no void is owed for this order';
	end if;
	return to_jsonb(private.settle_order_void(before, outcome));
end;
$$;

-- As in 20261203100000_order_void_retries.sql; a failure reported after the void was settled
-- (by the provider's event) changes nothing.
create or replace function public.mark_order_void_failed(order_id uuid, reason text) returns jsonb
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
	if before.void_settled_at is not null or (before.void_requested_at is null and before.superseded_invoice_ids <> '{}') then
		return to_jsonb(before);
	end if;
	if before.void_requested_at is null then
		raise sqlstate 'PT409' using message = 'no void is owed for this order';
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

-- Payment events, as before (see 20261202500300_order_payments.sql), with these changes: a
-- payment on an expired or void order is flagged as late (and settles any void still owed, since a
-- paid invoice cannot be voided); a provider void of an unpaid order releases its claims as expiry
-- does; the void event of an invoice whose void the product owes settles that void (a reissue's
-- void reopens the order instead of ending it); events about a superseded invoice are ignored.
-- The event applies only to the orders of
-- the workspace whose webhook secret verified it: an invoice id is not a secret (a Checkout link
-- carries its session id), and another workspace's signed event must not touch them.
drop function public.record_payment_event(text, text, text, bigint, timestamptz);
create function public.record_payment_event(
	workspace_id uuid,
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
	found_id uuid;
begin
	if kind is null or kind not in ('paid', 'void', 'refunded', 'payment_failed') then
		raise sqlstate '22023' using message = format('kind must be paid, void, refunded or payment_failed, not %s', coalesce(left(kind, 40), 'null'));
	end if;
	if amount < 0 then
		raise sqlstate '22023' using message = 'amount cannot be negative';
	end if;
	select o.id into found_id from public.orders o
	where o.workspace_id = record_payment_event.workspace_id
		and o.payment_provider = record_payment_event.provider and o.external_invoice_id = record_payment_event.external_invoice_id;
	if found_id is null then
		-- A superseded invoice was confirmed void before its order moved on: nothing to apply.
		select o.id into found_id from public.orders o
		where o.workspace_id = record_payment_event.workspace_id
			and o.payment_provider = record_payment_event.provider
			and o.superseded_invoice_ids @> array[record_payment_event.external_invoice_id];
		if found_id is not null then
			return jsonb_build_object('ignored', 'superseded invoice', 'order_id', found_id);
		end if;
		return jsonb_build_object('ignored', 'unknown invoice');
	end if;
	if kind = 'void' then
		-- A void may release claims: allocation's lock order first.
		perform private.lock_order_items(found_id);
	end if;
	select * into before from public.orders o where o.id = found_id for update;

	if kind = 'paid' then
		if before.status in ('paid', 'refunded') then
			ignored := 'already paid';
		else
			update public.orders o set
				status = 'paid',
				paid_at = happened_at,
				paid_amount = amount,
				late_payment_at = case when before.status in ('expired', 'void') then coalesce(o.late_payment_at, happened_at) else o.late_payment_at end,
				void_settled_at = case when o.void_requested_at is not null then coalesce(o.void_settled_at, now()) end,
				void_outcome = case when o.void_requested_at is not null then coalesce(o.void_outcome, 'already_paid') end,
				next_void_attempt_at = null
			where o.id = before.id returning * into after;
		end if;
	elsif kind = 'void' then
		if before.void_requested_at is not null and before.void_settled_at is null then
			return jsonb_build_object('order_id', before.id, 'status', (private.settle_order_void(before, 'voided')).status);
		elsif before.status in ('open', 'invoicing', 'invoiced') then
			after := private.end_unpaid_order(before, 'void', 'invoice_voided_at_provider', happened_at, true);
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
	-- end_unpaid_order audited the void itself.
	if kind <> 'void' then
		perform private.record_audit(after.workspace_id, after.show_id, 'order.' || kind, 'order', after.id, to_jsonb(before), to_jsonb(after),
			jsonb_build_object('provider', provider, 'external_invoice_id', external_invoice_id, 'amount', amount, 'occurred_at', happened_at,
				'after_expiry', before.status = 'expired', 'late_payment', kind = 'paid' and after.late_payment_at is not null,
				'amount_differs', kind = 'paid' and amount is distinct from before.total));
	end if;
	return jsonb_build_object('order_id', after.id, 'status', after.status);
end;
$$;

revoke execute on function public.record_payment_event(uuid, text, text, text, bigint, timestamptz)
	from public, anon, authenticated, service_role;
grant execute on function public.record_payment_event(uuid, text, text, text, bigint, timestamptz) to service_role;

revoke execute on function
	private.reopen_order(public.orders),
	private.reissue_changed_invoice(public.orders, text),
	private.settle_order_void(public.orders, text)
from public, anon, authenticated, service_role;
