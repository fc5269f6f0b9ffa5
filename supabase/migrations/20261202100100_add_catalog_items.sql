-- Adding catalog products to a show (assistants and up, like add_show_items) and finding
-- variants by the SKUs or barcodes a seller pastes or scans. Each chosen variant becomes one
-- show_items row under the item's number, priced in the show's currency and reserving its
-- quantity from the variant's stock (20261202100000_show_stock_reservations.sql).

-- Pasted SKUs are matched whatever their case; scanned barcodes exactly.
create index product_variants_workspace_id_lower_sku_idx on public.product_variants (workspace_id, lower(sku));
create index product_variants_workspace_id_barcode_idx on public.product_variants (workspace_id, barcode);

-- A uuid given in JSON, or a clear error naming the field.
create function private.json_uuid(value jsonb, field text) returns uuid
language plpgsql immutable
set search_path = ''
as $$
begin
	if jsonb_typeof(value) is distinct from 'string'
		or value #>> '{}' !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
		raise sqlstate '22023' using message = format('%s must be an id, not %s', field, coalesce(left(value::text, 60), 'missing'));
	end if;
	return (value #>> '{}')::uuid;
end;
$$;

-- items: a JSON array of {product_id?, variants?, item_number?, title?, price?, quantity?}.
-- product_id alone takes every variant of the product; variants picks some, as ids or as
-- {id, quantity?, price?}, all of one product. item_number defaults to the number after the
-- show's highest; title and price override the catalog's for this show (price: minor units, else
-- the variant's price, else the product's). quantity defaults to the variant's free stock, at
-- most 30; a variant with no free stock is then left out and reported, while a quantity asked
-- beyond the free stock is refused. Returns {added: [show_items], out_of_stock: [{product_id,
-- variant_id, title, variant_label}]}.
create function public.add_catalog_items(show_id uuid, items jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	max_items constant int := 200;
	max_rows constant int := 1000;
	allowed_keys constant text[] := '{product_id,variants,item_number,title,price,quantity}';
	target public.shows;
	catalog_currency text;
	given jsonb;
	unknown text[];
	product public.products;
	picked jsonb;
	picks jsonb;
	pick jsonb;
	plans jsonb := '[]';
	plan jsonb;
	chosen_number text;
	numbers_taken text[] := '{}';
	variant public.product_variants;
	available int;
	wanted_quantity int;
	made public.show_items;
	added jsonb := '[]';
	out_of_stock jsonb := '[]';
begin
	target := private.lock_show(show_id, 'assistant');
	if target.status = 'ended' then
		raise sqlstate 'PT409' using message = 'cannot add items to a show that has ended';
	end if;
	if jsonb_typeof(items) is distinct from 'array' or jsonb_array_length(items) not between 1 and max_items then
		raise sqlstate '22023' using message = format('items must be a JSON array of 1 to %s products', max_items);
	end if;
	-- Held so the catalog's currency cannot change while its prices are copied.
	select w.currency into catalog_currency from public.workspaces w where w.id = target.workspace_id for share;
	if catalog_currency <> target.currency then
		raise sqlstate 'PT409' using message = format(
			'this show sells in %s but the catalog is priced in %s: create a new show to sell from the catalog', target.currency, catalog_currency);
	end if;

	-- First every element is checked and resolved, so nothing is written on a bad one.
	for given in select value from jsonb_array_elements(items) loop
		if jsonb_typeof(given) <> 'object' then
			raise sqlstate '22023' using message = format('%s does not name a product or its variants', left(given::text, 100));
		end if;
		select array_agg(key) into unknown from jsonb_object_keys(given) as key where key <> all (allowed_keys);
		if unknown is not null then
			raise sqlstate '22023' using message = format('add_catalog_items does not take %s', array_to_string(unknown, ', '));
		end if;
		if given -> 'variants' is not null and (jsonb_typeof(given -> 'variants') <> 'array' or jsonb_array_length(given -> 'variants') = 0) then
			raise sqlstate '22023' using message = 'variants must be a non-empty list of variant ids';
		end if;
		picks := '[]';
		for picked in select value from jsonb_array_elements(coalesce(given -> 'variants', '[]')) loop
			pick := case when jsonb_typeof(picked) = 'object' then picked else jsonb_build_object('id', picked) end;
			select * into variant from public.product_variants v
			where v.id = private.json_uuid(pick -> 'id', 'variant id') and v.workspace_id = target.workspace_id;
			if variant.id is null then
				raise sqlstate 'PT404' using message = 'variant not found';
			end if;
			if nullif(pick -> 'quantity', 'null') is not null then
				perform private.assert_quantity((pick ->> 'quantity')::int);
			end if;
			picks := picks || jsonb_build_object('id', variant.id, 'product_id', variant.product_id, 'quantity', pick -> 'quantity',
				'price', private.catalog_amount(pick -> 'price', 'variant price', false));
		end loop;
		select * into product from public.products p
		where p.workspace_id = target.workspace_id
			and p.id = case when nullif(given -> 'product_id', 'null') is null then (picks -> 0 ->> 'product_id')::uuid
				else private.json_uuid(given -> 'product_id', 'product id') end;
		if product.id is null then
			raise sqlstate 'PT404' using message = 'product not found';
		end if;
		if exists (select 1 from jsonb_array_elements(picks) as p where (p ->> 'product_id')::uuid <> product.id) then
			raise sqlstate '22023' using message = format('the variants of one item number must all be of one product ("%s")', product.title);
		end if;
		if product.status = 'archived' then
			raise sqlstate '22023' using message = format('"%s" is archived: restore it in the catalog to sell it', product.title);
		end if;
		if jsonb_array_length(picks) = 0 then
			select jsonb_agg(jsonb_build_object('id', v.id) order by v.position) into picks
			from public.product_variants v where v.product_id = product.id;
		end if;
		if nullif(given -> 'quantity', 'null') is not null then
			perform private.assert_quantity((given ->> 'quantity')::int);
		end if;
		if given -> 'item_number' is not null and given -> 'item_number' <> 'null' then
			chosen_number := private.canonical_item_number(given ->> 'item_number');
			if chosen_number = any (numbers_taken)
				or exists (select 1 from public.show_items i where i.show_id = target.id and i.item_number = chosen_number) then
				raise sqlstate 'PT409' using message = format('item %s is already in the show: choose another number or leave it to the next free one', chosen_number);
			end if;
			numbers_taken := numbers_taken || chosen_number;
		else
			chosen_number := null;
		end if;
		plans := plans || jsonb_build_object(
			'product', to_jsonb(product),
			'variants', picks,
			'item_number', chosen_number,
			'title', coalesce(private.catalog_text(given -> 'title', 'title', 200, false), left(product.title, 200)),
			'price', private.catalog_amount(given -> 'price', 'price', false),
			'quantity', given -> 'quantity');
	end loop;
	if (select sum(jsonb_array_length(p -> 'variants')) from jsonb_array_elements(plans) as p) > max_rows then
		raise sqlstate '22023' using message = format('at most %s variants per call', max_rows);
	end if;

	-- The variants are held in one order whatever the call's, so two calls wait rather than deadlock.
	perform from public.product_variants v
	where v.id in (select (chosen ->> 'id')::uuid from jsonb_array_elements(plans) as p, jsonb_array_elements(p -> 'variants') as chosen)
	order by v.id
	for update;

	for plan in select value from jsonb_array_elements(plans) loop
		product := jsonb_populate_record(null::public.products, plan -> 'product');
		chosen_number := coalesce(plan ->> 'item_number', (
			select (coalesce(max(i.item_number::int), 0) + 1)::text from public.show_items i where i.show_id = target.id));
		while chosen_number = any (numbers_taken) and plan ->> 'item_number' is null loop
			chosen_number := (chosen_number::int + 1)::text;
		end loop;
		if chosen_number::int > 999999 then
			raise sqlstate 'PT409' using message = 'the show has used every item number up to 999999: give one';
		end if;
		for pick in select value from jsonb_array_elements(plan -> 'variants') loop
			select * into variant from public.product_variants v where v.id = (pick ->> 'id')::uuid;
			available := private.lock_available_stock(variant.id);
			wanted_quantity := coalesce((pick ->> 'quantity')::int, (plan ->> 'quantity')::int);
			if wanted_quantity is null and available = 0 then
				out_of_stock := out_of_stock || jsonb_build_object('product_id', product.id, 'variant_id', variant.id,
					'title', product.title, 'variant_label', private.variant_label(variant.option_values));
				continue;
			end if;
			if wanted_quantity > available then
				raise sqlstate 'PT409' using message = format('"%s"%s has %s unit(s) free to sell (stock %s, the rest held by other shows), not %s',
					product.title, coalesce(' ' || nullif(private.variant_label(variant.option_values), ''), ''), available, variant.stock, wanted_quantity);
			end if;
			insert into public.show_items (
				show_id, item_number, title, quantity, product_variant_id, variant_label, variant_options, price, image_url,
				created_at
			) values (
				target.id, chosen_number, plan ->> 'title', coalesce(wanted_quantity, least(available, 30)), variant.id,
				private.variant_label(variant.option_values), private.variant_match_values(variant.option_values),
				coalesce((pick ->> 'price')::bigint, (plan ->> 'price')::bigint, variant.price, product.price), product.image_urls[1],
				-- Rows of one number read in the order they were chosen (the product's variant order).
				clock_timestamp()
			)
			returning * into made;
			added := added || to_jsonb(made);
		end loop;
	end loop;

	perform private.record_audit(target.workspace_id, target.id, 'items.add_from_catalog', 'show', target.id, null, added,
		jsonb_build_object('out_of_stock', out_of_stock));
	return jsonb_build_object('added', added, 'out_of_stock', out_of_stock);
end;
$$;

-- The variants of the workspace whose SKU (any case) or barcode is one of codes (blank ones
-- ignored; at most 500 of at most 100 characters), with what other shows hold of each.
-- Returns {found: [{code, variant_id, product_id, title, variant_label, sku, barcode, price,
-- stock, reserved, image_url, status}], missing: [codes]}.
create function public.find_catalog_variants(workspace_id uuid, codes text[]) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	result jsonb;
begin
	perform private.require_workspace_role(find_catalog_variants.workspace_id, 'assistant', 'workspace');
	if codes is null or cardinality(codes) not between 1 and 500 then
		raise sqlstate '22023' using message = 'give from 1 to 500 SKUs or barcodes';
	end if;
	if exists (select 1 from unnest(codes) as code where length(trim(code)) > 100) then
		raise sqlstate '22023' using message = 'a SKU or barcode has at most 100 characters';
	end if;
	with wanted as (
		select trim(code) as code, min(n) as n from unnest(codes) with ordinality as given (code, n)
		where trim(code) <> '' group by trim(code)
	), matched as (
		select w.code, w.n, v.id from wanted w
		join public.product_variants v on v.workspace_id = find_catalog_variants.workspace_id and lower(v.sku) = lower(w.code)
		union
		select w.code, w.n, v.id from wanted w
		join public.product_variants v on v.workspace_id = find_catalog_variants.workspace_id and v.barcode = w.code
	)
	select jsonb_build_object(
		'found', coalesce((
			select jsonb_agg(jsonb_build_object(
				'code', m.code, 'variant_id', v.id, 'product_id', p.id, 'title', p.title,
				'variant_label', private.variant_label(v.option_values), 'sku', v.sku, 'barcode', v.barcode,
				'price', coalesce(v.price, p.price), 'stock', v.stock, 'reserved', private.reserved_stock(v.id),
				'image_url', p.image_urls[1], 'status', p.status) order by m.n, v.position)
			from matched m
			join public.product_variants v on v.id = m.id
			join public.products p on p.id = v.product_id), '[]'),
		'missing', coalesce((
			select jsonb_agg(w.code order by w.n) from wanted w where not exists (select 1 from matched m where m.code = w.code)), '[]'))
	into result;
	return result;
end;
$$;

revoke execute on function private.json_uuid(jsonb, text) from public, anon, authenticated, service_role;
revoke execute on function
	public.add_catalog_items(uuid, jsonb),
	public.find_catalog_variants(uuid, text[])
from public, anon, service_role;
grant execute on function
	public.add_catalog_items(uuid, jsonb),
	public.find_catalog_variants(uuid, text[])
to authenticated;
