// The case table for public.parse_comment (the parser must reach over 99 % precision and recall).
// `expected` is what the parser returns under the rules in the migration's header; `meant` is
// what the commenter meant, given only where the rules knowingly read it otherwise (the rules keep
// to patterns). Precision and recall are scored against `meant ?? expected`. An intent for more
// than one unit reads 'claim 12 x2'; cases with `withWords` also show the variant words the
// parser read after it, as 'claim 12 [blue m]'.

export interface ParseCase {
	text: string;
	claimWords?: string[];
	passWords?: string[];
	/** Intents in order, as 'claim 12' or 'pass 7'. */
	expected: string[];
	meant?: string[];
	/** The intents carry their variant words: 'claim 12 x2 [blue m]'. */
	withWords?: boolean;
}

type Words = Pick<ParseCase, 'claimWords' | 'passWords' | 'withWords'>;

const pinned = ['claim pinned'];

/** Cases in a compact form: [text, expected intents, meant intents?]. */
function table(
	words: Words,
	rows: [text: string, expected: string[], meant?: string[]][],
): ParseCase[] {
	return rows.map(([text, expected, meant]) => ({
		...words,
		text,
		expected,
		...(meant ? { meant } : {}),
	}));
}

const defaults: Words = {};
const none: string[] = [];
const firstTen = Array.from({ length: 10 }, (_, index) => `claim ${index + 1}`);

const patterns = table(defaults, [
	['sold 12', ['claim 12']],
	['sold12', ['claim 12']],
	['12 sold', ['claim 12']],
	['12sold', ['claim 12']],
	['pass 12', ['pass 12']],
	['pass12', ['pass 12']],
	['12 pass', ['pass 12']],
	['12pass', ['pass 12']],
	['SOLD 12', ['claim 12']],
	['Sold 12', ['claim 12']],
	['sOlD12', ['claim 12']],
	['12 SOLD', ['claim 12']],
	['PASS 3', ['pass 3']],
	['Pass3', ['pass 3']],
	['  sold   12  ', ['claim 12']],
	['sold\t12', ['claim 12']],
	['sold\n12', ['claim 12']],
	['\nsold 12\n', ['claim 12']],
	['sold \r\n 12', ['claim 12']],
	['   12    sold', ['claim 12']],
	['sold 12 please', ['claim 12']],
	['can i get sold 12', ['claim 12']],
	['sold 12 in blue', ['claim 12']],
	['sold 12 size M', ['claim 12']],
	['Sold 12 to me!', ['claim 12']],
	['12 sold to me', ['claim 12']],
	['12 sold pls', ['claim 12']],
	['ok pass 4 sorry', ['pass 4']],
	['sold 12 💕 thank you', ['claim 12']],
	['I want it! sold 31', ['claim 31']],
]);

const punctuation = table(defaults, [
	['sold-12', ['claim 12']],
	['sold:12', ['claim 12']],
	['sold: 12', ['claim 12']],
	['sold #12', ['claim 12']],
	['sold#12', ['claim 12']],
	['#sold12', ['claim 12']],
	['#12sold', ['claim 12']],
	['#sold #12', ['claim 12']],
	['#SOLD12 #love', ['claim 12']],
	['sold #12!', ['claim 12']],
	['sold 12!!!', ['claim 12']],
	['sold, 12', ['claim 12']],
	['sold.12', ['claim 12']],
	['sold...12', ['claim 12']],
	['(sold 12)', ['claim 12']],
	['"sold 12"', ['claim 12']],
	['sold_12', ['claim 12']],
	['sold/12', ['claim 12']],
	['sold=12', ['claim 12']],
	['sold~12', ['claim 12']],
	["sold'12", ['claim 12']],
	['sold*12*', ['claim 12']],
	['**sold 12**', ['claim 12']],
	['sold 12?', ['claim 12']],
	['sold 12.', ['claim 12']],
	['12!!! sold', ['claim 12']],
	['@shop sold 12', ['claim 12']],
	['@sold12shop hi', none],
	['¡sold 12!', ['claim 12']],
	['¿sold 12?', ['claim 12']],
	['«sold 12»', ['claim 12']],
	['„sold 12“', ['claim 12']],
	['【sold 12】', ['claim 12']],
	['「sold 12」', ['claim 12']],
	['sold—12', ['claim 12']],
	['sold→12', ['claim 12']],
	['sold•12', ['claim 12']],
	['sold | 12', ['claim 12']],
	['sold\\12', ['claim 12']],
	['<sold>12</sold>', ['claim 12']],
	['sold 12 ✔️', ['claim 12']],
	['pass-7!', ['pass 7']],
	['#pass7', ['pass 7']],
]);

