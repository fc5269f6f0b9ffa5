// Column values arrive from pgoutput as PostgreSQL's text output. Supabase Realtime sends each
// one as `to_jsonb(value)`: numbers and booleans as JSON numbers and booleans, json/jsonb parsed,
// arrays as JSON arrays, timestamps in ISO 8601 with a `T`; everything else as its text.
// The replication connection runs with TimeZone=UTC and DateStyle=ISO, which these rely on.

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'numeric']);
const FINITE_NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** `+05` → `+05:00`, as to_jsonb writes UTC offsets. */
function isoOffset(text: string): string {
	return text.replace(/([+-]\d{2})$/, '$1:00');
}

function convertScalar(baseType: string, text: string): JsonValue {
	switch (baseType) {
		case 'bool':
			return text === 't';
		case 'json':
		case 'jsonb':
			return JSON.parse(text) as JsonValue;
		case 'timestamp':
			return text.replace(' ', 'T');
		case 'timestamptz':
			return isoOffset(text.replace(' ', 'T'));
		default:
			// NaN and ±Infinity have no JSON number: to_jsonb keeps them as strings.
			if (NUMERIC_TYPES.has(baseType)) return FINITE_NUMBER.test(text) ? Number(text) : text;
			return text;
	}
}

/**
 * Parses an array literal such as `{1,2,NULL}`, `{"a b","c\"d"}` or `{{1,2},{3,4}}` into nested
 * arrays of element texts (null for NULL).
 */
export function parseArrayLiteral(literal: string): unknown[] {
	// A lower-bound decoration such as `[0:1]={1,2}` comes before the braces.
	let position = literal.startsWith('[') ? literal.indexOf('=') + 1 : 0;

	function parseArray(): unknown[] {
		if (literal[position] !== '{') throw new Error(`malformed array literal: ${literal}`);
		position += 1;
		const items: unknown[] = [];
		if (literal[position] === '}') {
			position += 1;
			return items;
		}
		for (;;) {
			if (literal[position] === '{') {
				items.push(parseArray());
			} else if (literal[position] === '"') {
				position += 1;
				let text = '';
				while (literal[position] !== '"') {
					if (position >= literal.length) throw new Error(`malformed array literal: ${literal}`);
					if (literal[position] === '\\') position += 1;
					text += literal[position];
					position += 1;
				}
				position += 1;
				items.push(text);
			} else {
				const end = literal.slice(position).search(/[,}]/);
				if (end < 0) throw new Error(`malformed array literal: ${literal}`);
				const text = literal.slice(position, position + end).trim();
				position += end;
				items.push(text === 'NULL' ? null : text);
			}
			const separator = literal[position];
			position += 1;
			if (separator === '}') return items;
			if (separator !== ',') throw new Error(`malformed array literal: ${literal}`);
		}
	}
	return parseArray();
}

function convertArray(elementType: string, items: unknown[]): JsonValue[] {
	return items.map((item) => {
		if (item === null) return null;
		if (Array.isArray(item)) return convertArray(elementType, item);
		return convertScalar(elementType, item as string);
	});
}

/**
 * The JSON value Supabase sends for a column whose (domain-resolved) type name is `baseType`,
 * given its text output; array types are named `_element` as in pg_type.
 */
export function toJsonValue(baseType: string, text: string | null): JsonValue {
	if (text === null) return null;
	try {
		if (baseType.startsWith('_')) return convertArray(baseType.slice(1), parseArrayLiteral(text));
		return convertScalar(baseType, text);
	} catch {
		// A value this converter does not understand still reaches the client, as its text.
		return text;
	}
}

export type { JsonValue };
