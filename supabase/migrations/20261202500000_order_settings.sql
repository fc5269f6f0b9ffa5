-- How a workspace bills its buyers: whether a buyer's wins across shows merge into one open order
-- or each show gets its own, a flat shipping fee per order, when invoices go out (by hand with
-- Send invoices, automatically when a show stops, or at each win), and how long an invoiced buyer
-- has to pay before their items pass to the next in line. Admins edit these like the other
-- workspace settings (column grants, the admins' update policy, the workspaces audit trigger).

alter table public.workspaces
	add column orders_merge_across_shows boolean not null default true,
	-- Minor units of the workspace's currency; an order in another currency carries no shipping.
	add column order_shipping_fee bigint not null default 0 check (order_shipping_fee between 0 and 999999999999),
	add column invoicing_mode text not null default 'manual' check (invoicing_mode in ('manual', 'show_stop', 'each_win')),
	-- Null: invoices never expire.
	add column pay_within_hours int check (pay_within_hours between 1 and 168);

grant update (orders_merge_across_shows, order_shipping_fee, invoicing_mode, pay_within_hours) on public.workspaces to authenticated;
