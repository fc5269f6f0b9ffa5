-- The operator answers a variant request: resolve_variant_request allocates the units the buyer
-- asked for on the variant the operator picks (winners while units are free, then the waitlist,
-- as at that moment), dismiss_variant_request drops it. Both are part of running the show, so
-- open to assistants like the other claim actions, and audited.

-- The open request, locked, after checking the caller's role on its show.
create function private.lock_open_variant_request(request_id uuid) returns public.variant_requests
language plpgsql
set search_path = ''
as $$
declare
	locked public.variant_requests;
begin
	perform private.require_workspace_role(
		(select s.workspace_id from public.shows s join public.variant_requests r on r.show_id = s.id where r.id = request_id),
		'assistant', 'variant request');
	select * into locked from public.variant_requests r where r.id = request_id for update;
	if locked.status <> 'open' then
		raise sqlstate 'PT409' using message = format('this variant request is already %s', locked.status);
	end if;
	return locked;
end;
$$;

-- Returns {variant_request, outcome: winner|waitlist|duplicate, claims: [the buyer's claims on
-- the variant placed now, or held already], item}.
create function public.resolve_variant_request(request_id uuid, show_item_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	item public.show_items;
	before public.variant_requests;
	request public.variant_requests;
	buyer public.claims;
	claim_ids uuid[];
	outcome text;
	result jsonb;
begin
	-- Show, then the row, then the request: the order allocation takes its locks in.
	item := private.lock_item(show_item_id, 'assistant');
	before := private.lock_open_variant_request(request_id);
	if item.id is null or item.show_id <> before.show_id or item.item_number <> before.item_number then
		raise sqlstate '22023' using message = format('pick one of the variants of item %s', before.item_number);
	end if;
	if (select s.status from public.shows s where s.id = item.show_id) = 'ended' then
		raise sqlstate 'PT409' using message = 'the show has ended: its claims can no longer change';
	end if;

	buyer.show_id := before.show_id;
	buyer.platform := before.platform;
	buyer.platform_user_id := before.platform_user_id;
	buyer.user_handle := before.user_handle;
	buyer.user_display_name := before.user_display_name;
	buyer.source_comment_id := before.source_comment_id;
	buyer.raw_text := before.raw_text;
	buyer.is_test := before.is_test;
	buyer.operator_action := true;
	buyer.operator_user_id := (select auth.uid());
	select c.live_id, c.comment_id into buyer.live_id, buyer.comment_id
	from public.comments c where c.id = before.source_comment_id;
	claim_ids := private.claim_units(item.id, buyer, before.quantity);
	if cardinality(claim_ids) = 0 then
		outcome := 'duplicate';
		claim_ids := array(
			select c.id from public.claims c
			where c.show_item_id = item.id and c.status in ('winner', 'waitlist') and c.is_test = before.is_test
				and c.platform_user_id = before.platform_user_id
			order by c.buyer_unit
		);
	else
		outcome := case when exists (select 1 from public.claims c where c.id = any (claim_ids) and c.status = 'winner')
			then 'winner' else 'waitlist' end;
	end if;

	update public.variant_requests r
	set status = 'resolved', resolved_show_item_id = item.id, resolved_by = (select auth.uid()), resolved_at = now()
	where r.id = before.id
	returning * into request;
	select jsonb_build_object(
		'variant_request', to_jsonb(request),
		'outcome', outcome,
		'claims', (select coalesce(jsonb_agg(to_jsonb(c) order by c.buyer_unit), '[]') from public.claims c where c.id = any (claim_ids)),
		'item', (select to_jsonb(i) from public.show_items i where i.id = item.id)
	) into result;
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = request.show_id), request.show_id,
		'variant_request.resolve', 'variant_request', request.id, to_jsonb(before), to_jsonb(request),
		jsonb_build_object('variant_label', item.variant_label, 'outcome', outcome, 'claims', result -> 'claims'));
	return result;
end;
$$;

-- Returns the request as it now stands.
create function public.dismiss_variant_request(request_id uuid) returns public.variant_requests
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.variant_requests;
	request public.variant_requests;
begin
	before := private.lock_open_variant_request(request_id);
	update public.variant_requests r
	set status = 'dismissed', resolved_by = (select auth.uid()), resolved_at = now()
	where r.id = before.id
	returning * into request;
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = request.show_id), request.show_id,
		'variant_request.dismiss', 'variant_request', request.id, to_jsonb(before), to_jsonb(request));
	return request;
end;
$$;

revoke execute on function
	private.lock_open_variant_request(uuid),
	public.resolve_variant_request(uuid, uuid),
	public.dismiss_variant_request(uuid)
from public, anon, authenticated, service_role;
grant execute on function
	public.resolve_variant_request(uuid, uuid),
	public.dismiss_variant_request(uuid)
to authenticated;
