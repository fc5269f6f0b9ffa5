-- Operator actions on claims, open to every member running the live: release a claim,
-- award an item by hand, move a waiter to the front. Each locks show (share) then item (update)
-- like allocation, and writes audit_log. Each returns {claim, item} (+ promoted for a release).

-- The claim, read after its item is locked, once the caller may act on it.
create function private.lock_claim(claim_id uuid, min_role text) returns public.claims
language plpgsql
set search_path = ''
as $$
declare
	locked public.claims;
begin
	perform private.require_workspace_role(
		(select s.workspace_id from public.shows s join public.claims c on c.show_id = s.id where c.id = claim_id),
		min_role, 'claim');
	perform private.lock_item((select c.show_item_id from public.claims c where c.id = claim_id), min_role);
	select * into locked from public.claims c where c.id = claim_id;
	return locked;
end;
$$;

create function private.claim_action_result(claim_id uuid, promoted public.claims default null) returns jsonb
language sql stable
set search_path = ''
as $$
	select jsonb_build_object(
		'claim', to_jsonb(c),
		'item', to_jsonb(i),
		'promoted', case when promoted.id is null then null else to_jsonb(promoted) end
	)
	from public.claims c join public.show_items i on i.id = c.show_item_id
	where c.id = claim_id
$$;

-- Releases a winner's or a waiter's claim; a winner's unit goes to the first waiter.
create function public.release_claim(claim_id uuid, notes text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.claims;
	promoted public.claims;
	result jsonb;
begin
	before := private.lock_claim(claim_id, 'assistant');
	promoted := private.end_claim(before, 'released', (select auth.uid()));
	result := private.claim_action_result(before.id, promoted);
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = before.show_id), before.show_id,
		'claim.release', 'claim', before.id, to_jsonb(before), result -> 'claim',
		jsonb_build_object('notes', notes, 'promoted', result -> 'promoted'));
	return result;
end;
$$;

-- Gives a free unit of the item to a buyer known by handle (and platform user id, when known),
-- as a winner attributed to the operator. Refused when the item is sold out or the buyer
-- already holds it.
create function public.award_item(
	item_id uuid,
	user_handle text,
	notes text default null,
	platform_user_id text default null
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	item public.show_items;
	target_show public.shows;
	handle text := nullif(ltrim(trim(award_item.user_handle), '@'), '');
	awarded public.claims;
	result jsonb;
begin
	item := private.lock_item(item_id, 'assistant');
	if handle is null then
		raise sqlstate '22023' using message = 'award_item needs the handle of the buyer';
	end if;
	if item.claimed_count >= item.quantity then
		raise sqlstate 'PT409' using message = format(
			'item %s is sold out (%s of %s): release a claim before awarding it', item.item_number, item.claimed_count, item.quantity);
	end if;
	if exists (
		select 1 from public.claims held
		where held.show_item_id = item.id and held.status in ('winner', 'waitlist')
			and (lower(held.user_handle) = lower(handle) or held.platform_user_id = award_item.platform_user_id)
	) then
		raise sqlstate 'PT409' using message = format('@%s already holds item %s', handle, item.item_number);
	end if;

	select * into target_show from public.shows where id = item.show_id;
	insert into public.claims (
		show_id, show_item_id, item_number, platform, live_id, platform_user_id, user_handle, user_display_name,
		status, operator_action, operator_user_id, operator_notes
	) values (
		target_show.id, item.id, item.item_number, target_show.platform, target_show.live_id, award_item.platform_user_id,
		handle, handle, 'winner', true, (select auth.uid()), notes
	)
	returning * into awarded;
	update public.show_items
	set claimed_count = claimed_count + 1, status = private.item_status(claimed_count + 1, quantity)
	where id = item.id;

	result := private.claim_action_result(awarded.id);
	perform private.record_audit(target_show.workspace_id, target_show.id, 'claim.award', 'claim', awarded.id, null,
		result -> 'claim', jsonb_build_object('notes', notes));
	return result;
end;
$$;

-- Puts a waiter at place 1; those ahead of them move back one place.
create function public.move_waiter_to_front(claim_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.claims;
	result jsonb;
begin
	before := private.lock_claim(claim_id, 'assistant');
	if before.status <> 'waitlist' then
		raise sqlstate 'PT409' using message = format('only a waiting claim can move to the front; this one is %s', before.status);
	end if;
	update public.claims c
	set waitlist_position = case when c.id = before.id then 1 else c.waitlist_position + 1 end
	where c.show_item_id = before.show_item_id and c.status = 'waitlist' and c.waitlist_position <= before.waitlist_position;

	result := private.claim_action_result(before.id);
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = before.show_id), before.show_id,
		'claim.move_to_front', 'claim', before.id, to_jsonb(before), result -> 'claim');
	return result;
end;
$$;

revoke execute on function
	public.release_claim(uuid, text),
	public.award_item(uuid, text, text, text),
	public.move_waiter_to_front(uuid)
from public, anon, service_role;
grant execute on function
	public.release_claim(uuid, text),
	public.award_item(uuid, text, text, text),
	public.move_waiter_to_front(uuid)
to authenticated;
