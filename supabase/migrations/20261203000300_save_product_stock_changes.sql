-- The product editor saves stock as a change, not a snapshot: each variant may carry stock_seen,
-- the stock the editor was opened with. When the stored stock moved meanwhile (a show ended and
-- took its sold units out, another admin saved), the seller's change (stock - stock_seen) is
-- applied to today's stock instead of writing back the number the editor showed, which would
-- undo the sale. Without stock_seen (CSV import, API) stock is written as given.

create or replace function public.save_product(workspace_id uuid, product jsonb) returns jsonb
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
	if jsonb_typeof(product -> 'variants') = 'array' then
		-- Held until commit, so a show ending now waits for this save, then takes its units from it.
		perform from public.product_variants v
		where v.product_id = (before ->> 'id')::uuid and v.workspace_id = save_product.workspace_id
		for update;
		product := jsonb_set(product, '{variants}', (
			select coalesce(jsonb_agg(case
				when jsonb_typeof(given -> 'stock_seen') = 'number' and jsonb_typeof(given -> 'stock') = 'number'
					and stored.stock is not null
				then (given - 'stock_seen') || jsonb_build_object('stock',
					greatest(0, stored.stock + (given ->> 'stock')::int - (given ->> 'stock_seen')::int))
				else case when jsonb_typeof(given) = 'object' then given - 'stock_seen' else given end
			end order by v.ordinal), '[]')
			from jsonb_array_elements(product -> 'variants') with ordinality as v (given, ordinal)
			left join public.product_variants stored
				on stored.product_id = (before ->> 'id')::uuid and stored.workspace_id = save_product.workspace_id
				and jsonb_typeof(given -> 'option_values') = 'array'
				and lower(stored.option_values::text) = lower(array(
					select btrim(o) from jsonb_array_elements_text(given -> 'option_values') as o)::text)));
	end if;
	select * into written from private.write_products(save_product.workspace_id, jsonb_build_array(product), 'manual', false);
	after := private.product_json(written.written_id);
	perform private.record_audit(save_product.workspace_id, null,
		case when written.created then 'product.create' else 'product.update' end, 'product', written.written_id,
		case when written.created then null else before end, after);
	return after;
end;
$$;
