-- What a show sold leaves the catalog's stock when the show ends. Each move is written once per
-- show item and reason into a ledger whose key refuses a second one, so ending a show again, a
-- retried transaction or a replayed trigger never takes the units twice. Sold units are the
-- item's real winners: test claims are a rehearsal's and sell nothing.

create table public.stock_movements (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	product_variant_id uuid references public.product_variants (id) on delete set null,
	show_id uuid references public.shows (id) on delete set null,
	show_item_id uuid references public.show_items (id) on delete set null,
	reason text not null check (reason in ('show_sale')),
	-- Units into stock (negative: out of it), and the variant's stock once moved.
	quantity int not null check (quantity <> 0),
	stock_after int not null check (stock_after >= 0),
	created_at timestamptz not null default now(),
	unique (show_item_id, reason)
);
create index stock_movements_product_variant_id_idx on public.stock_movements (product_variant_id, created_at);
create index stock_movements_show_id_idx on public.stock_movements (show_id);
create index stock_movements_workspace_id_idx on public.stock_movements (workspace_id, created_at);

alter table public.stock_movements enable row level security;
revoke all on public.stock_movements from anon;
revoke insert, update, delete, truncate, references, trigger on public.stock_movements from authenticated;
create policy "members read their workspace's stock movements" on public.stock_movements
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

-- When a show ends: each item drawn from a variant that sold takes its sold units out of the
-- variant's stock (never below zero: the seller may have lowered it meanwhile), the variants
-- held in id order as the reservations hold them. One audit entry lists the moves.
-- Security definer: it writes the catalog whoever ends the show.
create function private.take_sold_units_from_stock() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	moves jsonb;
begin
	perform from public.product_variants v
	where v.id in (select i.product_variant_id from public.show_items i where i.show_id = new.id)
	order by v.id
	for update;
	with sold as (
		select i.id as show_item_id, i.product_variant_id, count(*)::int as units
		from public.show_items i
		join public.claims c on c.show_item_id = i.id and c.status = 'winner' and not c.is_test
		where i.show_id = new.id and i.product_variant_id is not null
		group by i.id, i.product_variant_id
	), recorded as (
		insert into public.stock_movements (workspace_id, product_variant_id, show_id, show_item_id, reason, quantity, stock_after)
		select new.workspace_id, sold.product_variant_id, new.id, sold.show_item_id, 'show_sale', -sold.units,
			greatest(v.stock - sum(sold.units) over (partition by sold.product_variant_id), 0)
		from sold join public.product_variants v on v.id = sold.product_variant_id
		on conflict (show_item_id, reason) do nothing
		returning *
	), moved as (
		update public.product_variants v set stock = greatest(v.stock + totals.quantity, 0)
		from (select r.product_variant_id, sum(r.quantity)::int as quantity from recorded r group by r.product_variant_id) totals
		where v.id = totals.product_variant_id
	)
	select jsonb_agg(jsonb_build_object('show_item_id', r.show_item_id, 'product_variant_id', r.product_variant_id,
		'quantity', r.quantity, 'stock_after', r.stock_after) order by r.show_item_id)
	into moves from recorded r;
	if moves is not null then
		perform private.record_audit(new.workspace_id, new.id, 'stock.show_sale', 'show', new.id, null, null,
			jsonb_build_object('movements', moves));
	end if;
	return null;
end;
$$;
create trigger take_sold_units_from_stock after update of status on public.shows
	for each row when (new.status = 'ended' and old.status is distinct from 'ended')
	execute function private.take_sold_units_from_stock();

revoke execute on function private.take_sold_units_from_stock() from public, anon, authenticated, service_role;
