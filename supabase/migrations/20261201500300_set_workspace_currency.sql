-- Changing the workspace's catalog currency (admins and owners). Prices are stored in minor
-- units, so a change between currencies with different exponents rescales every catalog amount
-- to keep the number the seller typed: 12.50 USD becomes 12.500 KWD, not 1.250. Going to fewer
-- decimals is refused while any amount has a fraction the new currency cannot hold (12.50 USD
-- has no JPY form), so no price is silently rounded. Exchange rates are not applied: the seller
-- re-prices if the money itself changes. Audited with the amounts rescaled.
create function public.set_workspace_currency(workspace_id uuid, currency text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	old_code text;
	old_exponent int;
	new_exponent int;
	shift int;
	scale bigint;
	fractional_count int;
	rescaled_count int := 0;
	wanted text := upper(trim(set_workspace_currency.currency));
begin
	perform private.require_workspace_role(set_workspace_currency.workspace_id, 'admin', 'workspace');
	select c.minor_unit into new_exponent from public.currencies c where c.code = wanted;
	if new_exponent is null then
		raise sqlstate '22023' using message = format('%s is not an ISO 4217 currency code', coalesce('"' || left(currency, 20) || '"', 'a missing code'));
	end if;
	select w.currency, c.minor_unit into old_code, old_exponent
	from public.workspaces w join public.currencies c on c.code = w.currency
	where w.id = set_workspace_currency.workspace_id
	for update of w;
	shift := new_exponent - old_exponent;
	scale := (10 ^ abs(shift))::bigint;
	if shift < 0 then
		select count(*) into fractional_count from (
			select p.price as amount from public.products p where p.workspace_id = set_workspace_currency.workspace_id
			union all
			select p.compare_at_price from public.products p where p.workspace_id = set_workspace_currency.workspace_id
			union all
			select v.price from public.product_variants v where v.workspace_id = set_workspace_currency.workspace_id
		) amounts
		where amounts.amount % scale <> 0;
		if fractional_count > 0 then
			raise sqlstate 'PT409' using message = format(
				'%s catalog price(s) have fractions %s cannot hold (%s decimals): round them first',
				fractional_count, wanted, new_exponent);
		end if;
	end if;
	if shift <> 0 then
		update public.products p set
			price = case when shift > 0 then p.price * scale else p.price / scale end,
			compare_at_price = case when shift > 0 then p.compare_at_price * scale else p.compare_at_price / scale end
		where p.workspace_id = set_workspace_currency.workspace_id;
		get diagnostics rescaled_count = row_count;
		update public.product_variants v set
			price = case when shift > 0 then v.price * scale else v.price / scale end
		where v.workspace_id = set_workspace_currency.workspace_id and v.price is not null;
	end if;
	-- The workspaces row's own audit trigger records the column change; this entry adds why.
	update public.workspaces w set currency = wanted where w.id = set_workspace_currency.workspace_id;
	perform private.record_audit(set_workspace_currency.workspace_id, null, 'workspace.currency', 'workspace',
		set_workspace_currency.workspace_id, jsonb_build_object('currency', old_code), jsonb_build_object('currency', wanted),
		jsonb_build_object('products_rescaled', rescaled_count, 'exponent_shift', shift));
	return jsonb_build_object('currency', wanted, 'minor_unit', new_exponent, 'products_rescaled', rescaled_count);
end;
$$;

revoke execute on function public.set_workspace_currency(uuid, text) from public, anon, service_role;
grant execute on function public.set_workspace_currency(uuid, text) to authenticated;
