-- Stock held by shows. A variant's stock is what shows can sell; every item drawn from a variant
-- in a show that has not ended reserves its quantity. The reservation is computed from those
-- items, never stored, so removing an item or deleting a draft show frees it with nothing to
-- undo. Whoever reserves holds the variant's row for update first, so two shows in two sessions
-- cannot both take the last units.

-- "Blue / M": a variant's option values as the seller and buyers read them; '' without options.
create function private.variant_label(option_values text[]) returns text
language sql immutable
set search_path = ''
as $$
	select array_to_string(option_values, ' / ')
$$;

-- The option values as comments are matched against them: NFKC, then lower-cased by Unicode's
-- rules (pg_c_utf8, as parse_comment lowers comments), so "ＢＬＵＥ" and "blue" agree.
create function private.variant_match_values(option_values text[]) returns text[]
language sql immutable
set search_path = ''
as $$
	select coalesce(array_agg(lower(normalize(value, nfkc) collate pg_catalog.pg_c_utf8) order by n), '{}')
	from unnest(option_values) with ordinality as given (value, n)
$$;

-- Units of the variant that items of shows not yet ended hold, leaving out one item (the one
-- being changed).
create function private.reserved_stock(variant_id uuid, except_item_id uuid default null) returns bigint
language sql stable
set search_path = ''
as $$
	select coalesce(sum(i.quantity), 0)
	from public.show_items i
	join public.shows s on s.id = i.show_id
	where i.product_variant_id = reserved_stock.variant_id
		and s.status <> 'ended'
		and i.id is distinct from reserved_stock.except_item_id
$$;

-- The variant's units not yet reserved by another item, with its row held for update until the
-- caller's transaction ends, so the reservation the caller then writes cannot race another's.
create function private.lock_available_stock(variant_id uuid, except_item_id uuid default null) returns int
language plpgsql
set search_path = ''
as $$
declare
	on_hand int;
begin
	select v.stock into on_hand from public.product_variants v where v.id = lock_available_stock.variant_id for update;
	return greatest(on_hand - private.reserved_stock(variant_id, except_item_id), 0);
end;
$$;

revoke execute on function
	private.variant_label(text[]),
	private.variant_match_values(text[]),
	private.reserved_stock(uuid, uuid),
	private.lock_available_stock(uuid, uuid)
from public, anon, authenticated, service_role;
