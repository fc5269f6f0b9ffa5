// Reads a product out of an Instagram caption: a title, the price with its currency (in integer
// minor units of that currency), size and colour lists (the product's options and variants),
// SKU-like codes and hashtags (tags). Sellers write prices many ways: `₱1,200`, `PHP 1200`,
// `RM45`, `$25.00`, `25 USD`, `€19,90`; captions mix English with Tagalog, Malay and Spanish.
// A caption without a price still makes a draft, flagged as needing one.
//
// `$` alone is ambiguous (US, Singapore, Australian … dollars, and pesos that use the sign): it
// means the workspace's currency when that is written with `$`, else USD. A price in another
// currency than the workspace's is kept as found; the import decides what to do with it.
//
// Pure TypeScript (no Deno or Node API), so the Edge Function and vitest import the same code.
// The rules sit behind the CaptionExtractor interface: a language-model extractor could be
// placed in front of them (falling back to them), switched on only when a key is configured.

export interface CaptionOption {
	/** 'Size' or 'Color'. */
	name: string;
	values: string[];
}

export interface ExtractedProduct {
	title: string;
	/** Minor units of `currency`; null when the caption names no price. */
	price: number | null;
	/** ISO 4217 code of `price`. */
	currency: string | null;
	/** A crossed-out "was" price in the same currency, when the caption gives one above the price. */
	compareAtPrice: number | null;
	/** The price as written, for the console ("₱1,200"). */
	priceText: string | null;
	options: CaptionOption[];
	skus: string[];
	tags: string[];
	needsPrice: boolean;
}

export interface ExtractionContext {
	/** The workspace's catalog currency (ISO 4217). */
	workspaceCurrency: string;
}

export interface CaptionExtractor {
	readonly name: string;
	extract(caption: string, context: ExtractionContext): Promise<ExtractedProduct>;
}

/** ISO 4217 minor units that are not 2 (the common case). */
const EXPONENTS: Record<string, number> = {
	BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
	UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
	BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
	CLF: 4, UYW: 4,
}; // prettier-ignore

export function currencyExponent(code: string): number {
	return EXPONENTS[code] ?? 2;
}

/** Currencies written with a bare `$`. */
const DOLLAR_SIGN_CURRENCIES = new Set([
	'USD', 'AUD', 'BBD', 'BMD', 'BND', 'BSD', 'BZD', 'CAD', 'FJD', 'GYD', 'HKD', 'JMD', 'KYD',
	'LRD', 'NAD', 'NZD', 'SBD', 'SGD', 'SRD', 'TTD', 'TWD', 'XCD', 'ARS', 'CLP', 'COP', 'CUP',
	'DOP', 'MXN', 'UYU',
]); // prettier-ignore

/** Codes recognised next to an amount, in any case (`PHP 850`, `Php850`, `25 usd`). */
const CODES = [
	'PHP', 'MYR', 'USD', 'EUR', 'SGD', 'IDR', 'THB', 'VND', 'GBP', 'AUD', 'CAD', 'JPY', 'KRW',
	'INR', 'HKD', 'MXN', 'NZD', 'CNY', 'TWD', 'BND', 'AED', 'SAR', 'CHF', 'KWD',
]; // prettier-ignore

