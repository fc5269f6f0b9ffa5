// PostgREST's URL grammar: select lists, filters, logic trees and order. Parsing yields names and
// values only; whether a name exists is decided later against the schema cache.
import { ApiError, queryParamError } from './errors.ts';

export interface JsonStep {
	arrow: '->' | '->>';
	key: string;
}

export interface Field {
	name: string;
	path: JsonStep[];
}

export type SelectItem =
	| { kind: 'star' }
	| { kind: 'column'; field: Field; alias?: string; cast?: string }
	| {
			kind: 'embed';
			name: string;
			alias?: string;
			hint?: string;
			joinType?: 'inner' | 'left';
			items: SelectItem[];
	  };

export interface Filter {
	kind: 'filter';
	field: Field;
	negate: boolean;
	operator: string;
	/** `eq(any).{a,b}` compares with any/all of a list. */
	quantifier?: 'any' | 'all';
	/** Text search configuration of `fts(english).word`. */
	config?: string;
	value: string | string[];
}

export interface LogicTree {
	kind: 'logic';
	negate: boolean;
	operator: 'and' | 'or';
	conditions: Condition[];
}

export type Condition = Filter | LogicTree;

export interface OrderTerm {
	field: Field;
	descending: boolean;
	nulls?: 'first' | 'last';
}

export const notImplemented = (details: string) =>
	new ApiError(400, 'PGRST127', 'Feature not implemented', details);

const COMPARISON_OPERATORS = new Set([
	'eq',
	'neq',
	'gt',
	'gte',
	'lt',
	'lte',
	'like',
	'ilike',
	'match',
	'imatch',
	'isdistinct',
	'cs',
	'cd',
	'ov',
	'sl',
	'sr',
	'nxr',
	'nxl',
	'adj',
]);
const QUANTIFIABLE_OPERATORS = new Set([
	'eq',
	'gt',
	'gte',
	'lt',
	'lte',
	'like',
	'ilike',
	'match',
	'imatch',
]);
const TEXT_SEARCH_OPERATORS = new Set(['fts', 'plfts', 'phfts', 'wfts']);
const IS_VALUES = new Set(['null', 'not_null', 'true', 'false', 'unknown']);
const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);

/** Splits on `separator` outside double quotes, parentheses and braces. */
export function splitTopLevel(text: string, separator = ','): string[] {
	const parts: string[] = [];
	let depth = 0;
	let quoted = false;
	let start = 0;
	for (let index = 0; index < text.length; index++) {
		const char = text[index];
		if (quoted) {
			if (char === '\\') index++;
			else if (char === '"') quoted = false;
		} else if (char === '"') quoted = true;
		else if (char === '(' || char === '{') depth++;
		else if (char === ')' || char === '}') depth--;
		else if (char === separator && depth === 0) {
			parts.push(text.slice(start, index));
			start = index + 1;
		}
	}
	parts.push(text.slice(start));
	return parts;
}

/** Whether parentheses outside double quotes pair up, so a value cannot close the tree early. */
function balanced(text: string): boolean {
	let depth = 0;
	let quoted = false;
	for (let index = 0; index < text.length; index++) {
		const char = text[index];
		if (quoted) {
			if (char === '\\') index++;
			else if (char === '"') quoted = false;
		} else if (char === '"') quoted = true;
		else if (char === '(') depth++;
		else if (char === ')' && --depth < 0) return false;
	}
	return depth === 0;
}

function unquote(text: string): string {
	if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
		return text.slice(1, -1).replace(/\\(.)/g, '$1');
	return text;
}

/** `name`, `"quoted name"`, then any `->key` / `->>key` steps. */
export function parseField(text: string): Field | undefined {
	const match = /^("[^"]*"|[^"\->]+)((?:->>?(?:"[^"]*"|[^"\->]+))*)$/u.exec(text);
	if (!match) return undefined;
	const name = unquote(match[1]);
	if (name === '' || (!match[1].startsWith('"') && /[.,:()!]/.test(name))) return undefined;
	const path: JsonStep[] = [];
	for (const step of match[2].matchAll(/(->>?)("[^"]*"|[^"\->]+)/gu))
		path.push({ arrow: step[1] as JsonStep['arrow'], key: unquote(step[2]) });
	return { name, path };
}

/** The name a column gets in the result: its alias, else the last JSON key, else its name. */
export function outputName(field: Field, alias: string | undefined): string {
	return alias ?? field.path.at(-1)?.key ?? field.name;
}

