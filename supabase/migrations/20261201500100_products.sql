-- The workspace's catalog: products and their variants. Prices are integer minor units in the
-- workspace's currency. A product names up to three options (Size, Color, …); each variant holds
-- one value per option, its own SKU, an optional price override and its stock. A product without
-- options has exactly one default variant, so stock and SKU always live on a variant. Members read
-- the catalog; every write goes through the catalog functions (admins and owners), which check
-- the input and write the audit log.

-- Whether every element is an absolute http(s) address of sane length.
create function private.are_web_urls(urls text[]) returns boolean
language sql immutable
set search_path = ''
as $$
	select coalesce(bool_and(url ~ '^https?://[^\s/?#@]+(/[^\s]*)?$' and length(url) <= 2048), true)
	from unnest(urls) as url
$$;

create table public.products (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	-- Shopify's handle: a stable key per workspace, so a re-imported CSV updates instead of duplicating.
	handle text not null check (handle ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(handle) <= 255),
	title text not null check (length(trim(title)) between 1 and 255),
	description text not null default '' check (length(description) <= 20000),
	price bigint not null default 0 check (price >= 0),
	compare_at_price bigint check (compare_at_price >= 0),
	vendor text check (length(vendor) <= 255),
	image_urls text[] not null default '{}'
		check (cardinality(image_urls) <= 20 and private.are_web_urls(image_urls)),
	tags text[] not null default '{}' check (cardinality(tags) <= 50),
	option_names text[] not null default '{}' check (cardinality(option_names) <= 3),
	status text not null default 'draft' check (status in ('draft', 'active', 'archived')),
	source text not null default 'manual' check (source in ('manual', 'csv', 'instagram')),
	external_id text check (length(external_id) <= 255),
	permalink text check (private.are_web_urls(array[permalink])),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, handle),
	unique (workspace_id, source, external_id),
	-- For the variants' foreign key, which keeps each variant in its product's workspace.
	unique (id, workspace_id)
);
create index products_workspace_id_updated_at_idx on public.products (workspace_id, updated_at desc, id);
create index products_tags_idx on public.products using gin (tags);
create trigger set_updated_at before update on public.products
	for each row execute function private.set_updated_at();

create table public.product_variants (
	id uuid primary key default gen_random_uuid(),
	-- The product's workspace, repeated so SKUs are unique per workspace and policies need no join.
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	product_id uuid not null,
	position int not null check (position >= 1),
	option_values text[] not null default '{}' check (cardinality(option_values) <= 3),
	sku text check (length(sku) between 1 and 100),
	barcode text check (length(barcode) between 1 and 100),
	-- Null: the product's price.
	price bigint check (price >= 0),
	stock int not null default 0 check (stock >= 0),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, sku),
	unique (product_id, option_values),
	foreign key (product_id, workspace_id) references public.products (id, workspace_id) on delete cascade
);
create index product_variants_product_id_idx on public.product_variants (product_id, position);
create trigger set_updated_at before update on public.product_variants
	for each row execute function private.set_updated_at();

-- The variant rule, checked at commit so a product and its variants can be written in any order:
-- a product without options has exactly one variant with no option values; a product with
-- options has at least one variant, each with one non-blank value per option.
-- Security definer: the check fires at commit as whoever commits (the API's role), where row
-- level security would hide rows from it and cost a policy call per row it reads.
create function private.check_product_variants() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	checked public.products;
	variant_count int;
	misshapen_count int;
begin
	select * into checked from public.products p
	where p.id = (to_jsonb(coalesce(new, old)) ->> case when tg_table_name = 'products' then 'id' else 'product_id' end)::uuid;
	if checked.id is null then
		return null;
	end if;
	select count(*), count(*) filter (
		where cardinality(v.option_values) <> cardinality(checked.option_names)
			or exists (select 1 from unnest(v.option_values) as value where length(trim(value)) = 0)
	)
	into variant_count, misshapen_count
	from public.product_variants v where v.product_id = checked.id;
	if cardinality(checked.option_names) = 0 and variant_count <> 1 then
		raise sqlstate '22023' using message = format(
			'product "%s" has no options, so it has exactly one default variant, not %s', checked.title, variant_count);
	end if;
	if variant_count = 0 then
		raise sqlstate '22023' using message = format('product "%s" needs at least one variant', checked.title);
	end if;
	if misshapen_count > 0 then
		raise sqlstate '22023' using message = format(
			'each variant of product "%s" needs one value for each of its options (%s)',
			checked.title, array_to_string(checked.option_names, ', '));
	end if;
	return null;
end;
$$;
create constraint trigger check_product_variants after insert or update of option_names on public.products
	deferrable initially deferred
	for each row execute function private.check_product_variants();
create constraint trigger check_product_variants after insert or update or delete on public.product_variants
	deferrable initially deferred
	for each row execute function private.check_product_variants();

alter table public.products enable row level security;
alter table public.product_variants enable row level security;
revoke all on public.products, public.product_variants from anon;
revoke insert, update, delete on public.products, public.product_variants from authenticated;

create policy "members read their workspace's products" on public.products
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's product variants" on public.product_variants
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
