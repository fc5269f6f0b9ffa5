// The storm: 1,000 distinct viewers claim one item of quantity 3 at the same moment, over 50
// connections, through ingest_comment as the platform connectors call it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import { authenticatorPool, createUser } from '../support/db.ts';
import { commentOn, createShow, ingest, type IngestResult } from './fixtures.ts';

const viewers = 1000;
const connections = 50;

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool(connections);
	// Open every connection before the storm so it measures allocation, not connecting.
	const clients = await Promise.all(Array.from({ length: connections }, () => api.connect()));
	for (const client of clients) client.release();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

it('gives 3 units to 3 viewers and places the other 997 at 1..997, without an error', async () => {
	const operator = await createUser(owner);
	const { show, items } = await createShow(api, operator, [{ item_number: '42', quantity: 3 }]);
	const comments = Array.from({ length: viewers }, (_, index) =>
		commentOn(show, `viewer-${index}`, 'sold 42'),
	);

	const started = performance.now();
	const results: IngestResult[] = await Promise.all(
		comments.map((comment) => ingest(api, comment)),
	);
	const elapsed = performance.now() - started;
	console.log(
		`storm: ${viewers} claims over ${connections} connections in ${elapsed.toFixed(0)} ms (${((viewers / elapsed) * 1000).toFixed(0)} claims/s)`,
	);

	const outcomes = results.map((result) => result.results[0].outcome);
	expect(outcomes.filter((outcome) => outcome === 'winner')).toHaveLength(3);
	expect(outcomes.filter((outcome) => outcome === 'waitlist')).toHaveLength(997);
	const reportedPlaces = results
		.flatMap((result) => result.results[0].claim?.waitlist_position ?? [])
		.sort((a, b) => a - b);
	expect(reportedPlaces).toEqual(Array.from({ length: 997 }, (_, index) => index + 1));

	const { rows: stored } = await owner.query<{ status: string; places: number[]; users: string }>(
		`select status, array_agg(waitlist_position order by waitlist_position) as places, count(distinct platform_user_id)::text as users
		 from public.claims where show_item_id = $1 group by status order by status`,
		[items.get('42')],
	);
	expect(stored).toEqual([
		{
			status: 'waitlist',
			places: Array.from({ length: 997 }, (_, index) => index + 1),
			users: '997',
		},
		{ status: 'winner', places: [null, null, null], users: '3' },
	]);
	const { rows: item } = await owner.query(
		'select claimed_count, waitlist_count, status from public.show_items where id = $1',
		[items.get('42')],
	);
	expect(item).toEqual([{ claimed_count: 3, waitlist_count: 997, status: 'sold_out' }]);
});
