-- The Instagram catalog import's functions. An owner or admin starts a scan of a connected
-- Instagram account (start_catalog_import, audited); the schedule opens re-scans for accounts
-- imported before (catalog_import_due). The Edge Function ig-catalog-import then reads the posts
-- and hands them over page by page (catalog_import_record, service role): each new post becomes a
-- draft product keyed by its media id, each post in its own subtransaction so one bad post fails
-- alone, counted and explained. catalog_import_finish closes the scan. Owners and admins then
-- approve drafts (they go active; a draft without a price cannot) or reject them (the draft is
-- deleted and the post remembered as rejected), one at a time or in batches, each audited.

-- A scan not heard of for this long has died (its function was killed): a new one may start.
create function private.catalog_sync_stale_after() returns interval
language sql immutable
set search_path = ''
as $$ select interval '10 minutes' $$;

-- Opens a scan of the connection, closing a dead one first; PT409 while another one runs.
create function private.open_catalog_sync(connection public.social_connections, trigger text, started_by uuid)
returns public.catalog_syncs
language plpgsql
set search_path = ''
as $$
declare
	opened public.catalog_syncs;
begin
	if connection.platform <> 'instagram' then
		raise sqlstate '22023' using message = 'only an Instagram account''s posts can be imported into the catalog';
	end if;
	if connection.status <> 'active' then
		raise sqlstate 'PT409' using message = format(
			'the Instagram connection %s is %s: reconnect it before importing', coalesce(connection.display_name, connection.external_account_id), connection.status);
	end if;
	update public.catalog_syncs s set
		status = 'failed', finished_at = now(),
		error = 'the scan stopped answering (its function ended before finishing); what it drafted is kept'
	where s.connection_id = connection.id and s.status = 'running'
		and s.heartbeat_at < now() - private.catalog_sync_stale_after();
	begin
		insert into public.catalog_syncs (workspace_id, connection_id, trigger, started_by)
		values (connection.workspace_id, connection.id, open_catalog_sync.trigger, open_catalog_sync.started_by)
		returning * into opened;
	exception when unique_violation then
		raise sqlstate 'PT409' using message = 'a scan of this Instagram account is already running';
	end;
	return opened;
end;
$$;

-- An owner or admin starts a scan of the workspace's Instagram connection; returns the scan.
create function public.start_catalog_import(connection_id uuid) returns public.catalog_syncs
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	connection public.social_connections;
	opened public.catalog_syncs;
begin
	select * into connection from public.social_connections c where c.id = start_catalog_import.connection_id;
	perform private.require_workspace_role(connection.workspace_id, 'admin', 'connection');
	opened := private.open_catalog_sync(connection, 'manual', (select auth.uid()));
	perform private.record_audit(connection.workspace_id, null, 'catalog_import.start', 'catalog_sync', opened.id,
		null, null, jsonb_build_object('connection_id', connection.id));
	return opened;
end;
$$;

-- The schedule's re-scans: for each active Instagram connection imported before, with no scan
-- running and none started within min_interval, a scheduled scan is opened. Returns them.
create function public.catalog_import_due(max_connections int, min_interval interval) returns setof public.catalog_syncs
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	connection public.social_connections;
begin
	for connection in
		select c.* from public.social_connections c
		where c.platform = 'instagram' and c.status = 'active'
			and exists (select 1 from public.catalog_syncs s where s.connection_id = c.id)
			and not exists (
				select 1 from public.catalog_syncs s
				where s.connection_id = c.id
					and (s.started_at > now() - min_interval
						or (s.status = 'running' and s.heartbeat_at >= now() - private.catalog_sync_stale_after())))
		order by (select max(s.started_at) from public.catalog_syncs s where s.connection_id = c.id)
		limit max_connections
	loop
		return next private.open_catalog_sync(connection, 'scheduled', null);
	end loop;
end;
$$;

