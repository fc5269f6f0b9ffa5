// Turns a parsed request into SQL. Names reach the SQL text only after they were found in the
// schema cache, and always quoted; every value from the request is a bound parameter.
import { ApiError, closest } from './errors.ts';
import {
	outputName,
	type Condition,
	type Field,
	type Filter,
	type OrderTerm,
	type SelectItem,
} from './parse.ts';
import {
	quoteIdent,
	type Column,
	type ForeignKey,
	type Relation,
	type SchemaCache,
} from './schema-cache.ts';

/** Collects bound values and hands out their placeholders. */
export class Params {
	readonly values: unknown[] = [];
	add(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

/** What rows of a node come from: a relation, or a function's result of known or unknown shape. */
export interface Source {
	/** The name error messages use for it. */
	label: string;
	columns: Map<string, Column> | undefined;
	/** The relation whose foreign keys embedding follows. */
	relation: Relation | undefined;
}

interface Relationship {
	foreignKey: ForeignKey;
	target: Relation;
	/** [column of the parent, column of the embedded target]. */
	pairs: [string, string][];
	toOne: boolean;
	cardinality: 'many-to-one' | 'one-to-many' | 'one-to-one';
}

interface Embed {
	/** The key the embedded value gets in the parent's JSON. */
	key: string;
	/** The relation name as written in select, for matching `name.col=` filters. */
	name: string;
	inner: boolean;
	relationship: Relationship;
	node: ReadNode;
}

export interface ReadNode {
	source: Source;
	alias: string;
	items: SelectItem[];
	embeds: Embed[];
	conditions: Condition[];
	/** `embed=is.null` / `embed=not.is.null` on this node's embeds. */
	embedPresence: { embed: Embed; present: boolean }[];
	order: OrderTerm[];
	limit?: number;
	offset?: number;
}

const COMPARISON_SQL: Record<string, string> = {
	eq: '=',
	neq: '<>',
	gt: '>',
	gte: '>=',
	lt: '<',
	lte: '<=',
	like: 'like',
	ilike: 'ilike',
	match: '~',
	imatch: '~*',
	isdistinct: 'is distinct from',
	cs: '@>',
	cd: '<@',
	ov: '&&',
	sl: '<<',
	sr: '>>',
	nxr: '&<',
	nxl: '&>',
	adj: '-|-',
};

const TEXT_SEARCH_SQL: Record<string, string> = {
	fts: 'to_tsquery',
	plfts: 'plainto_tsquery',
	phfts: 'phraseto_tsquery',
	wfts: 'websearch_to_tsquery',
};

const IS_SQL: Record<string, string> = {
	null: 'is null',
	not_null: 'is not null',
	true: 'is true',
	false: 'is false',
	unknown: 'is unknown',
};

export class QueryBuilder {
	private aliasCount = 0;
	readonly params = new Params();

	constructor(
		private readonly cache: SchemaCache,
		private readonly schema: string,
	) {}

	nextAlias(): string {
		return `pgrst_${++this.aliasCount}`;
	}

	/** The node tree of a select list, resolving every embedded resource to a relationship. */
	readNode(source: Source, items: SelectItem[]): ReadNode {
		const node: ReadNode = {
			source,
			alias: this.nextAlias(),
			items,
			embeds: [],
			conditions: [],
			embedPresence: [],
			order: [],
		};
		for (const item of items) {
			if (item.kind !== 'embed') continue;
			const relationship = this.relationship(source, item.name, item.hint);
			const target: Source = {
				label: relationship.target.name,
				columns: relationship.target.columns,
				relation: relationship.target,
			};
			node.embeds.push({
				key: item.alias ?? item.name,
				name: item.name,
				inner: item.joinType === 'inner',
				relationship,
				node: this.readNode(target, item.items),
			});
		}
		return node;
	}

	/** The embed of `node` a `path.col=` parameter addresses, by alias or by relation name. */
	embedAt(node: ReadNode, path: string[]): ReadNode {
		let current = node;
		for (const segment of path) {
			const embed =
				current.embeds.find((candidate) => candidate.key === segment) ??
				current.embeds.find((candidate) => candidate.name === segment);
			if (!embed) {
				throw new ApiError(
					400,
					'PGRST108',
					`'${segment}' is not an embedded resource in this request`,
					null,
					`Verify that '${segment}' is included in the 'select' query parameter.`,
				);
			}
			current = embed.node;
		}
		return current;
	}

	/** Adds a filter to `node`; `embed=is.null` on an embedded resource filters the parent rows. */
	addCondition(node: ReadNode, condition: Condition): void {
		if (condition.kind === 'filter' && condition.field.path.length === 0) {
			const embed =
				node.embeds.find((candidate) => candidate.key === condition.field.name) ??
				node.embeds.find((candidate) => candidate.name === condition.field.name);
			if (embed) {
				if (
					condition.operator !== 'is' ||
					(condition.value !== 'null' && condition.value !== 'not_null')
				) {
					throw new ApiError(
						400,
						'PGRST120',
						`Bad operator on the '${condition.field.name}' embedded resource`,
						'Only is null or not is null filters are allowed on embedded resources',
					);
				}
				node.embedPresence.push({
					embed,
					present: (condition.value === 'not_null') !== condition.negate,
				});
				return;
			}
		}
		node.conditions.push(condition);
	}

	private relationship(source: Source, name: string, hint: string | undefined): Relationship {
		const parent = source.relation;
		const candidates: Relationship[] = [];
		if (parent) {
			for (const foreignKey of this.cache.foreignKeys) {
				const pairs = (from: string[], to: string[]) =>
					from.map((column, index): [string, string] => [column, to[index]]);
				// many-to-one: the parent references the target (by target name, or by the FK column's name)
				if (
					foreignKey.table === parent &&
					(foreignKey.referencedTable.name === name ||
						(foreignKey.columns.length === 1 && foreignKey.columns[0] === name))
				) {
					candidates.push({
						foreignKey,
						target: foreignKey.referencedTable,
						pairs: pairs(foreignKey.columns, foreignKey.referencedColumns),
						toOne: true,
						cardinality: 'many-to-one',
					});
				}
				// one-to-many (one-to-one when the referencing columns are unique): the target references the parent
				if (
					foreignKey.referencedTable === parent &&
					foreignKey.table.name === name &&
					foreignKey.table.schema === this.schema
				) {
					const unique = [foreignKey.table.primaryKey, ...foreignKey.table.uniqueKeys].some(
						(key) =>
							key.length > 0 &&
							key.length === foreignKey.columns.length &&
							key.every((column) => foreignKey.columns.includes(column)),
					);
					candidates.push({
						foreignKey,
						target: foreignKey.table,
						pairs: pairs(foreignKey.referencedColumns, foreignKey.columns),
						toOne: unique,
						cardinality: unique ? 'one-to-one' : 'one-to-many',
					});
				}
			}
		}
		const matching =
			hint === undefined
				? candidates
				: candidates.filter(
						(candidate) =>
							candidate.foreignKey.name === hint ||
							candidate.foreignKey.columns.includes(hint) ||
							candidate.foreignKey.referencedColumns.includes(hint),
					);
		if (matching.length === 1) return matching[0];
		if (matching.length === 0) {
			const parentName = source.label;
			const targets = this.cache.foreignKeys.flatMap((foreignKey) =>
				foreignKey.table === parent
					? [foreignKey.referencedTable.name]
					: foreignKey.referencedTable === parent
						? [foreignKey.table.name]
						: [],
			);
			const suggestion =
				parent && hint === undefined
					? closest(
							name,
							targets.filter((target) => target !== name),
							0.33,
						)
					: undefined;
			throw new ApiError(
				400,
				'PGRST200',
				`Could not find a relationship between '${parentName}' and '${name}' in the schema cache`,
				`Searched for a foreign key relationship between '${parentName}' and '${name}'${hint === undefined ? '' : `' using the hint '${hint}`}' in the schema '${this.schema}', but no matches were found.`,
				suggestion === undefined ? null : `Perhaps you meant '${suggestion}' instead of '${name}'.`,
			);
		}
		const describe = (candidate: Relationship) => {
			const own =
				candidate.cardinality === 'many-to-one'
					? candidate.foreignKey.table
					: candidate.foreignKey.referencedTable;
			const other = candidate.target;
			const ownColumns = candidate.pairs.map(([column]) => column).join(', ');
			const otherColumns = candidate.pairs.map(([, column]) => column).join(', ');
			return {
				cardinality: candidate.cardinality,
				embedding: `${own.name} with ${other.name}`,
				relationship: `${candidate.foreignKey.name} using ${own.name}(${ownColumns}) and ${other.name}(${otherColumns})`,
			};
		};
		throw new ApiError(
			300,
			'PGRST201',
			`Could not embed because more than one relationship was found for '${source.label}' and '${name}'`,
			matching.map(describe),
			`Try changing '${name}' to one of the following: ${matching.map((candidate) => `'${name}!${candidate.foreignKey.name}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
		);
	}

	/** A column of `node`'s source, with its JSON path; unknown columns fail as PostgreSQL would. */
	columnRef(node: ReadNode, field: Field): string {
		const { columns, label } = node.source;
		// A result of unknown shape (a function returning `record`) has no columns a request may name.
		if (!columns?.has(field.name)) {
			const suggestion = columns && closest(field.name, columns.keys(), 0.5);
			throw new ApiError(
				400,
				'42703',
				`column ${label}.${field.name} does not exist`,
				null,
				suggestion === undefined
					? null
					: `Perhaps you meant to reference the column "${label}.${suggestion}".`,
			);
		}
		let sql = `${quoteIdent(node.alias)}.${quoteIdent(field.name)}`;
		for (const step of field.path) {
			const key = /^-?\d{1,9}$/.test(step.key) ? step.key : `${this.params.add(step.key)}::text`;
			sql = `(${sql}${step.arrow}${key})`;
		}
		return sql;
	}

	private castType(name: string): string {
		const array = name.endsWith('[]');
		const base = array ? name.slice(0, -2) : name;
		const resolved = this.cache.castTypes.get(base);
		if (!resolved) throw new ApiError(400, '42704', `type "${name}" does not exist`);
		return array ? `${resolved}[]` : resolved;
	}

	/** The select list of `node`, each entry labelled with its JSON key. */
	selectList(node: ReadNode): string {
		const entries: string[] = [];
		// `select=` alone means every column; `select=rel(*)` gives only the embedded resource, as in PostgREST.
		const items: SelectItem[] = node.items.length === 0 ? [{ kind: 'star' }] : node.items;
		for (const item of items) {
			if (item.kind === 'star') {
				if (node.source.columns) {
					for (const column of node.source.columns.keys())
						entries.push(
							`${quoteIdent(node.alias)}.${quoteIdent(column)} as ${quoteIdent(column)}`,
						);
				} else entries.push(`${quoteIdent(node.alias)}.*`);
			} else if (item.kind === 'column') {
				const expression = this.columnRef(node, item.field);
				const typed = item.cast ? `(${expression})::${this.castType(item.cast)}` : expression;
				entries.push(`${typed} as ${quoteIdent(outputName(item.field, item.alias))}`);
			}
		}
		for (const embed of node.embeds)
			entries.push(`${this.embedValue(node, embed)} as ${quoteIdent(embed.key)}`);
		return entries.join(', ');
	}

	private joinCondition(parent: ReadNode, embed: Embed): string {
		return embed.relationship.pairs
			.map(
				([parentColumn, childColumn]) =>
					`${quoteIdent(embed.node.alias)}.${quoteIdent(childColumn)} = ${quoteIdent(parent.alias)}.${quoteIdent(parentColumn)}`,
			)
			.join(' and ');
	}

	private relationFrom(relation: Relation, alias: string): string {
		return `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)} as ${quoteIdent(alias)}`;
	}

	private embedValue(parent: ReadNode, embed: Embed): string {
		const child = embed.node;
		const where = [this.joinCondition(parent, embed), ...this.whereConditions(child)].join(' and ');
		const rows = `select ${this.selectList(child)} from ${this.relationFrom(embed.relationship.target, child.alias)} where ${where}${this.orderBy(child)}${this.limitOffset(child.limit, child.offset)}`;
		const row = quoteIdent(`${child.alias}_row`);
		if (embed.relationship.toOne)
			return `(select row_to_json(${row}) from (${rows}) as ${row} limit 1)`;
		return `coalesce((select json_agg(${row}) from (${rows}) as ${row}), '[]'::json)`;
	}

	private existsEmbed(parent: ReadNode, embed: Embed): string {
		const child = embed.node;
		const where = [this.joinCondition(parent, embed), ...this.whereConditions(child)].join(' and ');
		return `exists (select 1 from ${this.relationFrom(embed.relationship.target, child.alias)} where ${where})`;
	}

	/** The node's filters, `!inner` embeds and embed presence filters, as SQL conditions. */
	whereConditions(node: ReadNode): string[] {
		const conditions = node.conditions.map((condition) => this.condition(node, condition));
		for (const embed of node.embeds)
			if (embed.inner) conditions.push(this.existsEmbed(node, embed));
		for (const { embed, present } of node.embedPresence)
			conditions.push(`${present ? '' : 'not '}${this.existsEmbed(node, embed)}`);
		return conditions;
	}

	where(node: ReadNode): string {
		const conditions = this.whereConditions(node);
		return conditions.length === 0 ? '' : ` where ${conditions.join(' and ')}`;
	}

	private condition(node: ReadNode, condition: Condition): string {
		if (condition.kind === 'logic') {
			const parts = condition.conditions.map((child) => this.condition(node, child));
			const joined = parts.length === 0 ? 'true' : `(${parts.join(` ${condition.operator} `)})`;
			return condition.negate ? `not ${joined}` : joined;
		}
		const sql = this.filter(node, condition);
		return condition.negate ? `not (${sql})` : sql;
	}

	private filter(node: ReadNode, filter: Filter): string {
		const column = this.columnRef(node, filter.field);
		const { operator, value } = filter;
		if (operator === 'is') return `${column} ${IS_SQL[value as string]}`;
		if (operator === 'in') {
			const list = value as string[];
			return list.length === 0
				? 'false'
				: `${column} in (${list.map((item) => this.params.add(item)).join(', ')})`;
		}
		if (operator in TEXT_SEARCH_SQL) {
			const typeName =
				filter.field.path.length === 0
					? node.source.columns?.get(filter.field.name)?.typeName
					: undefined;
			const config =
				filter.config === undefined ? '' : `${this.params.add(filter.config)}::regconfig, `;
			const document = typeName === 'tsvector' ? column : `to_tsvector(${config}${column})`;
			return `${document} @@ ${TEXT_SEARCH_SQL[operator]}(${config}${this.params.add(value)})`;
		}
		const sqlOperator = COMPARISON_SQL[operator];
		const pattern = (text: string) =>
			operator === 'like' || operator === 'ilike' ? text.replaceAll('*', '%') : text;
		if (filter.quantifier) {
			const list = (value as string[]).map(pattern);
			return `${column} ${sqlOperator} ${filter.quantifier}(${this.params.add(list)})`;
		}
		return `${column} ${sqlOperator} ${this.params.add(pattern(value as string))}`;
	}

	orderBy(node: ReadNode): string {
		if (node.order.length === 0) return '';
		const terms = node.order.map((term) => {
			const direction = term.descending ? ' desc' : ' asc';
			const nulls = term.nulls === undefined ? '' : ` nulls ${term.nulls}`;
			return `${this.columnRef(node, term.field)}${direction}${nulls}`;
		});
		return ` order by ${terms.join(', ')}`;
	}

	limitOffset(limit: number | undefined, offset: number | undefined): string {
		return `${limit === undefined ? '' : ` limit ${this.params.add(limit)}`}${offset ? ` offset ${this.params.add(offset)}` : ''}`;
	}

	/** A column of the relation a write targets, or PGRST204. */
	writeColumn(relation: Relation, name: string): Column {
		const column = relation.columns.get(name);
		if (!column)
			throw new ApiError(
				400,
				'PGRST204',
				`Could not find the '${name}' column of '${relation.name}' in the schema cache`,
			);
		return column;
	}

	relationSql(relation: Relation): string {
		return `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
	}
}
