// Every row of a select, past PostgREST's max_rows (1000 in supabase/config.toml, as on hosted
// projects): the first page brings the exact count, the rest are fetched in parallel, so a show
// with 5,000 claims costs two round trips, not five in a row.

export const pageSize = 1000;

type SelectError = { message: string; details?: string | null; hint?: string | null };
type PageResult<Row> = { data: Row[] | null; error: SelectError | null; count: number | null };

/**
 * `page(from, to)` builds the same select (with a stable order, and `{ count: 'exact' }`) for the
 * inclusive row window; it is called once per page.
 */
export async function selectAll<Row>(
	page: (from: number, to: number) => PromiseLike<PageResult<Row>>,
): Promise<{ rows: Row[]; error: null } | { rows: null; error: SelectError }> {
	const first = await page(0, pageSize - 1);
	if (first.error) return { rows: null, error: first.error };
	const rows = first.data ?? [];
	const total = first.count ?? rows.length;
	const rest = await Promise.all(
		Array.from({ length: Math.max(0, Math.ceil(total / pageSize) - 1) }, (_, index) =>
			page((index + 1) * pageSize, (index + 2) * pageSize - 1),
		),
	);
	for (const result of rest) {
		if (result.error) return { rows: null, error: result.error };
		rows.push(...(result.data ?? []));
	}
	// A project whose max_rows is below pageSize would return short pages: say so rather than lose rows.
	if (rows.length < total) {
		return {
			rows: null,
			error: {
				message: `the database returned ${rows.length} of ${total} rows: its max_rows setting is below ${pageSize}`,
			},
		};
	}
	return { rows, error: null };
}
