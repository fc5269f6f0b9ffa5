-- Buyer orders, kept in step with claims by a trigger: a real claim becoming a winner (comment,
-- promotion, manual award) adds a line to its buyer's open order at the show item's price; a pass
-- or release takes it off again. Test claims never make lines. One open order per buyer, per
-- workspace or per show as the workspace's setting says, per currency. Totals are integer minor
-- units, kept by a trigger on the lines.
--
-- Once an order is invoicing or invoiced (or paid) its lines no longer change silently: a claim
-- released then keeps its line, marked removed_at and out of the totals, and the order records
-- lines_changed_after_invoice_at, so the console shows that the invoice asks for more than is
-- owed (void it and send again, or refund). Expired, void and refunded orders are history: their
-- lines stay as they were. An open order left without lines is deleted.
--
-- Members read their workspace's orders (and follow them over Realtime); only the functions in
-- this and the following migrations write them.

create table public.orders (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	-- Null when the workspace merges a buyer's wins across shows.
	show_id uuid references public.shows (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	-- Null for a buyer Meta did not identify (a manual award to a handle): the seller hands the
	-- payment link over by hand.
	platform_user_id text,
	user_handle text,
	user_display_name text,
	-- Who the buyer is, as claims_one_active_claim_per_buyer tells buyers apart.
	buyer_key text not null,
	currency text not null references public.currencies (code),
	status text not null default 'open'
		check (status in ('open', 'invoicing', 'invoiced', 'paid', 'void', 'expired', 'refunded')),
	subtotal bigint not null default 0 check (subtotal >= 0),
	shipping bigint not null default 0 check (shipping >= 0),
	total bigint generated always as (subtotal + shipping) stored,
	-- Lines whose item has no price yet: such an order cannot be invoiced.
	unpriced_lines int not null default 0 check (unpriced_lines >= 0),
	paid_amount bigint check (paid_amount >= 0),
	refunded_amount bigint not null default 0 check (refunded_amount >= 0),
	invoice_requested_at timestamptz,
	invoice_attempts int not null default 0,
	-- When the invoicing worker may take the order next: after a failure's backoff, or, while
	-- invoicing, when its lease runs out.
	next_invoice_attempt_at timestamptz,
	last_invoice_error text,
	payment_provider text check (length(payment_provider) <= 50),
	external_invoice_id text check (length(external_invoice_id) <= 255),
	payment_url text check (private.are_web_urls(array[payment_url])),
	lines_changed_after_invoice_at timestamptz,
	last_payment_failed_at timestamptz,
	invoiced_at timestamptz,
	due_at timestamptz,
	paid_at timestamptz,
	expired_at timestamptz,
	voided_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	constraint orders_buyer_identified check (platform_user_id is not null or user_handle is not null)
);
create unique index orders_one_open_order_per_buyer on public.orders
	(workspace_id, show_id, platform, buyer_key, currency) nulls not distinct
	where status = 'open';
create unique index orders_external_invoice_id_key on public.orders (payment_provider, external_invoice_id)
	where external_invoice_id is not null;
create index orders_workspace_id_created_at_idx on public.orders (workspace_id, created_at);
create index orders_invoice_requests_idx on public.orders (next_invoice_attempt_at)
	where invoice_requested_at is not null and status in ('open', 'invoicing');
create index orders_due_at_idx on public.orders (due_at) where status = 'invoiced';
create trigger set_updated_at before update on public.orders
	for each row execute function private.set_updated_at();

create table public.order_lines (
	id uuid primary key default gen_random_uuid(),
	order_id uuid not null references public.orders (id) on delete cascade,
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	claim_id uuid not null unique references public.claims (id) on delete cascade,
	show_id uuid not null references public.shows (id) on delete cascade,
	show_item_id uuid not null references public.show_items (id) on delete cascade,
	item_number text not null,
	title text,
	variant_label text not null default '',
	-- Minor units of the order's currency; null while the item has no price.
	unit_price bigint check (unit_price >= 0),
	quantity int not null default 1 check (quantity >= 1),
	line_total bigint generated always as (unit_price * quantity) stored,
	-- Set when the claim was released after its order was invoiced: kept, out of the totals.
	removed_at timestamptz,
	created_at timestamptz not null default now()
);
create index order_lines_order_id_idx on public.order_lines (order_id);
create index order_lines_show_id_idx on public.order_lines (show_id);
create index order_lines_show_item_id_idx on public.order_lines (show_item_id);

alter table public.orders enable row level security;
alter table public.order_lines enable row level security;
revoke all on public.orders, public.order_lines from anon;
revoke insert, update, delete, truncate, references, trigger on public.orders, public.order_lines from authenticated;

create policy "members read their workspace's orders" on public.orders
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's order lines" on public.order_lines
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

-- Realtime carries the whole old row on updates and deletes, which it needs to check RLS.
alter table public.orders replica identity full;
alter table public.order_lines replica identity full;
alter publication supabase_realtime add table public.orders, public.order_lines;

-- Subtotal over the lines still on the order, and the workspace's shipping fee while the order is
-- open (an invoiced order keeps the shipping it was invoiced with).
create function private.refresh_order_totals(order_id uuid) returns void
language sql
set search_path = ''
as $$
	update public.orders o set
		subtotal = lines.subtotal,
		unpriced_lines = lines.unpriced,
		shipping = case
			when o.status <> 'open' then o.shipping
			when lines.line_count > 0 and o.currency = w.currency then w.order_shipping_fee
			else 0
		end
	from (
		select coalesce(sum(l.line_total), 0) as subtotal,
			count(*) filter (where l.unit_price is null) as unpriced,
			count(*) as line_count
		from public.order_lines l
		where l.order_id = refresh_order_totals.order_id and l.removed_at is null
	) lines, public.workspaces w
	where o.id = refresh_order_totals.order_id and w.id = o.workspace_id
$$;

create function private.refresh_totals_after_line_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	if tg_op in ('UPDATE', 'DELETE') then
		perform private.refresh_order_totals(old.order_id);
	end if;
	if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.order_id <> old.order_id) then
		perform private.refresh_order_totals(new.order_id);
	end if;
	return null;
