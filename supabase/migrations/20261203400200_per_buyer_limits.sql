-- Per-buyer limits per show, against hoarding: at most max_units_per_buyer units across the show
-- and max_units_per_buyer_item units of one item (all its variants), set on the workspace (null:
-- no limit) and overridden per show (null: the workspace's), by set_show_buyer_limits. A claim
-- over a limit is an outcome of its own, limit_reached (reason units_per_show or units_per_item),
-- recorded on the comment and never allocated nor waitlisted; a claim for several units gets as
-- many as the limits leave (limited: true in its result).
-- * Waitlist places count toward the limits with winning units: a waiter may become a winner at
--   any release, and a promotion must not take a buyer over a limit.
-- * Test claims are limited as real ones and counted apart from them, so a rehearsal shows the
--   limits at work without touching real buyers.
-- * The operator's own awards (award_item) and the variant they pick for a request are not
--   limited (the operator decides), but they count toward the buyer's units.
-- * Counting is exact under concurrency: every variant row of the item is locked already, and for
--   a show-wide limit the buyer is locked too (a transaction-scoped advisory lock, taken before any
--   item lock by ingest_comments and allocate_comment, so no two comments of one buyer on two
--   items are counted at once).
-- The allocation that applies it: 20261203400400_allocation_pins_limits_blocked.sql.

alter table public.workspaces
	add column max_units_per_buyer int check (max_units_per_buyer between 1 and 1000),
	add column max_units_per_buyer_item int check (max_units_per_buyer_item between 1 and 30);
grant update (max_units_per_buyer, max_units_per_buyer_item) on public.workspaces to authenticated;
alter table public.shows
	add column max_units_per_buyer int check (max_units_per_buyer between 1 and 1000),
	add column max_units_per_buyer_item int check (max_units_per_buyer_item between 1 and 30);

-- Sets the show's own limits (null: the workspace's). Admins, as for the show's other settings.
create function public.set_show_buyer_limits(show_id uuid, max_units_per_buyer int, max_units_per_buyer_item int)
returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.shows;
	after public.shows;
begin
	before := private.lock_show(show_id, 'admin');
	if max_units_per_buyer not between 1 and 1000 then
		raise sqlstate '22023' using message = format('a buyer''s units per show are 1 to 1000, not %s', max_units_per_buyer);
	end if;
	if max_units_per_buyer_item not between 1 and 30 then
		raise sqlstate '22023' using message = format('a buyer''s units per item are 1 to 30, not %s', max_units_per_buyer_item);
	end if;
	update public.shows s
	set max_units_per_buyer = set_show_buyer_limits.max_units_per_buyer,
		max_units_per_buyer_item = set_show_buyer_limits.max_units_per_buyer_item
	where s.id = before.id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.id, 'show.buyer_limits', 'show', after.id, to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;
revoke execute on function public.set_show_buyer_limits(uuid, int, int) from public, anon, authenticated, service_role;
grant execute on function public.set_show_buyer_limits(uuid, int, int) to authenticated;

-- The advisory lock key of a buyer in a show.
create function private.buyer_lock_key(show_id uuid, platform_user_id text) returns bigint
language sql immutable
set search_path = ''
as $$
	select hashtextextended(show_id::text || ' ' || platform_user_id, 0)
$$;
revoke execute on function private.buyer_lock_key(uuid, text) from public, anon, authenticated, service_role;

-- What came of each intent of a comment, in order ("winner", "limit_reached", ...), for the live
-- console's comment stream, which does not read the full results. Kept by a trigger, not a
-- generated column: Realtime sends no generated columns.
alter table public.comments add column intent_outcomes jsonb not null default '[]';
update public.comments set intent_outcomes = jsonb_path_query_array(results, '$[*].outcome');

create function private.set_intent_outcomes() returns trigger
language plpgsql
set search_path = ''
as $$
begin
	new.intent_outcomes := jsonb_path_query_array(new.results, '$[*].outcome');
	return new;
end;
$$;
revoke execute on function private.set_intent_outcomes() from public, anon, authenticated, service_role;

create trigger set_intent_outcomes before insert or update of results on public.comments
	for each row execute function private.set_intent_outcomes();
