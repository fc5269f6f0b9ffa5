// PostgREST's schema cache: the relations, columns, keys, foreign keys and functions of the exposed
// schemas, read from the catalog. Every name a request uses is looked up here before it reaches SQL.
import type pg from 'pg';

export interface Column {
	name: string;
	/** The column's type as format_type() spells it, usable in a column definition list. */
	type: string;
	/** pg_type.typname, e.g. `tsvector` or `_text`. */
	typeName: string;
	nullable: boolean;
	hasDefault: boolean;
}

export interface Relation {
	schema: string;
	name: string;
	kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'composite type';
	columns: Map<string, Column>;
	primaryKey: string[];
	uniqueKeys: string[][];
	description: string | null;
}

export interface ForeignKey {
	name: string;
	/** The referencing relation and its columns. */
	table: Relation;
	columns: string[];
	/** The referenced relation and its columns, in the same order. */
	referencedTable: Relation;
	referencedColumns: string[];
}

export interface RoutineParam {
	name: string;
	type: string;
	typeName: string;
	hasDefault: boolean;
}

export interface Routine {
	schema: string;
	name: string;
	params: RoutineParam[];
	volatility: 'volatile' | 'stable' | 'immutable';
	returnsSet: boolean;
	/** void: no body; scalar: a JSON value; composite: a row (columns known or not). */
	returnKind: 'void' | 'scalar' | 'composite';
	returnType: string;
	/** The result's columns when the function returns rows of a known shape. */
	columns: Map<string, Column> | undefined;
	/** The exposed table or view whose row type the function returns, for embedding. */
	returnRelation: Relation | undefined;
	description: string | null;
}

export interface SchemaCache {
	relations: Map<string, Relation>;
	foreignKeys: ForeignKey[];
	routines: Map<string, Routine[]>;
	/** Type names a request may cast to (`select=col::text`), mapped to their qualified SQL name. */
	castTypes: Map<string, string>;
	/** Per role, the `ALTER ROLE … SET` settings PostgREST applies when it impersonates that role. */
	roleSettings: Map<string, [name: string, value: string][]>;
}

export const qualifiedName = (schema: string, name: string) => `${schema}.${name}`;

const RELATION_KINDS: Record<string, Relation['kind']> = {
	r: 'table',
	p: 'table',
	v: 'view',
	m: 'materialized view',
	f: 'foreign table',
	c: 'composite type',
};

const VOLATILITY: Record<string, Routine['volatility']> = {
	v: 'volatile',
	s: 'stable',
	i: 'immutable',
};

/** SQL spellings PostgREST accepts for casts that are not pg_type names. */
const TYPE_ALIASES: Record<string, string> = {
	integer: 'int4',
	int: 'int4',
	smallint: 'int2',
	bigint: 'int8',
	real: 'float4',
	float: 'float8',
	'double precision': 'float8',
	boolean: 'bool',
	decimal: 'numeric',
	'character varying': 'varchar',
	character: 'bpchar',
	char: 'bpchar',
	'timestamp with time zone': 'timestamptz',
	'timestamp without time zone': 'timestamp',
	'time with time zone': 'timetz',
	'time without time zone': 'time',
};

