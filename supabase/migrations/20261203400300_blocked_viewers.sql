-- Blocked viewers, per workspace: a viewer (platform and platform user id; the handle is kept to
-- show who it is) whose comments are recorded and ignored with reason blocked, in every show of
-- the workspace, from the moment of blocking. The live console blocks from a claim or a comment
-- in one action (block_viewer), and may at the same time release the viewer's open claims in that
-- show (each promotes the next waiter as any release does) and dismiss their open variant
-- requests; unblock_viewer lifts it. Both are open to every member running the live, and audited.
-- Members read the list; the console follows it on Realtime.

create table public.blocked_viewers (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram', 'test')),
	platform_user_id text not null check (length(platform_user_id) between 1 and 200),
	user_handle text check (length(user_handle) <= 200),
	user_display_name text check (length(user_display_name) <= 200),
	blocked_by uuid references auth.users (id) on delete set null,
	created_at timestamptz not null default now(),
	unique (workspace_id, platform, platform_user_id)
);
create index blocked_viewers_blocked_by_idx on public.blocked_viewers (blocked_by);

alter table public.blocked_viewers enable row level security;
revoke all on public.blocked_viewers from anon;
revoke insert, update, delete, truncate, references, trigger on public.blocked_viewers from authenticated;
grant select on public.blocked_viewers to authenticated;

create policy "members read their workspace's blocked viewers" on public.blocked_viewers
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

-- Deletes carry the whole row, so Realtime can tell the console which viewer was unblocked.
alter table public.blocked_viewers replica identity full;
alter publication supabase_realtime add table public.blocked_viewers;

