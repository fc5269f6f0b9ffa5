-- Every comment a show receives (claims or not: the console's live stream and search read them)
-- and the claims allocated from them. Written only by the allocation functions; members read.

create table public.comments (
	id uuid primary key default gen_random_uuid(),
	show_id uuid not null references public.shows (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	live_id text,
	-- The platform's own comment id, when it gives one.
	comment_id text,
	platform_user_id text not null,
	user_handle text,
	user_display_name text,
	raw_text text not null,
	normalized_text text not null,
	-- hash(platform + comment_id), or without a comment id
	-- hash(platform + live_id + user + normalized text + 10-second bucket), so a poll that overlaps its predecessor stores a comment once.
	idempotency_key text not null unique,
	-- The platform's timestamp: allocation order within a batch.
	commented_at timestamptz not null,
	-- parse_comment's result: [{intent, item_number}] in order of appearance.
	intents jsonb not null default '[]',
	outcome text not null check (outcome in ('processed', 'ignored')),
	ignored_reason text check ((outcome = 'ignored') = (ignored_reason is not null)),
	-- The result returned for each intent, returned again verbatim when the comment is replayed.
	results jsonb not null default '[]',
	-- An operator's rehearsal comment (emit_test_comment), and who emitted it.
	is_test boolean not null default false,
	emitted_by uuid references auth.users (id) on delete set null,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index comments_show_id_created_at_idx on public.comments (show_id, created_at);
create trigger set_updated_at before update on public.comments
	for each row execute function private.set_updated_at();

create table public.claims (
	id uuid primary key default gen_random_uuid(),
	show_id uuid not null references public.shows (id) on delete cascade,
	show_item_id uuid not null references public.show_items (id) on delete cascade,
	item_number text not null,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	live_id text,
	-- Null only for a manual award to a handle the platform has not identified.
	platform_user_id text,
	user_handle text,
	user_display_name text,
	source_comment_id uuid references public.comments (id) on delete set null,
	comment_id text,
	raw_text text,
	-- winner holds a unit; waitlist waits at waitlist_position (1..n, FIFO); passed and released
	-- are history: the claimant passed, or an operator released the claim.
	status text not null check (status in ('winner', 'waitlist', 'passed', 'released')),
	waitlist_position int check (waitlist_position >= 1),
	promoted_at timestamptz,
	ended_at timestamptz,
	-- The operator who released the claim (null when the claimant passed).
	ended_by uuid references auth.users (id) on delete set null,
	-- Manual awards and releases name the operator.
	operator_action boolean not null default false,
	operator_user_id uuid references auth.users (id) on delete set null,
	operator_notes text,
	is_test boolean not null default false,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	constraint claims_buyer_identified check (platform_user_id is not null or user_handle is not null),
	constraint claims_position_only_while_waiting check ((status = 'waitlist') = (waitlist_position is not null)),
	-- Deferred so the waitlist can be renumbered in one statement.
	constraint claims_waitlist_position_unique exclude using btree (show_item_id with =, waitlist_position with =)
		where (status = 'waitlist') deferrable initially deferred
);
-- A buyer holds or waits for an item at most once.
create unique index claims_one_active_claim_per_buyer on public.claims
	(show_item_id, coalesce(platform_user_id, '@' || lower(user_handle)))
	where status in ('winner', 'waitlist');
create index claims_show_item_id_status_idx on public.claims (show_item_id, status, waitlist_position);
create index claims_show_id_created_at_idx on public.claims (show_id, created_at);
create index claims_show_id_platform_user_id_idx on public.claims (show_id, platform_user_id);
create index claims_source_comment_id_idx on public.claims (source_comment_id);
create trigger set_updated_at before update on public.claims
	for each row execute function private.set_updated_at();

alter table public.comments enable row level security;
alter table public.claims enable row level security;
revoke all on public.comments, public.claims from anon;
revoke insert, update, delete, truncate on public.comments, public.claims from authenticated;

create policy "members read their workspace's comments" on public.comments
	for select to authenticated
	using (show_id in (select private.member_show_ids()));
create policy "members read their workspace's claims" on public.claims
	for select to authenticated
	using (show_id in (select private.member_show_ids()));
