// The quick-add box of show setup: `101`, `101-150`, or a pasted list whose lines read
// `number[, title][, qty]`. Parsed alike in the browser (a live preview with per-line errors) and on
// the server (the same rules before add_show_items sees anything).
//
// A line's fields are separated by commas or tabs (a column pasted from a spreadsheet). The first
// field is an item number or a range; when a line has two or more fields and its last one is a
// whole number (optionally written `x3` or `qty 3`), that is the quantity; whatever lies between
// is the title, commas and all ("12, Red dress, size M, 2").

/** add_show_items takes up to 1000; a quick add stays at 500 so one paste cannot swamp a show. */
export const maxItemsPerAdd = 500;
export const maxItemNumber = 999_999;
export const maxQuantity = 30;
export const maxTitleLength = 200;

export interface QuickAddItem {
	/** Canonical: 1 to 999999 without leading zeros, as the claim parser reads comments. */
	item_number: string;
	title?: string;
	quantity?: number;
}

export interface QuickAddLineError {
	/** 1-based line number in what was typed. */
	line: number;
	text: string;
	message: string;
}

export interface QuickAddResult {
	items: QuickAddItem[];
	errors: QuickAddLineError[];
}

const itemNumberPattern = /^#?\s*(\d+)$/;
const rangePattern = /^#?\s*(\d+)\s*[-–—]\s*#?\s*(\d+)$/;
const quantityPattern = /^(?:x|qty\s*:?)?\s*(\d+)$/i;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function canonicalItemNumber(digits: string): Parsed<number> {
	const value = Number(digits);
	if (digits.length > 6 || value < 1 || value > maxItemNumber) {
		return { ok: false, message: `${digits} is not an item number: use 1 to ${maxItemNumber}` };
	}
	return { ok: true, value };
}

/** The item numbers a first field names: one number, or every number of a range. */
function parseNumbers(field: string): Parsed<number[]> {
	const single = itemNumberPattern.exec(field);
	if (single) {
		const parsed = canonicalItemNumber(single[1]);
		return parsed.ok ? { ok: true, value: [parsed.value] } : parsed;
	}
	const range = rangePattern.exec(field);
	if (!range)
		return { ok: false, message: `“${field}” is not an item number or a range like 101-150` };
	const first = canonicalItemNumber(range[1]);
	if (!first.ok) return first;
	const last = canonicalItemNumber(range[2]);
	if (!last.ok) return last;
	if (last.value < first.value)
		return { ok: false, message: `the range ${first.value}-${last.value} runs backwards` };
	const span = last.value - first.value + 1;
	if (span > maxItemsPerAdd)
		return {
			ok: false,
			message: `the range ${first.value}-${last.value} holds ${span} items; add at most ${maxItemsPerAdd} at a time`,
		};
	return { ok: true, value: Array.from({ length: span }, (_, index) => first.value + index) };
}

function parseQuantity(field: string): Parsed<number> | null {
	const match = quantityPattern.exec(field);
	if (!match) return null;
	const quantity = Number(match[1]);
	if (quantity < 1 || quantity > maxQuantity)
		return { ok: false, message: `quantity ${match[1]} is out of range: use 1 to ${maxQuantity}` };
	return { ok: true, value: quantity };
}

function parseLine(text: string): Parsed<QuickAddItem[]> {
	const fields = text.split(/[,\t]/).map((field) => field.trim());
	const numbers = parseNumbers(fields[0]);
	if (!numbers.ok) return numbers;

	let rest = fields.slice(1);
	let quantity: number | undefined;
	const quantityField = rest.length > 0 ? parseQuantity(rest[rest.length - 1]) : null;
	if (quantityField) {
		if (!quantityField.ok) return quantityField;
		quantity = quantityField.value;
		rest = rest.slice(0, -1);
	}
	const title = rest.join(', ').trim() || undefined;
	if (title && title.length > maxTitleLength)
		return {
			ok: false,
			message: `the title is ${title.length} characters; keep it to ${maxTitleLength}`,
		};
	if (title && numbers.value.length > 1)
		return { ok: false, message: 'a range cannot share one title: list its items one per line' };

	return {
		ok: true,
		value: numbers.value.map((number) => ({
			item_number: String(number),
			...(title === undefined ? {} : { title }),
			...(quantity === undefined ? {} : { quantity }),
		})),
	};
}

/** Every item the text names, or what is wrong with each line that does not parse. */
export function parseQuickAdd(text: string): QuickAddResult {
	const items: QuickAddItem[] = [];
	const errors: QuickAddLineError[] = [];
	const lineOfNumber = new Map<string, number>();

	text.split(/\r\n|\r|\n/).forEach((raw, index) => {
		const line = index + 1;
		const trimmed = raw.trim();
		if (trimmed === '') return;
		const parsed = parseLine(trimmed);
		if (!parsed.ok) {
			errors.push({ line, text: trimmed, message: parsed.message });
			return;
		}
		const repeated = parsed.value.find((item) => lineOfNumber.has(item.item_number));
		if (repeated) {
			errors.push({
				line,
				text: trimmed,
				message: `item ${repeated.item_number} is already on line ${lineOfNumber.get(repeated.item_number)}`,
			});
			return;
		}
		for (const item of parsed.value) lineOfNumber.set(item.item_number, line);
		items.push(...parsed.value);
	});

	if (items.length > maxItemsPerAdd) {
		errors.push({
			line: 0,
			text: '',
			message: `that is ${items.length} items; add at most ${maxItemsPerAdd} at a time`,
		});
	}
	return { items, errors };
}

/** "1-20, 25, 31-33": the item numbers compressed into runs, for previews and confirmations. */
export function describeItemNumbers(itemNumbers: readonly string[]): string {
	const sorted = [...new Set(itemNumbers.map(Number))].sort((a, b) => a - b);
	const runs: string[] = [];
	let start = sorted[0];
	for (let index = 1; index <= sorted.length; index++) {
		const previous = sorted[index - 1];
		if (sorted[index] === previous + 1) continue;
		runs.push(start === previous ? String(start) : `${start}-${previous}`);
		start = sorted[index];
	}
	return runs.join(', ');
}
