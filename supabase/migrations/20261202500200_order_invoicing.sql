-- Invoicing orders. An owner or admin asks for a show's invoices (request_invoices); the
-- automatic modes ask from the database (at each win, see add_order_line, or when the show
-- stops, below). The invoicing worker (service role) takes requested orders
-- (take_invoice_requests), creates the invoice at the payment provider and reports back
-- (mark_order_invoiced or mark_order_invoice_failed). Every transition is audited.
--
-- Taking an order leases it: it stays 'invoicing' and, should the worker die before reporting,
-- is taken again once next_invoice_attempt_at passes. The attempt count changes only on a
-- reported failure, so a worker that keys its provider calls on (order id, invoice_attempts)
-- never makes a second invoice for one attempt.

-- Requests the open orders holding the show's lines. Orders with an unpriced line are left out
-- (counted), as are those already requested (a failed one is retried at once).
create function private.request_show_invoices(show_id uuid) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
	requested int := 0;
	already_requested int := 0;
	skipped_without_price int := 0;
	holder public.orders;
begin
	for holder in
		select o.* from public.orders o
		where o.status = 'open' and exists (
			select 1 from public.order_lines l
			where l.order_id = o.id and l.show_id = request_show_invoices.show_id and l.removed_at is null)
		order by o.created_at
		for update
	loop
		if holder.unpriced_lines > 0 then
			skipped_without_price := skipped_without_price + 1;
		elsif holder.invoice_requested_at is not null then
			already_requested := already_requested + 1;
			-- Asking again retries a failed attempt now rather than after its backoff.
			update public.orders o set next_invoice_attempt_at = null
			where o.id = holder.id and o.last_invoice_error is not null;
		elsif private.request_order_invoice(holder.id) then
			requested := requested + 1;
		end if;
	end loop;
	return jsonb_build_object('requested', requested, 'already_requested', already_requested,
		'skipped_without_price', skipped_without_price);
end;
$$;

