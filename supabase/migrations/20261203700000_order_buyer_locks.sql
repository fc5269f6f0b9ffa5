-- Order lines without deadlocks. A claim that wins or stops winning changes its buyer's order,
-- whose row is locked to the end of the transaction. A release, a pass or a larger quantity
-- changes two or more buyers' orders in one transaction (the holder's, then each promoted
-- waiter's), so two such transactions on different items could lock the same two orders in
-- opposite orders and deadlock. Before such a claim change, this trigger takes a transaction-
-- scoped advisory lock per buyer: the claim's own and, when a unit is freed or a waiter promoted,
-- those of the item's first 30 waiters (an item holds at most 30 units), all in one sorted order.
-- Later changes in the transaction find them held. Test claims make no order lines: no locks.

create function private.lock_order_buyers() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	buyer_lock bigint;
begin
	if new.is_test or not (
		(tg_op = 'INSERT' and new.status = 'winner')
		or (tg_op = 'UPDATE' and (old.status = 'winner') <> (new.status = 'winner'))) then
		return new;
	end if;
	for buyer_lock in
		select distinct hashtextextended('order buyer ' || buyer.platform || ' ' || buyer.key, 0) as lock_key
		from (
			select new.platform, coalesce(new.platform_user_id, '@' || lower(new.user_handle)) as key
			union all
			select c.platform, coalesce(c.platform_user_id, '@' || lower(c.user_handle))
			from public.claims c
			where tg_op = 'UPDATE' and c.show_item_id = new.show_item_id and c.status = 'waitlist'
				and not c.is_test and c.waitlist_position <= 30
		) buyer
		order by lock_key
	loop
		perform pg_advisory_xact_lock(buyer_lock);
	end loop;
	return new;
end;
$$;
revoke execute on function private.lock_order_buyers() from public, anon, authenticated, service_role;

create trigger lock_order_buyers before insert or update of status on public.claims
	for each row execute function private.lock_order_buyers();
