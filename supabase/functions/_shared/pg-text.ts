// Text as PostgreSQL can store it. A text value cannot hold U+0000 and jsonb refuses even its
// escape ("\u0000 cannot be converted to text"), so one such character in a comment would fail the
// statement that carries it, and the whole batch with it; an unpaired UTF-16 surrogate has no UTF-8
// form at all. Both are replaced before text goes to the database: NUL dropped, a lone surrogate
// made U+FFFD.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(text: string): string {
	return text.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/** A parsed JSON value with every string in it (keys too) made storable. */
export function storableJson(value: unknown): unknown {
	if (typeof value === 'string') return storableText(value);
	if (Array.isArray(value)) return value.map(storableJson);
	if (value !== null && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value).map(([key, item]) => [storableText(key), storableJson(item)]),
		);
	return value;
}