const emoji = table(defaults, [
	['🔥 sold 12 🔥', ['claim 12']],
	['sold12❤️', ['claim 12']],
	['❤️sold 12❤️', ['claim 12']],
	['sold 12 😍😍😍', ['claim 12']],
	['sold🔥12', ['claim 12']],
	['👉 12 sold 👈', ['claim 12']],
	['sold 12 👍🏽', ['claim 12']],
	['👨‍👩‍👧 sold 12', ['claim 12']],
	['🇺🇸 sold 12 🇺🇸', ['claim 12']],
	['sold 1️⃣2️⃣', ['claim 12']],
	['sold 5️⃣', ['claim 5']],
	['#️⃣12 sold', ['claim 12']],
	['🙏pass 4🙏', ['pass 4']],
	['😂😂😂', none],
	['🔥🔥 12 🔥🔥', none],
	['sold ✨💯✨', pinned],
]);

// Zero-width and other invisible characters are deleted; visible spaces of every kind separate.
const invisible = table(defaults, [
	['sold\u200b12', ['claim 12']],
	['sold\u200b 12', ['claim 12']],
	['so\u200bld 12', ['claim 12']],
	['sold\u200d12', ['claim 12']],
	['sold\u200c12', ['claim 12']],
	['sold\u2060 12', ['claim 12']],
	['\ufeffsold 12', ['claim 12']],
	['sold\u00ad12', ['claim 12']],
	['s\u00adold 12', ['claim 12']],
	['sold\u200e12', ['claim 12']],
	['\u202bsold 12\u202c', ['claim 12']],
	['sold\ufe0f 12', ['claim 12']],
	['1\u200b2 sold', ['claim 12']],
	['sold\u3164 12', ['claim 12']],
	['sold\u00a012', ['claim 12']],
	['sold\u202f12', ['claim 12']],
	['sold\u2009 12', ['claim 12']],
	['sold\u2003 12', ['claim 12']],
	['sold\u300012', ['claim 12']],
	['12\u00a0sold', ['claim 12']],
	['pass\u00a09', ['pass 9']],
]);

// Full-width, mathematical, circled and other compatibility forms read as the plain characters.
const compatibility = table(defaults, [
	['ｓｏｌｄ １２', ['claim 12']],
	['ＳＯＬＤ１２', ['claim 12']],
	['１２ ｓｏｌｄ', ['claim 12']],
	['ｐａｓｓ ３', ['pass 3']],
	['sold １２', ['claim 12']],
	['𝐬𝐨𝐥𝐝 𝟏𝟐', ['claim 12']],
	['𝐒𝐎𝐋𝐃 𝟏𝟐', ['claim 12']],
	['𝓈𝑜𝓁𝒹 12', ['claim 12']],
	['𝕤𝕠𝕝𝕕 𝟙𝟚', ['claim 12']],
	['𝘀𝗼𝗹𝗱 𝟭𝟮', ['claim 12']],
	['sold ①②', ['claim 12']],
	['sold ⑫', ['claim 12']],
	['ⓢⓞⓛⓓ 12', ['claim 12']],
	['sold ¹²', ['claim 12']],
	['sold 𝟘𝟘𝟟', ['claim 7']],
	['ｓｏｌｄ　１２', ['claim 12']],
]);

