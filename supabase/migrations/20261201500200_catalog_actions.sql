-- The catalog's write functions (admins and owners; assistants only read) and its search. Each
-- checks the caller's role, checks the input field by field with messages naming the field
-- (22023; a SKU another product uses is PT409), holds the workspace row so a currency change
-- cannot interleave, and writes the audit log. A product is given as JSON:
-- {id?, handle?, title, description?, price, compare_at_price?, vendor?, image_urls?, tags?,
--  status?, option_names?, external_id?, permalink?,
--  variants?: [{option_values?, sku?, barcode?, price?, stock?}]}
-- where amounts are integer minor units of the workspace's currency. Variants are matched to the
-- stored ones by their option values (any case), so an edit keeps each surviving variant's id.

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

-- Stock on hand: a whole JSON number from 0 to 1000000 (absent: 0 when not required).
create function private.catalog_stock(value jsonb, field text, required boolean) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
	if value is null or jsonb_typeof(value) = 'null' then
		if required then
			raise sqlstate '22023' using message = format('%s is required', field);
		end if;
		return 0;
	end if;
	if jsonb_typeof(value) <> 'number' or value::numeric <> trunc(value::numeric) or value::numeric not between 0 and 1000000 then
		raise sqlstate '22023' using message = format('%s must be a whole number from 0 to 1000000, not %s', field, value);
	end if;
	return value::int;
end;
$$;

-- Writes a batch of products and their variants, set by set, so a 10,000-row import stays far
-- inside the API's statement timeout. Each product is found by id, else by handle (so imports
-- update), else created; `named` prefixes every message with the product's handle. Nothing is
-- written until the whole batch is checked. The caller checked the role and holds the workspace row.
create function private.write_products(in_workspace uuid, given jsonb, given_source text, named boolean)
returns table (written_id uuid, created boolean)
language plpgsql
set search_path = ''
as $$
declare
	max_variants constant int := 100;
	offender record;
