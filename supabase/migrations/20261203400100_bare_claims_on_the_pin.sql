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
-- The allocation that applies it: 20261203400400_allocation_pins_limits_blocked.sql.

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