const accentsAndScripts: ParseCase[] = [
	...table(defaults, [
		['sóld 12', ['claim 12']],
		['SÖLD 12', ['claim 12']],
		['sold 12 merci beaucoup, très joli', ['claim 12']],
		['sold ١٢', ['claim 12']],
		['sold ۱۲', ['claim 12']],
		['sold १२', ['claim 12']],
		['sold ১২', ['claim 12']],
		['sold ๑๒', ['claim 12']],
		['١٢ sold', ['claim 12']],
		['sold٠٠٧', ['claim 7']],
		['sold 12 спасибо', ['claim 12']],
		['продано 12', none],
		['sold 12 谢谢', ['claim 12']],
	]),
	...table({ claimWords: ['продано'], passWords: ['пас'] }, [
		['продано 12', ['claim 12']],
		['ПРОДАНО 12', ['claim 12']],
		['продано12', ['claim 12']],
		['12 продано', ['claim 12']],
		['пас 3', ['pass 3']],
		['sold 12', none],
	]),
	...table({ claimWords: ['πωλήθηκε'] }, [
		['ΠΩΛΗΘΗΚΕ 5', ['claim 5']],
		['πωληθηκε 5', ['claim 5']],
	]),
	...table({ claimWords: ['بيع'] }, [
		['بيع ١٢', ['claim 12']],
		['بيع 12', ['claim 12']],
		['١٢ بيع', ['claim 12']],
	]),
	...table({ claimWords: ['買う'] }, [
		['買う 12', ['claim 12']],
		['12 買う', ['claim 12']],
	]),
	...table({ claimWords: ['我要'] }, [
		['我要 12', ['claim 12']],
		['我要１２', ['claim 12']],
		['好，我要12', ['claim 12']],
		['好我要 12', none, ['claim 12']],
	]),
	...table({ claimWords: ['खरीद', 'क्या'] }, [
		['खरीद 5', ['claim 5']],
		['खरीद ५', ['claim 5']],
		['क्या 6', ['claim 6']],
	]),
	...table({ claimWords: ['istiyorum'] }, [
		['İSTİYORUM 5', ['claim 5']],
		['istiyorum 5', ['claim 5']],
	]),
	...table({ claimWords: ['gekauft'] }, [
		['GEKAUFT 3', ['claim 3']],
		['Gekauft, 3 bitte', ['claim 3']],
	]),
	...table({ claimWords: ['mío'] }, [
		['mío 7', ['claim 7']],
		['MÍO 7', ['claim 7']],
		['mio 7', ['claim 7']],
	]),
	...table({ claimWords: ['réservé'], passWords: ['annulé'] }, [
		['RÉSERVÉ 4', ['claim 4']],
		['reserve 4', ['claim 4']],
		['annule 4', ['pass 4']],
	]),
];

// A number is 1 to 6 digits as typed; its canonical form has no leading zeros; zero is no item.
const numbers = table(defaults, [
	['sold 007', ['claim 7']],
	['sold007', ['claim 7']],
	['007 sold', ['claim 7']],
	['sold 000123', ['claim 123']],
	['pass 010', ['pass 10']],
	['sold 1', ['claim 1']],
	['sold 9', ['claim 9']],
	['sold 999999', ['claim 999999']],
	['sold 123456', ['claim 123456']],
	['999999sold', ['claim 999999']],
	['sold 0', none],
	['sold 00', none],
	['sold 000000', none],
	['0 sold', none],
	['sold 0 sold 5', ['claim 5']],
	['sold 1234567', none],
	['sold1234567', none],
	['1234567 sold', none],
	['sold 0000001', none],
	['sold 1000000', none],
	['sold 12345678901', none],
]);

// Prices: a number written against a currency sign is not an item number.
const prices = table(defaults, [
	['$12', none],
	['sold $12', none],
	['sold 12€', none],
	['sold £5.50', none],
	['sold 12 $15', ['claim 12']],
	['sold 12 for $15', ['claim 12']],
	['sold 12 ($15)', ['claim 12']],
	['sold 12 for 15$', ['claim 12']],
	['sold 12 15.99$', ['claim 12']],
	['$12 sold 15', ['claim 15']],
	['sold 1,500€', none],
	['sold ₹499', none],
	['sold 12 is it ¥800?', ['claim 12']],
	['sold 12 ＄15', ['claim 12']],
]);