begin
	if jsonb_typeof(given) is distinct from 'array'
		or exists (select 1 from jsonb_array_elements(given) as e where jsonb_typeof(e) <> 'object') then
		raise sqlstate '22023' using message = 'products must be JSON objects';
	end if;

	drop table if exists pg_temp.catalog_batch, pg_temp.catalog_batch_variants;
	create temp table catalog_batch on commit drop as
	select
		e.ordinal,
		e.product,
		prefix,
		private.catalog_text(e.product -> 'title', prefix || 'title', 255, true) as title,
		private.catalog_text(e.product -> 'handle', prefix || 'handle', 255, false) as handle,
		case when jsonb_typeof(e.product -> 'id') = 'string' then (e.product ->> 'id')::uuid end as given_id,
		coalesce(private.catalog_text(e.product -> 'description', prefix || 'description', 20000, false), '') as description,
		private.catalog_text(e.product -> 'vendor', prefix || 'vendor', 255, false) as vendor,
		private.catalog_amount(e.product -> 'price', prefix || 'price', true) as price,
		private.catalog_amount(e.product -> 'compare_at_price', prefix || 'compare-at price', false) as compare_at_price,
		private.catalog_text_list(e.product -> 'image_urls', prefix || 'image URLs', 20, 2048) as image_urls,
		private.catalog_text_list(e.product -> 'tags', prefix || 'tags', 50, 100) as tags,
		private.catalog_text_list(e.product -> 'option_names', prefix || 'option names', 3, 50) as option_names,
		jsonb_array_length(case when jsonb_typeof(e.product -> 'option_names') = 'array' then e.product -> 'option_names' else '[]' end) as option_names_given,
		private.catalog_text(e.product -> 'status', prefix || 'status', 20, false) as status,
		private.catalog_text(e.product -> 'external_id', prefix || 'external id', 255, false) as external_id,
		private.catalog_text(e.product -> 'permalink', prefix || 'permalink', 2048, false) as permalink,
		coalesce(nullif(e.product -> 'variants', 'null'), '[{}]') as variants,
		null::uuid as target_id,
		false as is_new
	from jsonb_array_elements(given) with ordinality as e (product, ordinal),
		lateral (select case when named then format('product "%s": ', e.product ->> 'handle') else '' end as prefix) as label;
	-- Temporary tables have no statistics until analysed; without them the joins below go quadratic.
	create index on pg_temp.catalog_batch (ordinal);
	create index on pg_temp.catalog_batch (handle);
	analyze pg_temp.catalog_batch;

	select * into offender from pg_temp.catalog_batch b where b.handle !~ '^[a-z0-9]+(-[a-z0-9]+)*$' limit 1;
	if found then
		raise sqlstate '22023' using message = format('%shandle "%s" may hold only lower-case letters, digits and single dashes', offender.prefix, offender.handle);
	end if;
	select * into offender from pg_temp.catalog_batch b where b.status not in ('draft', 'active', 'archived') limit 1;
	if found then
		raise sqlstate '22023' using message = format('%sstatus must be draft, active or archived, not "%s"', offender.prefix, offender.status);
	end if;
	select * into offender from pg_temp.catalog_batch b where b.option_names_given <> cardinality(b.option_names) limit 1;
	if found then
		raise sqlstate '22023' using message = format('%soption names must differ from each other', offender.prefix);
	end if;
	select b.prefix, url into offender from pg_temp.catalog_batch b, unnest(b.image_urls || b.permalink) as url
	where not private.are_web_urls(array[url]) limit 1;
	if found then
		raise sqlstate '22023' using message = format('%simage URL or permalink "%s" is not an http or https address', offender.prefix, left(offender.url, 100));
	end if;
	select b.handle into offender from pg_temp.catalog_batch b where b.handle is not null group by b.handle having count(*) > 1 limit 1;
	if found then
		raise sqlstate '22023' using message = format('handle "%s" is given to two products', offender.handle);
	end if;
	select * into offender from pg_temp.catalog_batch b
	where jsonb_typeof(b.variants) <> 'array' or jsonb_array_length(b.variants) not between 1 and max_variants
		or exists (select 1 from jsonb_array_elements(b.variants) as v where jsonb_typeof(v) <> 'object')
	limit 1;
	if found then
		raise sqlstate '22023' using message = format('%svariants must be a list of 1 to %s JSON objects', offender.prefix, max_variants);
	end if;
	select * into offender from pg_temp.catalog_batch b where cardinality(b.option_names) = 0 and jsonb_array_length(b.variants) > 1 limit 1;
	if found then
		raise sqlstate '22023' using message = format('%sproduct "%s" has no options, so it has exactly one default variant, not %s',
			offender.prefix, offender.title, jsonb_array_length(offender.variants));
	end if;

	create temp table catalog_batch_variants on commit drop as
	select
		b.ordinal,
		v.position::int as position,
		coalesce((
			select array_agg(private.catalog_text(value, b.prefix || 'option value', 100, true) order by n)
			from jsonb_array_elements(case when jsonb_typeof(v.variant -> 'option_values') = 'array' then v.variant -> 'option_values' else '[]' end)
				with ordinality as o (value, n)
		), '{}') as option_values,
		private.catalog_text(v.variant -> 'sku', b.prefix || 'SKU', 100, false) as sku,
		private.catalog_text(v.variant -> 'barcode', b.prefix || 'barcode', 100, false) as barcode,
		private.catalog_amount(v.variant -> 'price', b.prefix || 'variant price', false) as price,
		private.catalog_stock(v.variant -> 'stock', b.prefix || 'stock', false) as stock,
		null::uuid as variant_id
	from pg_temp.catalog_batch b, jsonb_array_elements(b.variants) with ordinality as v (variant, position);
	create index on pg_temp.catalog_batch_variants (ordinal);
	analyze pg_temp.catalog_batch_variants;

	select b.prefix, b.title, b.option_names, v.option_values into offender
	from pg_temp.catalog_batch_variants v join pg_temp.catalog_batch b using (ordinal)
	where cardinality(v.option_values) <> cardinality(b.option_names) limit 1;
	if found then
		raise sqlstate '22023' using message = format('%seach variant of "%s" needs one value for each option (%s), not %s',
			offender.prefix, offender.title, coalesce(nullif(array_to_string(offender.option_names, ', '), ''), 'none'),
			coalesce(nullif(array_to_string(offender.option_values, ' / '), ''), 'none'));
	end if;
	select b.prefix, b.title, min(array_to_string(v.option_values, ' / ')) as label into offender
	from pg_temp.catalog_batch_variants v join pg_temp.catalog_batch b using (ordinal)
	group by b.ordinal, b.prefix, b.title, lower(v.option_values::text) having count(*) > 1 limit 1;
	if found then
		raise sqlstate '22023' using message = format('%svariant %s of "%s" is listed twice', offender.prefix, offender.label, offender.title);
	end if;
	select v.sku into offender from pg_temp.catalog_batch_variants v where v.sku is not null group by v.sku having count(*) > 1 limit 1;
	if found then
		raise sqlstate '22023' using message = format('SKU "%s" is given to two variants', offender.sku);
	end if;

	-- Targets: by id (which must be this workspace's), else by handle.
	select * into offender from pg_temp.catalog_batch b
	where b.given_id is not null and not exists (select 1 from public.products p where p.id = b.given_id and p.workspace_id = in_workspace)
	limit 1;
	if found then
		raise sqlstate 'PT404' using message = format('%sproduct not found', offender.prefix);
	end if;
	update pg_temp.catalog_batch b set target_id = coalesce(b.given_id,
		(select p.id from public.products p where p.workspace_id = in_workspace and p.handle = b.handle));
	select b.prefix, b.handle into offender from pg_temp.catalog_batch b
	join public.products p on p.workspace_id = in_workspace and p.handle = b.handle and p.id <> b.target_id
	limit 1;
	if found then
		raise sqlstate 'PT409' using message = format('%shandle "%s" is already another product''s', offender.prefix, offender.handle);
	end if;
	-- A new product without a handle takes one from its title, made unique when taken.
	update pg_temp.catalog_batch b set handle = case
		when exists (select 1 from public.products p where p.workspace_id = in_workspace and p.handle = private.handle_from(b.title))
			then left(private.handle_from(b.title), 190) || '-' || substr(md5(gen_random_uuid()::text), 1, 6)
		else private.handle_from(b.title) end
	where b.handle is null and b.target_id is null;
	select b.prefix, v.sku, p.title into offender
	from pg_temp.catalog_batch_variants v
	join pg_temp.catalog_batch b using (ordinal)
	join public.product_variants stored on stored.workspace_id = in_workspace and stored.sku = v.sku
	join public.products p on p.id = stored.product_id
	where stored.product_id is distinct from b.target_id
		and not exists (select 1 from pg_temp.catalog_batch other where other.target_id = stored.product_id)
	limit 1;
	if found then
		raise sqlstate 'PT409' using message = format('%sSKU "%s" is already used by "%s"', offender.prefix, offender.sku, offender.title);
	end if;

	with inserted as (
		insert into public.products (workspace_id, handle, title, price, status, source)
		select in_workspace, b.handle, b.title, b.price, coalesce(b.status, 'draft'), given_source
		from pg_temp.catalog_batch b where b.target_id is null
		returning id, handle
	)
	update pg_temp.catalog_batch b set target_id = inserted.id, is_new = true
	from inserted where inserted.handle = b.handle and b.target_id is null;
	create index on pg_temp.catalog_batch (target_id);
	analyze pg_temp.catalog_batch;
	update public.products p set
		handle = coalesce(b.handle, p.handle),
		title = b.title,
		description = b.description,
		price = b.price,
		compare_at_price = b.compare_at_price,
		vendor = b.vendor,
		image_urls = b.image_urls,
		tags = b.tags,
		option_names = b.option_names,
		status = coalesce(b.status, p.status),
		external_id = coalesce(b.external_id, p.external_id),
		permalink = coalesce(b.permalink, p.permalink)
	from pg_temp.catalog_batch b
	where p.id = b.target_id;

	-- Variants: matched to the stored ones by option values (any case), so ids survive an edit.
	update pg_temp.catalog_batch_variants v set variant_id = stored.id
	from pg_temp.catalog_batch b, public.product_variants stored
	where b.ordinal = v.ordinal and stored.product_id = b.target_id
		and lower(stored.option_values::text) = lower(v.option_values::text);
	create index on pg_temp.catalog_batch_variants (variant_id);
	analyze pg_temp.catalog_batch_variants;
	delete from public.product_variants stored
	using pg_temp.catalog_batch b
	where stored.product_id = b.target_id
		and not exists (select 1 from pg_temp.catalog_batch_variants v where v.variant_id = stored.id);
	-- SKUs cleared first, so variants may swap them.
	update public.product_variants stored set sku = null
	from pg_temp.catalog_batch b
	where stored.product_id = b.target_id and stored.sku is not null;
	update public.product_variants stored set
		position = v.position,
		option_values = v.option_values,
		sku = v.sku,
		barcode = v.barcode,
		price = v.price,
		stock = v.stock
	from pg_temp.catalog_batch_variants v
	where stored.id = v.variant_id;
	insert into public.product_variants (workspace_id, product_id, position, option_values, sku, barcode, price, stock)
	select in_workspace, b.target_id, v.position, v.option_values, v.sku, v.barcode, v.price, v.stock
	from pg_temp.catalog_batch_variants v join pg_temp.catalog_batch b using (ordinal)
	where v.variant_id is null;

	return query select b.target_id, b.is_new from pg_temp.catalog_batch b order by b.ordinal;
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
	before jsonb;
	after jsonb;
begin
	perform private.lock_catalog(save_product.workspace_id, 'admin', 'workspace');
	if jsonb_typeof(product) is distinct from 'object' then
		raise sqlstate '22023' using message = 'a product must be a JSON object';
	end if;
	if jsonb_typeof(product -> 'id') = 'string' then
		before := private.product_json((product ->> 'id')::uuid);
	end if;
	select * into written from private.write_products(save_product.workspace_id, jsonb_build_array(product), 'manual', false);
	after := private.product_json(written.written_id);
	perform private.record_audit(save_product.workspace_id, null,
		case when written.created then 'product.create' else 'product.update' end, 'product', written.written_id,
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
	created_count int;
	updated_count int;
begin
	perform private.lock_catalog(import_products.workspace_id, 'admin', 'workspace');
	if jsonb_typeof(products) is distinct from 'array' or jsonb_array_length(products) = 0 then
		raise sqlstate '22023' using message = 'products must be a non-empty JSON array';
	end if;
	if jsonb_array_length(products) > max_products then
		raise sqlstate '22023' using message = format('at most %s products per import, got %s', max_products, jsonb_array_length(products));
	end if;
	if exists (select 1 from jsonb_array_elements(products) as p where jsonb_typeof(p -> 'handle') is distinct from 'string') then
		raise sqlstate '22023' using message = 'every imported product needs a handle';
	end if;
	select count(*) filter (where written.created), count(*) filter (where not written.created)
	into created_count, updated_count
	from private.write_products(import_products.workspace_id, products, 'csv', true) as written;
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
		if (select count(*) from public.product_variants v where v.product_id = target.id) <> 1 then
			raise sqlstate '22023' using message = format('"%s" has several variants: set their stock in the product editor', target.title);
		end if;
		update public.product_variants v set stock = private.catalog_stock(changes -> 'stock', 'stock', true)
		where v.product_id = target.id;
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

-- One page of the catalog, newest edit first, with its variants, for any member: query matches a
-- title or SKU (substring, any case) or a tag (whole, any case); status filters. Security definer
-- after the membership check, so large catalogs pay no policy call per row read. Returns
-- {total, products}.
create function public.search_products(
	workspace_id uuid,
	query text default null,
	status text default null,
	page_size int default 50,
	page_offset int default 0
) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	pattern text;
	result jsonb;
begin
	perform private.require_workspace_role(search_products.workspace_id, 'assistant', 'workspace');
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
