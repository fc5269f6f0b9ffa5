// The statements behind reads, writes and RPC, shaped like PostgREST's: one statement whose CTE
// `pgrst_source` yields the rows, aggregated into the response body by PostgreSQL itself.
import { ApiError, closest, invalidBody } from './errors.ts';
import {
	notImplemented,
	parseFilter,
	parseLogicTree,
	parseNameList,
	parseOrder,
	parseCount,
	parseSelect,
} from './parse.ts';
import { QueryBuilder, type ReadNode, type Source } from './query.ts';
import {
	qualifiedName,
	quoteIdent,
	type Relation,
	type Routine,
	type SchemaCache,
} from './schema-cache.ts';

export type Media = 'json' | 'object' | 'csv';

export interface RequestShape {
	method: string;
	schema: string;
	cache: SchemaCache;
	url: URL;
	preferences: Map<string, string>;
	media: Media;
	stripNulls: boolean;
	/** Rows asked for by the Range header, before limit/offset narrow them. */
	range: { offset: number; limit?: number };
	maxRows: number;
	body: unknown;
}

/** What the response needs besides the rows: how to read the statement's result. */
export interface Plan {
	sql: string;
	values: unknown[];
	readOnly: boolean;
	kind: 'read' | 'insert' | 'update' | 'delete' | 'rpc';
	/** A function returning void: 204 without a body. */
	returnsVoid: boolean;
	/** The response body is the statement's body (else only headers). */
	returnsBody: boolean;
	counted: boolean;
	offset: number;
	/** For POST: the relation, so the Location header can name the new row. */
	relation?: Relation;
	/** Preferences PostgREST reports back in Preference-Applied. */
	applied: string[];
}

const RESERVED = new Set([
	'select',
	'order',
	'limit',
	'offset',
	'columns',
	'on_conflict',
	'and',
	'or',
	'not.and',
	'not.or',
]);

function relationSource(relation: Relation): Source {
	return { label: relation.name, columns: relation.columns, relation };
}

export function findRelation(cache: SchemaCache, schema: string, name: string): Relation {
	const relation = cache.relations.get(qualifiedName(schema, name));
	if (relation) return relation;
	const names = [...cache.relations.values()]
		.filter((candidate) => candidate.schema === schema)
		.map((candidate) => candidate.name);
	const suggestion = closest(name, names, 0.75);
	throw new ApiError(
		404,
		'PGRST205',
		`Could not find the table '${schema}.${name}' in the schema cache`,
		null,
		suggestion === undefined ? null : `Perhaps you meant the table '${schema}.${suggestion}'`,
	);
}

/** Splits `a.b.col` into the embed path and the field text, leaving JSON arrows alone. */
function splitKey(key: string): { path: string[]; last: string } {
	const arrow = key.indexOf('->');
	const head = arrow >= 0 ? key.slice(0, arrow) : key;
	const tail = arrow >= 0 ? key.slice(arrow) : '';
	const segments = head.split('.');
	const last = segments.pop() ?? '';
	return { path: segments, last: last + tail };
}

/**
 * Applies the query string's filters, logic trees, order, limit and offset to the node tree.
 * `skip` names parameters that are not filters (RPC arguments of a GET call).
 */
function applyQuery(
	builder: QueryBuilder,
	root: ReadNode,
	url: URL,
	skip: Set<string>,
): { limit?: number; offset?: number } {
	const top: { limit?: number; offset?: number } = {};
	for (const [key, value] of url.searchParams) {
		if (key === 'select' || key === 'columns' || key === 'on_conflict' || skip.has(key)) continue;
		const logic = /^(?:(.+)\.)?(not\.)?(and|or)$/.exec(key);
		if (logic) {
			const node = builder.embedAt(root, logic[1] ? logic[1].split('.') : []);
			builder.addCondition(
				node,
				parseLogicTree(logic[3] as 'and' | 'or', logic[2] !== undefined, value),
			);
			continue;
		}
		const { path, last } = splitKey(key);
		if (last === 'order' || last === 'limit' || last === 'offset') {
			const node = builder.embedAt(root, path);
			if (last === 'order') node.order = parseOrder(value);
			else if (path.length === 0) top[last] = parseCount(last, value);
			else node[last] = parseCount(last, value);
			continue;
		}
		builder.addCondition(builder.embedAt(root, path), parseFilter(last, value));
	}
	return top;
}

