-- Allocation, revised in place for variants and quantities. private.allocate_comment is still the
-- whole story of how one comment becomes claims, top to bottom. What changed:
-- * An item number may have several rows, one per variant. The words after the intent choose the
--   row (private.match_variant). A claim that names no single variant is not guessed: it becomes
--   an open variant request (outcome needs_variant) the operator resolves by picking the variant.
-- * A claim asks for a quantity (capped by the workspace's max_units_per_comment; the result says
--   when it was capped) and the buyer then holds up to that many units of the row, one claim per
--   unit (private.claim_units). Asking again for no more than they hold is a duplicate.
-- * A pass ends every open claim the buyer has on the item: on the variant it names, or on all of
--   the item's variants when it names none; and withdraws their open variant request.

-- An option value as parse_comment reads the words after an item number ("Medium" reads "m",
-- "Bleu Marine" "bleu marine"), so it compares with a comment's variant words. Asking the parser
-- itself keeps the two readings the same.
create function private.variant_option_words(option text) returns text
language sql immutable parallel safe
set search_path = ''
as $$
	select array_to_string(parsed.variant_words, ' ')
	from public.parse_comment('sold 1 ' || option) as parsed
	limit 1
$$;

-- The row of the show's item the words name, or null when they name none or several. A row is
-- named when the words say each of its option values that not every row of the item shares (with
-- Blue / M and Blue / L, "sold 12 M" names Blue / M) and no option value that it lacks (with
-- Blue / M and Red / M, "sold 12 red blue M" names neither). An item without variants has one row
-- with no options, which any words name. Options are whole words or runs of words.
create function private.match_variant(show_id uuid, item_number text, variant_words text[]) returns uuid
language sql stable
set search_path = ''
as $$
	with item_row as (
		select r.id, array(
			select private.variant_option_words(option) from unnest(r.variant_options) as option
		) as options
		from public.show_items r
		where r.show_id = match_variant.show_id and r.item_number = match_variant.item_number
	),
	item_option as (
		select distinct option,
			position(' ' || option || ' ' in ' ' || array_to_string(variant_words, ' ') || ' ') > 0 as is_said,
			(select bool_and(option = any (every_row.options)) from item_row every_row) as on_every_row
		from item_row, unnest(item_row.options) as option
		where option <> ''
	),
	named as (
		select r.id
		from item_row r
		where not exists (
			select 1 from item_option o
			where o.option = any (r.options) and not o.on_every_row and not o.is_said
		) and not exists (
			select 1 from item_option o
			where o.option <> all (r.options) and o.is_said
		)
	)
	select case when count(*) = 1 then (array_agg(named.id))[1] end from named
$$;

-- Gives the buyer of `template` (a claim naming the buyer, the source and is_test) up to `wanted`
-- open claims on the item row, one per unit, and returns the ids of the claims it placed (none
-- when the buyer already holds or waits for that many). Each unit is a winner while one is free,
-- otherwise the next place in line, real buyers ahead of tests. The caller holds the row's lock.
create function private.claim_units(item_id uuid, template public.claims, wanted int) returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
	item public.show_items;
	held int;
	last_unit int;
	real_place int;
	unit_status text;
	placed uuid;
	placed_ids uuid[] := '{}';
begin
	-- (The buyer expression is claims_one_active_claim_per_buyer_unit's, so this is an index lookup.)
	select count(*), coalesce(max(c.buyer_unit), 0) into held, last_unit
	from public.claims c
	where c.show_item_id = item_id
		and c.status in ('winner', 'waitlist')
		and c.is_test = template.is_test
		and coalesce(c.platform_user_id, '@' || lower(c.user_handle))
			in (template.platform_user_id, '@' || lower(template.user_handle));
	for unit in 1 .. wanted - held loop
		real_place := null;
		if not template.is_test then
			real_place := private.make_way_for_real_claim(item_id);
		end if;
		select * into item from public.show_items where id = item_id;
		unit_status := case when item.claimed_count < item.quantity then 'winner' else 'waitlist' end;
		insert into public.claims (
			show_id, show_item_id, item_number, platform, live_id, platform_user_id, user_handle,
			user_display_name, source_comment_id, comment_id, raw_text, status, waitlist_position, is_test,
			operator_action, operator_user_id, buyer_unit
		) values (
			item.show_id, item.id, item.item_number, template.platform, template.live_id, template.platform_user_id,
			template.user_handle, template.user_display_name, template.source_comment_id, template.comment_id,
			template.raw_text, unit_status, case when unit_status = 'waitlist' then coalesce(real_place, item.waitlist_count + 1) end,
			template.is_test, template.operator_action, template.operator_user_id, last_unit + unit
		)
		returning id into placed;
		update public.show_items
		set claimed_count = claimed_count + (unit_status = 'winner')::int,
			waitlist_count = waitlist_count + (unit_status = 'waitlist')::int,
			status = private.item_status(claimed_count + (unit_status = 'winner')::int, quantity)
		where id = item.id;
		placed_ids := placed_ids || placed;
	end loop;
	return placed_ids;
end;
$$;

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
	normalized text;
	key text;
	intents jsonb;
	ignored_reason text;
	recorded public.comments;
	buyer public.claims;
	intent record;
	variant_id uuid;
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
		workspace.max_units_per_comment
	into claim_words, pass_words, max_units
	from public.workspaces workspace
	where workspace.id = target_show.workspace_id;

	-- 3. Parse, and decide whether the show takes the comment at all.
	normalized := private.normalize_comment_text(source.text);
	select coalesce(jsonb_agg(jsonb_build_object('intent', parsed.intent, 'item_number', parsed.item_number,
		'quantity', parsed.quantity, 'variant_words', parsed.variant_words) order by parsed.place), '[]')
	into intents
	from public.parse_comment(source.text, claim_words, pass_words) with ordinality
		as parsed (intent, item_number, quantity, variant_words, place);
	ignored_reason := case
		when target_show.status <> 'active' then 'show_not_active'
		when source.platform <> 'test' and source.platform <> target_show.platform then 'platform_mismatch'
		when source.live_id is distinct from target_show.live_id then 'live_mismatch'
		when jsonb_array_length(intents) = 0 then 'no_intent'
		-- Facebook: made after Meta reported the live ended.
		when private.after_live_end(target_show, source.created_at) then 'after_live_end'
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

	-- 5. Lock the items the comment names, every variant row of them, in id order.
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

		if not exists (select 1 from public.show_items where show_id = target_show.id and item_number = intent.item_number) then
			outcome := 'unknown_item';
		elsif intent.intent = 'claim' and variant_id is null then
			-- Variants, and not exactly one named: the operator picks, allocation never guesses. Asking
			-- again while a request is open is a duplicate.
			insert into public.variant_requests (
				show_id, item_number, platform, platform_user_id, user_handle, user_display_name,
				source_comment_id, raw_text, variant_words, quantity, is_test
			) values (
				target_show.id, intent.item_number, source.platform, source.platform_user_id, source.user_handle,
				source.user_display_name, recorded.id, source.text, intent.variant_words, intent.quantity, is_test
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
			claim_ids := private.claim_units(item.id, buyer, intent.quantity);
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
				'variant_words', to_jsonb(intent.variant_words),
				'quantity', intent.quantity,
				'requested_quantity', intent.requested,
				'capped', intent.requested > intent.quantity,
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

revoke execute on function
	private.variant_option_words(text),
	private.match_variant(uuid, text, text[]),
	private.claim_units(uuid, public.claims, int)
from public, anon, authenticated, service_role;
