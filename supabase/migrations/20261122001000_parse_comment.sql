-- The comment parser: the claim and pass intents of one comment, in order of
-- appearance. Pure and cheap (tens of microseconds): it runs on every comment, before any lock.
--
-- Normalisation, applied alike to the comment and to every claim and pass word:
-- * Unicode compatibility decomposition, NFKD (the same mappings as NFKC, so comparisons come out
--   the same, but left decomposed so that accents can be dropped): full-width and styled letters
--   and digits become plain ones (ｓｏｌｄ １２, 𝐬𝐨𝐥𝐝 𝟏𝟐, ①②), NBSP and the other spaces a space.
-- * Invisible characters (Unicode Default_Ignorable_Code_Point: zero-width spaces and joiners,
--   soft hyphen, bidi marks, variation selectors, Hangul fillers, tags) and combining diacritical
--   marks are deleted, not spaced: they separate nothing a reader sees ("sold<ZWSP>12" reads
--   "sold12", the keycap emoji 1️⃣2️⃣ read "12"), and accents fold ("vendú" = "vendu").
-- * The digits of every other script (Arabic-Indic ١٢, Persian ۱۲, Devanagari १२, ...) become
--   ASCII digits; lower case (Unicode simple case mapping).
-- * A number written against a currency sign ($12, 12€, £5.50) is a price, not an item: removed.
-- * Every run of characters that are not letters or digits (emoji, punctuation, #, @, spaces)
--   becomes one space; trim.
-- Letters, digits and case come from the builtin collation pg_c_utf8, whose Unicode tables ship
-- with PostgreSQL 17, so the result is the same on every cluster whatever its default locale
-- (C.UTF-8 locally, en_US.UTF-8 or C.UTF-8 on hosted projects). The default collation would not
-- do: libc's C.UTF-8 and ICU call Arabic-Indic digits alphanumeric, and plain C knows no letter
-- beyond ASCII.
--
-- Recognition, on whole words of the normalised text:
-- * "<word> <number>", "<word><number>", "<number> <word>", "<number><word>", where <word> is a
--   claim or pass word (one word or several: "i ll take") and <number> is 1 to 6 digits as typed.
--   Not intents: "resold 12", "soldier 12", "sold out", "123", "sold 1234567", "12sold15", and
--   "<number> <word> out" ("is 12 sold out?" asks; it does not claim).
-- * The item number is canonical, without leading zeros ("sold 007" claims "7"). Zero ("sold 0",
--   "sold 000") is not an item (items are numbered 1 to 999999): not an intent.
-- * A word between two numbers ("12 sold 15") takes the number after it, as in "sold 15" and in
--   "size 12 sold 15". A run written number-first throughout ("12 sold 15 sold")
--   pairs every number with the word after it: in a run alternating numbers and words, the
--   pairing that leaves fewer numbers unpaired wins, and a tie goes to the number after the word.
-- * Patterns only, never guesses at meaning: "i sold 12 last week" claims 12 (the seller can
--   release it), "sold 12 15" and "sold 12, 15" claim 12 alone. Words must stand apart, so in
--   scripts written without spaces a claim needs a break before the word: with the word "我要", "好，我要12"
--   claims 12 and "好我要12" does not.
-- * Every intent is returned, in order of appearance; a repeated (intent, item) keeps its first
--   place; at most 10.
--
-- Words: case, accents and punctuation do not matter. A word that is empty after normalisation,
-- or holds a digit (it could not be told from an item number), is ignored; a word listed as both
-- a claim and a pass word claims. Normalised words hold only letters, digits and spaces, so no
-- workspace setting can inject regular-expression syntax.
create function public.parse_comment(text text, claim_words text[] default '{sold}', pass_words text[] default '{pass}')
returns table (intent text, item_number text)
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
	claim_count constant int := coalesce(cardinality(claim_words), 0);
	raw text;
	place int := 0;
	normalized text;
	comment_text text;
	claims text[] := '{}';
	passes text[] := '{}';
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
	return query
	select found.kind, found.item
	from (
		select distinct on (matched.kind, matched.item) matched.kind, matched.item, matched.place
		from (
			select
				case when trim(translate(match.pair[1], '0123456789', '')) = any (claims) then 'claim' else 'pass' end as kind,
				ltrim(substring(match.pair[1] from '[0-9]+'), '0') as item,
				match.place
			from regexp_matches(comment_text collate pg_catalog.pg_c_utf8,
				format('\m(?:(?:%1$s) ?[0-9]{1,6}|[0-9]{1,6}(?:%1$s)(?! out\M)'
					|| '|[0-9]{1,6} (?:%1$s)(?! out\M)(?=(?: [0-9]{1,6} (?:%1$s))*(?: (?![0-9]{1,6}\M)|$)))\M',
					array_to_string(claims || passes, '|')),
				'g') with ordinality as match (pair, place)
		) as matched
		where matched.item <> ''
		order by matched.kind, matched.item, matched.place
	) as found
	order by found.place
	limit 10;
end;
$$;

revoke execute on function public.parse_comment(text, text[], text[]) from public, anon;
grant execute on function public.parse_comment(text, text[], text[]) to authenticated, service_role;