-- Send invoices: owners and admins of the show's workspace.
create function public.request_invoices(show_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.shows;
	result jsonb;
begin
	select * into target from public.shows s where s.id = request_invoices.show_id;
	perform private.require_workspace_role(target.workspace_id, 'admin', 'show');
	result := private.request_show_invoices(target.id);
	perform private.record_audit(target.workspace_id, target.id, 'show.request_invoices', 'show', target.id, null, null, result);
	return result;
end;
$$;

-- Invoicing when the show stops: the show's open orders are requested as it ends.
create function private.request_invoices_at_show_stop() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if (select w.invoicing_mode from public.workspaces w where w.id = new.workspace_id) = 'show_stop' then
		perform private.request_show_invoices(new.id);
	end if;
	return null;
end;
$$;
create trigger request_invoices_at_show_stop after update of status on public.shows
	for each row when (new.status = 'ended' and old.status <> 'ended')
	execute function private.request_invoices_at_show_stop();

-- The worker's batch: up to max_orders (1-100) requested orders whose attempt is due, moved to
-- 'invoicing' and leased for lease_seconds, each with its lines. With workspace_ids, only those
-- workspaces' orders (say, the ones with a payment provider connected): the others wait untouched.
create function public.take_invoice_requests(
	max_orders int default 10,
	lease_seconds int default 120,
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
			where o.invoice_requested_at is not null and o.unpriced_lines = 0
				and (workspace_ids is null or o.workspace_id = any (workspace_ids))
				and ((o.status = 'open' and coalesce(o.next_invoice_attempt_at, '-infinity') <= now())
					or (o.status = 'invoicing' and o.next_invoice_attempt_at <= now()))
			order by o.invoice_requested_at, o.id
			limit max_orders
			for update skip locked
		)
		update public.orders o
		set status = 'invoicing', next_invoice_attempt_at = now() + make_interval(secs => lease_seconds)
		from due
		where o.id = due.id
		returning o.*
	loop
		perform private.record_audit(taken.workspace_id, taken.show_id, 'order.invoicing', 'order', taken.id,
			null, to_jsonb(taken), jsonb_build_object('attempt', taken.invoice_attempts + 1));
		batch := batch || jsonb_build_array(jsonb_build_object(
			'order', to_jsonb(taken),
			'lines', (
				select coalesce(jsonb_agg(to_jsonb(l) order by l.show_id, l.item_number, l.variant_label, l.created_at), '[]')
				from public.order_lines l where l.order_id = taken.id and l.removed_at is null),
			'workspace_id', taken.workspace_id,
			'currency', taken.currency,
			'currency_minor_unit', (select c.minor_unit from public.currencies c where c.code = taken.currency)
		));
	end loop;
	return batch;
end;
$$;

-- The invoice exists at the provider: the order is invoiced, due within the workspace's hold.
-- Reporting the same invoice again answers the order as it is.
create function public.mark_order_invoiced(order_id uuid, provider text, external_invoice_id text, payment_url text) returns jsonb
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
	if before.external_invoice_id = mark_order_invoiced.external_invoice_id and before.payment_provider = provider then
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
		due_at = now() + make_interval(hours => hold_hours),
		next_invoice_attempt_at = null,
		last_invoice_error = null
	where o.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoiced', 'order', after.id, to_jsonb(before), to_jsonb(after));
	return to_jsonb(after);
end;
$$;

-- The provider refused or failed: the order is open again with its request kept, retried after
-- a backoff (30 s doubling, at most an hour). Wins that opened a second open order for the buyer
-- meanwhile move onto this one.
create function public.mark_order_invoice_failed(order_id uuid, reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.orders;
	after public.orders;
	newer public.orders;
begin
	select * into before from public.orders o where o.id = mark_order_invoice_failed.order_id for update;
	if before.id is null then
		raise sqlstate 'PT404' using message = 'order not found';
	end if;
	if before.status <> 'invoicing' then
		raise sqlstate 'PT409' using message = format('order is %s, not invoicing', before.status);
	end if;
	select * into newer from public.orders o
	where o.workspace_id = before.workspace_id and o.show_id is not distinct from before.show_id and o.platform = before.platform
		and o.buyer_key = before.buyer_key and o.currency = before.currency and o.status = 'open'
	for update;
	if newer.id is not null then
		update public.order_lines l set order_id = before.id where l.order_id = newer.id;
		delete from public.orders o where o.id = newer.id;
		perform private.record_audit(newer.workspace_id, newer.show_id, 'order.merge', 'order', newer.id, to_jsonb(newer), null,
			jsonb_build_object('into_order_id', before.id));
	end if;
	update public.orders o set
		status = 'open',
		invoice_attempts = o.invoice_attempts + 1,
		next_invoice_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, least(o.invoice_attempts, 10))),
		last_invoice_error = left(coalesce(nullif(trim(reason), ''), 'unknown error'), 1000)
	where o.id = before.id;
	-- Open again, it takes the workspace's current shipping fee.
	perform private.refresh_order_totals(before.id);
	select * into after from public.orders o where o.id = before.id;
	perform private.record_audit(after.workspace_id, after.show_id, 'order.invoice_failed', 'order', after.id, to_jsonb(before), to_jsonb(after));
	return to_jsonb(after);
end;
$$;

revoke execute on function
	private.request_show_invoices(uuid),
	private.request_invoices_at_show_stop()
from public, anon, authenticated, service_role;
revoke execute on function
	public.request_invoices(uuid),
	public.take_invoice_requests(int, int, uuid[]),
	public.mark_order_invoiced(uuid, text, text, text),
	public.mark_order_invoice_failed(uuid, text)
from public, anon, authenticated, service_role;
grant execute on function public.request_invoices(uuid) to authenticated;
grant execute on function
	public.take_invoice_requests(int, int, uuid[]),
	public.mark_order_invoiced(uuid, text, text, text),
	public.mark_order_invoice_failed(uuid, text)
to service_role;
