-- Shows (one live sale session, bound to one live broadcast while running) and their items.
-- Members read them directly; every change goes through the audited API functions
-- (20261122004000_show_actions.sql, 20261122004100_item_actions.sql), so the tables grant
-- no writes to anon or authenticated.

create table public.shows (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	name text not null default '' check (length(name) <= 200),
	status text not null default 'draft' check (status in ('draft', 'active', 'paused', 'ended')),
	platform text not null check (platform in ('facebook', 'instagram')),
	connection_id uuid references public.social_connections (id) on delete set null,
	-- The live broadcast (FB live_video_id / IG live_media_id) the show takes comments from.
	live_id text,
	live_url text,
	-- Per-show overrides of the workspace's words; null means the workspace's.
	claim_words text[] check (cardinality(claim_words) between 1 and 10),
	pass_words text[] check (cardinality(pass_words) between 1 and 10),
	started_at timestamptz,
	ended_at timestamptz,
	created_by uuid references auth.users (id) on delete set null,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	constraint shows_live_bound_once_started check (status = 'draft' or live_id is not null)
);
create index shows_workspace_id_status_idx on public.shows (workspace_id, status);
-- A live feeds one running show: comment idempotency keys are global, so two shows on one live
-- would each see the other's comments as already processed.
create unique index shows_one_running_show_per_live on public.shows (platform, live_id) where status in ('active', 'paused');
create index shows_connection_id_idx on public.shows (connection_id);
create trigger set_updated_at before update on public.shows
	for each row execute function private.set_updated_at();

-- Item status follows from its counts; one definition for the check below and every writer.
create function private.item_status(claimed_count int, quantity int) returns text
language sql immutable
set search_path = ''
as $$
	select case
		when claimed_count = 0 then 'unclaimed'
		when claimed_count < quantity then 'partial'
		else 'sold_out'
	end
$$;
-- The check on show_items calls it as whoever writes the row.
grant execute on function private.item_status(int, int) to service_role;

create table public.show_items (
	id uuid primary key default gen_random_uuid(),
	show_id uuid not null references public.shows (id) on delete cascade,
	-- Canonical: 1-6 digits, no leading zeros, as parse_comment returns them.
	item_number text not null check (item_number ~ '^[1-9][0-9]{0,5}$'),
	title text check (length(title) <= 200),
	description text check (length(description) <= 2000),
	quantity int not null default 1 check (quantity between 1 and 30),
	-- Winners holding a unit, and claimants waiting for one; kept by the allocation functions and
	-- checked against the claims at commit (20261122002500_claim_invariants.sql).
	claimed_count int not null default 0 check (claimed_count between 0 and quantity),
	waitlist_count int not null default 0 check (waitlist_count >= 0),
	status text not null default 'unclaimed',
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (show_id, item_number),
	constraint show_items_status_matches_counts check (status = private.item_status(claimed_count, quantity))
);
create trigger set_updated_at before update on public.show_items
	for each row execute function private.set_updated_at();

-- The shows of every workspace the current user belongs to. Policies on a show's rows say
-- `show_id in (select private.member_show_ids())`, which Postgres evaluates once per query, not
-- once per row: a show with 5,000 claims opens in milliseconds rather than seconds.
create function private.member_show_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
	select show.id
	from public.shows show
	join public.workspace_members member on member.workspace_id = show.workspace_id
	where member.user_id = (select auth.uid())
$$;
grant execute on function private.member_show_ids() to authenticated;

alter table public.shows enable row level security;
alter table public.show_items enable row level security;
revoke all on public.shows, public.show_items from anon;
revoke insert, update, delete, truncate on public.shows, public.show_items from authenticated;

create policy "members read their workspace's shows" on public.shows
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's show items" on public.show_items
	for select to authenticated
	using (show_id in (select private.member_show_ids()));