/** PostgREST's row window: the Range header narrowed by limit/offset, capped at max_rows. */
function rowWindow(
	shape: RequestShape,
	query: { limit?: number; offset?: number },
): { offset: number; limit?: number } {
	let start = shape.range.offset;
	let end = shape.range.limit === undefined ? Infinity : shape.range.offset + shape.range.limit;
	if (query.offset !== undefined) start = Math.max(start, query.offset);
	if (query.limit !== undefined) end = Math.min(end, (query.offset ?? 0) + query.limit);
	end = Math.min(end, start + shape.maxRows);
	if (end < start) end = start;
	return { offset: start, limit: end === Infinity ? undefined : end - start };
}

/** The final SELECT over `pgrst_source`, turning rows into the body PostgREST sends. */
function aggregate(
	shape: RequestShape,
	options: { scalar?: 'single' | 'set'; singleRow?: boolean },
): string {
	const row = options.scalar
		? '_pgrst_t.pgrst_scalar'
		: shape.stripNulls
			? 'json_strip_nulls(row_to_json(_pgrst_t))'
			: '_pgrst_t';
	if (shape.media === 'csv' && !options.scalar) {
		return `coalesce((select string_agg(k, ',') from (select json_object_keys(row_to_json(h)) as k from (select * from pgrst_source limit 1) h) header), '')
			|| chr(10) || coalesce(string_agg(substring(_pgrst_t::text, 2, length(_pgrst_t::text) - 2), chr(10)), '')`;
	}
	if (shape.media === 'object' || options.scalar === 'single' || options.singleRow)
		return `coalesce((json_agg(${row})->0)::text, 'null')`;
	return `coalesce(json_agg(${row}), '[]')::text`;
}

export function planRead(shape: RequestShape, relationName: string): Plan {
	const relation = findRelation(shape.cache, shape.schema, relationName);
	const builder = new QueryBuilder(shape.cache, shape.schema);
	const root = builder.readNode(
		relationSource(relation),
		parseSelect(shape.url.searchParams.get('select') ?? '*'),
	);
	const { offset, limit } = rowWindow(shape, applyQuery(builder, root, shape.url, new Set()));
	const counted = shape.preferences.has('count');
	const from = `${builder.relationSql(relation)} as ${quoteIdent(root.alias)}`;
	const where = builder.where(root);
	const rows = `select ${builder.selectList(root)} from ${from}${where}${builder.orderBy(root)}${builder.limitOffset(limit, offset)}`;
	const total = counted ? `(select count(*) from ${from}${where})::text` : 'null';
	return {
		sql: `with pgrst_source as (${rows})
			select ${total} as total, count(*)::text as page_total, ${aggregate(shape, {})} as body
			from pgrst_source as _pgrst_t`,
		values: builder.params.values,
		readOnly: true,
		kind: 'read',
		returnsVoid: false,
		returnsBody: shape.method !== 'HEAD',
		counted,
		offset,
		applied: counted ? [`count=${shape.preferences.get('count')}`] : [],
	};
}

function returnPreference(shape: RequestShape): 'minimal' | 'representation' | 'headers-only' {
	const value = shape.preferences.get('return');
	return value === 'representation' || value === 'headers-only' ? value : 'minimal';
}

/** The rows of a POST body: one object or an array of objects. */
function bodyRows(body: unknown): Record<string, unknown>[] {
	const rows = Array.isArray(body) ? body : [body];
	if (
		body === undefined ||
		rows.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))
	)
		throw invalidBody();
	return rows as Record<string, unknown>[];
}