// Signed and decimal numbers are not item numbers; a hyphen joined to the word still separates.
const signedAndDecimal = table(defaults, [
	['sold -1', none],
	['sold −1', none],
	['-1 sold', none],
	['sold 4.5', none],
	['sold 4,5', none],
	['4.5 sold', none],
	['sold 1,500', none],
	['sold -12.5', none],
	['sold 4.5 sold 7', ['claim 7']],
	['pass -3', none],
	['sold 12.', ['claim 12']],
	['sold 12, 15', ['claim 12']],
	['sold-12', ['claim 12']],
	['sold 12-15', ['claim 12']],
]);

const notIntents = table(defaults, [
	['resold 12', none],
	['soldier 12', none],
	['unsold 12', none],
	['12 soldier', none],
	['12soldier', none],
	['sold out', none],
	['SOLD OUT!!', none],
	['sold out 12', none],
	['12 sold out', none],
	['is 12 sold out?', none],
	['12sold out', none],
	['123', none],
	['12', none],
	['pass', none],
	['passed 12', none],
	['passing 12', none],
	['compass 12', none],
	['passport 12', none],
	['12 passes', none],
	['sold12x', none],
	['xsold12', none],
	['12sold15', none],
	['sold12sold15', none],
	['how much is 12?', none],
	['what size is 12', none],
	['love 12!', none],
	['size 12 please', none],
	['', none],
	['   ', none],
	['!!!', none],
	['solid 12', none],
	['sol d 12', none],
	['s o l d 12', none],
	['sold twelve', none],
	['sold twelve 12x', none],
	// What the rules read by pattern, though the commenter meant otherwise (the rules keep to
	// patterns; the seller releases such a claim from the console).
	['I sold 12 last week', ['claim 12'], none],
	['was 12 sold?', ['claim 12'], none],
	['pass on 12', none, ['pass 12']],
]);

const multiple = table(defaults, [
	['sold 12 sold 15', ['claim 12', 'claim 15']],
	['sold 12, sold 15, sold 18', ['claim 12', 'claim 15', 'claim 18']],
	['sold 12 pass 15', ['claim 12', 'pass 15']],
	['pass 3 sold 4', ['pass 3', 'claim 4']],
	['sold 12 sold 12', ['claim 12']],
	['sold 12 12 sold', ['claim 12']],
	['sold 12 sold 012', ['claim 12']],
	['sold 5 sold 3 sold 5', ['claim 5', 'claim 3']],
	['sold 12 pass 12', ['claim 12', 'pass 12']],
	['pass 12 sold 12', ['pass 12', 'claim 12']],
	['sold 12 & sold 15', ['claim 12', 'claim 15']],
	['sold12 sold15', ['claim 12', 'claim 15']],
	['12sold 15sold', ['claim 12', 'claim 15']],
	['🔥sold 1🔥sold 2🔥', ['claim 1', 'claim 2']],
	// At most 10 intents a comment (the product's limit, not a miss); duplicates collapse first.
	[
		'sold 1 sold 2 sold 3 sold 4 sold 5 sold 6 sold 7 sold 8 sold 9 sold 10 sold 11 sold 12',
		firstTen,
	],
	[
		'sold 1 sold 1 sold 2 sold 3 sold 4 sold 5 sold 6 sold 7 sold 8 sold 9 sold 10 sold 2 sold 11',
		firstTen,
	],
	['sold 12 15', ['claim 12']],
	['sold 12 and 15', ['claim 12'], ['claim 12', 'claim 15']],
	['sold 12, 15', ['claim 12'], ['claim 12', 'claim 15']],
]);

