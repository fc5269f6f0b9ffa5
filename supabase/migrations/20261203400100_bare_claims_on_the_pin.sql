-- A bare claim word claims the pinned item. public.parse_comment now reads a short comment with
-- no number that starts with a claim word ("sold", "Mine!", "sold blue M"; the show's claim words,
-- and "mine" unless it is a pass word) as one claim whose item_number is null; "sold out" and
-- questions ("sold?") stay nothing, and so do comments over five words (chat, not a claim) and
-- numbers in words ("sold twelve").
-- private.allocate_comment gives such a claim the item pinned at the comment's platform time
-- (private.pinned_item_number_at: the pin row with the greatest pinned_at at or before it); with
-- nothing pinned then, the comment is recorded ignored with reason nothing_pinned and allocates
-- nothing. public.ingest_comments locks the pinned items with the named ones, before allocating,
-- so a batch still takes its item locks in one id order.

create or replace function public.parse_comment(text text, claim_words text[] default '{sold}', pass_words text[] default '{pass}')
returns table (intent text, item_number text, quantity int, variant_words text[])
language plpgsql immutable parallel safe
set search_path = ''
as $$
declare
	-- Deleted: Unicode Default_Ignorable_Code_Point (zero-width spaces and joiners, soft hyphen,
	-- bidi marks, variation selectors, Hangul fillers, tags) and the combining diacritical marks.
	invisible constant text := '[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e'
		|| '\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff'
		|| '\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]';
	-- The digits 0-9 of every script whose NFKD form is not ASCII already (Unicode 15.1, general
	-- category Nd), ten per script, in order; tests/db/parse_comment.test.ts checks each one.
	other_digits constant text := '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹߀߁߂߃߄߅߆߇߈߉०१२३४५६७८९০১২৩৪৫৬৭৮৯੦੧੨੩੪੫੬੭੮੯૦૧૨૩૪૫૬૭૮૯୦୧୨୩୪୫୬୭୮୯௦௧௨௩௪௫௬௭௮௯౦౧౨౩౪౫౬౭౮౯೦೧೨೩೪೫೬೭೮೯൦൧൨൩൪൫൬൭൮൯෦෧෨෩෪෫෬෭෮෯๐๑๒๓๔๕๖๗๘๙໐໑໒໓໔໕໖໗໘໙༠༡༢༣༤༥༦༧༨༩၀၁၂၃၄၅၆၇၈၉႐႑႒႓႔႕႖႗႘႙០១២៣៤៥៦៧៨៩᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙᥆᥇᥈᥉᥊᥋᥌᥍᥎᥏᧐᧑᧒᧓᧔᧕᧖᧗᧘᧙᪀᪁᪂᪃᪄᪅᪆᪇᪈᪉᪐᪑᪒᪓᪔᪕᪖᪗᪘᪙᭐᭑᭒᭓᭔᭕᭖᭗᭘᭙᮰᮱᮲᮳᮴᮵᮶᮷᮸᮹᱀᱁᱂᱃᱄᱅᱆᱇᱈᱉᱐᱑᱒᱓᱔᱕᱖᱗᱘᱙꘠꘡꘢꘣꘤꘥꘦꘧꘨꘩꣐꣑꣒꣓꣔꣕꣖꣗꣘꣙꤀꤁꤂꤃꤄꤅꤆꤇꤈꤉꧐꧑꧒꧓꧔꧕꧖꧗꧘꧙꧰꧱꧲꧳꧴꧵꧶꧷꧸꧹꩐꩑꩒꩓꩔꩕꩖꩗꩘꩙꯰꯱꯲꯳꯴꯵꯶꯷꯸꯹𐒠𐒡𐒢𐒣𐒤𐒥𐒦𐒧𐒨𐒩𐴰𐴱𐴲𐴳𐴴𐴵𐴶𐴷𐴸𐴹𑁦𑁧𑁨𑁩𑁪𑁫𑁬𑁭𑁮𑁯𑃰𑃱𑃲𑃳𑃴𑃵𑃶𑃷𑃸𑃹𑄶𑄷𑄸𑄹𑄺𑄻𑄼𑄽𑄾𑄿𑇐𑇑𑇒𑇓𑇔𑇕𑇖𑇗𑇘𑇙𑋰𑋱𑋲𑋳𑋴𑋵𑋶𑋷𑋸𑋹𑑐𑑑𑑒𑑓𑑔𑑕𑑖𑑗𑑘𑑙𑓐𑓑𑓒𑓓𑓔𑓕𑓖𑓗𑓘𑓙𑙐𑙑𑙒𑙓𑙔𑙕𑙖𑙗𑙘𑙙𑛀𑛁𑛂𑛃𑛄𑛅𑛆𑛇𑛈𑛉𑜰𑜱𑜲𑜳𑜴𑜵𑜶𑜷𑜸𑜹𑣠𑣡𑣢𑣣𑣤𑣥𑣦𑣧𑣨𑣩𑥐𑥑𑥒𑥓𑥔𑥕𑥖𑥗𑥘𑥙𑱐𑱑𑱒𑱓𑱔𑱕𑱖𑱗𑱘𑱙𑵐𑵑𑵒𑵓𑵔𑵕𑵖𑵗𑵘𑵙𑶠𑶡𑶢𑶣𑶤𑶥𑶦𑶧𑶨𑶩𑽐𑽑𑽒𑽓𑽔𑽕𑽖𑽗𑽘𑽙𖩠𖩡𖩢𖩣𖩤𖩥𖩦𖩧𖩨𖩩𖫀𖫁𖫂𖫃𖫄𖫅𖫆𖫇𖫈𖫉𖭐𖭑𖭒𖭓𖭔𖭕𖭖𖭗𖭘𖭙𞅀𞅁𞅂𞅃𞅄𞅅𞅆𞅇𞅈𞅉𞋰𞋱𞋲𞋳𞋴𞋵𞋶𞋷𞋸𞋹𞓰𞓱𞓲𞓳𞓴𞓵𞓶𞓷𞓸𞓹𞥐𞥑𞥒𞥓𞥔𞥕𞥖𞥗𞥘𞥙';
	-- Every currency sign (Unicode Sc) that NFKD leaves as it is.
	currency constant text := '[$\u00a2-\u00a5\u058f\u060b\u07fe\u07ff\u09f2\u09f3\u09fb\u0af1\u0bf9\u0e3f\u17db'
		|| '\u20a0-\u20c0\ua838\ufdfc\U00011fdd-\U00011fe0\U0001e2ff\U0001ecb0]';
	price constant text := currency || '[0-9]+(?:[.,][0-9]+)*|[0-9]+(?:[.,][0-9]+)*' || currency;
	-- A number with a sign before it (not joined to a word: "sold-12" stays a claim) or with a
	-- decimal part.
	signed_or_decimal constant text := '(^|[^[:alnum:]])[-\u2212][0-9]+(?:[.,][0-9]+)*|[0-9]+(?:[.,][0-9]+)+';
	claim_count constant int := coalesce(cardinality(claim_words), 0);
	-- A comment without a number is a bare claim only when it is this short (and the length lets
	-- most chat return before the words are read).
	bare_claim_max_words constant int := 5;
	bare_claim_max_length constant int := 80;
	-- An item number in words ("sold twelve") is one the parser cannot read: better no claim than
	-- a claim on the pinned item.
	number_words constant text := '\m(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen'
		|| '|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\M';
	is_bare boolean := false;
	bare_claim text[];
	raw text;
	place int := 0;
	normalized text;
	comment_text text;
	claims text[] := '{}';
	passes text[] := '{}';
	intent_pattern text;
	-- The text after each intent up to the next one: tails[n + 1] follows the n-th match.
	tails text[];
