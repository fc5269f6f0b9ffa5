-- Ad hoc items (no product) take an optional price, and any item's price can be edited for its
-- show. An item drawn from a catalog variant cannot be raised past the variant's free stock,
-- checked with the variant's row held as add_catalog_items holds it. add_show_items also skips a
-- number the show already sells as catalog variants, whose rows carry labels other than ''.

-- items: as before; an object may also carry price (minor units of the show's currency).
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
				'item_number', private.canonical_item_number(given.value ->> 'item_number'),
				'price', private.catalog_amount(given.value -> 'price', 'price', false)));
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
		insert into public.show_items (show_id, item_number, title, description, quantity, price)
		select target.id, item.item_number, item.title, item.description, coalesce(item.quantity, 1), item.price
		from jsonb_to_recordset(wanted) as item (item_number text, title text, description text, quantity int, price bigint)
		where not exists (select 1 from public.show_items taken where taken.show_id = target.id and taken.item_number = item.item_number)
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

-- changes: any of title, description, quantity (1-30), price (minor units, or null for none).
-- Raising the quantity promotes waiters, first in line first, and for an item drawn from a
-- catalog variant of a show not yet ended, only as far as the variant's free stock; lowering it
-- below the current winners is refused. Returns {item, promoted: [claims]}.
create or replace function public.update_show_item(item_id uuid, changes jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.show_items;
	after public.show_items;
	new_quantity int;
	available int;
	promoted jsonb := '[]';
	unknown text[];
begin
	before := private.lock_item(item_id, 'assistant');
	if jsonb_typeof(changes) is distinct from 'object' then
		raise sqlstate '22023' using message = 'changes must be a JSON object';
	end if;
	select array_agg(key) into unknown from jsonb_object_keys(changes) as key where key not in ('title', 'description', 'quantity', 'price');
	if unknown is not null then
		raise sqlstate '22023' using message = format('update_show_item cannot change %s', array_to_string(unknown, ', '));
	end if;
	new_quantity := coalesce((changes ->> 'quantity')::int, before.quantity);
	perform private.assert_quantity(new_quantity);
	if new_quantity < before.claimed_count then
		raise sqlstate 'PT409' using message = format(
			'item %s has %s winners: release claims before lowering its quantity to %s', before.item_number, before.claimed_count, new_quantity);
	end if;
	if new_quantity > before.quantity and before.product_variant_id is not null
		and (select s.status from public.shows s where s.id = before.show_id) <> 'ended' then
		available := private.lock_available_stock(before.product_variant_id, before.id);
		if new_quantity > available then
			raise sqlstate 'PT409' using message = format(
				'item %s%s has %s unit(s) of stock free for it (the rest is held by other shows), not %s',
				before.item_number, coalesce(' ' || nullif(before.variant_label, ''), ''), available, new_quantity);
		end if;
	end if;

	update public.show_items i set
		title = case when changes ? 'title' then changes ->> 'title' else i.title end,
		description = case when changes ? 'description' then changes ->> 'description' else i.description end,
		price = case when changes ? 'price' then private.catalog_amount(changes -> 'price', 'price', false) else i.price end,
		quantity = new_quantity,
		status = private.item_status(i.claimed_count, new_quantity)
	where i.id = before.id;
	-- New units go to the waitlist, in order.
	for counter in 1 .. new_quantity - before.claimed_count loop
		exit when not exists (select 1 from public.claims c where c.show_item_id = before.id and c.status = 'waitlist');
		promoted := promoted || to_jsonb(private.promote_first_waiter(before.id));
	end loop;

	select * into after from public.show_items where id = before.id;
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = after.show_id), after.show_id,
		'item.update', 'show_item', after.id, to_jsonb(before), to_jsonb(after), jsonb_build_object('promoted', promoted));
	return jsonb_build_object('item', to_jsonb(after), 'promoted', promoted);
end;
$$;
