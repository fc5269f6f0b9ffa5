-- Allocation: how one comment becomes claims. private.allocate_comment is the whole story, top to
-- bottom; the two helpers before it are the waitlist moves it shares with the operator actions.
--
-- Locking, the same everywhere so no two allocators deadlock: first the show row FOR SHARE (a
-- pause or stop then lands between comments, never inside one), then the item rows FOR UPDATE in
-- id order. Every function that changes claims or counts holds its item's row lock.

-- The canonical text of a comment for the fallback idempotency key: NFKC, lower case, every run
-- of characters that are not letters or digits becomes one space.
create function private.normalize_comment_text(raw_text text) returns text
language sql immutable
set search_path = ''
as $$
	select trim(regexp_replace(lower(normalize(raw_text, nfkc)), '[^[:alnum:]]+', ' ', 'g'))
$$;

-- Moves the first waiter of an item into a free unit and closes the gap behind them.
-- The caller holds the item's lock and has made sure a unit is free. Returns the promoted claim,
-- or null when nobody waits.
create function private.promote_first_waiter(item_id uuid) returns public.claims
language plpgsql
set search_path = ''
as $$
declare
	promoted public.claims;
begin
	update public.claims
	set status = 'winner', waitlist_position = null, promoted_at = now()
	where show_item_id = item_id and status = 'waitlist' and waitlist_position = 1
	returning * into promoted;
	if not found then
		return null;
	end if;
	update public.claims
	set waitlist_position = waitlist_position - 1
	where show_item_id = item_id and status = 'waitlist';
	update public.show_items
	set claimed_count = claimed_count + 1,
		waitlist_count = waitlist_count - 1,
		status = private.item_status(claimed_count + 1, quantity)
	where id = item_id;
	return promoted;
end;
$$;

-- Ends an active claim (the claimant passed, or an operator released it). A winner's unit goes
-- to the first waiter, if any; a waiter's place is closed up. The caller holds the item's lock.
-- Returns the promoted claim, or null.
create function private.end_claim(ending public.claims, new_status text, ended_by uuid) returns public.claims
language plpgsql
set search_path = ''
as $$
begin
	if ending.status not in ('winner', 'waitlist') then
		raise sqlstate 'PT409' using message = format('this claim is already %s', ending.status);
	end if;
	update public.claims
	set status = new_status, waitlist_position = null, ended_at = now(), ended_by = end_claim.ended_by
	where id = ending.id;

	if ending.status = 'winner' then
		update public.show_items
		set claimed_count = claimed_count - 1, status = private.item_status(claimed_count - 1, quantity)
		where id = ending.show_item_id;
		return private.promote_first_waiter(ending.show_item_id);
	end if;

	update public.claims
	set waitlist_position = waitlist_position - 1
	where show_item_id = ending.show_item_id and status = 'waitlist' and waitlist_position > ending.waitlist_position;
	update public.show_items
	set waitlist_count = waitlist_count - 1
	where id = ending.show_item_id;
	return null;
end;
$$;