/** The representation of written rows: `select=` over the mutated rows, as PostgREST returns them. */
function mutationResult(
	shape: RequestShape,
	builder: QueryBuilder,
	root: ReadNode,
	mutation: string,
	kind: Plan['kind'],
	relation: Relation,
	extra: string,
): Plan {
	const returning = returnPreference(shape);
	const counted = shape.preferences.has('count');
	const select = `select ${builder.selectList(root)} from pgrst_mutation as ${quoteIdent(root.alias)}${builder.orderBy(root)}`;
	const locationColumns = relation.primaryKey.map((column) => quoteIdent(column)).join(', ');
	const location =
		kind === 'insert' && relation.primaryKey.length > 0
			? `(select row_to_json(l)::text from (select ${locationColumns} from pgrst_mutation limit 1) l)`
			: 'null';
	const applied = [`return=${returning}`];
	if (counted) applied.unshift(`count=${shape.preferences.get('count')}`);
	return {
		sql: `with pgrst_mutation as (${mutation}), pgrst_source as (${returning === 'representation' ? select : 'select 1 from pgrst_mutation'})
			select (select count(*) from pgrst_mutation)::text as total, count(*)::text as page_total,
			       ${returning === 'representation' ? aggregate(shape, {}) : "''"} as body, ${location} as location${extra}
			from pgrst_source as _pgrst_t`,
		values: builder.params.values,
		readOnly: false,
		kind,
		returnsVoid: false,
		returnsBody: returning === 'representation',
		counted,
		offset: 0,
		relation,
		applied,
	};
}

export function planInsert(shape: RequestShape, relationName: string): Plan {
	const relation = findRelation(shape.cache, shape.schema, relationName);
	const builder = new QueryBuilder(shape.cache, shape.schema);
	const root = builder.readNode(
		relationSource(relation),
		parseSelect(shape.url.searchParams.get('select') ?? '*'),
	);
	applyQuery(builder, root, shape.url, new Set());
	if (shape.preferences.get('missing') === 'default')
		throw notImplemented('Prefer: missing=default is not supported by the local stack');
	const rows = bodyRows(shape.body);
	const columnsParam = shape.url.searchParams.get('columns');
	let names: string[];
	if (columnsParam !== null) names = parseNameList('columns', columnsParam);
	else {
		names = Object.keys(rows[0] ?? {});
		const same = (row: Record<string, unknown>) => {
			const keys = Object.keys(row);
			return keys.length === names.length && keys.every((key) => names.includes(key));
		};
		if (!rows.every(same)) throw invalidBody('All object keys must match');
	}
	const columns = [...new Set(names)].map((name) => builder.writeColumn(relation, name));
	const target = `${builder.relationSql(relation)} as ${quoteIdent(root.alias)}`;
	const body = builder.params.add(JSON.stringify(rows));
	let insert: string;
	if (columns.length === 0) {
		// Objects without keys insert rows of defaults, one per object.
		if (rows.length !== 1)
			throw notImplemented(
				'Inserting several rows of only default values is not supported by the local stack',
			);
		insert = `insert into ${target} default values`;
	} else {
		const list = columns.map((column) => quoteIdent(column.name)).join(', ');
		const definitions = columns
			.map((column) => `${quoteIdent(column.name)} ${column.type}`)
			.join(', ');
		insert = `insert into ${target} (${list}) select ${list} from json_to_recordset(${body}::json) as _pgrst_body(${definitions})`;
	}
	const resolution = shape.preferences.get('resolution');
	const applied: string[] = [];
	if (resolution === 'merge-duplicates' || resolution === 'ignore-duplicates') {
		const onConflictParam = shape.url.searchParams.get('on_conflict');
		const conflictColumns =
			onConflictParam === null
				? relation.primaryKey
				: parseNameList('on_conflict', onConflictParam);
		for (const name of conflictColumns) builder.writeColumn(relation, name);
		if (conflictColumns.length === 0)
			throw new ApiError(
				400,
				'42P10',
				'there is no unique or exclusion constraint matching the ON CONFLICT specification',
			);
		const conflict = conflictColumns.map((name) => quoteIdent(name)).join(', ');
		const updates = columns
			.map((column) => `${quoteIdent(column.name)} = excluded.${quoteIdent(column.name)}`)
			.join(', ');
		insert +=
			resolution === 'ignore-duplicates' || updates === ''
				? ` on conflict (${conflict}) do nothing`
				: ` on conflict (${conflict}) do update set ${updates}`;
		applied.push(`resolution=${resolution}`);
	}
	// xmax = 0 marks a row this statement inserted rather than updated; views have no xmax.
	const inserted = relation.kind === 'table' ? `(${quoteIdent(root.alias)}.xmax = 0)` : 'true';
	insert += ` returning ${quoteIdent(root.alias)}.*, ${inserted} as pgrst_inserted`;
	const plan = mutationResult(
		shape,
		builder,
		root,
		insert,
		'insert',
		relation,
		', (select count(*) from pgrst_mutation where pgrst_inserted)::text as inserted',
	);
	plan.applied.unshift(...applied);
	return plan;
}

