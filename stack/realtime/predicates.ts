// SQL for one filter condition, as Supabase's realtime.check_equality_op evaluates it: the
// column's text value and the filter's value both cast to the column type, then compared.
// A null result (e.g. a null column) does not match.
import type { ColumnFilter } from './filters.ts';

const COMPARISONS: Record<string, string> = {
	eq: '=',
	neq: '!=',
	lt: '<',
	lte: '<=',
	gt: '>',
	gte: '>=',
	like: 'like',
	ilike: 'ilike',
	match: '~',
	imatch: '~*',
};

/** The right-hand keywords `is` accepts. */
export const IS_KEYWORDS = ['null', 'true', 'false', 'unknown'];

/**
 * A boolean SQL expression. `columnType` is the column's `regtype` text from the catalog (never a
 * client's input); `valueSql` and `filterSql` are bound-parameter expressions yielding text.
 */
export function filterPredicate(
	filter: ColumnFilter,
	columnType: string,
	valueSql: string,
	filterSql: string,
): string {
	const value = `(${valueSql})::${columnType}`;
	let condition: string;
	if (filter.op === 'is') {
		if (!IS_KEYWORDS.includes(filter.value))
			throw new Error('invalid value for is filter: must be null, true, false, or unknown');
		condition = `${value} is ${filter.value}`;
	} else if (filter.op === 'isdistinct') {
		condition = `${value} is distinct from (${filterSql})::${columnType}`;
	} else if (filter.op === 'in') {
		condition = `${value} = any((${filterSql})::${columnType}[])`;
	} else {
		condition = `${value} ${COMPARISONS[filter.op]} ((${filterSql})::${columnType})`;
	}
	return `coalesce(${filter.negate ? `not (${condition})` : condition}, false)`;
}
