-- The OBS overlay: a browser-source page per show (the console's /overlay/<token>) showing the
-- pinned item, the latest wins and the waitlist, with no login. Its link carries a long random
-- token (32 bytes, base64url); only its SHA-256 is stored (show_overlays.token_hash), and each new
-- link gets a new link_id. The overlay-session Edge Function exchanges a token for a JWT of a few
-- minutes with role anon and the claim overlay_link_id; the only thing that JWT can read is the
-- show's row in public.overlay_feeds, through the policy below, which checks on every read and
-- every Realtime change that the link is still the show's current one. A replaced or revoked link
-- therefore stops at once, its open Realtime subscription included (Realtime checks RLS per change).
--
-- overlay_feeds is a read model: only what the overlay shows (no buyer ids, no comment text, no
-- notes), kept up to date by triggers, and only for shows that have an overlay.

create table public.show_overlays (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	show_id uuid not null unique references public.shows (id) on delete cascade,
	-- SHA-256 of the current link's token; null when the show has no working link.
	token_hash bytea unique,
	-- The current link's id, carried by its sessions: a new link or a revocation ends them.
	link_id uuid unique,
	link_created_at timestamptz,
	link_created_by uuid references auth.users (id) on delete set null,
	link_revoked_at timestamptz,
	-- What the overlay shows and where (private.overlay_settings normalises and checks it).
	settings jsonb not null,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	check ((token_hash is null) = (link_id is null))
);
create index show_overlays_workspace_id_idx on public.show_overlays (workspace_id);
create index show_overlays_link_created_by_idx on public.show_overlays (link_created_by);
create trigger set_updated_at before update on public.show_overlays
	for each row execute function private.set_updated_at();

create table public.overlay_feeds (
	show_id uuid primary key references public.shows (id) on delete cascade,
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	settings jsonb not null,
	currency text not null,
	-- Digits after the decimal point of the currency's minor unit (prices are in minor units).
	currency_minor_unit smallint not null,
	-- {item_number, title, price, image_url, units_left, waiting}; null when nothing is pinned.
	pinned jsonb,
	-- The latest wins, newest first (up to 5): [{buyer, item_number, at, test}].
	sold jsonb not null default '[]',
	-- Buyers waiting for the pinned item, or for any item of the show when nothing is pinned.
	waiting int not null default 0,
	updated_at timestamptz not null default now()
);
create index overlay_feeds_workspace_id_idx on public.overlay_feeds (workspace_id);

alter table public.show_overlays enable row level security;
alter table public.overlay_feeds enable row level security;
revoke all on public.show_overlays, public.overlay_feeds from anon, authenticated;
grant select on public.show_overlays to authenticated;
-- anon: only this table, and only the rows its overlay link's JWT opens (policy below).
grant select on public.overlay_feeds to anon, authenticated;

-- anon reaches schema private only to run overlay_link_reads in the policy below; nothing else in
-- private is granted to anon.
grant usage on schema private to anon;

-- Whether the caller's JWT is a session of show_id's current overlay link (claim overlay_link_id).
-- Security definer: anon cannot read show_overlays. A JWT without the claim opens nothing.
create function private.overlay_link_reads(show_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
	select exists (
		select 1 from public.show_overlays o
		where o.show_id = overlay_link_reads.show_id
			and o.link_id = (
				select case when claim ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then claim::uuid end
				from (select auth.jwt() ->> 'overlay_link_id' as claim) as jwt
			)
	)
$$;

create policy "members read their workspace's overlays" on public.show_overlays
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's overlay feeds" on public.overlay_feeds
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "an overlay link reads its own show's feed" on public.overlay_feeds
	for select to anon
	using (private.overlay_link_reads(show_id));

alter publication supabase_realtime add table public.overlay_feeds;

-- Settings as stored: the defaults with the given keys over them, each checked.
-- position: where on the 16:9 canvas; colours: #rrggbb; show_*: which parts appear.
create function private.overlay_settings(base jsonb, changes jsonb) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
	merged jsonb;
	allowed text[] := array['position', 'accent_color', 'text_color', 'background_color', 'show_pinned', 'show_sold', 'show_waiting'];
	key text;
begin
	if jsonb_typeof(changes) is distinct from 'object' then
		raise sqlstate '22023' using message = 'overlay settings must be an object';
	end if;
	for key in select jsonb_object_keys(changes) loop
		if not key = any(allowed) then
			raise sqlstate '22023' using message = format('unknown overlay setting %s', left(key, 50));
		end if;
	end loop;
	merged := jsonb_build_object(
		'position', 'bottom-left',
		'accent_color', '#ff3b6b',
		'text_color', '#ffffff',
		'background_color', '#111827',
		'show_pinned', true,
		'show_sold', true,
		'show_waiting', true
	) || coalesce(base, '{}') || changes;
	if (merged ->> 'position') is null or (merged ->> 'position') not in ('top-left', 'top-right', 'bottom-left', 'bottom-right') then
		raise sqlstate '22023' using message = 'position must be top-left, top-right, bottom-left or bottom-right';
	end if;
	foreach key in array array['accent_color', 'text_color', 'background_color'] loop
		if jsonb_typeof(merged -> key) is distinct from 'string' or (merged ->> key) !~ '^#[0-9a-fA-F]{6}$' then
			raise sqlstate '22023' using message = format('%s must be a colour like #ff3b6b', key);
		end if;
	end loop;
	foreach key in array array['show_pinned', 'show_sold', 'show_waiting'] loop
		if jsonb_typeof(merged -> key) is distinct from 'boolean' then
			raise sqlstate '22023' using message = format('%s must be true or false', key);
		end if;
	end loop;
	return merged;
end;
$$;

-- Rebuilds a show's feed from its pin, items and claims; writes only when something changed, so
-- the overlay gets one Realtime change per visible change.
create function private.refresh_overlay_feed(target_show_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
	insert into public.overlay_feeds as f (show_id, workspace_id, settings, currency, currency_minor_unit, pinned, sold, waiting, updated_at)
	select s.id, s.workspace_id, o.settings, s.currency, cur.minor_unit, pinned.item, coalesce(sold.wins, '[]'),
		coalesce((pinned.item ->> 'waiting')::int, (select coalesce(sum(i.waitlist_count), 0) from public.show_items i where i.show_id = s.id))::int,
		now()
	from public.shows s
	join public.show_overlays o on o.show_id = s.id
	join public.currencies cur on cur.code = s.currency
	left join lateral (
		select jsonb_build_object(
			'item_number', s.pinned_item_number,
			'title', min(i.title),
			'price', min(i.price),
			'image_url', min(i.image_url),
			'units_left', sum(greatest(0, i.quantity - i.claimed_count)),
			'waiting', sum(i.waitlist_count)
		) as item
		from public.show_items i
		where i.show_id = s.id and i.item_number = s.pinned_item_number::text
		having count(*) > 0
	) pinned on true
	left join lateral (
		select jsonb_agg(jsonb_build_object(
			'buyer', win.buyer, 'item_number', win.item_number, 'at', win.won_at, 'test', win.is_test
		) order by win.won_at desc) as wins
		from (
			-- A handle, else the first name Facebook shows: never a platform id.
			select coalesce('@' || c.user_handle, nullif(split_part(c.user_display_name, ' ', 1), ''), 'a viewer') as buyer,
				c.item_number, coalesce(c.promoted_at, c.created_at) as won_at, c.is_test
			from public.claims c
			where c.show_id = s.id and c.status = 'winner'
			order by coalesce(c.promoted_at, c.created_at) desc
			limit 5
		) win
	) sold on true
	where s.id = target_show_id
	on conflict (show_id) do update set
		settings = excluded.settings,
		currency = excluded.currency,
		currency_minor_unit = excluded.currency_minor_unit,
		pinned = excluded.pinned,
		sold = excluded.sold,
		waiting = excluded.waiting,
		updated_at = excluded.updated_at
	where (f.settings, f.pinned, f.sold, f.waiting) is distinct from (excluded.settings, excluded.pinned, excluded.sold, excluded.waiting);
end;
$$;

-- Keeping feeds current: claims and items change in batches (allocation), so once per statement,
-- and only for shows that have an overlay.
create function private.refresh_overlay_feeds_of_rows() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	target uuid;
begin
	for target in
		select distinct changed.show_id from changed_rows changed
		where exists (select 1 from public.overlay_feeds f where f.show_id = changed.show_id)
	loop
		perform private.refresh_overlay_feed(target);
	end loop;
	return null;
end;
$$;
create trigger refresh_overlay_feeds after insert on public.claims
	referencing new table as changed_rows
	for each statement execute function private.refresh_overlay_feeds_of_rows();
create trigger refresh_overlay_feeds_on_update after update on public.claims
	referencing new table as changed_rows
	for each statement execute function private.refresh_overlay_feeds_of_rows();
create trigger refresh_overlay_feeds_on_update after update on public.show_items
	referencing new table as changed_rows
	for each statement execute function private.refresh_overlay_feeds_of_rows();

create function private.refresh_overlay_feed_of_show() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	if exists (select 1 from public.overlay_feeds f where f.show_id = new.id) then
		perform private.refresh_overlay_feed(new.id);
	end if;
	return null;
end;
$$;
create trigger refresh_overlay_feed after update of pinned_item_number on public.shows
	for each row when (new.pinned_item_number is distinct from old.pinned_item_number)
	execute function private.refresh_overlay_feed_of_show();

-- The show's overlay row, made with default settings the first time a member touches it.
create function private.show_overlay_for(target_show_id uuid, min_role text) returns public.show_overlays
language plpgsql volatile
set search_path = ''
as $$
declare
	target public.shows;
	overlay public.show_overlays;
begin
	perform private.require_workspace_role((select s.workspace_id from public.shows s where s.id = target_show_id), min_role, 'show');
	select * into target from public.shows s where s.id = target_show_id;
	insert into public.show_overlays (workspace_id, show_id, settings)
	values (target.workspace_id, target.id, private.overlay_settings('{}', '{}'))
	on conflict (show_id) do nothing;
	select * into overlay from public.show_overlays o where o.show_id = target.id for update;
	return overlay;
end;
$$;

-- A new overlay link for the show (owners and admins): any earlier link stops working at once.
-- Returns {token, link_id, created_at}; the token is shown this once and never stored.
create function public.create_overlay_link(show_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	overlay public.show_overlays;
	token text := rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
	replaced boolean;
begin
	overlay := private.show_overlay_for(create_overlay_link.show_id, 'admin');
	replaced := overlay.link_id is not null;
	update public.show_overlays o set
		token_hash = extensions.digest(convert_to(token, 'UTF8'), 'sha256'),
		link_id = gen_random_uuid(),
		link_created_at = now(),
		link_created_by = (select auth.uid()),
		link_revoked_at = null
	where o.id = overlay.id
	returning * into overlay;
	perform private.refresh_overlay_feed(overlay.show_id);
	perform private.record_audit(overlay.workspace_id, overlay.show_id,
		case when replaced then 'overlay.link_replaced' else 'overlay.link_created' end,
		'show_overlay', overlay.id, null, jsonb_build_object('link_id', overlay.link_id));
	return jsonb_build_object('token', token, 'link_id', overlay.link_id, 'created_at', overlay.link_created_at);
end;
$$;

-- Revokes the show's overlay link (owners and admins): its page and open sessions stop at once.
create function public.revoke_overlay_link(show_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	overlay public.show_overlays;
	revoked uuid;
begin
	overlay := private.show_overlay_for(revoke_overlay_link.show_id, 'admin');
	if overlay.link_id is null then
		raise sqlstate 'PT409' using message = 'this show has no overlay link to revoke';
	end if;
	revoked := overlay.link_id;
	update public.show_overlays o set token_hash = null, link_id = null, link_revoked_at = now()
	where o.id = overlay.id;
	perform private.record_audit(overlay.workspace_id, overlay.show_id, 'overlay.link_revoked',
		'show_overlay', overlay.id, jsonb_build_object('link_id', revoked), null);
end;
$$;

-- Changes what the overlay shows and where (any member running the show). Returns the settings.
create function public.set_overlay_settings(show_id uuid, settings jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	overlay public.show_overlays;
	changed jsonb;
begin
	overlay := private.show_overlay_for(set_overlay_settings.show_id, 'assistant');
	changed := private.overlay_settings(overlay.settings, set_overlay_settings.settings);
	update public.show_overlays o set settings = changed where o.id = overlay.id;
	perform private.refresh_overlay_feed(overlay.show_id);
	perform private.record_audit(overlay.workspace_id, overlay.show_id, 'overlay.settings',
		'show_overlay', overlay.id, jsonb_build_object('settings', overlay.settings), jsonb_build_object('settings', changed));
	return changed;
end;
$$;

-- For overlay-session (service role): the show and link a token opens, or PT404 when the token is
-- not a current link (revoked, replaced or never made; the three are not told apart).
create function public.open_overlay_session(token text) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	overlay public.show_overlays;
begin
	if token is not null and length(token) <= 200 then
		select * into overlay from public.show_overlays o
		where o.token_hash = extensions.digest(convert_to(token, 'UTF8'), 'sha256') and o.link_id is not null;
	end if;
	if overlay.id is null then
		raise sqlstate 'PT404' using message = 'this overlay link was revoked or replaced';
	end if;
	return jsonb_build_object('show_id', overlay.show_id, 'link_id', overlay.link_id);
end;
$$;

revoke execute on function
	private.overlay_link_reads(uuid),
	private.overlay_settings(jsonb, jsonb),
	private.refresh_overlay_feed(uuid),
	private.refresh_overlay_feeds_of_rows(),
	private.refresh_overlay_feed_of_show(),
	private.show_overlay_for(uuid, text),
	public.create_overlay_link(uuid),
	public.revoke_overlay_link(uuid),
	public.set_overlay_settings(uuid, jsonb),
	public.open_overlay_session(text)
from public, anon, authenticated, service_role;
-- The anon policy on overlay_feeds runs it as the reader.
grant execute on function private.overlay_link_reads(uuid) to anon;
grant execute on function
	public.create_overlay_link(uuid),
	public.revoke_overlay_link(uuid),
	public.set_overlay_settings(uuid, jsonb)
to authenticated;
grant execute on function public.open_overlay_session(text) to service_role;
