-- Show items drawn from the catalog. An item number with variants is one show_items row per
-- variant (same item_number, its own variant_label, quantity and counts), so every allocation
-- invariant keeps holding per row, that is per variant. An item without variants has the label ''.
-- Prices are integer minor units in the show's currency, fixed when the show is created so a
-- later change of the workspace's catalog currency never reprices a show that already sold.

alter table public.shows add column currency text references public.currencies (code);
update public.shows s set currency = w.currency from public.workspaces w where w.id = s.workspace_id;
alter table public.shows alter column currency set not null;

-- A show takes its workspace's currency unless the writer names one.
create function private.show_currency_from_workspace() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	if new.currency is null then
		select w.currency into new.currency from public.workspaces w where w.id = new.workspace_id;
	end if;
	return new;
end;
$$;
create trigger show_currency_from_workspace before insert on public.shows
	for each row execute function private.show_currency_from_workspace();

alter table public.show_items
	add column product_variant_id uuid references public.product_variants (id) on delete set null,
	-- "Blue / M": the variant's option values as the seller and buyers read them; '' without variants.
	add column variant_label text not null default '' check (length(variant_label) <= 200),
	-- The same values, lower-cased and NFKC-normalised, for matching what a comment names.
	add column variant_options text[] not null default '{}' check (cardinality(variant_options) <= 3),
	-- Unit price in minor units of the show's currency; null for an ad hoc item without a price.
	add column price bigint check (price >= 0),
	add column image_url text check (private.are_web_urls(array[image_url]));

alter table public.show_items drop constraint show_items_show_id_item_number_key;
alter table public.show_items add constraint show_items_show_id_item_number_variant_key
	unique (show_id, item_number, variant_label);
create index show_items_product_variant_id_idx on public.show_items (product_variant_id);