begin
	-- The comment first, then the claim words, then the pass words; simple assignments, which
	-- PL/pgSQL evaluates without starting the executor.
	foreach raw in array array[parse_comment.text] || claim_words || pass_words loop
		place := place + 1;
		normalized := regexp_replace(normalize(raw, nfkd), invisible, '', 'g');
		if normalized ~ ('[' || other_digits || ']') then
			normalized := translate(normalized, other_digits, repeat('0123456789', length(other_digits) / 10));
		end if;
		normalized := lower(normalized collate pg_catalog.pg_c_utf8);
		-- A comment with no digit at all may be a bare claim; one whose numbers are prices or
		-- decimals is not.
		if place = 1 and normalized !~ '[0-9]' then
			if parse_comment.text ~ '[?\uff1f\u00bf]' or length(normalized) > bare_claim_max_length then
				return;
			end if;
			is_bare := true;
		end if;
		normalized := regexp_replace(normalized, price, ' ', 'g');
		normalized := regexp_replace(normalized collate pg_catalog.pg_c_utf8, signed_or_decimal, '\1 ', 'g');
		normalized := trim(regexp_replace(normalized collate pg_catalog.pg_c_utf8, '[^[:alnum:]]+', ' ', 'g'));
		if place = 1 then
			-- Most comments name no number at all; only a bare claim is left to look for in them.
			if normalized is null or normalized = '' or (normalized !~ '[0-9]' and not is_bare) then
				return;
			end if;
			comment_text := normalized;
		elsif normalized ~ '^[^0-9]+$' then
			if place <= 1 + claim_count then
				claims := claims || normalized;
			else
				passes := passes || normalized;
			end if;
		end if;
	end loop;
	if cardinality(claims) + cardinality(passes) = 0 then
		return;
	end if;

	-- A bare claim: a claim word (or "mine", unless it is a pass word) first, no number anywhere,
	-- and not "sold out": one claim with no item number, which allocation gives the item pinned
	-- when the comment was written. The words after it are read as after a number ("sold M").
	if is_bare then
		if cardinality(string_to_array(comment_text, ' ')) > bare_claim_max_words
			or comment_text ~ number_words then
			return;
		end if;
		if not 'mine' = any (passes) then
			claims := claims || 'mine'::text;
		end if;
		bare_claim := regexp_match(comment_text collate pg_catalog.pg_c_utf8,
			format('^(?:%s)(?: (?!out\M)(.*))?$', array_to_string(claims, '|')));
		if bare_claim is not null then
			return query
			select 'claim'::text, null::text, details.quantity, details.variant_words
			from private.intent_details(coalesce(bare_claim[1], '')) as details;
		end if;
		return;
	end if;

	-- Each match spans whole words (\m, \M) and holds one word and one number. Without capture
	-- groups PostgreSQL's regex engine matches several times faster; the word and the number are
	-- told apart afterwards. Number-first ("12 sold") only when "out" does not follow, and when
	-- the run after it keeps to number-first pairs up to its end (the tie rule above).
	intent_pattern := format('\m(?:(?:%1$s) ?[0-9]{1,6}|[0-9]{1,6}(?:%1$s)(?! out\M)'
		|| '|[0-9]{1,6} (?:%1$s)(?! out\M)(?=(?: [0-9]{1,6} (?:%1$s))*(?: (?![0-9]{1,6}\M)|$)))\M',
		array_to_string(claims || passes, '|'));
	-- Splitting finds the same matches as regexp_matches (neither is ever empty).
	tails := regexp_split_to_array(comment_text collate pg_catalog.pg_c_utf8, intent_pattern);
	return query
	select first_ten.kind, first_ten.item, details.quantity, details.variant_words
	from (
		select found.kind, found.item, found.place
		from (
			select distinct on (matched.kind, matched.item) matched.kind, matched.item, matched.place
			from (
				select
					case when trim(translate(match.pair[1], '0123456789', '')) = any (claims) then 'claim' else 'pass' end as kind,
					ltrim(substring(match.pair[1] from '[0-9]+'), '0') as item,
					match.place
				from regexp_matches(comment_text collate pg_catalog.pg_c_utf8, intent_pattern, 'g')
					with ordinality as match (pair, place)
			) as matched
			where matched.item <> ''
			order by matched.kind, matched.item, matched.place
		) as found
		order by found.place
		limit 10
	) as first_ten
	cross join lateral private.intent_details(trim(tails[first_ten.place + 1])) as details
	order by first_ten.place;
