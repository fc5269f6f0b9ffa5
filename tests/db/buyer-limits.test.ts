// Per-buyer limits per show: units across the show and units of one item, from the workspace or
// the show's own; a claim over a limit is limit_reached, recorded and never allocated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';
import {
	claimsOf,
	commentOn,
	createShow,
	ingest,
	ingestBatch,
	waitlistOf,
	winnersOf,
	type LiveShow,
	type ShowRow,
} from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	operator = await createUser(owner);
	// Claims for several units, so the limits, not this cap, decide.
	await queryAs(
		api,
		asUser(operator),
		'update public.workspaces set max_units_per_comment = 10 where id = $1',
		[operator.workspaceId],
	);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

async function workspaceLimits(perShow: number | null, perItem: number | null): Promise<void> {
	await queryAs(
		api,
		asUser(operator),
		`update public.workspaces set max_units_per_buyer = $2, max_units_per_buyer_item = $3
		where id = $1`,
		[operator.workspaceId, perShow, perItem],
	);
}

function showLimits(show: ShowRow, perShow: number | null, perItem: number | null) {
	return rpc<ShowRow>(api, asUser(operator), 'set_show_buyer_limits', {
		show_id: show.id,
		max_units_per_buyer: perShow,
		max_units_per_buyer_item: perItem,
	});
}

async function openUnits(showId: string, buyer: string): Promise<number> {
	const { rows } = await owner.query(
		`select count(*)::int as units from public.claims
		where show_id = $1 and platform_user_id = $2 and status in ('winner', 'waitlist')`,
		[showId, buyer],
	);
	return rows[0].units;
}

describe('per-buyer limits', () => {
	let live: LiveShow;

	beforeAll(async () => {
		await workspaceLimits(2, null);
		live = await createShow(api, operator, [
			{ item_number: '1', quantity: 1 },
			{ item_number: '2', quantity: 5 },
			'3',
			'4',
		]);
	});

	afterAll(() => workspaceLimits(null, null));

	it('refuses a claim over the show limit as limit_reached, with no claim and no waitlist place', async () => {
		const { show, items } = live;
		await ingest(api, commentOn(show, 'other', 'sold 1'));
		// A waitlist place on 1 counts as much as a win on 3.
		const waiting = await ingest(api, commentOn(show, 'ana', 'sold 1'));
		const winning = await ingest(api, commentOn(show, 'ana', 'sold 3'));
		const over = await ingest(api, commentOn(show, 'ana', 'sold 4'));
		expect(waiting.results[0].outcome).toBe('waitlist');
		expect(winning.results[0].outcome).toBe('winner');
		expect(over.results[0]).toMatchObject({
			outcome: 'limit_reached',
			reason: 'units_per_show',
			claims: [],
		});
		expect(await claimsOf(owner, items.get('4')!)).toEqual([]);
		const { rows } = await owner.query(
			'select results, intent_outcomes from public.comments where id = $1',
			[over.comment_id],
		);
		expect(rows[0].results[0].outcome).toBe('limit_reached');
		expect(rows[0].intent_outcomes).toEqual(['limit_reached']);

		// Passing frees a unit; the same claim then wins.
		await ingest(api, commentOn(show, 'ana', 'pass 1'));
		const again = await ingest(api, commentOn(show, 'ana', 'sold 4'));
		expect(again.results[0].outcome).toBe('winner');
		expect(await waitlistOf(owner, items.get('1')!)).toEqual([]);
	});

	it('gives a claim for several units as many as the limit leaves', async () => {
		const { show, items } = live;
		const result = await ingest(api, commentOn(show, 'ben', 'sold 2 x5'));
		expect(result.results[0]).toMatchObject({ outcome: 'winner', limited: true });
		expect(result.results[0].claims).toHaveLength(2);
		expect(await openUnits(show.id, 'ben')).toBe(2);
		expect(await winnersOf(owner, items.get('2')!)).toEqual(['ben', 'ben']);
	});

	it("takes the show's own limits over the workspace's, per item too", async () => {
		await workspaceLimits(1, null);
		const { show, items } = await createShow(api, operator, [
			{ item_number: '7', quantity: 5 },
			'8',
		]);
		const limited = await showLimits(show, 10, 2);
		expect([limited.max_units_per_buyer, limited.max_units_per_buyer_item]).toEqual([10, 2]);
		const result = await ingest(api, commentOn(show, 'cy', 'sold 7 x3'));
		expect(result.results[0].claims).toHaveLength(2);
		const more = await ingest(api, commentOn(show, 'cy', 'sold 7 x3'));
		expect(more.results[0]).toMatchObject({ outcome: 'limit_reached', reason: 'units_per_item' });
		expect((await ingest(api, commentOn(show, 'cy', 'sold 8'))).results[0].outcome).toBe('winner');
		expect(await winnersOf(owner, items.get('7')!)).toEqual(['cy', 'cy']);
		await expect(showLimits(show, 0, null)).rejects.toMatchObject({ code: '22023' });
		await workspaceLimits(2, null);
	});

	it('limits test buyers apart from real ones, and not the operator awarding by hand', async () => {
		const { show, items } = await createShow(api, operator, [
			{ item_number: '5', quantity: 9 },
			'6',
		]);
		await showLimits(show, 1, null);
		const actor = asUser(operator);
		await rpc(api, actor, 'emit_test_comment', {
			show_id: show.id,
			text: 'sold 5',
			user_handle: 'dee',
		});
		const testOver = await rpc<{ results: { outcome: string }[] }>(
			api,
			actor,
			'emit_test_comment',
			{
				show_id: show.id,
				text: 'sold 5 x2',
				user_handle: 'dee',
			},
		);
		expect(testOver.results[0].outcome).toBe('limit_reached');
		expect((await ingest(api, commentOn(show, 'dee', 'sold 5'))).results[0].outcome).toBe('winner');
		await rpc(api, actor, 'award_item', {
			item_id: items.get('6'),
			user_handle: 'handle_dee',
			platform_user_id: 'dee',
		});
		expect(await openUnits(show.id, 'dee')).toBe(2);
	});

	it("keeps the show limit across one buyer's concurrent comments on different items", async () => {
		const { show } = await createShow(api, operator, ['11', '12', '13', '14', '15', '16']);
		await showLimits(show, 2, null);
		const numbers = ['11', '12', '13', '14', '15', '16'];
		await Promise.all([
			...numbers.map((number) => ingest(api, commentOn(show, 'eve', `sold ${number}`))),
			ingestBatch(
				api,
				numbers.map((number) => commentOn(show, 'eve', `${number} sold`)),
			),
		]);
		expect(await openUnits(show.id, 'eve')).toBe(2);
	});
});
