// The `postgres_changes` parameters of a channel join, parsed as Supabase Realtime parses them
// (Extensions.PostgresCdcRls.Subscriptions.parse_subscription_params), with its error messages.

export const FILTER_OPERATORS = [
	'eq',
	'neq',
	'lt',
	'lte',
	'gt',
	'gte',
	'in',
	'like',
	'ilike',
	'is',
	'match',
	'imatch',
	'isdistinct',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type ActionFilter = '*' | 'INSERT' | 'UPDATE' | 'DELETE';

/** One `column=op.value` condition; `in` values are held as an array literal `{a,b}`. */
export interface ColumnFilter {
	column: string;
	op: FilterOperator;
	value: string;
	negate: boolean;
}

export interface SubscriptionParams {
	action: ActionFilter;
	/** May be `*`; otherwise a LIKE pattern over the publication's schemas, as on Supabase. */
	schema: string;
	table: string;
	filters: ColumnFilter[];
	/** Columns to send (the primary key always goes along); null sends every readable column. */
	select: string[] | null;
}

export type ParseResult = { ok: true; params: SubscriptionParams } | { ok: false; error: string };

/** Elixir's `inspect` of a list of strings, which Realtime puts in its parse errors. */
function inspectList(parts: string[]): string {
	return `[${parts.map((part) => JSON.stringify(part)).join(', ')}]`;
}

function actionFilter(event: unknown): ActionFilter {
	if (typeof event !== 'string') return '*';
	const upper = event.toUpperCase();
	return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*';
}

/** Splits on commas outside double quotes and parentheses. */
function splitTopLevel(filter: string): string[] {
	const segments: string[] = [];
	let current = '';
	let depth = 0;
	let quoted = false;
	let previous = '';
	for (let index = 0; index < filter.length; index++) {
		const char = filter[index];
		if (quoted) {
			if (char === '\\' && index + 1 < filter.length) {
				current += char + filter[index + 1];
				previous = filter[index + 1];
				index += 1;
				continue;
			}
			if (char === '"') quoted = false;
		} else if (char === '"' && ['.', '(', ','].includes(previous)) {
			quoted = true;
		} else if (char === '(') {
			depth += 1;
		} else if (char === ')') {
			depth = Math.max(0, depth - 1);
		} else if (char === ',' && depth === 0) {
			segments.push(current);
			current = '';
			previous = '';
			continue;
		}
		current += char;
		previous = char;
	}
	segments.push(current);
	return segments;
}

/** `"a,b"` → `a,b` (backslash escapes the next character); anything else stays as written. */
function unquote(value: string): string {
	if (!value.startsWith('"')) return value;
	let text = '';
	for (let index = 1; index < value.length; index++) {
		const char = value[index];
		if (char === '"') return index === value.length - 1 ? text : value;
		if (char === '\\' && index + 1 < value.length) {
			index += 1;
			text += value[index];
		} else {
			text += char;
		}
	}
	return value;
}

function parseSegment(
	segment: string,
): { ok: true; filter: ColumnFilter } | { ok: false; error: string } {
	const trimmed = segment.trim();
	if (trimmed === '')
		return { ok: false, error: 'filter must not contain empty segments (check for extra commas)' };
	const equals = trimmed.indexOf('=');
	if (equals < 0) return { ok: false, error: inspectList([trimmed]) };
	const column = trimmed.slice(0, equals);
	let rest = trimmed.slice(equals + 1);
	const negate = rest.startsWith('not.');
	if (negate) rest = rest.slice('not.'.length);
	const dot = rest.indexOf('.');
	if (dot < 0) return { ok: false, error: inspectList([rest]) };
	const op = rest.slice(0, dot);
	const value = rest.slice(dot + 1);
	if (!(FILTER_OPERATORS as readonly string[]).includes(op))
		return { ok: false, error: inspectList([op, value]) };
	if (op === 'in') {
		if (value.length < 2 || !value.startsWith('(') || !value.endsWith(')')) {
			return { ok: false, error: '`in` filter value must be wrapped by parentheses' };
		}
		return { ok: true, filter: { column, op, value: `{${value.slice(1, -1)}}`, negate } };
	}
	return { ok: true, filter: { column, op: op as FilterOperator, value: unquote(value), negate } };
}

function parseFilters(
	filter: string,
): { ok: true; filters: ColumnFilter[] } | { ok: false; error: string } {
	if (filter.trim() === '') return { ok: true, filters: [] };
	const filters: ColumnFilter[] = [];
	for (const segment of splitTopLevel(filter.trim())) {
		const parsed = parseSegment(segment);
		if (!parsed.ok) return parsed;
		filters.push(parsed.filter);
	}
	return { ok: true, filters };
}

function parseSelect(
	select: unknown,
): { ok: true; select: string[] | null } | { ok: false; error: string } {
	if (typeof select === 'string') {
		return {
			ok: false,
			error:
				'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]',
		};
	}
	if (!Array.isArray(select)) return { ok: true, select: null };
	const columns = select.filter((column): column is string => typeof column === 'string');
	return { ok: true, select: columns.length > 0 ? columns : null };
}

export function parseSubscriptionParams(raw: unknown): ParseResult {
	const params =
		raw !== null && typeof raw === 'object' && !Array.isArray(raw)
			? (raw as Record<string, unknown>)
			: {};
	const action = actionFilter(params.event);
	const selected = parseSelect(params.select);
	if (!selected.ok) return selected;
	const { schema, table, filter } = params;
	const has = (key: string) => key in params;

	let target: { schema: string; table: string; filters: ColumnFilter[] } | undefined;
	if (typeof schema === 'string' && typeof table === 'string' && typeof filter === 'string') {
		const parsed = parseFilters(filter);
		if (!parsed.ok) return { ok: false, error: `Error parsing \`filter\` params: ${parsed.error}` };
		target = { schema, table, filters: parsed.filters };
	} else if (typeof schema === 'string' && typeof table === 'string' && !has('filter')) {
		target = { schema, table, filters: [] };
	} else if (typeof schema === 'string' && !has('table') && !has('filter')) {
		target = { schema, table: '*', filters: [] };
	} else if (typeof table === 'string' && !has('schema') && !has('filter')) {
		target = { schema: 'public', table, filters: [] };
	}
	if (!target) {
		return {
			ok: false,
			error: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${JSON.stringify(params)}`,
		};
	}
	if (selected.select && (target.schema === '*' || target.table === '*')) {
		return {
			ok: false,
			error:
				'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.',
		};
	}
	return { ok: true, params: { action, ...target, select: selected.select } };
}

/** Realtime's rendering of the parameters in its "Unable to subscribe" messages. */
export function describeParams(params: SubscriptionParams): string {
	const filters = `[${params.filters.map((f) => `{${JSON.stringify(f.column)}, ${JSON.stringify(f.op)}, ${JSON.stringify(f.value)}, ${f.negate}}`).join(', ')}]`;
	const select = params.select ? inspectList(params.select) : 'nil';
	return `event: ${params.action}, schema: ${params.schema}, table: ${params.table}, filters: ${filters}, select: ${select}`;
}
