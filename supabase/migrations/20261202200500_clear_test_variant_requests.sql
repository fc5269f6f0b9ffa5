-- Clearing a show's test claims also dismisses its open test variant requests (test comments that
-- named no single variant), so a rehearsal leaves nothing under Needs a variant. Otherwise as
-- 20261201300200_clear_test_claims.sql.
create or replace function public.clear_test_claims(show_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.shows;
	ending public.claims;
	promoted public.claims;
	cleared_ids uuid[] := '{}';
	promoted_ids uuid[] := '{}';
	result jsonb;
begin
	perform private.require_workspace_role(
		(select s.workspace_id from public.shows s where s.id = clear_test_claims.show_id), 'assistant', 'show');
	-- Show then items, as allocation locks them.
	select * into target from public.shows s where s.id = clear_test_claims.show_id for share;
	perform
	from public.show_items locked
	where locked.id in (
		select c.show_item_id from public.claims c
		where c.show_id = target.id and c.is_test and c.status in ('winner', 'waitlist')
	)
	order by locked.id
	for update;

	-- Waiters from the back of each line, so nobody behind them needs renumbering; then winners.
	for ending in
		select * from public.claims c
		where c.show_id = target.id and c.is_test and c.status in ('winner', 'waitlist')
		order by c.status = 'winner', c.show_item_id, c.waitlist_position desc, c.id
	loop
		promoted := private.end_claim(ending, 'released', (select auth.uid()));
		cleared_ids := cleared_ids || ending.id;
		if promoted.id is not null then
			promoted_ids := promoted_ids || promoted.id;
		end if;
	end loop;

	-- Test claims still waiting for a variant go too.
	update public.variant_requests r
	set status = 'dismissed', resolved_by = (select auth.uid()), resolved_at = now()
	where r.show_id = target.id and r.is_test and r.status = 'open';

	select jsonb_build_object(
		'cleared', (select coalesce(jsonb_agg(to_jsonb(c) order by c.item_number::int, c.id), '[]') from public.claims c where c.id = any (cleared_ids)),
		'promoted', (select coalesce(jsonb_agg(to_jsonb(c) order by c.item_number::int, c.id), '[]') from public.claims c where c.id = any (promoted_ids)),
		'items', (
			select coalesce(jsonb_agg(to_jsonb(i) order by i.item_number::int), '[]') from public.show_items i
			where i.id in (select c.show_item_id from public.claims c where c.id = any (cleared_ids))
		)
	) into result;
	perform private.record_audit(target.workspace_id, target.id, 'claims.clear_tests', 'show', target.id, null, null,
		jsonb_build_object('cleared', to_jsonb(cleared_ids), 'promoted', result -> 'promoted'));
	return result;
end;
$$;