/** Symbols and local abbreviations; longest first so `US$` wins over `$`. */
const SYMBOLS: [string, string | 'dollar'][] = [
	['US$', 'USD'],
	['S$', 'SGD'],
	['A$', 'AUD'],
	['C$', 'CAD'],
	['HK$', 'HKD'],
	['NT$', 'TWD'],
	['RM', 'MYR'],
	['Rp', 'IDR'],
	['₱', 'PHP'],
	['€', 'EUR'],
	['£', 'GBP'],
	['¥', 'JPY'],
	['฿', 'THB'],
	['₫', 'VND'],
	['₩', 'KRW'],
	['₹', 'INR'],
	['$', 'dollar'],
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const symbolPattern = SYMBOLS.map(([symbol]) => escape(symbol)).join('|');
const codePattern = CODES.join('|');
/** An amount: digits with `,`/`.` groups or decimals, an optional `k` (thousands). */
const amountPattern = String.raw`\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,3})?`;
// "P499" (Filipino shorthand for pesos) only as a whole word before digits.
const PRICE = new RegExp(
	String.raw`(?<before>${symbolPattern}|\b(?:${codePattern})(?![a-z])|\bP(?=\d))\s?(?<amount1>${amountPattern})(?<k1>[kK]\b)?` +
		String.raw`|(?<amount2>${amountPattern})(?<k2>[kK])?\s?(?<after>(?:${codePattern})(?![a-z])|€|₫|\$)`,
	'giu',
);
/** A bare number right after a price word takes the workspace's currency ("Price: 850"). */
const PRICE_WORD = new RegExp(
	String.raw`\b(?:price|presyo|halaga|harga|precio|srp)\b\s*[:=\-–]?\s*(?<amount>${amountPattern})(?![\d%])`,
	'giu',
);
/** Words before a price that make it the old price. */
const WAS_WORDS =
	/\b(?:was|before|dati|orig(?:inal)?|reg(?:ular)?|srp|antes|asal|dulu)\b[^\d\n]{0,6}$/iu;

interface FoundPrice {
	index: number;
	text: string;
	currency: string;
	minor: number;
	was: boolean;
}

/** "1,200" / "19,90" / "1.299,00" / "2,499.50" in minor units of a currency with this exponent; null if not one. */
export function amountToMinor(amount: string, exponent: number, thousands = false): number | null {
	const text = amount.replace(/[\u00a0 ]/g, ',');
	let whole = text;
	let fraction = '';
	const last = Math.max(text.lastIndexOf('.'), text.lastIndexOf(','));
	if (last >= 0) {
		const after = text.slice(last + 1);
		const mark = text[last];
		const repeated = text.indexOf(mark) !== last;
		// Three digits after the only mark are a thousands group ("1,200", "1.500"), unless the
		// currency itself has three decimals; two or fewer are decimals ("19,90", "25.00").
		const group = after.length === 3 && (repeated || exponent !== 3);
		if (!group) {
			whole = text.slice(0, last);
			fraction = after;
		}
	}
	whole = whole.replace(/[.,]/g, '');
	if (!/^\d+$/.test(whole) || !/^\d*$/.test(fraction)) return null;
	if (thousands) {
		// "1.2k": the point moves three places right.
		const moved = fraction.padEnd(3, '0');
		whole = whole + moved.slice(0, 3);
		fraction = moved.slice(3);
	}
	fraction = fraction.replace(/0+$/, '');
	if (fraction.length > exponent) return null;
	const minor = Number(whole + fraction.padEnd(exponent, '0'));
	return Number.isSafeInteger(minor) && minor <= 999_999_999_999 ? minor : null;
}

function resolveCurrency(written: string, workspaceCurrency: string): string {
	const symbol = SYMBOLS.find(([candidate]) => candidate.toLowerCase() === written.toLowerCase());
	if (symbol) {
		if (symbol[1] !== 'dollar') return symbol[1];
		return DOLLAR_SIGN_CURRENCIES.has(workspaceCurrency) ? workspaceCurrency : 'USD';
	}
	if (written === 'P') return 'PHP';
	return written.toUpperCase();
}

function findPrices(caption: string, workspaceCurrency: string): FoundPrice[] {
	const found: FoundPrice[] = [];
	for (const match of caption.matchAll(PRICE)) {
		const groups = match.groups!;
		const written = groups.before ?? groups.after!;
		const amount = groups.amount1 ?? groups.amount2!;
		const thousands = Boolean(groups.k1 ?? groups.k2);
		const currency = resolveCurrency(written, workspaceCurrency);
		const minor = amountToMinor(amount, currencyExponent(currency), thousands);
		if (minor === null || minor === 0) continue;
		found.push({
			index: match.index,
			text: match[0].trim(),
			currency,
			minor,
			was: WAS_WORDS.test(caption.slice(Math.max(0, match.index - 16), match.index)),
		});
	}
	if (found.length === 0) {
		for (const match of caption.matchAll(PRICE_WORD)) {
			const minor = amountToMinor(match.groups!.amount, currencyExponent(workspaceCurrency));
			if (minor === null || minor === 0) continue;
			found.push({
				index: match.index,
				text: match[0].trim(),
				currency: workspaceCurrency,
				minor,
				was: false,
			});
		}
	}
	return found;
}

const SIZE_WORD = /\b(?:sizes?|saiz|tallas?|sz|laki)\b\s*[:\-–]?\s*/giu;
const COLOR_WORD = /\b(?:colou?rs?|kulay|warna|colores?)\b\s*[:\-–]?\s*/giu;
/** Letter sizes in order, so a range "S-XL" reads as S, M, L, XL. */
const LETTER_SIZES = ['XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL', '4XL'];
const SIZE_VALUE =
	/^(?:x{0,3}s|m|x{0,3}l|[2-6]xl|free ?size|one ?size|\d{1,2}(?:\.5)?[tTyY]?|(?:eu|us|uk) ?\d{1,2}(?:\.5)?)$/iu;
const SIZE_RANGE = /^(x{0,2}s|m|x{0,2}l|[34]xl)\s?[-–]\s?(x{0,2}s|m|x{0,2}l|[34]xl)$/iu;
/** Where a list ends: the end of the line or of a clause, or the other list's word. */
const SIZES_END =
	/[\n|•·#;]|\s[-–—]\s|\b(?:sku|ref|code|kod)\b|\b(?:colou?rs?|kulay|warna|colores?)\b/iu;
const COLORS_END = /[\n|•·#;]|\s[-–—]\s|\b(?:sku|ref|code|kod)\b|\b(?:sizes?|saiz|tallas?)\b/iu;
const LIST_SPLIT = /\s*(?:,|\/|\band\b|\bat\b|\bdan\b|\by\b|&|\bo\b)\s*/iu;

function listsAfter(caption: string, keyword: RegExp, end: RegExp): string[] {
	return [...caption.matchAll(keyword)].map((match) => {
		const rest = caption.slice(match.index + match[0].length);
		const stop = rest.search(end);
		return (stop < 0 ? rest : rest.slice(0, stop)).trim();
	});
}

const titleCase = (value: string) =>
	value.length <= 3 && /^[a-z0-9.]+$/i.test(value)
		? value.toUpperCase()
		: value[0].toUpperCase() + value.slice(1);

function sizes(caption: string): string[] {
	const values: string[] = [];
	for (const raw of listsAfter(caption, SIZE_WORD, SIZES_END)) {
		parts: for (const part of raw.split(LIST_SPLIT)) {
			const value = part.replace(/[.!()]+/g, '').trim();
			if (value === '') continue;
			const range = SIZE_RANGE.exec(value);
			if (range) {
				const from = LETTER_SIZES.indexOf(range[1].toUpperCase());
				const to = LETTER_SIZES.indexOf(range[2].toUpperCase());
				if (from >= 0 && to > from) values.push(...LETTER_SIZES.slice(from, to + 1));
				continue;
			}
			// "S M L": sizes separated by spaces only.
			const words = SIZE_VALUE.test(value) ? [value] : value.split(/\s+/);
			for (const word of words) {
				if (!SIZE_VALUE.test(word)) break parts;
				values.push(/size$/i.test(word) ? titleCase(word.toLowerCase()) : titleCase(word));
			}
		}
	}
	return unique(values);
}

function colors(caption: string): string[] {
	const values: string[] = [];
	for (const raw of listsAfter(caption, COLOR_WORD, COLORS_END)) {
		for (const part of raw.split(LIST_SPLIT)) {
			const value = part.replace(/[.!]+$/, '').trim();
			if (value === '') continue;
			// A colour is a word or three, letters only.
			if (!/^\p{L}+(?:[ '-]\p{L}+){0,2}$/u.test(value) || value.length > 30) break;
			values.push(value[0].toUpperCase() + value.slice(1));
		}
	}
	return unique(values);
}

const SKU_AFTER_WORD =
	/\b(?:sku|ref|code|item\s*code|style)\b\s*(?:no\.?|#)?\s*[:\-–]?\s*#?(?<code>[A-Z0-9][A-Z0-9-]{1,29})/giu;
const SKU_SHAPE =
	/(?<![\p{L}\p{N}#-])(?<code>[A-Z]{1,5}-\d{2,6}(?:-[A-Z0-9]{1,6})?)(?![\p{L}\p{N}-])/gu;

function skus(caption: string): string[] {
	const codes: string[] = [];
	for (const match of caption.matchAll(SKU_AFTER_WORD)) {
		const code = match.groups!.code.toUpperCase();
		if (/\d/.test(code)) codes.push(code);
	}
	for (const match of caption.matchAll(SKU_SHAPE)) codes.push(match.groups!.code);
	return unique(codes);
}

function hashtags(caption: string): string[] {
	return unique(
		[...caption.matchAll(/#([\p{L}\p{N}_]{1,100})/gu)].map((match) => match[1].toLowerCase()),
	);
}

function unique(values: string[]): string[] {
	const seen = new Set<string>();
	return values.filter((value) => {
		const key = value.toLowerCase();
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** Segments that only announce ("NEW ARRIVAL", "SALE!", "Price drop!") and name nothing. */
const ANNOUNCEMENT =
	/^(?:(?:new|just|fresh)\s+(?:arrivals?|in|drop)|price\s+drop|new|sale|restock(?:ed)?|pre-?order|on\s+hand|available|mine\s+na|ootd)$/iu;
/** Where a product's name ends: a price, an emoji, a sentence, a separator or a list's label. */
const NAME_END =
	/\uE000|[!?]+|\.(?:\s|$)|\s[-–—:]\s|[|•·(]|\b(?:price(?!\s+drop)|presyo|harga|precio|sizes?|saiz|tallas?|colou?rs?|kulay|warna|colores?|sku|ref|code|free\s+shipping|env[ií]o\s+gratis)\b/iu;
/** Selling words that trail a name: "only", "lang po", "sahaja", "each", "3 for", "was". */
const TRAIL_WORDS =
	/(?:\s+(?:\d+\s*(?:for|pcs?)|only|lang(?:\s+po)?|sahaja|je|solamente|each|per\s+piece|was|now|dati|antes))+$/iu;
/** Lines that are a list or a price, not a name. */
const LINE_LABEL =
	/^(?:price(?!\s+drop)|presyo|harga|precio|sizes?|saiz|tallas?|colou?rs?|kulay|warna|colores?|sku|ref|code|kod)\b/iu;

function titleFrom(caption: string, prices: FoundPrice[]): string {
	let text = caption;
	// Prices become name ends; from the last so the earlier positions stay right.
	for (const price of [...prices].sort((a, b) => b.index - a.index))
		text = text.slice(0, price.index) + '\uE000' + text.slice(price.index + price.text.length);
	for (const rawLine of text.split(/\n+/)) {
		const line = rawLine
			.replace(/#[\p{L}\p{N}_]+/gu, ' ')
			.replace(/@[\w.]+/g, ' ')
			.replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]+/gu, '\uE000')
			.replace(/[ \t]+/g, ' ')
			.trim();
		if (LINE_LABEL.test(line.replace(/^\uE000\s*/, ''))) continue;
		for (const segment of line.split(NAME_END)) {
			const name = (segment ?? '')
				.replace(/[,:;\-–—\s]+$/u, '')
				.replace(TRAIL_WORDS, '')
				.replace(/^[,:;\-–—\s]+/u, '')
				.trim();
			if (!/\p{L}{2}/u.test(name) || ANNOUNCEMENT.test(name)) continue;
			return name.length > 120 ? `${name.slice(0, 119).trimEnd()}…` : name;
		}
	}
	return '';
}

/** The rule-based reading: deterministic, instant, no network. */
export function extractCaption(caption: string, context: ExtractionContext): ExtractedProduct {
	// Captions are at most 2,200 characters on Instagram; anything longer is cut, NUL removed.
	const text = caption.replaceAll('\u0000', '').slice(0, 2200);
	const prices = findPrices(text, context.workspaceCurrency);
	const current = prices.find((price) => !price.was) ?? null;
	const was = prices.find(
		(price) =>
			price.was && current && price.currency === current.currency && price.minor > current.minor,
	);
	const options: CaptionOption[] = [];
	const sizeValues = sizes(text);
	const colorValues = colors(text);
	if (sizeValues.length > 0) options.push({ name: 'Size', values: sizeValues.slice(0, 20) });
	if (colorValues.length > 0) options.push({ name: 'Color', values: colorValues.slice(0, 20) });
	return {
		title: titleFrom(text, prices),
		price: current?.minor ?? null,
		currency: current?.currency ?? null,
		compareAtPrice: was?.minor ?? null,
		priceText: current?.text ?? null,
		options,
		skus: skus(text),
		tags: hashtags(text).slice(0, 50),
		needsPrice: current === null,
	};
}

export const ruleExtractor: CaptionExtractor = {
	name: 'rules',
	extract: (caption, context) => Promise.resolve(extractCaption(caption, context)),
};