end;
$$;
create trigger refresh_totals_after_line_change after insert or update or delete on public.order_lines
	for each row execute function private.refresh_totals_after_line_change();

-- Asks the invoicing worker for an invoice of the open order, unless it was asked already.
-- Returns whether this call asked.
create function private.request_order_invoice(order_id uuid) returns boolean
language plpgsql
set search_path = ''
as $$
declare
	requested public.orders;
begin
	update public.orders o
	set invoice_requested_at = now(), next_invoice_attempt_at = null
	where o.id = request_order_invoice.order_id and o.status = 'open' and o.invoice_requested_at is null
	returning * into requested;
	if requested.id is null then
		return false;
	end if;
	perform private.record_audit(requested.workspace_id, requested.show_id, 'order.request_invoice', 'order', requested.id,
		null, jsonb_build_object('invoice_requested_at', requested.invoice_requested_at, 'total', requested.total));
	return true;
end;
$$;

-- Adds the winning claim's line to its buyer's open order, opening one when needed.
create function private.add_order_line(won public.claims) returns void
language plpgsql
set search_path = ''
as $$
declare
	workspace public.workspaces;
	target_show public.shows;
	item public.show_items;
	buyer text := coalesce(won.platform_user_id, '@' || lower(won.user_handle));
	order_show uuid;
	target public.orders;