-- One comment, one transaction: record it (idempotently), decide whether the show takes it, then
-- allocate each intent in the order the comment states them. Returns
--   {comment_id, replayed, outcome: processed|ignored, reason, results: [{intent, item_number,
--    outcome, reason, claim, item, promoted}]}
-- where a result's outcome is winner, waitlist, duplicate, passed, unknown_item or ignored.
create function private.allocate_comment(incoming jsonb, is_test boolean default false, emitted_by uuid default null) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
	source record;
	target_show public.shows;
	claim_words text[];
	pass_words text[];
	normalized text;
	key text;
	intents jsonb;
	ignored_reason text;
	recorded public.comments;
	intent record;
	item public.show_items;
	claim public.claims;
	promoted public.claims;
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
	source.text := coalesce(source.text, '');
	-- Meta caps comments at 8,000 characters; anything longer is not a comment.
	if length(source.text) > 10000 then
		raise sqlstate '22023' using message = format('comment.text is %s characters long; at most 10000', length(source.text));
	end if;
	source.created_at := coalesce(source.created_at, now());
	source.comment_id := nullif(source.comment_id, '');

	-- 2. The show and the words it listens for.
	select * into target_show from public.shows where id = source.show_id for share;
	if not found then
		return jsonb_build_object('comment_id', null, 'replayed', false, 'outcome', 'ignored', 'reason', 'unknown_show', 'results', '[]'::jsonb);
	end if;
	select coalesce(target_show.claim_words, workspace.claim_words), coalesce(target_show.pass_words, workspace.pass_words)
	into claim_words, pass_words
	from public.workspaces workspace
	where workspace.id = target_show.workspace_id;

	-- 3. Parse, and decide whether the show takes the comment at all.
	normalized := private.normalize_comment_text(source.text);
	select coalesce(jsonb_agg(jsonb_build_object('intent', parsed.intent, 'item_number', parsed.item_number) order by parsed.place), '[]')
	into intents
	from public.parse_comment(source.text, claim_words, pass_words) with ordinality as parsed (intent, item_number, place);
	ignored_reason := case
		when target_show.status <> 'active' then 'show_not_active'
		when source.platform <> 'test' and source.platform <> target_show.platform then 'platform_mismatch'
		when source.live_id is distinct from target_show.live_id then 'live_mismatch'
		when jsonb_array_length(intents) = 0 then 'no_intent'
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

	-- 5. Lock the items the comment names, in id order.
	perform
	from public.show_items locked
	where locked.show_id = target_show.id
		and locked.item_number in (select named ->> 'item_number' from jsonb_array_elements(intents) as named)
	order by locked.id
	for update;

	-- 6. Allocate each intent, in the comment's order.
	for intent in
		select named.value ->> 'intent' as intent, named.value ->> 'item_number' as item_number
		from jsonb_array_elements(intents) with ordinality as named (value, place)
		order by named.place
	loop
		claim := null;
		promoted := null;
		reason := null;
		select * into item from public.show_items where show_id = target_show.id and item_number = intent.item_number;
		if not found then
			outcome := 'unknown_item';
		else
			-- The claimant's active claim on the item; a manual award knows them by handle only.
			-- (The expression is claims_one_active_claim_per_buyer's, so this is an index lookup.)
			select * into claim
			from public.claims held
			where held.show_item_id = item.id
				and held.status in ('winner', 'waitlist')
				and coalesce(held.platform_user_id, '@' || lower(held.user_handle)) in (source.platform_user_id, '@' || lower(source.user_handle));

			if intent.intent = 'claim' and claim.id is not null then
				outcome := 'duplicate';
			elsif intent.intent = 'claim' then
				-- A free unit makes a winner; otherwise the next place in line.
				outcome := case when item.claimed_count < item.quantity then 'winner' else 'waitlist' end;
				insert into public.claims (
					show_id, show_item_id, item_number, platform, live_id, platform_user_id, user_handle,
					user_display_name, source_comment_id, comment_id, raw_text, status, waitlist_position, is_test
				) values (
					target_show.id, item.id, item.item_number, source.platform, source.live_id, source.platform_user_id,
					source.user_handle, source.user_display_name, recorded.id, source.comment_id, source.text,
					outcome, case when outcome = 'waitlist' then item.waitlist_count + 1 end, is_test
				)
				returning * into claim;
				update public.show_items
				set claimed_count = claimed_count + (outcome = 'winner')::int,
					waitlist_count = waitlist_count + (outcome = 'waitlist')::int,
					status = private.item_status(claimed_count + (outcome = 'winner')::int, quantity)
				where id = item.id
				returning * into item;
			elsif claim.id is null then
				outcome := 'ignored';
				reason := 'not_claimed';
			else
				-- A pass: a winner's unit goes to the first waiter; a waiter leaves the line.
				outcome := 'passed';
				promoted := private.end_claim(claim, 'passed', null);
				select * into claim from public.claims where id = claim.id;
				select * into item from public.show_items where id = item.id;
			end if;
		end if;
		intent_results := intent_results || jsonb_build_object(
			'intent', intent.intent,
			'item_number', intent.item_number,
			'outcome', outcome,
			'reason', reason,
			'claim', case when claim.id is null then null else to_jsonb(claim) end,
			'item', case when item.id is null then null else to_jsonb(item) end,
			'promoted', case when promoted.id is null then null else to_jsonb(promoted) end
		);
	end loop;

	update public.comments set results = intent_results where id = recorded.id;
	return jsonb_build_object('comment_id', recorded.id, 'replayed', false, 'outcome', 'processed', 'reason', null, 'results', intent_results);
end;
$$;
