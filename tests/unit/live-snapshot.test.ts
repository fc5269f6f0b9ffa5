// What the console's catch-ups read: after the opening, only what changed since it was rendered,
// every item's id (to learn of removed items) and the claims the opening left out; never the
// rendered rows again.
import type { SupabaseClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { fetchShowSnapshot } from '$lib/live/snapshot';

const showId = '00000000-0000-4000-8000-000000000001';
const show = {
	id: showId,
	workspace_id: '00000000-0000-4000-8000-0000000000ff',
	name: 'Friday drop',
	status: 'active',
	platform: 'facebook',
	connection_id: null,
	live_id: 'live-1',
	live_url: null,
	claim_words: null,
	pass_words: null,
	currency: 'USD',
	pinned_item_number: null,
	max_units_per_buyer: null,
	max_units_per_buyer_item: null,
	started_at: '2026-11-22T10:00:00+00:00',
	ended_at: null,
	created_at: '2026-11-22T10:00:00+00:00',
	updated_at: '2026-11-22T10:00:00+00:00',
};

/** Records each query as its table, selected columns and filters; every query finds nothing. */
function recordingSupabase() {
	const queries: { table: string; columns: string; filters: string[] }[] = [];
	const client = {
		from(table: string) {
			const query = { table, columns: '', filters: [] as string[] };
			queries.push(query);
			const builder = {
				select(columns: string) {
					query.columns = columns;
					return builder;
				},
				eq: (column: string, value: unknown) => filter(`${column}=${value}`),
				neq: (column: string, value: unknown) => filter(`${column}!=${value}`),
				gte: (column: string) => filter(`${column}>=`),
				or: (conditions: string) => filter(`or ${conditions}`),
				order: () => builder,
				range: () => builder,
				limit: () => builder,
				maybeSingle: () => Promise.resolve({ data: table === 'shows' ? show : null, error: null }),
				then: (resolve: (result: unknown) => void) => resolve({ data: [], error: null, count: 0 }),
			};
			function filter(text: string) {
				if (!text.startsWith('show_id=')) query.filters.push(text);
				return builder;
			}
			return builder;
		},
	};
	return { client: client as unknown as SupabaseClient, queries };
}

const read = (queries: ReturnType<typeof recordingSupabase>['queries'], table: string) =>
	queries
		.filter((query) => query.table === table)
		.map((query) => `${query.columns === 'id' ? 'ids' : 'rows'} ${query.filters.join(' ')}`.trim());

describe('fetchShowSnapshot', () => {
	it('after the opening reads what changed, the item ids and the earlier non-winners only', async () => {
		const { client, queries } = recordingSupabase();
		const snapshot = await fetchShowSnapshot(client, showId, {
			changedSince: '2026-11-22T10:05:00.000Z',
			allItems: true,
			missingClaims: { createdUpTo: '2026-11-22T10:01:00+00:00' },
		});
		expect(read(queries, 'show_items').sort()).toEqual(['ids', 'rows updated_at>=']);
		// Changed since, or made up to the opening's earliest and not a winner: one read, no duplicates.
		expect(read(queries, 'claims')).toEqual([
			'rows or updated_at.gte."2026-11-22T10:04:30.000Z",and(created_at.lte."2026-11-22T10:01:00+00:00",status.neq.winner)',
		]);
		expect(read(queries, 'comments')).toEqual(['rows created_at>=']);
		expect(snapshot).toMatchObject({
			itemsComplete: false,
			itemIds: [],
			claimsComplete: false,
			missingClaimsRead: true,
		});
	});

	it('reads every claim when it does not know which it lacks, and nothing more once it has all', async () => {
		const everything = recordingSupabase();
		await fetchShowSnapshot(everything.client, showId, {
			changedSince: '2026-11-22T10:05:00.000Z',
			allItems: false,
			missingClaims: 'all',
		});
		expect(read(everything.queries, 'claims')).toEqual(['rows']);
		expect(read(everything.queries, 'show_items')).toEqual(['rows updated_at>=']);

		const changedOnly = recordingSupabase();
		await fetchShowSnapshot(changedOnly.client, showId, {
			changedSince: '2026-11-22T10:05:00.000Z',
			allItems: false,
			missingClaims: null,
		});
		expect(read(changedOnly.queries, 'claims')).toEqual(['rows updated_at>=']);
	});
});