// A word between two numbers takes the number after it, unless the run is number-first throughout.
const ambiguity = table(defaults, [
	['12 sold 15', ['claim 15']],
	['size 12 sold 15', ['claim 15']],
	['12 sold 15 sold', ['claim 12', 'claim 15']],
	['12 sold, 15 sold', ['claim 12', 'claim 15']],
	['12 sold 15 sold 17 sold', ['claim 12', 'claim 15', 'claim 17']],
	['12 sold 15 sold 17', ['claim 15', 'claim 17']],
	['sold 12 15 sold', ['claim 12', 'claim 15']],
	['12 sold sold 15', ['claim 12', 'claim 15']],
	['sold 12 sold', ['claim 12']],
	['12 pass 15', ['pass 15']],
	['12 sold 15 pass', ['claim 12', 'pass 15']],
	['12 15 sold', ['claim 15']],
	['sold 12 1234567 sold', ['claim 12']],
]);

const customWords: ParseCase[] = [
	...table({ claimWords: ['mine'] }, [
		['mine 12', ['claim 12']],
		['MINE12', ['claim 12']],
		['12 mine', ['claim 12']],
		['12mine!', ['claim 12']],
		['sold 12', none],
		['mined 12', none],
		['minesweeper 3', none],
		['pass 4', ['pass 4']],
	]),
	...table({ claimWords: ['claim'] }, [
		['claim 4', ['claim 4']],
		['Claim #4', ['claim 4']],
		['claimed 4', none],
		['reclaim 4', none],
	]),
	...table({ claimWords: ['buy'] }, [
		['buy 7', ['claim 7']],
		['buy7', ['claim 7']],
		['7buy', ['claim 7']],
		['buying 7', none],
	]),
	...table(
		{ claimWords: ['mine', 'claim', 'buy', 'sold'], passWords: ['pass', 'skip', 'cancel'] },
		[
			['mine 1', ['claim 1']],
			['claim 2', ['claim 2']],
			['buy 3', ['claim 3']],
			['sold 4', ['claim 4']],
			['skip 5', ['pass 5']],
			['cancel 6', ['pass 6']],
			['mine 1 buy 2 skip 3', ['claim 1', 'claim 2', 'pass 3']],
		],
	),
	...table({ passWords: ['skip', 'cancel'] }, [
		['skip 3', ['pass 3']],
		['CANCEL3', ['pass 3']],
		['pass 3', none],
		['sold 3', ['claim 3']],
	]),
	...table({ claimWords: ["I'll take"] }, [
		["I'll take 5", ['claim 5']],
		['I’ll take 5', ['claim 5']],
		["i'll take5", ['claim 5']],
		["5 i'll take", ['claim 5']],
		['i ll take 5', ['claim 5']],
		['ill take 5', none],
		['take 5', none],
	]),
	...table({ claimWords: ['put me down for'] }, [
		['put me down for 12', ['claim 12']],
		['Put me down for #12 please', ['claim 12']],
	]),
	...table({ claimWords: ['MINE'] }, [['mine 3', ['claim 3']]]),
	...table({ claimWords: [' Mine! '] }, [['mine 3', ['claim 3']]]),
	...table({ claimWords: ['sold'], passWords: ['sold'] }, [['sold 3', ['claim 3']]]),
	...table({ claimWords: [], passWords: [] }, [['sold 12', none]]),
	...table({ claimWords: ['b2b', ''], passWords: ['   '] }, [
		['b2b 12', none],
		['sold 12', none],
	]),
	...table({ claimWords: ['b2b', 'mine'] }, [['mine 12', ['claim 12']]]),
];