export async function loadSchemaCache(
	db: pg.Pool | pg.ClientBase,
	schemas: string[],
): Promise<SchemaCache> {
	const relationRows = await db.query<{
		oid: number;
		schema: string;
		name: string;
		relkind: string;
		description: string | null;
	}>(
		`select c.oid, n.nspname as schema, c.relname as name, c.relkind, obj_description(c.oid, 'pg_class') as description
		 from pg_class c join pg_namespace n on n.oid = c.relnamespace
		 where c.relkind in ('r', 'p', 'v', 'm', 'f')
		   and n.nspname = any($1)
		 union
		 -- row types of exposed functions' results, wherever those types live
		 select c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class')
		 from pg_proc p
		 join pg_namespace pn on pn.oid = p.pronamespace
		 join pg_type t on t.oid = p.prorettype
		 join pg_class c on c.oid = t.typrelid
		 join pg_namespace n on n.oid = c.relnamespace
		 where pn.nspname = any($1)`,
		[schemas],
	);
	const byOid = new Map<number, Relation>();
	const relations = new Map<string, Relation>();
	for (const row of relationRows.rows) {
		const relation: Relation = {
			schema: row.schema,
			name: row.name,
			kind: RELATION_KINDS[row.relkind],
			columns: new Map(),
			primaryKey: [],
			uniqueKeys: [],
			description: row.description,
		};
		byOid.set(row.oid, relation);
		if (schemas.includes(row.schema) && row.relkind !== 'c')
			relations.set(qualifiedName(row.schema, row.name), relation);
	}
	const oids = [...byOid.keys()];

	const columnRows = await db.query<{
		relid: number;
		name: string;
		type: string;
		type_name: string;
		not_null: boolean;
		has_default: boolean;
	}>(
		`select a.attrelid as relid, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typname as type_name,
		        a.attnotnull as not_null, (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as has_default
		 from pg_attribute a join pg_type t on t.oid = a.atttypid
		 where a.attrelid = any($1) and a.attnum > 0 and not a.attisdropped
		 order by a.attrelid, a.attnum`,
		[oids],
	);
	for (const row of columnRows.rows) {
		byOid.get(row.relid)?.columns.set(row.name, {
			name: row.name,
			type: row.type,
			typeName: row.type_name,
			nullable: !row.not_null,
			hasDefault: row.has_default,
		});
	}

	const constraintRows = await db.query<{
		name: string;
		type: string;
		relid: number;
		columns: string[];
		frelid: number;
		fcolumns: string[];
	}>(
		`select con.conname as name, con.contype as type, con.conrelid as relid, con.confrelid as frelid,
		        array(select a.attname from unnest(con.conkey) with ordinality k(attnum, i)
		              join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.i)::text[] as columns,
		        array(select a.attname from unnest(con.confkey) with ordinality k(attnum, i)
		              join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.i)::text[] as fcolumns
		 from pg_constraint con
		 where con.contype in ('p', 'u', 'f') and con.conrelid = any($1)
		 order by con.conname`,
		[oids],
	);
	const foreignKeys: ForeignKey[] = [];
	for (const row of constraintRows.rows) {
		const relation = byOid.get(row.relid);
		if (!relation) continue;
		if (row.type === 'p') relation.primaryKey = row.columns;
		else if (row.type === 'u') relation.uniqueKeys.push(row.columns);
		else {
			const referenced = byOid.get(row.frelid);
			// Only relationships between exposed relations can be embedded.
			if (referenced && relations.has(qualifiedName(referenced.schema, referenced.name))) {
				foreignKeys.push({
					name: row.name,
					table: relation,
					columns: row.columns,
					referencedTable: referenced,
					referencedColumns: row.fcolumns,
				});
			}
		}
	}

	const routineRows = await db.query<{
		schema: string;
		name: string;
		volatility: string;
		returns_set: boolean;
		return_type: string;
		return_type_name: string;
		return_typtype: string;
		return_relid: number;
		arg_names: string[] | null;
		arg_modes: string[] | null;
		arg_types: string[];
		arg_type_names: string[];
		input_count: number;
		default_count: number;
		description: string | null;
	}>(
		`select n.nspname as schema, p.proname as name, p.provolatile as volatility, p.proretset as returns_set,
		        format_type(p.prorettype, null) as return_type, t.typname as return_type_name, t.typtype as return_typtype,
		        t.typrelid as return_relid, p.proargnames as arg_names, p.proargmodes::text[] as arg_modes,
		        array(select format_type(x, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(x, i) order by i) as arg_types,
		        array(select y.typname::text from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(x, i)
		              join pg_type y on y.oid = u.x order by i) as arg_type_names,
		        p.pronargs as input_count, p.pronargdefaults as default_count, obj_description(p.oid, 'pg_proc') as description
		 from pg_proc p
		 join pg_namespace n on n.oid = p.pronamespace
		 join pg_type t on t.oid = p.prorettype
		 where n.nspname = any($1) and p.prokind = 'f' and t.typname not in ('trigger', 'event_trigger')
		 order by p.oid`,
		[schemas],
	);
	const routines = new Map<string, Routine[]>();
	for (const row of routineRows.rows) {
		const params: RoutineParam[] = [];
		const outputs = new Map<string, Column>();
		row.arg_types.forEach((type, index) => {
			const mode = row.arg_modes?.[index] ?? 'i';
			const name = row.arg_names?.[index] ?? '';
			const typeName = row.arg_type_names[index];
			if (mode === 'i' || mode === 'b' || mode === 'v')
				params.push({ name, type, typeName, hasDefault: false });
			if (mode === 'o' || mode === 'b' || mode === 't')
				outputs.set(name, { name, type, typeName, nullable: true, hasDefault: false });
		});
		params.slice(params.length - row.default_count).forEach((param) => (param.hasDefault = true));
		const returnRelation = byOid.get(row.return_relid);
		let returnKind: Routine['returnKind'] = 'scalar';
		let columns: Map<string, Column> | undefined;
		if (row.return_type_name === 'void') returnKind = 'void';
		else if (row.return_typtype === 'c') {
			returnKind = 'composite';
			columns = returnRelation?.columns;
		} else if (row.return_type_name === 'record') {
			returnKind = 'composite';
			columns = outputs.size > 0 ? outputs : undefined;
		}
		const key = qualifiedName(row.schema, row.name);
		const list = routines.get(key) ?? [];
		list.push({
			schema: row.schema,
			name: row.name,
			params,
			volatility: VOLATILITY[row.volatility],
			returnsSet: row.returns_set,
			returnKind,
			returnType: row.return_type,
			columns,
			returnRelation:
				returnRelation && relations.has(qualifiedName(returnRelation.schema, returnRelation.name))
					? returnRelation
					: undefined,
			description: row.description,
		});
		routines.set(key, list);
	}

	const typeRows = await db.query<{ schema: string; name: string }>(
		`select n.nspname as schema, t.typname as name
		 from pg_type t join pg_namespace n on n.oid = t.typnamespace
		 where n.nspname = any($1) and t.typisdefined and t.typtype in ('b', 'c', 'd', 'e', 'r', 'm')
		 order by n.nspname = 'pg_catalog' desc, n.nspname`,
		[['pg_catalog', ...schemas, 'extensions']],
	);
	const castTypes = new Map<string, string>();
	for (const row of typeRows.rows) {
		if (!castTypes.has(row.name))
			castTypes.set(row.name, `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`);
	}
	for (const [alias, name] of Object.entries(TYPE_ALIASES)) {
		const target = castTypes.get(name);
		if (target) castTypes.set(alias, target);
	}

	const settingRows = await db.query<{ role: string; name: string; value: string }>(
		`select r.rolname as role, split_part(s.setting, '=', 1) as name, substr(s.setting, strpos(s.setting, '=') + 1) as value
		 from pg_db_role_setting d
		 join pg_roles r on r.oid = d.setrole
		 cross join lateral unnest(d.setconfig) as s(setting)
		 join pg_settings g on g.name = split_part(s.setting, '=', 1) and g.context = 'user'
		 where d.setdatabase in (0, (select oid from pg_database where datname = current_database()))
		 order by d.setdatabase`,
	);
	const roleSettings = new Map<string, [string, string][]>();
	for (const row of settingRows.rows) {
		const list = roleSettings.get(row.role) ?? [];
		list.push([row.name, row.value]);
		roleSettings.set(row.role, list);
	}

	return { relations, foreignKeys, routines, castTypes, roleSettings };
}

/** Quotes an identifier that came from the catalog (or an output label), doubling embedded quotes. */
export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}