/** PATCH and DELETE without any filter are refused, as Supabase's safeupdate extension does. */
function requireWhere(root: ReadNode, command: 'UPDATE' | 'DELETE'): void {
	if (root.conditions.length === 0 && root.embedPresence.length === 0)
		throw new ApiError(400, '21000', `${command} requires a WHERE clause`);
}

export function planUpdate(shape: RequestShape, relationName: string): Plan {
	const relation = findRelation(shape.cache, shape.schema, relationName);
	const builder = new QueryBuilder(shape.cache, shape.schema);
	const root = builder.readNode(
		relationSource(relation),
		parseSelect(shape.url.searchParams.get('select') ?? '*'),
	);
	const limits = applyQuery(builder, root, shape.url, new Set());
	if (limits.limit !== undefined || limits.offset !== undefined)
		throw notImplemented(
			'limit/offset on PATCH is not supported (PostgREST 13 dropped limited updates)',
		);
	const body = shape.body;
	if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidBody();
	const columns = Object.keys(body).map((name) => builder.writeColumn(relation, name));
	requireWhere(root, 'UPDATE');
	const target = `${builder.relationSql(relation)} as ${quoteIdent(root.alias)}`;
	let update: string;
	if (columns.length === 0) {
		// Nothing to set: PostgREST answers as if no row matched.
		update = `select ${quoteIdent(root.alias)}.* from ${target} where false`;
	} else {
		const json = builder.params.add(JSON.stringify(body));
		const definitions = columns
			.map((column) => `${quoteIdent(column.name)} ${column.type}`)
			.join(', ');
		const assignments = columns
			.map((column) => `${quoteIdent(column.name)} = _pgrst_body.${quoteIdent(column.name)}`)
			.join(', ');
		update = `update ${target} set ${assignments} from json_to_record(${json}::json) as _pgrst_body(${definitions})${builder.where(root)} returning ${quoteIdent(root.alias)}.*`;
	}
	return mutationResult(shape, builder, root, update, 'update', relation, '');
}

export function planDelete(shape: RequestShape, relationName: string): Plan {
	const relation = findRelation(shape.cache, shape.schema, relationName);
	const builder = new QueryBuilder(shape.cache, shape.schema);
	const root = builder.readNode(
		relationSource(relation),
		parseSelect(shape.url.searchParams.get('select') ?? '*'),
	);
	const limits = applyQuery(builder, root, shape.url, new Set());
	if (limits.limit !== undefined || limits.offset !== undefined)
		throw notImplemented(
			'limit/offset on DELETE is not supported (PostgREST 13 dropped limited deletes)',
		);
	requireWhere(root, 'DELETE');
	const target = `${builder.relationSql(relation)} as ${quoteIdent(root.alias)}`;
	const remove = `delete from ${target}${builder.where(root)} returning ${quoteIdent(root.alias)}.*`;
	return mutationResult(shape, builder, root, remove, 'delete', relation, '');
}

/**
 * The arguments of an RPC call: the JSON body of a POST, or the query parameters of a GET.
 * Undefined for a body that is no object, which only a single unnamed json parameter can take.
 */