begin
	select * into target_show from public.shows s where s.id = won.show_id;
	select * into workspace from public.workspaces w where w.id = target_show.workspace_id;
	select * into item from public.show_items i where i.id = won.show_item_id;
	order_show := case when workspace.orders_merge_across_shows then null else target_show.id end;

	-- Two items won at once by one buyer race to open the order: one inserts, the other finds it.
	-- The open order found may have just left 'open' (taken for invoicing): then look again.
	loop
		insert into public.orders (workspace_id, show_id, platform, platform_user_id, user_handle, user_display_name, buyer_key, currency)
		values (workspace.id, order_show, won.platform, won.platform_user_id, won.user_handle, won.user_display_name, buyer, target_show.currency)
		on conflict (workspace_id, show_id, platform, buyer_key, currency) where status = 'open' do nothing
		returning * into target;
		if target.id is not null then
			perform private.record_audit(workspace.id, target_show.id, 'order.open', 'order', target.id, null, to_jsonb(target));
			exit;
		end if;
		select * into target from public.orders o
		where o.workspace_id = workspace.id and o.show_id is not distinct from order_show and o.platform = won.platform
			and o.buyer_key = buyer and o.currency = target_show.currency and o.status = 'open'
		for update;
		if target.id is not null then
			-- The buyer's latest name and handle (a handle-only order learns the platform id too).
			update public.orders o set
				platform_user_id = coalesce(won.platform_user_id, o.platform_user_id),
				user_handle = coalesce(won.user_handle, o.user_handle),
				user_display_name = coalesce(won.user_display_name, o.user_display_name)
			where o.id = target.id
				and (o.platform_user_id, o.user_handle, o.user_display_name) is distinct from (
					coalesce(won.platform_user_id, o.platform_user_id), coalesce(won.user_handle, o.user_handle),
					coalesce(won.user_display_name, o.user_display_name));
			exit;
		end if;
	end loop;

	insert into public.order_lines (order_id, workspace_id, claim_id, show_id, show_item_id, item_number, title, variant_label, unit_price)
	values (target.id, workspace.id, won.id, won.show_id, won.show_item_id, item.item_number, item.title, item.variant_label, item.price);

	if workspace.invoicing_mode = 'each_win' or (workspace.invoicing_mode = 'show_stop' and target_show.status = 'ended') then
		perform private.request_order_invoice(target.id);
	end if;
end;
$$;

-- Takes the ended claim's line off its order (see the header for orders past open).
create function private.remove_order_line(ended public.claims) returns void
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
	end if;
end;
$$;

-- Security definer: claims change under every role that allocates (service role ingestion,
-- operators' functions), and the orders are written past the callers' privileges.
create function private.keep_order_lines() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if new.is_test then
		return null;
	end if;
	if new.status = 'winner' and (tg_op = 'INSERT' or old.status <> 'winner') then
		perform private.add_order_line(new);
	elsif tg_op = 'UPDATE' and old.status = 'winner' and new.status <> 'winner' then
		perform private.remove_order_line(new);
	end if;
	return null;
end;
$$;
create trigger keep_order_lines after insert or update of status on public.claims
	for each row execute function private.keep_order_lines();

-- A price or title fixed after the win reaches the lines of orders not yet invoiced.
create function private.reprice_open_order_lines() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	update public.order_lines l
	set unit_price = new.price, title = new.title, variant_label = new.variant_label
	from public.orders o
	where l.show_item_id = new.id and o.id = l.order_id and o.status = 'open';
	return null;
end;
$$;
create trigger reprice_open_order_lines after update of price, title, variant_label on public.show_items
	for each row when (old.price is distinct from new.price or old.title is distinct from new.title
		or old.variant_label is distinct from new.variant_label)
	execute function private.reprice_open_order_lines();

-- A new shipping fee applies to the workspace's open orders.
create function private.reship_open_orders() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	perform private.refresh_order_totals(o.id)
	from public.orders o
	where o.workspace_id = new.id and o.status = 'open';
	return null;
end;
$$;
create trigger reship_open_orders after update of order_shipping_fee, currency on public.workspaces
	for each row when (old.order_shipping_fee is distinct from new.order_shipping_fee or old.currency is distinct from new.currency)
	execute function private.reship_open_orders();

revoke execute on function
	private.refresh_order_totals(uuid),
	private.refresh_totals_after_line_change(),
	private.request_order_invoice(uuid),
	private.add_order_line(public.claims),
	private.remove_order_line(public.claims),
	private.keep_order_lines(),
	private.reprice_open_order_lines(),
	private.reship_open_orders()
from public, anon, authenticated, service_role;
