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

-- add_show_items names the new key when it skips numbers the show already has.
create or replace function public.add_show_items(show_id uuid, items jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	max_range constant int := 500;
	max_items constant int := 1000;
	target public.shows;
	given record;
	spelled text;
	first_number int;
	last_number int;
	wanted jsonb := '[]';
	added jsonb;
	skipped jsonb;
begin
	target := private.lock_show(show_id, 'assistant');
	if target.status = 'ended' then
		raise sqlstate 'PT409' using message = 'cannot add items to a show that has ended';
	end if;
	if jsonb_typeof(items) is distinct from 'array' or jsonb_array_length(items) = 0 then
		raise sqlstate '22023' using message = 'items must be a non-empty JSON array';
	end if;

	for given in select value from jsonb_array_elements(items) loop
		if jsonb_typeof(given.value) = 'object' then
			perform private.assert_quantity(coalesce((given.value ->> 'quantity')::int, 1));
			wanted := wanted || jsonb_build_array(given.value || jsonb_build_object(
				'item_number', private.canonical_item_number(given.value ->> 'item_number')));
			continue;
		end if;
		if jsonb_typeof(given.value) not in ('string', 'number') then
			raise sqlstate '22023' using message = format('%s is neither an item number, a range nor an item', given.value);
		end if;
		spelled := given.value #>> '{}';
		if spelled !~ '^\s*[0-9]+\s*-\s*[0-9]+\s*$' then
			wanted := wanted || jsonb_build_array(jsonb_build_object('item_number', private.canonical_item_number(spelled)));
			continue;
		end if;
		first_number := private.canonical_item_number(split_part(spelled, '-', 1))::int;
		last_number := private.canonical_item_number(split_part(spelled, '-', 2))::int;
		if last_number < first_number or last_number - first_number + 1 > max_range then
			raise sqlstate '22023' using message = format('range %s must go upwards and span at most %s numbers', trim(spelled), max_range);
		end if;
		wanted := wanted || (select jsonb_agg(jsonb_build_object('item_number', n::text) order by n) from generate_series(first_number, last_number) as n);
	end loop;
	if jsonb_array_length(wanted) > max_items then
		raise sqlstate '22023' using message = format('at most %s items per call, got %s', max_items, jsonb_array_length(wanted));
	end if;

	with inserted as (
		insert into public.show_items (show_id, item_number, title, description, quantity)
		select target.id, item.item_number, item.title, item.description, coalesce(item.quantity, 1)
		from jsonb_to_recordset(wanted) as item (item_number text, title text, description text, quantity int)
		on conflict on constraint show_items_show_id_item_number_variant_key do nothing
		returning *
	)
	select coalesce(jsonb_agg(to_jsonb(inserted) order by inserted.item_number::int), '[]') into added from inserted;
	select coalesce(jsonb_agg(distinct requested.value ->> 'item_number'), '[]') into skipped
	from jsonb_array_elements(wanted) as requested
	where not exists (select 1 from jsonb_array_elements(added) as made where made.value ->> 'item_number' = requested.value ->> 'item_number');

	perform private.record_audit(target.workspace_id, target.id, 'items.add', 'show', target.id, null, added,
		jsonb_build_object('skipped', skipped));
	return jsonb_build_object('added', added, 'skipped', skipped);
end;
$$;
