-- Test claims never stand ahead of a real buyer. The rule, kept by every function that places or
-- moves claims:
--   * a real claim on an item whose units are all taken takes the unit of the newest test winner,
--     whose claim ends as released (by nobody: ended_by stays null);
--   * with no test winner to give way, the real claimant waits behind the real waiters and ahead
--     of every test waiter;
--   * so no test claim holds a unit while a real buyer waits, and passes and releases, which
--     promote the first waiter, always promote a real waiter before a test one.
-- Allocation follows it through private.make_way_for_real_claim; here also the operator actions
-- that place (award_item) or reorder (move_waiter_to_front) claims.

-- Open test claims are few; this index finds them without reading an item's real waitlist.
create index claims_open_test_claims_idx on public.claims (show_item_id, waitlist_position)
	where is_test and status in ('winner', 'waitlist');

-- Before a real claim is placed on the item: when every unit is taken, the newest test winner
-- gives its unit up; failing that, the test waiters move back one place. Returns the waitlist
-- place a real claimant takes if no unit is then free. The caller holds the item's lock.
-- (A test winner ahead of a real waiter, as test claims made before this rule could stand, hands
-- its unit to that waiter first: real buyers keep their order.)
create function private.make_way_for_real_claim(item_id uuid) returns int
language plpgsql
set search_path = ''
as $$
declare
	item public.show_items;
	yielding public.claims;
	first_test_place int;
begin
	loop
		select * into item from public.show_items where id = item_id;
		if item.claimed_count < item.quantity then
			return null;
		end if;
		select * into yielding
		from public.claims c
		where c.show_item_id = item_id and c.is_test and c.status = 'winner'
		order by c.created_at desc, c.id desc
		limit 1;
		exit when not found;
		if exists (
			select 1 from public.claims c
			where c.show_item_id = item_id and c.status = 'waitlist' and c.waitlist_position = 1 and not c.is_test
		) then
			perform private.end_claim(yielding, 'released', null);
			continue;
		end if;
		update public.claims
		set status = 'released', ended_at = now(), ended_by = null
		where id = yielding.id;
		update public.show_items
		set claimed_count = claimed_count - 1, status = private.item_status(claimed_count - 1, quantity)
		where id = item_id;
		return null;
	end loop;
	select min(c.waitlist_position) into first_test_place
	from public.claims c
	where c.show_item_id = item_id and c.is_test and c.status = 'waitlist';
	if first_test_place is null then
		return item.waitlist_count + 1;
	end if;
	update public.claims c
	set waitlist_position = c.waitlist_position + 1
	where c.show_item_id = item_id and c.is_test and c.status = 'waitlist';
	return first_test_place;
end;
$$;
revoke execute on function private.make_way_for_real_claim(uuid) from public, anon, authenticated, service_role;

-- As before, and: a test claim neither blocks nor is blocked by a real buyer's handle, and a test
-- winner gives its unit to the award when the item is otherwise sold out.
create or replace function public.award_item(
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
	if award_item.platform_user_id like 'test:%' then
		raise sqlstate '22023' using message = 'platform user ids starting test: are for test comments only';
	end if;
	if exists (
		select 1 from public.claims held
		where held.show_item_id = item.id and held.status in ('winner', 'waitlist') and not held.is_test
			and (lower(held.user_handle) = lower(handle) or held.platform_user_id = award_item.platform_user_id)
	) then
		raise sqlstate 'PT409' using message = format('@%s already holds item %s', handle, item.item_number);
	end if;
	perform private.make_way_for_real_claim(item.id);
	select * into item from public.show_items where id = item.id;
	if item.claimed_count >= item.quantity then
		raise sqlstate 'PT409' using message = format(
			'item %s is sold out (%s of %s): release a claim before awarding it', item.item_number, item.claimed_count, item.quantity);
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

-- As before for a real waiter; a test waiter goes to the front of the test waiters only, behind
-- every real one.
create or replace function public.move_waiter_to_front(claim_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.claims;
	front int := 1;
	result jsonb;
begin
	before := private.lock_claim(claim_id, 'assistant');
	if before.status <> 'waitlist' then
		raise sqlstate 'PT409' using message = format('only a waiting claim can move to the front; this one is %s', before.status);
	end if;
	if before.is_test then
		select count(*) + 1 into front
		from public.claims c
		where c.show_item_id = before.show_item_id and c.status = 'waitlist' and not c.is_test;
	end if;
	update public.claims c
	set waitlist_position = case when c.id = before.id then front else c.waitlist_position + 1 end
	where c.show_item_id = before.show_item_id and c.status = 'waitlist'
		and c.waitlist_position between front and before.waitlist_position;

	result := private.claim_action_result(before.id);
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = before.show_id), before.show_id,
		'claim.move_to_front', 'claim', before.id, to_jsonb(before), result -> 'claim');
	return result;
end;
$$;
