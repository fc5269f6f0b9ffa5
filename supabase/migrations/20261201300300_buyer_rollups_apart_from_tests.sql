-- The buyer rollups keep test claims apart: a buyer's real claims and test claims are never one
-- row, so a test claim can never count toward a real buyer's invoice. has_test_claims now marks a
-- row of test claims only; the summary and the CSV exports leave those rows out unless asked.

create or replace view public.buyer_rollups
with (security_invoker = true)
as
select
	c.show_id,
	coalesce(c.platform_user_id, '@' || lower(c.user_handle)) as buyer_key,
	max(c.platform_user_id) as platform_user_id,
	(array_agg(c.user_handle order by c.created_at desc) filter (where c.user_handle is not null))[1] as user_handle,
	(array_agg(c.user_display_name order by c.created_at desc) filter (where c.user_display_name is not null))[1] as user_display_name,
	count(*) filter (where c.status = 'winner') as won_count,
	coalesce(array_agg(c.item_number order by c.item_number::int) filter (where c.status = 'winner'), '{}') as won_items,
	coalesce(array_agg(c.item_number order by c.item_number::int) filter (where c.status = 'waitlist'), '{}') as waiting_items,
	c.is_test as has_test_claims,
	min(c.created_at) as first_claimed_at,
	max(c.created_at) as last_claimed_at
from public.claims c
where c.status in ('winner', 'waitlist')
group by c.show_id, coalesce(c.platform_user_id, '@' || lower(c.user_handle)), c.is_test;