end;
$$;

-- The item number pinned on the show at time `at` (its latest pin change then), or null when
-- nothing was pinned.
create function private.pinned_item_number_at(show_id uuid, at timestamptz) returns text
language sql stable
set search_path = ''
as $$
	select p.item_number::text
	from public.show_pins p
	where p.show_id = pinned_item_number_at.show_id and p.pinned_at <= pinned_item_number_at.at
	order by p.pinned_at desc
	limit 1
$$;
revoke execute on function private.pinned_item_number_at(uuid, timestamptz) from public, anon, authenticated, service_role;

-- As 20261202200300_allocation_variants_and_quantity.sql, with bare claims on the pinned item.
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
	pinned_number text;
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
	-- A bare claim ("sold", alone in its comment) is on the item pinned when it was written.
	if jsonb_array_length(intents) = 1 and intents -> 0 -> 'item_number' = 'null' then
		pinned_number := private.pinned_item_number_at(target_show.id, source.created_at);
		intents := jsonb_build_array(intents -> 0 || jsonb_build_object('item_number', pinned_number, 'pinned', true));
	end if;
	ignored_reason := case
		when target_show.status <> 'active' then 'show_not_active'
		when source.platform <> 'test' and source.platform <> target_show.platform then 'platform_mismatch'
		when source.live_id is distinct from target_show.live_id then 'live_mismatch'
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
				'pinned', intent.pinned,
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

-- As 20261201230000_bad_comments_lose_nothing.sql, locking the pinned items of bare claims too.
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
