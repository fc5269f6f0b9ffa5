-- The allocation invariants, enforced by the database itself at commit, whichever code wrote:
--   * claimed_count = number of winners <= quantity (the bound is a check on show_items);
--   * waitlist_count = number of waiters, at places 1..n without gaps (uniqueness is the
--     exclusion constraint on claims);
--   * nobody waits while a unit is free;
--   * status matches the counts (a check on show_items);
--   * a buyer holds or waits for an item at most once (a unique index on claims).
-- The triggers are deferred because a single allocation touches a claim and its item in
-- separate statements; by commit the two must agree. At commit every queued event sees the final
-- state, so each item is checked once per transaction: a promotion that renumbers a long waitlist
-- costs one scan, not one per waiter.

create function private.assert_item_invariants(item_id uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
	item public.show_items;
	winners int;
	waiters int;
	lowest_place int;
	highest_place int;
begin
	select * into item from public.show_items where id = item_id;
	if not found then
		return; -- removed in this transaction, with its claims
	end if;
	select
		count(*) filter (where status = 'winner'),
		count(*) filter (where status = 'waitlist'),
		min(waitlist_position),
		max(waitlist_position)
	into winners, waiters, lowest_place, highest_place
	from public.claims
	where show_item_id = item_id and status in ('winner', 'waitlist');

	if winners <> item.claimed_count then
		raise sqlstate '23514' using message = format(
			'item %s of show %s: claimed_count is %s but %s claims are winners', item.item_number, item.show_id, item.claimed_count, winners);
	end if;
	if waiters <> item.waitlist_count then
		raise sqlstate '23514' using message = format(
			'item %s of show %s: waitlist_count is %s but %s claims are waiting', item.item_number, item.show_id, item.waitlist_count, waiters);
	end if;
	if waiters > 0 and item.claimed_count < item.quantity then
		raise sqlstate '23514' using message = format(
			'item %s of show %s: %s claimants wait although %s of %s units are taken', item.item_number, item.show_id, waiters, item.claimed_count, item.quantity);
	end if;
	if waiters > 0 and (lowest_place <> 1 or highest_place <> waiters) then
		raise sqlstate '23514' using message = format(
			'item %s of show %s: the %s waiters are at places %s..%s, not 1..%s', item.item_number, item.show_id, waiters, lowest_place, highest_place, waiters);
	end if;
end;
$$;

-- Checks the item unless this transaction already has; the list of checked items lives in a
-- transaction-local setting.
create function private.assert_item_invariants_once(item_id uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
	checked text := coalesce(current_setting('private.checked_items', true), '');
begin
	if position(item_id::text in checked) > 0 then
		return;
	end if;
	perform private.assert_item_invariants(item_id);
	perform set_config('private.checked_items', checked || item_id::text || ' ', true);
end;
$$;

-- Security definer so the check also runs for writers without rights on schema private.
create function private.check_item_invariants() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if tg_table_name = 'show_items' then
		perform private.assert_item_invariants_once(new.id);
	else
		perform private.assert_item_invariants_once(coalesce(new.show_item_id, old.show_item_id));
		if tg_op = 'UPDATE' and new.show_item_id <> old.show_item_id then
			perform private.assert_item_invariants_once(old.show_item_id);
		end if;
	end if;
	return null;
end;
$$;

create constraint trigger check_item_invariants
	after insert or update or delete on public.claims
	deferrable initially deferred
	for each row execute function private.check_item_invariants();

create constraint trigger check_item_invariants
	after update of quantity, claimed_count, waitlist_count on public.show_items
	deferrable initially deferred
	for each row execute function private.check_item_invariants();