export function parseSelect(text: string): SelectItem[] {
	const fail = (details: string) =>
		queryParamError(`failed to parse select parameter (${text})`, details);
	if (text === '') return [];
	return splitTopLevel(text).map((item) => parseSelectItem(item, fail));
}

function parseSelectItem(item: string, fail: (details: string) => ApiError): SelectItem {
	if (item === '*') return { kind: 'star' };
	if (item.startsWith('...'))
		throw notImplemented('Spread embedding (...relation) is not supported by the local stack');
	let rest = item;
	let alias: string | undefined;
	const aliasMatch = /^("[^"]*"|[^":()]+):(?!:)/u.exec(rest);
	if (aliasMatch) {
		alias = unquote(aliasMatch[1]);
		rest = rest.slice(aliasMatch[0].length);
	}
	const open = rest.indexOf('(');
	if (open >= 0) {
		if (!rest.endsWith(')')) throw fail(`unexpected "${rest.at(-1) ?? ''}" expecting ")"`);
		const head = rest.slice(0, open);
		const inner = rest.slice(open + 1, -1);
		const [name, ...marks] = head.split('!');
		const aggregate = name.split('.').at(-1) ?? '';
		if ((name.includes('.') && AGGREGATES.has(aggregate)) || (name === 'count' && inner === '')) {
			throw new ApiError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
		}
		if (name === '' || /[.,:]/.test(unquote(name)))
			throw fail(`unexpected "${head}" expecting field name`);
		let hint: string | undefined;
		let joinType: 'inner' | 'left' | undefined;
		for (const mark of marks) {
			if (mark === 'inner' || mark === 'left') joinType = mark;
			else if (hint === undefined && mark !== '') hint = unquote(mark);
			else throw fail(`unexpected "!${mark}"`);
		}
		return { kind: 'embed', name: unquote(name), alias, hint, joinType, items: parseSelect(inner) };
	}
	let cast: string | undefined;
	const castIndex = rest.indexOf('::');
	if (castIndex >= 0) {
		cast = rest.slice(castIndex + 2).toLowerCase();
		rest = rest.slice(0, castIndex);
		if (!/^[a-z_][a-z0-9_ ]*(\[\])?$/.test(cast))
			throw fail(`unexpected "${cast}" expecting a type name`);
	}
	const field = parseField(rest);
	if (!field) throw fail(`unexpected "${rest}" expecting field name`);
	return { kind: 'column', field, alias, cast };
}

/** `(a,"b,c",d)` or `{a,b}`: PostgREST's list values, quoted elements unquoted. */
function parseList(text: string, open: string, close: string): string[] | undefined {
	if (!text.startsWith(open) || !text.endsWith(close)) return undefined;
	const body = text.slice(1, -1);
	if (body === '') return [];
	return splitTopLevel(body).map((element) => unquote(element));
}

/**
 * `[not.]op[(any|all)|(config)].value`. Inside a logic tree a quoted value is unquoted, as
 * PostgREST does; a top-level value is taken verbatim.
 */
export function parseOperation(
	field: Field,
	text: string,
	insideLogicTree: boolean,
	fail: (details: string) => ApiError,
): Filter {
	let rest = text;
	let negate = false;
	if (rest.startsWith('not.')) {
		negate = true;
		rest = rest.slice(4);
	}
	const match = /^([a-z]+)(?:\(([^)]*)\))?\.([\s\S]*)$/.exec(rest);
	if (!match) throw fail(`unexpected "${rest}" expecting operator (eq, gt, ...)`);
	const [, operator, modifier, rawValue] = match;
	const value = insideLogicTree ? unquote(rawValue) : rawValue;
	if (operator === 'in') {
		if (modifier !== undefined) throw fail(`unexpected "(${modifier})"`);
		const list = parseList(rawValue, '(', ')');
		if (!list) throw fail(`unexpected "${rawValue}" expecting a list "(a,b,...)"`);
		return { kind: 'filter', field, negate, operator, value: list };
	}
	if (operator === 'is') {
		if (modifier !== undefined || !IS_VALUES.has(value.toLowerCase()))
			throw fail(`unexpected "${value}" expecting null, not_null, true, false or unknown`);
		return { kind: 'filter', field, negate, operator, value: value.toLowerCase() };
	}
	if (TEXT_SEARCH_OPERATORS.has(operator)) {
		return { kind: 'filter', field, negate, operator, config: modifier, value };
	}
	if (!COMPARISON_OPERATORS.has(operator)) throw fail(`unknown operator "${operator}"`);
	if (modifier !== undefined) {
		if ((modifier !== 'any' && modifier !== 'all') || !QUANTIFIABLE_OPERATORS.has(operator))
			throw fail(`unexpected "(${modifier})"`);
		const list = parseList(rawValue, '{', '}');
		if (!list) throw fail(`unexpected "${rawValue}" expecting a list "{a,b,...}"`);
		return { kind: 'filter', field, negate, operator, quantifier: modifier, value: list };
	}
	return { kind: 'filter', field, negate, operator, value };
}

