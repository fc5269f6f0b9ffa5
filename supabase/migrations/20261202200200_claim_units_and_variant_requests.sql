-- A buyer may hold several units of one item row: one claim per unit, so every invariant on
-- counts and waitlist places holds unchanged. buyer_unit numbers a buyer's open claims on a row
-- (1, 2, ...); the unique index now keeps one open claim per buyer and unit instead of one per
-- buyer, and still catches a claim placed twice.
alter table public.claims add column buyer_unit int not null default 1 check (buyer_unit >= 1);
drop index public.claims_one_active_claim_per_buyer;
create unique index claims_one_active_claim_per_buyer_unit on public.claims
	(show_item_id, coalesce(platform_user_id, '@' || lower(user_handle)), buyer_unit)
	where status in ('winner', 'waitlist');

-- A claim on an item with variants that names none of them, or names it ambiguously ("sold 12"
-- when 12 comes in Blue / M and Red / M): allocation never guesses, it records the request here
-- for the operator, who resolves it by picking the variant (resolve_variant_request) or dismisses
-- it. Written only by those functions; members read.
--   open: waiting for the operator; resolved: allocated on a variant, by the operator or because
--   the buyer named it in a later comment; passed: the buyer passed the item; dismissed: the
--   operator dropped it.
create table public.variant_requests (
	id uuid primary key default gen_random_uuid(),
	show_id uuid not null references public.shows (id) on delete cascade,
	item_number text not null,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	platform_user_id text not null,
	user_handle text,
	user_display_name text,
	source_comment_id uuid references public.comments (id) on delete set null,
	raw_text text,
	-- What the comment said after the item number, as parse_comment read it.
	variant_words text[] not null default '{}',
	-- Units asked for, after the workspace's cap.
	quantity int not null default 1 check (quantity between 1 and 30),
	status text not null default 'open' check (status in ('open', 'resolved', 'passed', 'dismissed')),
	-- The variant row it was allocated on, once resolved.
	resolved_show_item_id uuid references public.show_items (id) on delete set null,
	-- The operator who resolved or dismissed it (null when the buyer did).
	resolved_by uuid references auth.users (id) on delete set null,
	resolved_at timestamptz,
	is_test boolean not null default false,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	constraint variant_requests_resolution_recorded check ((status = 'open') = (resolved_at is null))
);
-- A buyer has at most one open request per item number: asking again is a duplicate.
create unique index variant_requests_one_open_per_buyer on public.variant_requests
	(show_id, item_number, platform_user_id)
	where status = 'open';
create index variant_requests_show_id_created_at_idx on public.variant_requests (show_id, created_at);
create index variant_requests_source_comment_id_idx on public.variant_requests (source_comment_id);
create index variant_requests_resolved_show_item_id_idx on public.variant_requests (resolved_show_item_id);
create index variant_requests_resolved_by_idx on public.variant_requests (resolved_by);
create trigger set_updated_at before update on public.variant_requests
	for each row execute function private.set_updated_at();

alter table public.variant_requests enable row level security;
revoke all on public.variant_requests from anon;
revoke insert, update, delete, truncate, references, trigger on public.variant_requests from authenticated;
grant select on public.variant_requests to authenticated;

create policy "members read their workspace's variant requests" on public.variant_requests
	for select to authenticated
	using (show_id in (select private.member_show_ids()));

-- The live console follows them like claims.
alter publication supabase_realtime add table public.variant_requests;