// Words are matched literally: normalisation leaves no regular-expression syntax in them.
const literalWords: ParseCase[] = [
	...table({ claimWords: ['.*'] }, [
		['anything 12', none],
		['.* 12', none],
	]),
	...table({ claimWords: ['a+'] }, [
		['a 12', ['claim 12']],
		['aa 12', none],
		['a+ 12', ['claim 12']],
	]),
	...table({ claimWords: ['so.d'] }, [
		['sold 12', none],
		['so.d 12', ['claim 12']],
		['so d 12', ['claim 12']],
	]),
	...table({ claimWords: ['(sold)'] }, [['sold 12', ['claim 12']]]),
	...table({ claimWords: ['sold|mine'] }, [
		['sold 12', none],
		['mine 12', none],
		['sold|mine 12', ['claim 12']],
	]),
	...table({ claimWords: ['[a-z]+'] }, [
		['sold 12', none],
		['a-z 12', ['claim 12']],
	]),
	...table({ claimWords: ['\\d'] }, [
		['d 12', ['claim 12']],
		['5 12', none],
	]),
	...table({ claimWords: ['$^', ')(', '(?:', '\\'] }, [
		['sold 12', none],
		[')( 12', none],
	]),
	...table({ claimWords: ['***:sold'] }, [['sold 12', ['claim 12']]]),
	...table({ claimWords: ['%1$s'] }, [
		['%s 12', ['claim 12']],
		['1 s 12', ['claim 12']],
	]),
	...table({ claimWords: ['%d1'] }, [
		['d1 12', none],
		['sold 12', none],
	]),
	...table({ claimWords: ["'; drop table x; --"] }, [['drop table x 12', ['claim 12']]]),
];

const forms: [name: string, render: (word: string, number: string) => string][] = [
	['word number', (word, number) => `${word} ${number}`],
	['wordnumber', (word, number) => `${word}${number}`],
	['number word', (word, number) => `${number} ${word}`],
	['numberword', (word, number) => `${number}${word}`],
];
const decorations: [before: string, after: string][] = [
	['', ''],
	['🔥 ', ' 🔥'],
	['#', '!!'],
	['@shop ', ' thx ❤️'],
	['\u00a0', '\u200b'],
	['(', ')'],
	['ok ', ' please'],
	['😍😍', '🙏🏼'],
	['', ' in red, size M'],
	['\n', '?'],
];
const spellings: [word: string, intent: 'claim' | 'pass'][] = [
	['sold', 'claim'],
	['SOLD', 'claim'],
	['Sold', 'claim'],
	['pass', 'pass'],
	['PASS', 'pass'],
];

/** Every form of every spelling, with numbers from one digit to six, in several decorations. */
const generated: ParseCase[] = forms.flatMap(([, render]) =>
	spellings.flatMap(([word, intent]) =>
		decorations.map(([before, after], index) => {
			const number = ['1', '42', '305', '0099', '12345', '999999', '7', '18', '640', '0002'][index];
			return {
				text: `${before}${render(word, number)}${after}`,
				expected: [`${intent} ${number.replace(/^0+/, '')}`],
			};
		}),
	),
);

