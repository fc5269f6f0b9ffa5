// A buyer-message template filled in as private.render_buyer_message fills it in the database,
// for the settings page's live preview (tests/db/buyer-message-preview.test.ts holds the two
// against each other on a table of cases).

/** Messenger's limit for one text message, which the database's rendering also keeps. */
export const MESSAGE_LIMIT = 2_000;

/**
 * Every placeholder, in the order the database replaces them (a value holding a later
 * placeholder is replaced too, as there).
 */
export const placeholders = [
	'handle',
	'name',
	'item',
	'title',
	'variant',
	'price',
	'position',
	'variants',
	'link',
	'total',
	'deadline',
] as const;
export type Placeholder = (typeof placeholders)[number];

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const twoDigits = (value: number) => String(value).padStart(2, '0');

/** When a hold ends, as private.format_deadline words it: "Tue 1 Dec 18:00 UTC". */
export function formatDeadline(at: string | Date): string {
	const date = new Date(at);
	return `${weekdays[date.getUTCDay()]} ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())} UTC`;
}

/**
 * Each {placeholder} replaced by its value (empty when it has none), runs of spaces and tabs made
 * one space, the space an empty value leaves before punctuation closed, the ends trimmed. Unknown
 * placeholders stay as written. Not yet cut to Messenger's limit.
 */
function fillTemplate(
	template: string,
	values: Partial<Record<Placeholder, string | null>>,
): string {
	let rendered = template;
	for (const name of placeholders) rendered = rendered.replaceAll(`{${name}}`, values[name] ?? '');
	rendered = rendered.replace(/[ \t]+/g, ' ').replace(/ +([.,!?:;])/g, '$1');
	// Postgres trims spaces only.
	return rendered.replace(/^ +| +$/g, '');
}

/** The template as the buyer gets it: filled in and cut to 2,000 characters (code points, as Postgres counts). */
export function renderTemplate(
	template: string,
	values: Partial<Record<Placeholder, string | null>>,
): string {
	return Array.from(fillTemplate(template, values)).slice(0, MESSAGE_LIMIT).join('');
}

/** The preview of a template: the text sent, and how long it is before the cut. */
export function previewTemplate(
	template: string,
	values: Partial<Record<Placeholder, string | null>>,
): { text: string; length: number; tooLong: boolean } {
	const length = Array.from(fillTemplate(template, values)).length;
	return { text: renderTemplate(template, values), length, tooLong: length > MESSAGE_LIMIT };
}

/** The {names} a template uses that are not placeholders, each once, in order. */
export function unknownPlaceholders(template: string): string[] {
	const known = new Set<string>(placeholders);
	const found = [...template.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]);
	return [...new Set(found.filter((name) => !known.has(name)))];
}

/** The template cut into text and {placeholder} parts, unknown ones marked, for highlighting. */
export function templateParts(template: string): { text: string; unknown: boolean }[] {
	const known = new Set<string>(placeholders);
	const parts: { text: string; unknown: boolean }[] = [];
	let last = 0;
	for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
		if (known.has(match[1])) continue;
		if (match.index > last) parts.push({ text: template.slice(last, match.index), unknown: false });
		parts.push({ text: match[0], unknown: true });
		last = match.index + match[0].length;
	}
	if (last < template.length) parts.push({ text: template.slice(last), unknown: false });
	return parts;
}

/** The values a preview fills in: one buyer, one item, one order due a day from `now`. */
export function sampleValues(now = new Date()): Record<Placeholder, string> {
	return {
		handle: '@ana.sells',
		name: 'Ana',
		item: '12',
		title: 'Silk scarf',
		variant: 'Blue / M',
		price: '25.00 USD',
		position: '2',
		variants: 'Blue / M, Red / S',
		link: 'https://pay.example.com/i/inv_123',
		total: '37.50 USD',
		deadline: formatDeadline(new Date(now.getTime() + 24 * 3_600_000)),
	};
}
