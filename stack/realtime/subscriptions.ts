// Checking a channel's postgres_changes subscriptions against the database, as Supabase's insert
// into realtime.subscription (and its subscription_check_filters trigger) does: the tables must be
// in the publication, the role must exist and read the filter columns, and each filter value must
// fit its column's type and operator. Messages are Realtime's.
import pg from 'pg';
import { describeParams, type ColumnFilter, type SubscriptionParams } from './filters.ts';
import { filterPredicate, IS_KEYWORDS } from './predicates.ts';

export const PUBLICATION = 'supabase_realtime';
const MAX_IN_VALUES = 100;

/** Condition names Postgrex prints next to a SQLSTATE. */
const CONDITION_NAMES: Record<string, string> = {
	P0001: 'raise_exception',
	'22P02': 'invalid_text_representation',
	'22007': 'invalid_datetime_format',
	'22008': 'datetime_field_overflow',
	'22003': 'numeric_value_out_of_range',
	'2201B': 'invalid_regular_expression',
	'42704': 'undefined_object',
	'42883': 'undefined_function',
};

/** An exception as Postgrex renders it: `ERROR P0001 (raise_exception) message`. */
class CheckFailure extends Error {
	constructor(
		message: string,
		readonly code = 'P0001',
	) {
		super(message);
	}

	render(): string {
		const name = CONDITION_NAMES[this.code];
		return `ERROR ${this.code}${name ? ` (${name})` : ''} ${this.message}`;
	}
}

function asCheckFailure(error: unknown, wrap?: (message: string) => string): CheckFailure {
	const pgError = error as { code?: string; message?: string };
	const message = pgError.message ?? String(error);
	return wrap
		? new CheckFailure(wrap(message))
		: new CheckFailure(message, pgError.code ?? 'XX000');
}

interface FilterColumn {
	type: string;
	readable: boolean;
}

async function filterColumn(
	db: pg.Pool,
	relation: number,
	role: string,
	column: string,
): Promise<FilterColumn | undefined> {
	const { rows } = await db.query<FilterColumn>(
		`select a.atttypid::regtype::text as type, has_column_privilege($2, a.attrelid, a.attnum, 'SELECT') as readable
		 from pg_attribute a where a.attrelid = $1 and a.attname = $3 and a.attnum > 0 and not a.attisdropped`,
		[relation, role, column],
	);
	return rows[0];
}

async function checkFilter(
	db: pg.Pool,
	relation: number,
	role: string,
	filter: ColumnFilter,
): Promise<void> {
	const column = await filterColumn(db, relation, role, filter.column);
	if (!column?.readable) throw new CheckFailure(`invalid column for filter ${filter.column}`);
	if (filter.op === 'in') {
		const { rows } = await db
			.query<{ count: number | null }>(`select cardinality($1::${column.type}[]) as count`, [
				filter.value,
			])
			.catch((error: unknown) => {
				throw asCheckFailure(error);
			});
		if ((rows[0].count ?? 0) > MAX_IN_VALUES)
			throw new CheckFailure(`too many values for \`in\` filter. Maximum ${MAX_IN_VALUES}`);
		return;
	}
	if (filter.op === 'is') {
		if (!IS_KEYWORDS.includes(filter.value))
			throw new CheckFailure('invalid value for is filter: must be null, true, false, or unknown');
		if (filter.value !== 'null' && column.type !== 'boolean') {
			throw new CheckFailure(
				`is ${filter.value} filter requires a boolean column, got ${column.type}`,
			);
		}
		return;
	}
	if (filter.op === 'match' || filter.op === 'imatch') {
		await db.query(`select '' ~ $1`, [filter.value]).catch((error: unknown) => {
			throw asCheckFailure(
				error,
				(message) => `invalid regular expression for ${filter.op} filter: ${message}`,
			);
		});
	} else if (filter.op !== 'like' && filter.op !== 'ilike') {
		await db.query(`select $1::${column.type}`, [filter.value]).catch((error: unknown) => {
			throw asCheckFailure(error);
		});
	}
	// Evaluating the operator itself catches what the catalog cannot tell (e.g. `eq` on json).
	await db
		.query(`select ${filterPredicate(filter, column.type, '$1', '$1')}`, [filter.value])
		.catch((error: unknown) => {
			throw asCheckFailure(
				error,
				(message) =>
					`operator ${filter.op} is not supported on column ${filter.column} of type ${column.type}: ${message}`,
			);
		});
}

async function checkSelect(
	db: pg.Pool,
	relation: number,
	role: string,
	select: string[],
): Promise<void> {
	for (const column of select) {
		const found = await filterColumn(db, relation, role, column);
		if (!found?.readable) throw new CheckFailure(`invalid column for select ${column}`);
	}
}

/** The publication's tables the parameters name (`*` and LIKE patterns, as on Supabase). */
async function publishedRelations(db: pg.Pool, params: SubscriptionParams): Promise<number[]> {
	const { rows } = await db.query<{ oid: number }>(
		`select format('%I.%I', schemaname, tablename)::regclass::oid::int as oid
		 from pg_publication_tables
		 where pubname = $1
		   and schemaname like (case $2 when '*' then '%' else $2 end) escape ''
		   and tablename like (case $3 when '*' then '%' else $3 end) escape ''`,
		[PUBLICATION, params.schema, params.table],
	);
	return rows.map((row) => row.oid);
}

export type Resolution = { ok: true; relations: number[][] } | { ok: false; error: string };

/** Resolves each subscription to the tables it covers, or says why one cannot be made (all or none). */
export async function resolveSubscriptions(
	db: pg.Pool,
	role: string,
	list: SubscriptionParams[],
): Promise<Resolution> {
	const relations: number[][] = [];
	for (const params of list) {
		const tables = await publishedRelations(db, params);
		if (tables.length === 0) {
			return {
				ok: false,
				error: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${describeParams(params)}]`,
			};
		}
		try {
			const { rows } = await db.query<{ exists: boolean }>(
				'select to_regrole($1) is not null as exists',
				[role],
			);
			if (!rows[0].exists) throw new CheckFailure(`role "${role}" does not exist`, '42704');
			for (const relation of tables) {
				for (const filter of params.filters) await checkFilter(db, relation, role, filter);
				if (params.select) await checkSelect(db, relation, role, params.select);
			}
		} catch (error) {
			if (!(error instanceof CheckFailure)) throw error;
			return {
				ok: false,
				error: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [${describeParams(params)}]. Exception: ${error.render()}`,
			};
		}
		relations.push(tables);
	}
	return { ok: true, relations };
}