-- The draft product a post becomes: its caption's reading, in the workspace's currency.
-- post: {media_id, media_type, caption, permalink, timestamp, image_urls,
--        extracted: {title, price, currency, compare_at_price, price_text, options: [{name, values}], skus, tags}}
create function private.catalog_draft_from_post(post jsonb, workspace_currency text, out product jsonb, out price_note text)
language plpgsql immutable
set search_path = ''
as $$
declare
	extracted jsonb := coalesce(post -> 'extracted', '{}');
	media_id text := post ->> 'media_id';
	title text := left(nullif(trim(extracted ->> 'title'), ''), 255);
	option_names jsonb;
	variants jsonb;
	skus jsonb := coalesce(extracted -> 'skus', '[]');
	price bigint := 0;
	compare_at bigint;
begin
	if extracted ->> 'price' is null then
		price_note := 'the caption names no price';
	elsif extracted ->> 'currency' is distinct from workspace_currency then
		price_note := format('the caption says %s, which is not in the catalog''s currency (%s)',
			coalesce(extracted ->> 'price_text', extracted ->> 'currency'), workspace_currency);
	else
		price := (extracted ->> 'price')::bigint;
		compare_at := (extracted ->> 'compare_at_price')::bigint;
	end if;
	title := coalesce(title, format('Instagram post of %s', coalesce(left(post ->> 'timestamp', 10), media_id)));
	-- Options (at most three) and every combination of their values as a variant, up to 100.
	select coalesce(jsonb_agg(o -> 'name' order by ordinal), '[]') into option_names
	from jsonb_array_elements(coalesce(extracted -> 'options', '[]')) with ordinality as e (o, ordinal)
	where ordinal <= 3;
	with recursive combos (values_so_far, positions, depth) as (
		select '[]'::jsonb, '{}'::bigint[], 0
		union all
		select c.values_so_far || jsonb_build_array(v.value), c.positions || v.position, c.depth + 1
		from combos c
		cross join lateral jsonb_array_elements_text(extracted -> 'options' -> c.depth -> 'values')
			with ordinality as v (value, position)
		where c.depth < jsonb_array_length(option_names)
	)
	select jsonb_agg(jsonb_build_object('option_values', c.values_so_far) order by c.positions)
	into variants
	from combos c where c.depth = jsonb_array_length(option_names);
	if jsonb_array_length(option_names) = 0 or jsonb_array_length(variants) > 100 then
		option_names := '[]';
		variants := '[{}]';
	end if;
	-- The caption's SKU goes to a single variant as is, and to several as <SKU>-<values>.
	if jsonb_array_length(skus) > 0 then
		select jsonb_agg(v || jsonb_build_object('sku', left(case
			when jsonb_array_length(variants) = 1 then skus ->> 0
			else (skus ->> 0) || '-' || upper(regexp_replace(
				(select string_agg(x, '-') from jsonb_array_elements_text(v -> 'option_values') as x), '[^A-Za-z0-9-]+', '', 'g'))
			end, 100)))
		into variants
		from jsonb_array_elements(variants) as v;
	end if;
	product := jsonb_build_object(
		'handle', left(private.handle_from(title), 180) || '-' || right(media_id, 8),
		'title', title,
		'description', coalesce(post ->> 'caption', ''),
		'price', price,
		'compare_at_price', case when compare_at > price then compare_at end,
		'image_urls', (select coalesce(jsonb_agg(u), '[]') from (
			select u from jsonb_array_elements(coalesce(post -> 'image_urls', '[]')) with ordinality as i (u, n)
			where n <= 20) as first_twenty),
		'tags', (select coalesce(jsonb_agg(t), '[]') from (
			select t from jsonb_array_elements(coalesce(extracted -> 'tags', '[]')) with ordinality as i (t, n)
			where n <= 50) as first_fifty),
		'option_names', option_names,
		'variants', variants,
		'status', 'draft',
		'external_id', media_id,
		'permalink', post ->> 'permalink'
	);
end;
$$;