// Claims naming a quantity and a variant, as buyers write them.
const variantsAndQuantities = table({ withWords: true }, [
	['sold 12 blue M', ['claim 12 [blue m]']],
	['sold 12 M', ['claim 12 [m]']],
	['12 sold black/L', ['claim 12 [black l]']],
	['sold 12 blue-medium', ['claim 12 [blue m]']],
	['Sold 12 Blue Medium please', ['claim 12 [blue m please]']],
	['sold 12 size small', ['claim 12 [size s]']],
	['sold 12 XL', ['claim 12 [xl]']],
	['sold 12 extra large black', ['claim 12 [xl black]']],
	['sold 12 x-large', ['claim 12 [xl]']],
	['sold 12 2XL', ['claim 12 [xxl]']],
	['sold 12 XXL', ['claim 12 [xxl]']],
	['sold 12 3xl', ['claim 12 [xxxl]']],
	['sold 12 XS pink', ['claim 12 [xs pink]']],
	['sold 12 extra small', ['claim 12 [xs]']],
	['sold 12 in green, L', ['claim 12 [in green l]']],
	['sold 12 L 💕', ['claim 12 [l]']],
	['SOLD 12 NAVY / LG', ['claim 12 [navy l]']],
	['sold 12 med', ['claim 12 [m]']],
	['sold 12 crème M', ['claim 12 [creme m]']],
	['ｓｏｌｄ １２ ＢＬＵＥ Ｍ', ['claim 12 [blue m]']],
	['sold 12 💙 M', ['claim 12 [m]']],
	['sold #12 - blue, size M. thanks!', ['claim 12 [blue size m thanks]']],
	['sold 12 blue M $25', ['claim 12 [blue m]']],
	['sold 12 blue M sold 14 red S', ['claim 12 [blue m]', 'claim 14 [red s]']],
	['sold 12 blue M pass 9', ['claim 12 [blue m]', 'pass 9 []']],
	['pass 12 red', ['pass 12 [red]']],
	['pass 12', ['pass 12 []']],
	['sold 12 x2 blue M', ['claim 12 x2 [blue m]']],
	['sold 12 blue M x2', ['claim 12 x2 [blue m]']],
	['sold 12 x2', ['claim 12 x2 []']],
	['sold 12 X3 black', ['claim 12 x3 [black]']],
	['sold 12 x 2', ['claim 12 x2 []']],
	['sold 12 2pcs', ['claim 12 x2 []']],
	['sold 12 2 pcs', ['claim 12 x2 []']],
	['sold 12 3 pieces', ['claim 12 x3 []']],
	['sold 12 qty 3', ['claim 12 x3 []']],
	['sold 12 qty: 3', ['claim 12 x3 []']],
	['sold 12 qty2 red L', ['claim 12 x2 [red l]']],
	['12 sold x2', ['claim 12 x2 []']],
	['sold 12 x0', ['claim 12 []']],
	['sold 12 for $20 x2', ['claim 12 x2 [for]']],
	['sold 12 x2 sold 13 x3', ['claim 12 x2 []', 'claim 13 x3 []']],
	[
		'sold 12 blue and i also really love the red one in L',
		['claim 12 [blue and i also really love the red one in]'],
	],
]);

// A claim word with no number claims the item pinned when it was written.
const bareClaims: ParseCase[] = [
	...table(defaults, [
		['sold', pinned],
		['Sold!', pinned],
		['SOLD 🙏🙏', pinned],
		['mine', pinned],
		['Mine!!', pinned],
		['sold sold', pinned],
		['sold?', none],
		['is it sold', none],
		['soldier', none],
		['pass', none],
		['I sold mine yesterday on another page', none],
		['sold to the lady in red please thank you', none],
	]),
	...table({ withWords: true }, [
		['sold blue medium', ['claim pinned [blue m]']],
		['Mine, size L', ['claim pinned [size l]']],
	]),
	...table({ claimWords: ['claim', 'put me down'] }, [
		['claim', pinned],
		['Put me down!', pinned],
		['sold', none],
		['mine', pinned],
	]),
	...table({ claimWords: ['sold'], passWords: ['mine'] }, [
		['mine', none],
		['sold', pinned],
	]),
];

// Questions and numbers around variants and quantities that claim nothing.
const notVariantClaims = table(defaults, [
	['is the blue one M or L?', none],
	['is 12 the blue one M or L?', none],
	['what sizes does 12 come in?', none],
	['how much is 12 in blue?', none],
	['12 in blue M?', none],
	['blue M $12', none],
	['price for 12 x2?', none],
	['call me 555-123-4567', none],
	['my number is 0412 345 678', none],
	['+1 (555) 010-9999', none],
	['is 12 sold out in M?', none],
	['do you have 12 in 2XL?', none],
	['I wear a size 12 M', none],
	['x2 of the blue please', none],
	['qty 2 left?', none],
	['2pcs for $30?', none],
	['is 12 in XL sold out?', none],
]);

export const parseCases: ParseCase[] = [
	...patterns,
	...punctuation,
	...emoji,
	...invisible,
	...compatibility,
	...accentsAndScripts,
	...numbers,
	...prices,
	...signedAndDecimal,
	...notIntents,
	...multiple,
	...ambiguity,
	...customWords,
	...literalWords,
	...generated,
	...variantsAndQuantities,
	...notVariantClaims,
	...bareClaims,
];