export function parseFilter(fieldText: string, text: string): Filter {
	const fail = (details: string) => queryParamError(`failed to parse filter (${text})`, details);
	const field = parseField(fieldText);
	if (!field) throw fail(`unexpected "${fieldText}" expecting field name`);
	return parseOperation(field, text, false, fail);
}

/** `(a.eq.1,or(b.gt.2,c.is.null))` as the value of `or=` / `and=` / `not.or=`. */
export function parseLogicTree(operator: 'and' | 'or', negate: boolean, text: string): LogicTree {
	const fail = (details: string) =>
		queryParamError(`failed to parse logic tree (${text})`, details);
	return parseLogicBody(operator, negate, text, fail);
}

function parseLogicBody(
	operator: 'and' | 'or',
	negate: boolean,
	text: string,
	fail: (details: string) => ApiError,
): LogicTree {
	if (!text.startsWith('(') || !text.endsWith(')'))
		throw fail(`unexpected "${text[0] ?? ''}" expecting "("`);
	if (!balanced(text)) throw fail('unbalanced parentheses: quote values that contain "(" or ")"');
	const conditions = splitTopLevel(text.slice(1, -1)).map((item): Condition => {
		const nested = /^(not\.)?(and|or)(\([\s\S]*\))$/.exec(item);
		if (nested)
			return parseLogicBody(nested[2] as 'and' | 'or', nested[1] !== undefined, nested[3], fail);
		const dot = item.search(/\.(?:not\.)?[a-z]+(?:\([^)]*\))?\./);
		if (dot <= 0) throw fail(`unexpected "${item}" expecting a filter "field.operator.value"`);
		const field = parseField(item.slice(0, dot));
		if (!field) throw fail(`unexpected "${item.slice(0, dot)}" expecting field name`);
		return parseOperation(field, item.slice(dot + 1), true, fail);
	});
	return { kind: 'logic', negate, operator, conditions };
}

export function parseOrder(text: string): OrderTerm[] {
	const fail = (details: string) => queryParamError(`failed to parse order (${text})`, details);
	return splitTopLevel(text).map((term) => {
		if (term.includes('('))
			throw notImplemented('Ordering by an embedded resource is not supported by the local stack');
		const parts = splitTopLevel(term, '.');
		let descending = false;
		let nulls: 'first' | 'last' | undefined;
		const last = parts.at(-1);
		if (last === 'nullsfirst' || last === 'nullslast') {
			nulls = last === 'nullsfirst' ? 'first' : 'last';
			parts.pop();
		}
		const direction = parts.at(-1);
		if (direction === 'asc' || direction === 'desc') {
			descending = direction === 'desc';
			parts.pop();
		}
		const field = parts.length === 1 ? parseField(parts[0]) : undefined;
		if (!field)
			throw fail(
				`unexpected "${term}" expecting field name, ".asc", ".desc", ".nullsfirst" or ".nullslast"`,
			);
		return { field, descending, nulls };
	});
}

/** A non-negative integer query parameter (`limit`, `offset`). */
export function parseCount(name: string, text: string): number {
	if (!/^\d{1,15}$/.test(text))
		throw queryParamError(
			`failed to parse ${name} parameter (${text})`,
			`unexpected "${text}" expecting a non-negative integer`,
		);
	return Number(text);
}

/** The column names of `columns=` and `on_conflict=`. */
export function parseNameList(name: string, text: string): string[] {
	const names = splitTopLevel(text).map((item) => unquote(item.trim()));
	if (names.some((item) => item === ''))
		throw queryParamError(
			`failed to parse ${name} parameter (${text})`,
			'unexpected empty column name',
		);
	return names;
}

/** `Prefer` preferences, possibly spread over several comma-separated headers. */
export function parsePreferences(header: string | string[] | undefined): Map<string, string> {
	const preferences = new Map<string, string>();
	const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
	for (const value of values) {
		for (const item of value.split(',')) {
			const [key, ...rest] = item.trim().split('=');
			if (key) preferences.set(key.trim().toLowerCase(), rest.join('=').trim());
		}
	}
	return preferences;
}
