-- The catalog's write functions (admins and owners; assistants only read) and its search. Each
-- checks the caller's role, checks the input field by field with messages naming the field
-- (22023; a SKU another product uses is PT409), holds the workspace row so a currency change
-- cannot interleave, and writes the audit log. A product is given as JSON:
-- {id?, handle?, title, description?, price, compare_at_price?, vendor?, image_urls?, tags?,
--  status?, option_names?, external_id?, permalink?,
--  variants?: [{option_values?, sku?, barcode?, price?, stock?}]}
-- where amounts are integer minor units of the workspace's currency. Variants are matched to the
-- stored ones by their option values, so an edit keeps each surviving variant's id.

-- Amounts above this are typing mistakes, and it keeps a rescale by 10^4 far inside bigint.
create function private.max_catalog_amount() returns bigint
language sql immutable
set search_path = ''
as $$ select 999999999999::bigint $$;

-- A text field of the product JSON: a string (or absent/null when optional), trimmed, not over
-- max_length characters. JSON cannot carry NUL into jsonb (Postgres refuses \u0000), so no check here.
create function private.catalog_text(value jsonb, field text, max_length int, required boolean) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
	given text;
begin
	if value is null or jsonb_typeof(value) = 'null' then
		given := null;
	elsif jsonb_typeof(value) <> 'string' then
		raise sqlstate '22023' using message = format('%s must be text, not %s', field, value);
	else
		given := nullif(trim(value #>> '{}'), '');
	end if;
	if given is null and required then
		raise sqlstate '22023' using message = format('%s is required', field);
	end if;
	if length(given) > max_length then
		raise sqlstate '22023' using message = format('%s is longer than %s characters', field, max_length);
	end if;
	return given;
end;
$$;

-- A list of texts: each non-blank, trimmed, at most max_length characters, duplicates dropped
-- (case-insensitively), at most max_items of them.
create function private.catalog_text_list(value jsonb, field text, max_items int, max_length int) returns text[]
language plpgsql immutable
set search_path = ''
as $$
declare
	items text[] := '{}';
	element jsonb;
	item text;
begin
	if value is null or jsonb_typeof(value) = 'null' then
		return items;
	end if;
	if jsonb_typeof(value) <> 'array' then
		raise sqlstate '22023' using message = format('%s must be a list', field);
	end if;
	for element in select e from jsonb_array_elements(value) as e loop
		item := private.catalog_text(element, field, max_length, true);
		if not exists (select 1 from unnest(items) as kept where lower(kept) = lower(item)) then
			items := items || item;
		end if;
	end loop;
	if cardinality(items) > max_items then
		raise sqlstate '22023' using message = format('%s holds at most %s entries, not %s', field, max_items, cardinality(items));
	end if;
	return items;
end;
$$;

-- An amount in minor units: a whole JSON number from 0 up to private.max_catalog_amount().
create function private.catalog_amount(value jsonb, field text, required boolean) returns bigint
language plpgsql immutable
set search_path = ''
as $$
begin
	if value is null or jsonb_typeof(value) = 'null' then
		if required then
			raise sqlstate '22023' using message = format('%s is required', field);
		end if;
		return null;
	end if;
	if jsonb_typeof(value) <> 'number' or value::numeric <> trunc(value::numeric)
		or value::numeric not between 0 and private.max_catalog_amount() then
		raise sqlstate '22023' using message = format(
			'%s must be a whole number of minor units from 0 to %s, not %s', field, private.max_catalog_amount(), value);
	end if;
	return value::numeric::bigint;
end;
$$;

-- "Red Wrap Dress!" -> "red-wrap-dress": Shopify's handle shape.
create function private.handle_from(title text) returns text
language sql immutable
set search_path = ''
as $$
	select coalesce(nullif(left(trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g')), 200), ''), 'product')
$$;

-- The product as the console reads it: its row and its variants in order.
create function private.product_json(product_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
	select to_jsonb(p) || jsonb_build_object('variants', coalesce(
		(select jsonb_agg(to_jsonb(v) order by v.position) from public.product_variants v where v.product_id = p.id), '[]'))
	from public.products p
	where p.id = product_json.product_id
$$;

-- Writes one product and its variants; returns its id and whether it was created. The product is
-- found by id, else by handle (so imports update), else created. The caller checked the role and
-- holds the workspace row.
create function private.write_product(in_workspace uuid, given jsonb, given_source text, out product_id uuid, out created boolean)
language plpgsql
set search_path = ''
as $$
declare
	max_variants constant int := 100;
	existing public.products;
	new_handle text;
	new_title text;
	names text[];
	new_status text;
	variant jsonb;
	variants jsonb;
	variant_values text[];
	seen_values text[] := '{}';
	variant_sku text;
	seen_skus text[] := '{}';
	taken_by text;
	kept_ids uuid[] := '{}';
	variant_id uuid;
	variant_position int := 0;
	image_url text;
begin
	if jsonb_typeof(given) is distinct from 'object' then
		raise sqlstate '22023' using message = 'a product must be a JSON object';
	end if;
	new_title := private.catalog_text(given -> 'title', 'title', 255, true);
	new_handle := private.catalog_text(given -> 'handle', 'handle', 255, false);
	if new_handle is not null and new_handle !~ '^[a-z0-9]+(-[a-z0-9]+)*$' then
		raise sqlstate '22023' using message = format('handle "%s" may hold only lower-case letters, digits and single dashes', new_handle);
	end if;

	if given ? 'id' and jsonb_typeof(given -> 'id') <> 'null' then
		select * into existing from public.products p
		where p.id = (given ->> 'id')::uuid and p.workspace_id = in_workspace for update;
		if existing.id is null then
			raise sqlstate 'PT404' using message = 'product not found';
		end if;
		if new_handle is not null and new_handle <> existing.handle
			and exists (select 1 from public.products p where p.workspace_id = in_workspace and p.handle = new_handle) then
			raise sqlstate 'PT409' using message = format('handle "%s" is already another product''s', new_handle);
		end if;
		new_handle := coalesce(new_handle, existing.handle);
	elsif new_handle is not null then
		select * into existing from public.products p where p.workspace_id = in_workspace and p.handle = new_handle for update;
	else
		new_handle := private.handle_from(new_title);
		if exists (select 1 from public.products p where p.workspace_id = in_workspace and p.handle = new_handle) then
			new_handle := left(new_handle, 190) || '-' || substr(md5(gen_random_uuid()::text), 1, 6);
		end if;
	end if;

	names := private.catalog_text_list(given -> 'option_names', 'option names', 3, 50);
	if given ? 'option_names' and jsonb_array_length(coalesce(nullif(given -> 'option_names', 'null'), '[]')) <> cardinality(names) then
		raise sqlstate '22023' using message = 'option names must differ from each other';
	end if;
	new_status := coalesce(private.catalog_text(given -> 'status', 'status', 20, false), existing.status, 'draft');
	if new_status not in ('draft', 'active', 'archived') then
		raise sqlstate '22023' using message = format('status must be draft, active or archived, not "%s"', new_status);
	end if;
	for image_url in select unnest(private.catalog_text_list(given -> 'image_urls', 'image URLs', 20, 2048)) loop
		if not private.are_web_urls(array[image_url]) then
			raise sqlstate '22023' using message = format('image URL "%s" is not an http or https address', left(image_url, 100));
		end if;
	end loop;
	if not private.are_web_urls(array[private.catalog_text(given -> 'permalink', 'permalink', 2048, false)]) then
		raise sqlstate '22023' using message = 'permalink is not an http or https address';
	end if;

	variants := coalesce(nullif(given -> 'variants', 'null'), '[{}]');
	if jsonb_typeof(variants) <> 'array' or jsonb_array_length(variants) = 0 then
		raise sqlstate '22023' using message = 'variants must be a non-empty list';
	end if;
	if jsonb_array_length(variants) > max_variants then
		raise sqlstate '22023' using message = format('a product has at most %s variants, not %s', max_variants, jsonb_array_length(variants));
	end if;
	if cardinality(names) = 0 and jsonb_array_length(variants) > 1 then
		raise sqlstate '22023' using message = format(
			'product "%s" has no options, so it has exactly one default variant, not %s', new_title, jsonb_array_length(variants));
	end if;
	-- Shape, duplicates and SKUs taken elsewhere, before anything is written.
	for variant in select v from jsonb_array_elements(variants) as v loop
		if jsonb_typeof(variant) <> 'object' then
			raise sqlstate '22023' using message = 'each variant must be a JSON object';
		end if;
		variant_values := coalesce(
			(select array_agg(private.catalog_text(value, 'option value', 100, true) order by ordinality)
			 from jsonb_array_elements(coalesce(nullif(variant -> 'option_values', 'null'), '[]')) with ordinality as value),
			'{}');
		if cardinality(variant_values) <> cardinality(names) then
			raise sqlstate '22023' using message = format(
				'each variant of "%s" needs one value for each option (%s), not %s', new_title,
				coalesce(nullif(array_to_string(names, ', '), ''), 'none'), coalesce(nullif(array_to_string(variant_values, ' / '), ''), 'none'));
		end if;
		if lower(array_to_string(variant_values, chr(31))) = any (seen_values) then
			raise sqlstate '22023' using message = format('variant %s of "%s" is listed twice', array_to_string(variant_values, ' / '), new_title);
		end if;
		seen_values := seen_values || lower(array_to_string(variant_values, chr(31)));
		variant_sku := private.catalog_text(variant -> 'sku', 'SKU', 100, false);
		if variant_sku is not null then
			if variant_sku = any (seen_skus) then
				raise sqlstate '22023' using message = format('SKU "%s" is given to two variants of "%s"', variant_sku, new_title);
			end if;
			seen_skus := seen_skus || variant_sku;
			select p.title into taken_by from public.product_variants v join public.products p on p.id = v.product_id
			where v.workspace_id = in_workspace and v.sku = variant_sku and v.product_id is distinct from existing.id;
			if found then
				raise sqlstate 'PT409' using message = format('SKU "%s" is already used by "%s"', variant_sku, taken_by);
			end if;
		end if;
		perform private.catalog_text(variant -> 'barcode', 'barcode', 100, false),
			private.catalog_amount(variant -> 'price', 'variant price', false);
		if variant ? 'stock' and (jsonb_typeof(variant -> 'stock') <> 'number'
			or (variant ->> 'stock')::numeric <> trunc((variant ->> 'stock')::numeric)
			or (variant ->> 'stock')::numeric not between 0 and 1000000) then
			raise sqlstate '22023' using message = format('stock must be a whole number from 0 to 1000000, not %s', variant -> 'stock');
		end if;
	end loop;

	if existing.id is null then
		insert into public.products (workspace_id, handle, title, status, source, price)
		values (in_workspace, new_handle, new_title, new_status, given_source, 0)
		returning * into existing;
		created := true;
	else
		created := false;
	end if;
	product_id := existing.id;
	update public.products p set
		handle = new_handle,
		title = new_title,
		description = coalesce(private.catalog_text(given -> 'description', 'description', 20000, false), ''),
		price = private.catalog_amount(given -> 'price', 'price', true),
		compare_at_price = private.catalog_amount(given -> 'compare_at_price', 'compare-at price', false),
		vendor = private.catalog_text(given -> 'vendor', 'vendor', 255, false),
		image_urls = private.catalog_text_list(given -> 'image_urls', 'image URLs', 20, 2048),
		tags = private.catalog_text_list(given -> 'tags', 'tags', 50, 100),
		option_names = names,
		status = new_status,
		external_id = coalesce(private.catalog_text(given -> 'external_id', 'external id', 255, false), p.external_id),
		permalink = coalesce(private.catalog_text(given -> 'permalink', 'permalink', 2048, false), p.permalink)
	where p.id = existing.id;

	-- SKUs first cleared on the variants that stay, so two of them may swap SKUs.
	update public.product_variants v set sku = null where v.product_id = existing.id;
	for variant in select v from jsonb_array_elements(variants) as v loop
		variant_position := variant_position + 1;
		variant_values := coalesce(
			(select array_agg(trim(value) order by ordinality)
			 from jsonb_array_elements_text(coalesce(nullif(variant -> 'option_values', 'null'), '[]')) with ordinality as value),
			'{}');
		select v.id into variant_id from public.product_variants v
		where v.product_id = existing.id and lower(v.option_values::text) = lower(variant_values::text) and v.id <> all (kept_ids);
		if variant_id is null then
			insert into public.product_variants (workspace_id, product_id, position, option_values)
			values (in_workspace, existing.id, variant_position, variant_values)
			returning id into variant_id;
		end if;
		update public.product_variants v set
			position = variant_position,
			option_values = variant_values,
			sku = private.catalog_text(variant -> 'sku', 'SKU', 100, false),
			barcode = private.catalog_text(variant -> 'barcode', 'barcode', 100, false),
			price = private.catalog_amount(variant -> 'price', 'variant price', false),
			stock = coalesce((variant ->> 'stock')::int, 0)
		where v.id = variant_id;
		kept_ids := kept_ids || variant_id;
	end loop;
	delete from public.product_variants v where v.product_id = existing.id and v.id <> all (kept_ids);
end;
$$;

-- The caller's workspace, held against a concurrent currency change, once they may edit its catalog.
create function private.lock_catalog(workspace_id uuid, min_role text, what text) returns void
language plpgsql
set search_path = ''
as $$
begin
	perform private.require_workspace_role(lock_catalog.workspace_id, min_role, what);
	perform from public.workspaces w where w.id = lock_catalog.workspace_id for share;
end;
$$;

-- Creates or edits one product (by product.id, else product.handle); returns it with its variants.
create function public.save_product(workspace_id uuid, product jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	written record;
	before jsonb := case when product ? 'id' and jsonb_typeof(product -> 'id') = 'string'
		then private.product_json((product ->> 'id')::uuid) end;
	after jsonb;
begin
	perform private.lock_catalog(save_product.workspace_id, 'admin', 'workspace');
	written := private.write_product(save_product.workspace_id, product, 'manual');
	after := private.product_json(written.product_id);
	perform private.record_audit(save_product.workspace_id, null,
		case when written.created then 'product.create' else 'product.update' end, 'product', written.product_id,
		case when written.created then null else before end, after);
	return after;
end;
$$;

-- A whole CSV import in one transaction: every product is created or updated by handle, or, on
-- the first bad one, nothing is. Errors name the product's handle. Returns {created, updated}.
create function public.import_products(workspace_id uuid, products jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	max_products constant int := 10000;
	given jsonb;
	written record;
	created_count int := 0;
	updated_count int := 0;
	failure text;
begin
	perform private.lock_catalog(import_products.workspace_id, 'admin', 'workspace');
	if jsonb_typeof(products) is distinct from 'array' or jsonb_array_length(products) = 0 then
		raise sqlstate '22023' using message = 'products must be a non-empty JSON array';
	end if;
	if jsonb_array_length(products) > max_products then
		raise sqlstate '22023' using message = format('at most %s products per import, got %s', max_products, jsonb_array_length(products));
	end if;
	for given in select p from jsonb_array_elements(products) as p loop
		if private.catalog_text(given -> 'handle', 'handle', 255, true) is null then
			raise sqlstate '22023' using message = 'every imported product needs a handle';
		end if;
		begin
			written := private.write_product(import_products.workspace_id, given, 'csv');
		exception when sqlstate '22023' or sqlstate 'PT409' or sqlstate 'PT404' then
			get stacked diagnostics failure = message_text;
			raise sqlstate '22023' using message = format('product "%s": %s', given ->> 'handle', failure);
		end;
		if written.created then created_count := created_count + 1; else updated_count := updated_count + 1; end if;
	end loop;
	perform private.record_audit(import_products.workspace_id, null, 'products.import', 'workspace', import_products.workspace_id,
		null, null, jsonb_build_object('created', created_count, 'updated', updated_count,
			'handles', (select jsonb_agg(p ->> 'handle') from jsonb_array_elements(products) as p)));
	return jsonb_build_object('created', created_count, 'updated', updated_count);
end;
$$;

-- The catalog list's inline edit: any of price (minor units), status, and stock (for a product
-- with one variant; others set stock per variant in the editor). Returns the product.
create function public.quick_edit_product(product_id uuid, changes jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.products;
	before jsonb;
	after jsonb;
	new_status text;
begin
	perform private.lock_catalog(
		(select p.workspace_id from public.products p where p.id = quick_edit_product.product_id), 'admin', 'product');
	select * into target from public.products p where p.id = quick_edit_product.product_id for update;
	if jsonb_typeof(changes) is distinct from 'object' or changes = '{}'
		or exists (select 1 from jsonb_object_keys(changes) as k where k not in ('price', 'status', 'stock')) then
		raise sqlstate '22023' using message = 'changes must be an object of price, status and/or stock';
	end if;
	before := private.product_json(target.id);
	if changes ? 'price' then
		update public.products p set price = private.catalog_amount(changes -> 'price', 'price', true) where p.id = target.id;
	end if;
	if changes ? 'status' then
		new_status := private.catalog_text(changes -> 'status', 'status', 20, true);
		if new_status not in ('draft', 'active', 'archived') then
			raise sqlstate '22023' using message = format('status must be draft, active or archived, not "%s"', new_status);
		end if;
		update public.products p set status = new_status where p.id = target.id;
	end if;
	if changes ? 'stock' then
		if jsonb_typeof(changes -> 'stock') <> 'number' or (changes ->> 'stock')::numeric <> trunc((changes ->> 'stock')::numeric)
			or (changes ->> 'stock')::numeric not between 0 and 1000000 then
			raise sqlstate '22023' using message = format('stock must be a whole number from 0 to 1000000, not %s', changes -> 'stock');
		end if;
		if (select count(*) from public.product_variants v where v.product_id = target.id) <> 1 then
			raise sqlstate '22023' using message = format('"%s" has several variants: set their stock in the product editor', target.title);
		end if;
		update public.product_variants v set stock = (changes ->> 'stock')::int where v.product_id = target.id;
	end if;
	after := private.product_json(target.id);
	perform private.record_audit(target.workspace_id, null, 'product.quick_edit', 'product', target.id, before, after);
	return after;
end;
$$;

-- Archives the given products of the workspace (bulk action); returns how many changed.
create function public.archive_products(workspace_id uuid, product_ids uuid[]) returns int
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	archived_ids uuid[];
begin
	perform private.lock_catalog(archive_products.workspace_id, 'admin', 'workspace');
	if product_ids is null or cardinality(product_ids) = 0 or cardinality(product_ids) > 1000 then
		raise sqlstate '22023' using message = 'choose from 1 to 1000 products to archive';
	end if;
	with archived as (
		update public.products p set status = 'archived'
		where p.workspace_id = archive_products.workspace_id and p.id = any (product_ids) and p.status <> 'archived'
		returning p.id
	)
	select coalesce(array_agg(id), '{}') into archived_ids from archived;
	perform private.record_audit(archive_products.workspace_id, null, 'products.archive', 'workspace', archive_products.workspace_id,
		null, null, jsonb_build_object('product_ids', archived_ids));
	return cardinality(archived_ids);
end;
$$;

-- One page of the catalog, newest edit first, with its variants: query matches a title or SKU
-- (substring, any case) or a tag (whole, any case); status filters. Runs as the caller, so row
-- level security decides what is visible. Returns {total, products}.
create function public.search_products(
	workspace_id uuid,
	query text default null,
	status text default null,
	page_size int default 50,
	page_offset int default 0
) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
	pattern text;
	result jsonb;
begin
	if page_size not between 1 and 10000 or page_offset < 0 then
		raise sqlstate '22023' using message = 'page size must be from 1 to 10000 and the offset at least 0';
	end if;
	if length(query) > 200 then
		raise sqlstate '22023' using message = 'search for at most 200 characters';
	end if;
	if status is not null and status not in ('draft', 'active', 'archived') then
		raise sqlstate '22023' using message = format('status must be draft, active or archived, not "%s"', status);
	end if;
	pattern := '%' || replace(replace(replace(nullif(trim(query), ''), '\', '\\'), '%', '\%'), '_', '\_') || '%';
	with matching as (
		select p.id, p.updated_at
		from public.products p
		where p.workspace_id = search_products.workspace_id
			and (search_products.status is null or p.status = search_products.status)
			and (pattern is null
				or p.title ilike pattern
				or exists (select 1 from unnest(p.tags) as tag where lower(tag) = lower(trim(query)))
				or exists (select 1 from public.product_variants v where v.product_id = p.id and v.sku ilike pattern))
	), shown as (
		select m.id, m.updated_at from matching m order by m.updated_at desc, m.id limit page_size offset page_offset
	)
	select jsonb_build_object(
		'total', (select count(*) from matching),
		'products', coalesce((select jsonb_agg(private.product_json(s.id) order by s.updated_at desc, s.id) from shown s), '[]'))
	into result;
	return result;
end;
$$;

revoke execute on function
	public.save_product(uuid, jsonb),
	public.import_products(uuid, jsonb),
	public.quick_edit_product(uuid, jsonb),
	public.archive_products(uuid, uuid[]),
	public.search_products(uuid, text, text, int, int)
from public, anon, service_role;
grant execute on function
	public.save_product(uuid, jsonb),
	public.import_products(uuid, jsonb),
	public.quick_edit_product(uuid, jsonb),
	public.archive_products(uuid, uuid[]),
	public.search_products(uuid, text, text, int, int)
to authenticated;
-- search_products runs as the caller and builds each product with this helper.
grant execute on function private.product_json(uuid) to authenticated;