-- Records drafted posts: the written product ids in the order of the drafts given.
create function private.record_drafted_posts(sync public.catalog_syncs, drafted jsonb, product_ids uuid[]) returns void
language sql
set search_path = ''
as $$
	insert into public.catalog_import_posts as existing
		(workspace_id, connection_id, media_id, media_type, permalink, caption, posted_at, status, product_id, price_note, error, last_sync_id)
	select sync.workspace_id, sync.connection_id, d.value #>> '{post,media_id}', d.value #>> '{post,media_type}',
		d.value #>> '{post,permalink}', left(coalesce(d.value #>> '{post,caption}', ''), 2200),
		(d.value #>> '{post,timestamp}')::timestamptz, 'draft', product_ids[d.ordinal], d.value ->> 'price_note', null, sync.id
	from jsonb_array_elements(drafted) with ordinality as d (value, ordinal)
	on conflict (workspace_id, media_id) do update set
		status = 'draft', product_id = excluded.product_id, price_note = excluded.price_note, error = null,
		last_sync_id = excluded.last_sync_id, caption = excluded.caption, permalink = excluded.permalink,
		media_type = excluded.media_type, posted_at = excluded.posted_at
$$;

-- Writes drafts as products; raises if any of them cannot be written. Returns their ids in order.
create function private.write_drafts(sync public.catalog_syncs, drafted jsonb) returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
	product_ids uuid[];
begin
	select array_agg(w.written_id) into product_ids
	from private.write_products(sync.workspace_id,
		(select jsonb_agg(d -> 'product') from jsonb_array_elements(drafted) as d), 'instagram', false) as w;
	-- The variant rule is checked at commit; here, so a post that breaks it fails now.
	set constraints all immediate;
	set constraints all deferred;
	perform private.record_drafted_posts(sync, drafted, product_ids);
	return product_ids;
end;
$$;

-- One page of the scan's posts: each new post becomes a draft product; posts already drafted,
-- approved or rejected are skipped (so a re-scan never duplicates and never revives a rejected
-- post); a post that cannot be drafted is recorded as failed with the reason, and the others go
-- on. The page's drafts are written together; when that fails, one by one, to find the culprit.
-- Returns {imported, skipped, failed}.
create function public.catalog_import_record(sync_id uuid, posts jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	max_posts constant int := 100;
	sync public.catalog_syncs;
	workspace_currency text;
	post jsonb;
	post_media_id text;
	draft record;
	drafted jsonb := '[]';
	imported_count int := 0;
	skipped_count int := 0;
	failed_count int := 0;
	new_failures jsonb := '[]';
	reason text;
begin
	select * into sync from public.catalog_syncs s where s.id = catalog_import_record.sync_id for update;
	if not found then
		raise sqlstate 'PT404' using message = 'catalog sync not found';
	end if;
	if sync.status <> 'running' then
		raise sqlstate 'PT409' using message = format('this scan has already %s', sync.status);
	end if;
	if jsonb_typeof(posts) is distinct from 'array' or jsonb_array_length(posts) > max_posts then
		raise sqlstate '22023' using message = format('posts must be a JSON array of at most %s posts', max_posts);
	end if;
	-- Held against a concurrent currency change, as every catalog write is.
	select w.currency into workspace_currency from public.workspaces w where w.id = sync.workspace_id for share;

	-- Known posts are skipped; the others are read into drafts (or fail here, e.g. without an id).
	for post in select p from jsonb_array_elements(posts) as p loop
		post_media_id := post ->> 'media_id';
		if exists (
			select 1 from public.catalog_import_posts existing
			where existing.workspace_id = sync.workspace_id and existing.media_id = post_media_id
				and existing.status <> 'failed'
		) or exists (
			select 1 from public.products p
			where p.workspace_id = sync.workspace_id and p.source = 'instagram' and p.external_id = post_media_id
		) or exists (
			select 1 from jsonb_array_elements(drafted) as d where d #>> '{post,media_id}' = post_media_id
		) then
			skipped_count := skipped_count + 1;
			continue;
		end if;
		begin
			if post_media_id is null or post_media_id !~ '^[0-9A-Za-z_]{1,64}$' then
				raise sqlstate '22023' using message = 'the post has no usable media id';
			end if;
			select * into draft from private.catalog_draft_from_post(post, workspace_currency);
			drafted := drafted || jsonb_build_array(jsonb_build_object('post', post, 'product', draft.product, 'price_note', draft.price_note));
		exception when others then
			failed_count := failed_count + 1;
			new_failures := new_failures || jsonb_build_object('media_id', post_media_id, 'post', post, 'reason', left(sqlerrm, 500));
		end;
	end loop;

	if jsonb_array_length(drafted) > 0 then
		begin
			perform private.write_drafts(sync, drafted);
			imported_count := jsonb_array_length(drafted);
		exception when others then
			for post in select d from jsonb_array_elements(drafted) as d loop
				begin
					perform private.write_drafts(sync, jsonb_build_array(post));
					imported_count := imported_count + 1;
				exception when others then
					failed_count := failed_count + 1;
					new_failures := new_failures || jsonb_build_object(
						'media_id', post #>> '{post,media_id}', 'post', post -> 'post', 'reason', left(sqlerrm, 500));
				end;
			end loop;
		end;
	end if;

	-- Failed posts are kept as such (the next scan tries them again), with the reason.
	insert into public.catalog_import_posts as existing
		(workspace_id, connection_id, media_id, media_type, permalink, caption, status, error, last_sync_id)
	select sync.workspace_id, sync.connection_id, f ->> 'media_id',
		case when f #>> '{post,media_type}' in ('IMAGE', 'VIDEO', 'CAROUSEL_ALBUM') then f #>> '{post,media_type}' end,
		case when private.are_web_urls(array[f #>> '{post,permalink}']) then f #>> '{post,permalink}' end,
		left(coalesce(f #>> '{post,caption}', ''), 2200), 'failed', f ->> 'reason', sync.id
	from jsonb_array_elements(new_failures) as f
	where f ->> 'media_id' ~ '^[0-9A-Za-z_]{1,64}$'
	on conflict (workspace_id, media_id) do update set status = 'failed', error = excluded.error, last_sync_id = excluded.last_sync_id;

	update public.catalog_syncs s set
		found = s.found + jsonb_array_length(posts),
		imported = s.imported + imported_count,
		skipped = s.skipped + skipped_count,
		failed = s.failed + failed_count,
		failures = s.failures || (
			select coalesce(jsonb_agg(jsonb_build_object('media_id', f ->> 'media_id', 'permalink', f #>> '{post,permalink}', 'reason', f ->> 'reason')), '[]')
			from (select f from jsonb_array_elements(new_failures) with ordinality as e (f, n)
				where n <= 100 - jsonb_array_length(s.failures)) as first_failures),
		heartbeat_at = now()
	where s.id = sync.id;
	return jsonb_build_object('imported', imported_count, 'skipped', skipped_count, 'failed', failed_count);
end;
$$;

-- Closes a scan: succeeded, or failed with the reason (what it drafted stays).
create function public.catalog_import_finish(sync_id uuid, status text, error text) returns public.catalog_syncs
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	finished public.catalog_syncs;
begin
	if status not in ('succeeded', 'failed') then
		raise sqlstate '22023' using message = format('a scan finishes as succeeded or failed, not %s', status);
	end if;
	update public.catalog_syncs s set
		status = catalog_import_finish.status, finished_at = now(), heartbeat_at = now(),
		error = left(catalog_import_finish.error, 2000)
	where s.id = catalog_import_finish.sync_id and s.status = 'running'
	returning * into finished;
	if not found then
		raise sqlstate 'PT409' using message = 'this scan is not running';
	end if;
	return finished;
end;
$$;

-- The given drafts go active (an owner's or admin's review). A draft with no price stays a draft:
-- its id comes back under needs_price. Ids that are not this workspace's Instagram drafts are
-- counted as not_found. Returns {approved, needs_price: [ids], not_found}.
create function public.approve_catalog_drafts(workspace_id uuid, product_ids uuid[]) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	draft public.products;
	approved_ids uuid[] := '{}';
	unpriced_ids uuid[] := '{}';
begin
	perform private.lock_catalog(approve_catalog_drafts.workspace_id, 'admin', 'workspace');
	if product_ids is null or cardinality(product_ids) = 0 or cardinality(product_ids) > 1000 then
		raise sqlstate '22023' using message = 'choose from 1 to 1000 drafts to approve';
	end if;
	for draft in
		select p.* from public.products p
		where p.workspace_id = approve_catalog_drafts.workspace_id and p.id = any (product_ids)
			and p.source = 'instagram' and p.status = 'draft'
		order by p.id
		for update
	loop
		if draft.price = 0 then
			unpriced_ids := unpriced_ids || draft.id;
			continue;
		end if;
		update public.products p set status = 'active' where p.id = draft.id;
		approved_ids := approved_ids || draft.id;
		perform private.record_audit(draft.workspace_id, null, 'product.approve', 'product', draft.id,
			jsonb_build_object('status', 'draft'), jsonb_build_object('status', 'active'),
			jsonb_build_object('external_id', draft.external_id));
	end loop;
	update public.catalog_import_posts post set status = 'approved'
	where post.workspace_id = approve_catalog_drafts.workspace_id and post.product_id = any (approved_ids);
	return jsonb_build_object(
		'approved', cardinality(approved_ids),
		'needs_price', to_jsonb(unpriced_ids),
		'not_found', (select count(distinct id) from unnest(product_ids) as id) - cardinality(approved_ids) - cardinality(unpriced_ids));
end;
$$;

-- The given drafts are turned down: deleted, and their posts remembered as rejected (with the
-- reason) so no later scan drafts them again. Returns how many were rejected.
create function public.reject_catalog_drafts(workspace_id uuid, product_ids uuid[], reason text default null) returns int
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	draft public.products;
	given_reason text := nullif(trim(reason), '');
	rejected int := 0;
begin
	perform private.lock_catalog(reject_catalog_drafts.workspace_id, 'admin', 'workspace');
	if product_ids is null or cardinality(product_ids) = 0 or cardinality(product_ids) > 1000 then
		raise sqlstate '22023' using message = 'choose from 1 to 1000 drafts to reject';
	end if;
	if length(given_reason) > 500 then
		raise sqlstate '22023' using message = 'a reason is at most 500 characters';
	end if;
	for draft in
		select p.* from public.products p
		where p.workspace_id = reject_catalog_drafts.workspace_id and p.id = any (product_ids)
			and p.source = 'instagram' and p.status = 'draft'
		order by p.id
		for update
	loop
		update public.catalog_import_posts post set status = 'rejected', reject_reason = given_reason
		where post.workspace_id = draft.workspace_id and post.product_id = draft.id;
		perform private.record_audit(draft.workspace_id, null, 'product.reject', 'product', draft.id,
			private.product_json(draft.id), null, jsonb_build_object('external_id', draft.external_id, 'reason', given_reason));
		delete from public.products p where p.id = draft.id;
		rejected := rejected + 1;
	end loop;
	return rejected;
end;
$$;

revoke execute on function
	private.catalog_sync_stale_after(),
	private.open_catalog_sync(public.social_connections, text, uuid),
	private.catalog_draft_from_post(jsonb, text),
	private.record_drafted_posts(public.catalog_syncs, jsonb, uuid[]),
	private.write_drafts(public.catalog_syncs, jsonb)
from public, anon, authenticated, service_role;
revoke execute on function
	public.start_catalog_import(uuid),
	public.catalog_import_due(int, interval),
	public.catalog_import_record(uuid, jsonb),
	public.catalog_import_finish(uuid, text, text),
	public.approve_catalog_drafts(uuid, uuid[]),
	public.reject_catalog_drafts(uuid, uuid[], text)
from public, anon, authenticated, service_role;
grant execute on function
	public.start_catalog_import(uuid),
	public.approve_catalog_drafts(uuid, uuid[]),
	public.reject_catalog_drafts(uuid, uuid[], text)
to authenticated;
grant execute on function
	public.catalog_import_due(int, interval),
	public.catalog_import_record(uuid, jsonb),
	public.catalog_import_finish(uuid, text, text)
to service_role;
