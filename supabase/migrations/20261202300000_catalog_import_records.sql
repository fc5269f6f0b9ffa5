-- What the Instagram catalog import keeps (supabase/functions/ig-catalog-import): one row per
-- scan of a connected Instagram account (public.catalog_syncs: when, how far, what it found,
-- drafted, skipped and why posts failed) and one row per post it has seen
-- (public.catalog_import_posts: the draft product it became, or that the seller rejected it, so a
-- later scan neither duplicates nor revives it). Members read both over RLS and Realtime, so the
-- console shows a scan's progress as it runs; only the import functions write them.

create table public.catalog_syncs (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	connection_id uuid not null references public.social_connections (id) on delete cascade,
	-- 'manual': an owner or admin started it; 'scheduled': the periodic re-scan for new posts.
	trigger text not null check (trigger in ('manual', 'scheduled')),
	started_by uuid references auth.users (id) on delete set null,
	status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
	started_at timestamptz not null default now(),
	-- Moved on by every page written: a running scan not heard of for a while has died.
	heartbeat_at timestamptz not null default now(),
	finished_at timestamptz,
	-- Posts read from Instagram, drafts created, posts already known, posts that could not be drafted.
	found int not null default 0 check (found >= 0),
	imported int not null default 0 check (imported >= 0),
	skipped int not null default 0 check (skipped >= 0),
	failed int not null default 0 check (failed >= 0),
	-- Why the scan stopped early, for the console.
	error text check (length(error) <= 2000),
	-- [{media_id, permalink, reason}] of the first failures, for the console.
	failures jsonb not null default '[]' check (jsonb_typeof(failures) = 'array'),
	check ((status = 'running') = (finished_at is null))
);
create index catalog_syncs_workspace_id_started_at_idx on public.catalog_syncs (workspace_id, started_at desc);
-- One scan at a time per account.
create unique index catalog_syncs_one_running_idx on public.catalog_syncs (connection_id) where status = 'running';

create table public.catalog_import_posts (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	connection_id uuid not null references public.social_connections (id) on delete cascade,
	-- Instagram's media id: the key that makes a re-scan idempotent.
	media_id text not null check (media_id ~ '^[0-9A-Za-z_]{1,64}$'),
	media_type text check (media_type in ('IMAGE', 'VIDEO', 'CAROUSEL_ALBUM')),
	permalink text check (private.are_web_urls(array[permalink])),
	caption text not null default '' check (length(caption) <= 2200),
	posted_at timestamptz,
	-- 'draft': a draft product awaits review; 'approved': it went active; 'rejected': the seller
	-- turned it down (its draft is deleted); 'failed': no draft could be made (error says why),
	-- the next scan tries again.
	status text not null check (status in ('draft', 'approved', 'rejected', 'failed')),
	product_id uuid references public.products (id) on delete set null,
	-- Why the draft has no price: none in the caption, or one in another currency than the catalog's.
	price_note text check (length(price_note) <= 500),
	error text check (length(error) <= 2000),
	reject_reason text check (length(reject_reason) <= 500),
	last_sync_id uuid references public.catalog_syncs (id) on delete set null,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (workspace_id, media_id)
);
create index catalog_import_posts_workspace_id_status_idx on public.catalog_import_posts (workspace_id, status, posted_at desc);
create index catalog_import_posts_product_id_idx on public.catalog_import_posts (product_id);
create trigger set_updated_at before update on public.catalog_import_posts
	for each row execute function private.set_updated_at();

alter table public.catalog_syncs enable row level security;
alter table public.catalog_import_posts enable row level security;
revoke all on public.catalog_syncs, public.catalog_import_posts from anon;
revoke insert, update, delete, truncate, references, trigger on public.catalog_syncs, public.catalog_import_posts from authenticated;

create policy "members read their workspace's catalog syncs" on public.catalog_syncs
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's imported posts" on public.catalog_import_posts
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

alter publication supabase_realtime add table public.catalog_syncs, public.catalog_import_posts;