function callArguments(shape: RequestShape): {
	args: Record<string, unknown> | undefined;
	fromBody: boolean;
} {
	if (shape.method === 'GET' || shape.method === 'HEAD') {
		const args: Record<string, unknown> = {};
		for (const [key, value] of shape.url.searchParams) if (!RESERVED.has(key)) args[key] = value;
		return { args, fromBody: false };
	}
	const body = shape.body ?? {};
	if (body === null || typeof body !== 'object' || Array.isArray(body))
		return { args: undefined, fromBody: true };
	return { args: body as Record<string, unknown>, fromBody: true };
}

interface Call {
	routine: Routine;
	/** Named arguments matched to parameters; undefined when the body goes to a single unnamed json parameter. */
	named: string[] | undefined;
}

/** PostgREST's overload choice: the function whose parameters fit the given argument names. */
function resolveRoutine(
	shape: RequestShape,
	name: string,
	args: Record<string, unknown> | undefined,
	fromBody: boolean,
): Call {
	const argNames = Object.keys(args ?? {});
	const overloads = shape.cache.routines.get(qualifiedName(shape.schema, name)) ?? [];
	const fits = (routine: Routine, given: string[]) =>
		given.every((arg) => routine.params.some((param) => param.name === arg)) &&
		routine.params.every((param) => param.hasDefault || given.includes(param.name));
	if (args) {
		// On GET, query parameters that are not arguments are filters on the result.
		const candidates = overloads.filter((routine) =>
			fits(
				routine,
				fromBody
					? argNames
					: argNames.filter((arg) => routine.params.some((param) => param.name === arg)),
			),
		);
		if (candidates.length === 1) {
			const routine = candidates[0];
			return {
				routine,
				named: argNames.filter((arg) => routine.params.some((param) => param.name === arg)),
			};
		}
		if (candidates.length > 1) {
			const best = candidates.filter((routine) => routine.params.length === argNames.length);
			if (best.length === 1) return { routine: best[0], named: argNames };
			throw new ApiError(
				300,
				'PGRST203',
				`Could not choose the best candidate function between: ${candidates
					.map(
						(routine) =>
							`${routine.schema}.${routine.name}(${routine.params.map((param) => `${param.name} => ${param.type}`).join(', ')})`,
					)
					.join(', ')}`,
				null,
				'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
			);
		}
	}
	if (fromBody) {
		const single = overloads.find(
			(routine) =>
				routine.params.length === 1 &&
				routine.params[0].name === '' &&
				(routine.params[0].typeName === 'json' || routine.params[0].typeName === 'jsonb'),
		);
		if (single) return { routine: single, named: undefined };
	}
	const sorted = [...argNames].sort();
	const signature = sorted.length === 0 ? ' without parameters' : `(${sorted.join(', ')})`;
	const detailParams =
		sorted.length === 0
			? ' without parameters'
			: ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
	const qualified = `${shape.schema}.${name}`;
	let hint: string | null = null;
	if (overloads.length > 0) {
		const options = overloads.map(
			(routine) =>
				`(${routine.params
					.map((param) => param.name)
					.sort()
					.join(', ')})`,
		);
		const suggestion = closest(`(${sorted.join(', ')})`, options, 0.33);
		if (suggestion) hint = `Perhaps you meant to call the function ${qualified}${suggestion}`;
	} else {
		const names = [...shape.cache.routines.values()]
			.flat()
			.filter((routine) => routine.schema === shape.schema)
			.map((routine) => routine.name);
		const suggestion = closest(name, names, 0.75);
		if (suggestion) hint = `Perhaps you meant to call the function ${shape.schema}.${suggestion}`;
	}
	throw new ApiError(
		404,
		'PGRST202',
		`Could not find the function ${qualified}${signature} in the schema cache`,
		`Searched for the function ${qualified}${detailParams}${fromBody ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
		hint,
	);
}

export function planRpc(shape: RequestShape, name: string): Plan {
	const { args, fromBody } = callArguments(shape);
	const { routine, named } = resolveRoutine(shape, name, args, fromBody);
	const builder = new QueryBuilder(shape.cache, shape.schema);
	const fn = `${quoteIdent(routine.schema)}.${quoteIdent(routine.name)}`;
	let argsFrom = '';
	let call: string;
	if (named === undefined) {
		const param = routine.params[0];
		call = `${fn}(${builder.params.add(JSON.stringify(shape.body ?? {}))}::${param.typeName})`;
	} else if (named.length === 0) {
		call = `${fn}()`;
	} else {
		const params = named.map((arg) => routine.params.find((param) => param.name === arg)!);
		const values = Object.fromEntries(named.map((arg) => [arg, args?.[arg]]));
		argsFrom = `json_to_record(${builder.params.add(JSON.stringify(values))}::json) as _pgrst_args(${params.map((param) => `${quoteIdent(param.name)} ${param.type}`).join(', ')})`;
		call = `${fn}(${params.map((param) => `${quoteIdent(param.name)} := _pgrst_args.${quoteIdent(param.name)}`).join(', ')})`;
	}
	const readOnly =
		shape.method === 'GET' || shape.method === 'HEAD' || routine.volatility !== 'volatile';
	const counted = shape.preferences.has('count');
	const base = {
		values: builder.params.values,
		readOnly,
		kind: 'rpc' as const,
		counted,
		relation: undefined,
		applied: counted ? [`count=${shape.preferences.get('count')}`] : [],
	};
	const argumentKeys = new Set(fromBody ? [] : (named ?? []));

	if (routine.returnKind === 'void') {
		const sql = `select ${call}${argsFrom ? ` from ${argsFrom}` : ''}`;
		return {
			...base,
			sql: `with pgrst_source as (${sql}) select null as total, count(*)::text as page_total, '' as body from pgrst_source`,
			returnsVoid: true,
			returnsBody: false,
			offset: 0,
		};
	}
	if (routine.returnKind === 'scalar') {
		const source: Source = { label: routine.name, columns: new Map(), relation: undefined };
		const root = builder.readNode(source, []);
		const limits = rowWindow(shape, applyQuery(builder, root, shape.url, argumentKeys));
		// A scalar result has no columns: a filter or order names one it lacks, and fails as a missing column.
		builder.where(root);
		builder.orderBy(root);
		const rows = routine.returnsSet
			? `select pgrst_scalar from ${argsFrom ? `${argsFrom}, lateral ` : ''}${call} as pgrst_scalar${builder.limitOffset(limits.limit, limits.offset)}`
			: `select ${call} as pgrst_scalar${argsFrom ? ` from ${argsFrom}` : ''}`;
		return {
			...base,
			sql: `with pgrst_source as (${rows}) select ${counted ? '(select count(*) from pgrst_source)::text' : 'null'} as total, count(*)::text as page_total,
				${aggregate(shape, { scalar: routine.returnsSet ? 'set' : 'single' })} as body from pgrst_source as _pgrst_t`,
			returnsVoid: false,
			returnsBody: shape.method !== 'HEAD',
			offset: limits.offset,
		};
	}
	const source: Source = routine.returnRelation
		? relationSource(routine.returnRelation)
		: { label: routine.name, columns: routine.columns, relation: undefined };
	const root = builder.readNode(
		{ ...source, label: routine.name },
		parseSelect(shape.url.searchParams.get('select') ?? '*'),
	);
	const limits = rowWindow(shape, applyQuery(builder, root, shape.url, argumentKeys));
	const from = `${argsFrom ? `${argsFrom}, lateral ` : ''}${call} as ${quoteIdent(root.alias)}`;
	const where = builder.where(root);
	const rows = `select ${builder.selectList(root)} from ${from}${where}${builder.orderBy(root)}${builder.limitOffset(limits.limit, limits.offset)}`;
	const total = counted ? `(select count(*) from ${from}${where})::text` : 'null';
	return {
		...base,
		sql: `with pgrst_source as (${rows}) select ${total} as total, count(*)::text as page_total,
			${aggregate(shape, { singleRow: !routine.returnsSet })} as body from pgrst_source as _pgrst_t`,
		returnsVoid: false,
		returnsBody: shape.method !== 'HEAD',
		offset: limits.offset,
	};
}
