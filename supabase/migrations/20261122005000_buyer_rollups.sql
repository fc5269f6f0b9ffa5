-- Per-buyer summary of a show for invoicing and export: what each buyer won and what
-- they wait for. Security invoker, so the claims policies decide which rows a caller sees.
-- A buyer is their platform user id, or '@handle' for a manual award to an unidentified handle.

create view public.buyer_rollups
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
	bool_or(c.is_test) as has_test_claims,
	min(c.created_at) as first_claimed_at,
	max(c.created_at) as last_claimed_at
from public.claims c
where c.status in ('winner', 'waitlist')
group by c.show_id, coalesce(c.platform_user_id, '@' || lower(c.user_handle));

revoke all on public.buyer_rollups from anon;
revoke insert, update, delete, truncate on public.buyer_rollups from authenticated;
