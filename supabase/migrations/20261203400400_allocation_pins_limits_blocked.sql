-- Allocation with the live floor's rules, in one function read top to bottom: a bare claim word
-- takes the item pinned at the comment's platform time (20261203400100_bare_claims_on_the_pin.sql),
-- per-buyer limits hold (20261203400200_per_buyer_limits.sql), and blocked viewers' comments are
-- recorded and ignored (20261203400300_blocked_viewers.sql). ingest_comments locks the pinned items
-- of bare claims with the named ones, and the buyers of limited shows before any item, so a batch
-- still takes its locks in one order.

-- As 20261202200300_allocation_variants_and_quantity.sql, with the pin, the limits and blocked viewers.
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

-- As 20261201230000_bad_comments_lose_nothing.sql, locking pinned items and limited buyers first.
create or replace function public.ingest_comments(comments jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	batch_size constant int := 1000;
	ordered jsonb[];
	places int[];
	results jsonb[] := '{}';
	failure_state text;
	failure_message text;
begin
	if jsonb_typeof(comments) is distinct from 'array' then
		raise sqlstate '22023' using message = 'comments must be a JSON array of comments';
	end if;
	if jsonb_array_length(comments) > batch_size then
		raise sqlstate '22023' using message = format('at most %s comments per batch, got %s', batch_size, jsonb_array_length(comments));
	end if;

	-- Locks as before; a show id that is not a uuid names no show.
	perform
	from public.shows show_row
	where show_row.id in (select private.uuid_or_null(given.value ->> 'show_id') from jsonb_array_elements(comments) as given)
	order by show_row.id
	for share;
	-- The buyers of shows that limit units per buyer, in one order, before any item
	-- (allocate_comment takes each again, which then waits for nothing).
	perform pg_advisory_xact_lock(buyer.key)
	from (
		select distinct private.buyer_lock_key(show_row.id, given.value ->> 'platform_user_id') as key
		from jsonb_array_elements(comments) as given
		join public.shows show_row on show_row.id = private.uuid_or_null(given.value ->> 'show_id')
		join public.workspaces workspace on workspace.id = show_row.workspace_id
		where coalesce(show_row.max_units_per_buyer, workspace.max_units_per_buyer) is not null
			and nullif(given.value ->> 'platform_user_id', '') is not null
		order by 1
	) as buyer;
	perform
	from public.show_items locked
	join (
		-- A bare claim's item is the one pinned when it was written.
		select distinct show_row.id as show_id, coalesce(parsed.item_number, private.pinned_item_number_at(
			show_row.id, coalesce(private.timestamptz_or_null(given.value ->> 'created_at'), now()))) as item_number
		from jsonb_array_elements(comments) as given
		join public.shows show_row on show_row.id = private.uuid_or_null(given.value ->> 'show_id')
		join public.workspaces workspace on workspace.id = show_row.workspace_id
		cross join lateral public.parse_comment(
			coalesce(given.value ->> 'text', ''),
			coalesce(show_row.claim_words, workspace.claim_words),
			coalesce(show_row.pass_words, workspace.pass_words)
		) as parsed
	) as named on named.show_id = locked.show_id and named.item_number = locked.item_number
	order by locked.id
	for update of locked;

	-- Platform time order, then arrival order.
	select array_agg(given.value order by private.timestamptz_or_null(given.value ->> 'created_at') nulls last, given.place),
		array_agg(given.place::int order by private.timestamptz_or_null(given.value ->> 'created_at') nulls last, given.place)
	into ordered, places
	from jsonb_array_elements(comments) with ordinality as given (value, place);

	-- The whole batch in one subtransaction; only if a comment is refused is the batch allocated
	-- again, one subtransaction per comment. (Over 64 subtransactions in a transaction slow every
	-- concurrent snapshot, so the common path must not pay one per comment.)
	begin
		for step in 1 .. coalesce(cardinality(ordered), 0) loop
			results[places[step]] := private.allocate_comment(ordered[step]);
		end loop;
	exception when data_exception or not_null_violation or check_violation then
		results := '{}';
		for step in 1 .. coalesce(cardinality(ordered), 0) loop
			begin
				results[places[step]] := private.allocate_comment(ordered[step]);
			exception when data_exception or not_null_violation or check_violation then
				get stacked diagnostics failure_state = returned_sqlstate, failure_message = message_text;
				results[places[step]] := jsonb_build_object(
					'comment_id', null, 'replayed', false, 'outcome', 'ignored', 'reason', 'invalid_comment',
					'error', jsonb_build_object('code', failure_state, 'message', failure_message), 'results', '[]'::jsonb);
			end;
		end loop;
	end;
	return to_jsonb(results);
end;
$$;