-- Blocks the commenter of a claim or comment of the show, by platform and platform user id
-- (the handle is what the console shows). With release_claims, also releases every open claim
-- the viewer holds in the show (waiters first, from the back of each line, then winners, whose
-- units go to the next waiters) and dismisses their open variant requests. Blocking a viewer
-- already blocked changes nothing but the release. Returns {blocked, claims, promoted, items,
-- variant_requests}.
create function public.block_viewer(
	show_id uuid,
	platform text,
	platform_user_id text,
	user_handle text default null,
	user_display_name text default null,
	release_claims boolean default false
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target_show public.shows;
	operator_id uuid;
	blocked public.blocked_viewers;
	ending public.claims;
	promoted public.claims;
	released_ids uuid[] := '{}';
	promoted_ids uuid[] := '{}';
	dismissed_ids uuid[] := '{}';
	result jsonb;
begin
	select * into target_show from public.shows s where s.id = block_viewer.show_id;
	operator_id := private.require_workspace_role(target_show.workspace_id, 'assistant', 'show');
	if block_viewer.platform is null or block_viewer.platform not in ('facebook', 'instagram', 'test') then
		raise sqlstate '22023' using message = format('platform must be facebook, instagram or test, not %s', coalesce(block_viewer.platform, 'missing'));
	end if;
	if nullif(trim(block_viewer.platform_user_id), '') is null or length(block_viewer.platform_user_id) > 200 then
		raise sqlstate '22023' using message = 'block_viewer needs the platform user id of the viewer (at most 200 characters)';
	end if;
	insert into public.blocked_viewers (workspace_id, platform, platform_user_id, user_handle, user_display_name, blocked_by)
	values (target_show.workspace_id, block_viewer.platform, block_viewer.platform_user_id, left(block_viewer.user_handle, 200),
		left(block_viewer.user_display_name, 200), operator_id)
	on conflict on constraint blocked_viewers_workspace_id_platform_platform_user_id_key do nothing
	returning * into blocked;
	if blocked.id is null then
		select * into blocked from public.blocked_viewers b
		where b.workspace_id = target_show.workspace_id and b.platform = block_viewer.platform
			and b.platform_user_id = block_viewer.platform_user_id;
	else
		perform private.record_audit(target_show.workspace_id, target_show.id, 'viewer.block', 'blocked_viewer', blocked.id,
			null, to_jsonb(blocked), jsonb_build_object('release_claims', release_claims));
	end if;

	if release_claims then
		-- Locks as allocation: the show, then the viewer's items in id order.
		perform from public.shows s where s.id = target_show.id for share;
		perform from public.show_items i
		where i.id in (
			select c.show_item_id from public.claims c
			where c.show_id = target_show.id and c.platform_user_id = block_viewer.platform_user_id
				and c.status in ('winner', 'waitlist')
		)
		order by i.id
		for update;
		for ending in
			select * from public.claims c
			where c.show_id = target_show.id and c.platform_user_id = block_viewer.platform_user_id
				and c.platform = block_viewer.platform and c.status in ('winner', 'waitlist')
			order by c.status = 'winner', c.show_item_id, c.waitlist_position desc, c.buyer_unit
		loop
			promoted := private.end_claim(ending, 'released', operator_id);
			released_ids := released_ids || ending.id;
			if promoted.id is not null then
				promoted_ids := promoted_ids || promoted.id;
			end if;
			perform private.record_audit(target_show.workspace_id, target_show.id, 'claim.release', 'claim', ending.id,
				to_jsonb(ending), (select to_jsonb(c) from public.claims c where c.id = ending.id),
				jsonb_build_object('notes', 'viewer blocked', 'promoted', (select to_jsonb(c) from public.claims c where c.id = promoted.id)));
		end loop;
		with dismissed as (
			update public.variant_requests r
			set status = 'dismissed', resolved_by = operator_id, resolved_at = now()
			where r.show_id = target_show.id and r.platform = block_viewer.platform
				and r.platform_user_id = block_viewer.platform_user_id and r.status = 'open'
			returning r.id
		)
		select coalesce(array_agg(dismissed.id), '{}') into dismissed_ids from dismissed;
	end if;

	select jsonb_build_object(
		'blocked', to_jsonb(blocked),
		'claims', coalesce((select jsonb_agg(to_jsonb(c)) from public.claims c where c.id = any (released_ids)), '[]'),
		'promoted', coalesce((select jsonb_agg(to_jsonb(c)) from public.claims c where c.id = any (promoted_ids)), '[]'),
		'items', coalesce((select jsonb_agg(to_jsonb(i)) from public.show_items i
			where i.id in (select c.show_item_id from public.claims c where c.id = any (released_ids))), '[]'),
		'variant_requests', coalesce((select jsonb_agg(to_jsonb(r)) from public.variant_requests r where r.id = any (dismissed_ids)), '[]')
	) into result;
	return result;
end;
$$;

-- Lifts a block; returns the row as it was.
create function public.unblock_viewer(blocked_viewer_id uuid) returns public.blocked_viewers
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.blocked_viewers;
begin
	perform private.require_workspace_role(
		(select b.workspace_id from public.blocked_viewers b where b.id = blocked_viewer_id), 'assistant', 'blocked viewer');
	delete from public.blocked_viewers b where b.id = blocked_viewer_id returning * into before;
	perform private.record_audit(before.workspace_id, null, 'viewer.unblock', 'blocked_viewer', before.id, to_jsonb(before), null);
	return before;
end;
$$;

revoke execute on function
	public.block_viewer(uuid, text, text, text, text, boolean),
	public.unblock_viewer(uuid)
from public, anon, authenticated, service_role;
grant execute on function
	public.block_viewer(uuid, text, text, text, text, boolean),
	public.unblock_viewer(uuid)
to authenticated;

-- As 20261203400200_per_buyer_limits.sql, ignoring blocked viewers.
create or replace function private.allocate_comment(incoming jsonb, is_test boolean default false, emitted_by uuid default null) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
	source record;
	target_show public.shows;
	claim_words text[];
	pass_words text[];
	max_units int;
	units_per_buyer int;
	units_per_buyer_item int;
	normalized text;
	key text;
	intents jsonb;
	pinned_number text;
	ignored_reason text;
	recorded public.comments;
	buyer public.claims;
	intent record;
	variant_id uuid;
	show_room int;
	item_room int;
	held_on_row int;
	room int;
	wanted int;
	item public.show_items;
	ending public.claims;
	promoted public.claims;
	request public.variant_requests;
	claim_ids uuid[];
	promoted_ids uuid[];
	outcome text;
	reason text;
	intent_results jsonb := '[]';
begin
	-- 1. What the platform gave us.
	if jsonb_typeof(incoming) is distinct from 'object' then
		raise sqlstate '22023' using message = 'a comment must be a JSON object';
	end if;
	select * into source from jsonb_to_record(incoming) as given (
		show_id uuid, platform text, live_id text, comment_id text, platform_user_id text,
		user_handle text, user_display_name text, text text, created_at timestamptz
	);
	if source.show_id is null then
		raise sqlstate '22023' using message = 'comment.show_id is required';
	end if;
	if source.platform is null or source.platform not in ('facebook', 'instagram', 'test') then
		raise sqlstate '22023' using message = format('comment.platform must be facebook, instagram or test, not %s', coalesce(source.platform, 'missing'));
	end if;
	if nullif(source.platform_user_id, '') is null then
		raise sqlstate '22023' using message = 'comment.platform_user_id is required';
	end if;
	if (source.platform_user_id like 'test:%') <> is_test then
		raise sqlstate '22023' using message = 'comment.platform_user_id: ids starting test: are for test comments only, and test comments use nothing else';
	end if;
	source.text := coalesce(source.text, '');
	-- Meta caps comments at 8,000 characters; anything longer is not a comment.
	if length(source.text) > 10000 then
		raise sqlstate '22023' using message = format('comment.text is %s characters long; at most 10000', length(source.text));
	end if;
	source.created_at := coalesce(source.created_at, now());
	source.comment_id := nullif(source.comment_id, '');

	-- 2. The show, the words it listens for, and how many units one comment may claim.
	select * into target_show from public.shows where id = source.show_id for share;
	if not found then
		return jsonb_build_object('comment_id', null, 'replayed', false, 'outcome', 'ignored', 'reason', 'unknown_show', 'results', '[]'::jsonb);
	end if;
	select coalesce(target_show.claim_words, workspace.claim_words), coalesce(target_show.pass_words, workspace.pass_words),
		workspace.max_units_per_comment,
		coalesce(target_show.max_units_per_buyer, workspace.max_units_per_buyer),
		coalesce(target_show.max_units_per_buyer_item, workspace.max_units_per_buyer_item)
	into claim_words, pass_words, max_units, units_per_buyer, units_per_buyer_item
	from public.workspaces workspace
	where workspace.id = target_show.workspace_id;

	-- 3. Parse, and decide whether the show takes the comment at all.
	normalized := private.normalize_comment_text(source.text);
	select coalesce(jsonb_agg(jsonb_build_object('intent', parsed.intent, 'item_number', parsed.item_number,
		'quantity', parsed.quantity, 'variant_words', parsed.variant_words) order by parsed.place), '[]')
	into intents
	from public.parse_comment(source.text, claim_words, pass_words) with ordinality
		as parsed (intent, item_number, quantity, variant_words, place);
	-- A bare claim ("sold", alone in its comment) is on the item pinned when it was written.
	if jsonb_array_length(intents) = 1 and intents -> 0 -> 'item_number' = 'null' then
		pinned_number := private.pinned_item_number_at(target_show.id, source.created_at);
		intents := jsonb_build_array(intents -> 0 || jsonb_build_object('item_number', pinned_number, 'pinned', true));
	end if;
	ignored_reason := case
		when target_show.status <> 'active' then 'show_not_active'
		when source.platform <> 'test' and source.platform <> target_show.platform then 'platform_mismatch'
		when source.live_id is distinct from target_show.live_id then 'live_mismatch'
		when exists (
			select 1 from public.blocked_viewers b
			where b.workspace_id = target_show.workspace_id and b.platform = source.platform
				and b.platform_user_id = source.platform_user_id
		) then 'blocked'
		when jsonb_array_length(intents) = 0 then 'no_intent'
		-- Facebook: made after Meta reported the live ended.
		when private.after_live_end(target_show, source.created_at) then 'after_live_end'
		when intents -> 0 ->> 'item_number' is null then 'nothing_pinned'
	end;

	-- 4. Record it under its idempotency key. A key seen before (a redelivery, an
	--    overlapping poll) changes nothing: the first result is returned again.
	key := encode(sha256(convert_to(
		case
			when source.comment_id is not null then jsonb_build_array('id', source.platform, source.comment_id)
			else jsonb_build_array('text', source.platform, source.live_id, source.platform_user_id, normalized,
				floor(extract(epoch from source.created_at) / 10)::bigint)
		end::text, 'UTF8')), 'hex');
	insert into public.comments (
		show_id, platform, live_id, comment_id, platform_user_id, user_handle, user_display_name,
		raw_text, normalized_text, idempotency_key, commented_at, intents, outcome, ignored_reason, results,
		is_test, emitted_by
	) values (
		target_show.id, source.platform, source.live_id, source.comment_id, source.platform_user_id,
		source.user_handle, source.user_display_name, source.text, normalized, key, source.created_at, intents,
		case when ignored_reason is null then 'processed' else 'ignored' end, ignored_reason,
		case when ignored_reason is null then '[]' else (
			select coalesce(jsonb_agg(named.value || jsonb_build_object(
				'outcome', 'ignored', 'reason', ignored_reason, 'claim', null, 'item', null, 'promoted', null) order by named.place), '[]')
			from jsonb_array_elements(intents) with ordinality as named (value, place)
		) end,
		is_test, emitted_by
	)
	on conflict (idempotency_key) do nothing
	returning * into recorded;
	if not found then
		select * into recorded from public.comments where idempotency_key = key;
		return jsonb_build_object('comment_id', recorded.id, 'replayed', true, 'outcome', recorded.outcome,
			'reason', recorded.ignored_reason, 'results', recorded.results);
	end if;
	if ignored_reason is not null then
		return jsonb_build_object('comment_id', recorded.id, 'replayed', false, 'outcome', 'ignored',
			'reason', ignored_reason, 'results', recorded.results);
	end if;

	-- 5. Lock the buyer when the show limits their units across items (before any item, as
	--    ingest_comments does), then the items the comment names, every variant row of them, in
	--    id order. The item locks alone keep a per-item limit.
	if units_per_buyer is not null then
		perform pg_advisory_xact_lock(private.buyer_lock_key(target_show.id, source.platform_user_id));
	end if;
	perform
	from public.show_items locked
	where locked.show_id = target_show.id
		and locked.item_number in (select named ->> 'item_number' from jsonb_array_elements(intents) as named)
	order by locked.id
	for update;

	-- The buyer and the comment, as every claim placed from it names them.
	buyer.show_id := target_show.id;
	buyer.platform := source.platform;
	buyer.live_id := source.live_id;
	buyer.platform_user_id := source.platform_user_id;
	buyer.user_handle := source.user_handle;
	buyer.user_display_name := source.user_display_name;
	buyer.source_comment_id := recorded.id;
	buyer.comment_id := source.comment_id;
	buyer.raw_text := source.text;
	buyer.is_test := allocate_comment.is_test;
	buyer.operator_action := false;

	-- 6. Allocate each intent, in the comment's order.
	for intent in
		select named.value ->> 'intent' as intent, named.value ->> 'item_number' as item_number,
			coalesce((named.value ->> 'pinned')::boolean, false) as pinned,
			(named.value ->> 'quantity')::int as requested, least((named.value ->> 'quantity')::int, max_units) as quantity,
			array(select jsonb_array_elements_text(named.value -> 'variant_words')) as variant_words
		from jsonb_array_elements(intents) with ordinality as named (value, place)
		order by named.place
	loop
		item := null;
		request := null;
		reason := null;
		claim_ids := '{}';
		promoted_ids := '{}';
		-- The row the comment names: the item's only row, or the one variant its words name. (Items
		-- without variants, most of them, skip the matching: calling it for every comment made a
		-- batch of 500 comments on waitlisted items twice as slow.)
		select r.id into variant_id from public.show_items r
		where r.show_id = target_show.id and r.item_number = intent.item_number and r.variant_label = '';
		if variant_id is null then
			variant_id := private.match_variant(target_show.id, intent.item_number, intent.variant_words);
		end if;
		select * into item from public.show_items where id = variant_id;

		-- Per-buyer limits: the units the buyer may still add, across the show and of this item
		-- (null: no limit). Their winning units and their waitlist places both count, so promoting a
		-- waiter never takes a buyer over a limit; test claims count apart from real ones.
		room := null;
		held_on_row := 0;
		if intent.intent = 'claim' and (units_per_buyer is not null or units_per_buyer_item is not null) then
			select units_per_buyer - count(*), units_per_buyer_item - count(*) filter (where c.item_number = intent.item_number),
				count(*) filter (where c.show_item_id = variant_id)
			into show_room, item_room, held_on_row
			from public.claims c
			where c.show_id = target_show.id and c.status in ('winner', 'waitlist') and c.is_test = allocate_comment.is_test
				and coalesce(c.platform_user_id, '@' || lower(c.user_handle)) in (source.platform_user_id, '@' || lower(source.user_handle));
			room := least(show_room, item_room);
		end if;
		wanted := case when room is null then intent.quantity else least(intent.quantity, held_on_row + greatest(room, 0)) end;

		if not exists (select 1 from public.show_items where show_id = target_show.id and item_number = intent.item_number) then
			outcome := 'unknown_item';
		elsif intent.intent = 'claim' and room <= 0 and intent.quantity > held_on_row then
			-- Over a limit: recorded on the comment, no claim and no waitlist place.
			outcome := 'limit_reached';
			reason := case when item_room <= 0 then 'units_per_item' else 'units_per_show' end;
		elsif intent.intent = 'claim' and variant_id is null then
			-- Variants, and not exactly one named: the operator picks, allocation never guesses. Asking
			-- again while a request is open is a duplicate.
			insert into public.variant_requests (
				show_id, item_number, platform, platform_user_id, user_handle, user_display_name,
				source_comment_id, raw_text, variant_words, quantity, is_test
			) values (
				target_show.id, intent.item_number, source.platform, source.platform_user_id, source.user_handle,
				source.user_display_name, recorded.id, source.text, intent.variant_words, wanted, is_test
			)
			on conflict (show_id, item_number, platform_user_id) where status = 'open' do nothing
			returning * into request;
			outcome := case when request.id is null then 'duplicate' else 'needs_variant' end;
			if request.id is null then
				select * into request from public.variant_requests r
				where r.show_id = target_show.id and r.item_number = intent.item_number
					and r.platform_user_id = source.platform_user_id and r.status = 'open';
			end if;
		elsif intent.intent = 'claim' then
			claim_ids := private.claim_units(item.id, buyer, wanted);
			if cardinality(claim_ids) = 0 then
				outcome := 'duplicate';
				-- The buyer's open claims on the row, their earliest first.
				claim_ids := array(
					select c.id from public.claims c
					where c.show_item_id = item.id and c.status in ('winner', 'waitlist') and c.is_test = allocate_comment.is_test
						and coalesce(c.platform_user_id, '@' || lower(c.user_handle)) in (source.platform_user_id, '@' || lower(source.user_handle))
					order by c.buyer_unit
				);
			else
				outcome := case when exists (select 1 from public.claims c where c.id = any (claim_ids) and c.status = 'winner')
					then 'winner' else 'waitlist' end;
			end if;
			-- Naming the variant answers an open request for the item.
			update public.variant_requests r
			set status = 'resolved', resolved_show_item_id = item.id, resolved_at = now()
			where r.show_id = target_show.id and r.item_number = intent.item_number
				and r.platform_user_id = source.platform_user_id and r.status = 'open'
			returning * into request;
		else
			-- A pass: on the variant named, or on every variant of the item. Waiters leave from the
			-- back of each line, then each winner's unit goes to the first waiter.
			for ending in
				select * from public.claims c
				where c.show_id = target_show.id and c.item_number = intent.item_number
					and (variant_id is null or c.show_item_id = variant_id)
					and c.status in ('winner', 'waitlist') and c.is_test = allocate_comment.is_test
					and coalesce(c.platform_user_id, '@' || lower(c.user_handle)) in (source.platform_user_id, '@' || lower(source.user_handle))
				order by c.status = 'winner', c.show_item_id, c.waitlist_position desc, c.buyer_unit
			loop
				promoted := private.end_claim(ending, 'passed', null);
				claim_ids := claim_ids || ending.id;
				if promoted.id is not null then
					promoted_ids := promoted_ids || promoted.id;
				end if;
			end loop;
			update public.variant_requests r
			set status = 'passed', resolved_at = now()
			where r.show_id = target_show.id and r.item_number = intent.item_number
				and r.platform_user_id = source.platform_user_id and r.status = 'open'
			returning * into request;
			if cardinality(claim_ids) = 0 and request.id is null then
				outcome := 'ignored';
				reason := 'not_claimed';
			else
				outcome := 'passed';
			end if;
		end if;

		-- claim, item and promoted are the first of claims, items and promoted_claims (one each
		-- for a single unit).
		intent_results := intent_results || (
			select jsonb_build_object(
				'intent', intent.intent,
				'item_number', intent.item_number,
				'pinned', intent.pinned,
				'variant_words', to_jsonb(intent.variant_words),
				'quantity', intent.quantity,
				'requested_quantity', intent.requested,
				'capped', intent.requested > intent.quantity,
				-- Fewer units than asked, to stay within a per-buyer limit.
				'limited', outcome in ('winner', 'waitlist', 'needs_variant') and wanted < intent.quantity,
				'outcome', outcome,
				'reason', reason,
				'claim', claims.list -> 0,
				'claims', coalesce(claims.list, '[]'),
				'item', items.list -> 0,
				'items', coalesce(items.list, '[]'),
				'promoted', promoted_claims.list -> 0,
				'promoted_claims', coalesce(promoted_claims.list, '[]'),
				'variant_request', case when request.id is null then null else to_jsonb(request) end
			)
			-- (Rows found by = any of the ids, index lookups as the lines grow.)
			from (
				select jsonb_agg(to_jsonb(c) order by array_position(claim_ids, c.id)) as list
				from public.claims c
				where c.id = any (claim_ids)
			) as claims,
			(
				select jsonb_agg(to_jsonb(i) order by i.variant_label) as list
				from public.show_items i
				where i.id = any (item.id || array(select c.show_item_id from public.claims c where c.id = any (claim_ids)))
			) as items,
			(
				select jsonb_agg(to_jsonb(c) order by array_position(promoted_ids, c.id)) as list
				from public.claims c
				where c.id = any (promoted_ids)
			) as promoted_claims
		);
	end loop;

	update public.comments set results = intent_results where id = recorded.id;
	return jsonb_build_object('comment_id', recorded.id, 'replayed', false, 'outcome', 'processed', 'reason', null, 'results', intent_results);
end;
$$;
