-- Claims with a quantity and a variant. After each intent the parser now reads what the
-- commenter wrote up to the next intent (at most 10 words), and returns two more columns:
-- * quantity: units asked for, written "x2", "x 2", "2pcs", "2 pcs", "2pc", "qty 2" or "qty2"
--   after the item number ("sold 12 x2 blue M"); 1 when none is written (or 0 is). Allocation
--   caps it by the workspace's max_units_per_comment.
-- * variant_words: the other words, normalised as the comment is, with each size spelled one way
--   (s, m, l, xl, xxl, ...: "medium" and "med" read m, "extra large" and "x large" xl, "2xl" xxl),
--   so "sold 12 Blue-Medium" gives {blue, m} and "12 sold black/L" gives {black, l}. Allocation
--   looks for the item's option values among them (private.match_variant); words that name no
--   option ("please", "size") are simply not options.
-- Intent and item_number are unchanged for every comment. The return type grows, so the function
-- is dropped and created again with its grants.

-- The quantity and the variant words in the words that follow an intent (already normalised:
-- lower-case letters and digits separated by single spaces). Sizes are respelled with replace(),
-- not regular expressions: PostgreSQL caches only 32 compiled expressions per session, and the
-- parser and allocation already use most of them.
create function private.intent_details(tail text, out quantity int, out variant_words text[])
language plpgsql immutable parallel safe
set search_path = ''
as $$
declare
	max_words constant int := 10;
	quantity_pattern constant text := '\m(?:(?:x|qty) ?([0-9]{1,3})|([0-9]{1,3}) ?(?:pcs|pc|pieces|piece))\M';
	-- Each size and a spelling of it, larger sizes before the ones their spellings contain
	-- ("extra large" before "large").
	sizes constant text[] := array[
		['xxxl', 'extra extra extra large'], ['xxxl', 'xxx large'], ['xxxl', '3x large'], ['xxxl', '3xl'],
		['xxl', 'extra extra large'], ['xxl', 'xx large'], ['xxl', '2x large'], ['xxl', '2xl'],
		['xl', 'extra large'], ['xl', 'x large'], ['xl', 'xlarge'],
		['xxs', 'extra extra small'], ['xxs', 'xx small'], ['xxs', '2x small'], ['xxs', '2xs'],
		['xs', 'extra small'], ['xs', 'x small'], ['xs', 'xsmall'],
		['l', 'large'], ['l', 'lg'], ['l', 'lrg'],
		['m', 'medium'], ['m', 'med'], ['m', 'md'],
		['s', 'small'], ['s', 'sm']
	];
	size text[];
	words text := array_to_string((string_to_array(nullif(tail, ''), ' '))[1:max_words], ' ');
	quantity_match text[];
	-- Every word between its own two spaces, so adjacent words match one after the other.
	spaced text;
begin
	quantity := 1;
	variant_words := '{}';
	if words is null then
		return;
	end if;
	quantity_match := regexp_match(words, quantity_pattern);
	if quantity_match is not null then
		quantity := greatest(coalesce(quantity_match[1], quantity_match[2])::int, 1);
		words := regexp_replace(words, quantity_pattern, ' ');
	end if;
	spaced := ' ' || replace(words, ' ', '  ') || ' ';
	foreach size slice 1 in array sizes loop
		spaced := replace(spaced, ' ' || replace(size[2], ' ', '  ') || ' ', ' ' || size[1] || ' ');
	end loop;
	variant_words := array_remove(string_to_array(spaced, ' '), '');
end;
$$;
revoke execute on function private.intent_details(text) from public, anon, authenticated, service_role;
-- parse_comment runs with its caller's rights.
grant execute on function private.intent_details(text) to authenticated, service_role;

drop function public.parse_comment(text, text[], text[]);
create function public.parse_comment(text text, claim_words text[] default '{sold}', pass_words text[] default '{pass}')
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
		normalized := regexp_replace(normalized, price, ' ', 'g');
		normalized := regexp_replace(normalized collate pg_catalog.pg_c_utf8, signed_or_decimal, '\1 ', 'g');
		normalized := trim(regexp_replace(normalized collate pg_catalog.pg_c_utf8, '[^[:alnum:]]+', ' ', 'g'));
		if place = 1 then
			-- Most comments name no number at all.
			if normalized is null or normalized !~ '[0-9]' then
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

revoke execute on function public.parse_comment(text, text[], text[]) from public, anon;
grant execute on function public.parse_comment(text, text[], text[]) to authenticated, service_role;
