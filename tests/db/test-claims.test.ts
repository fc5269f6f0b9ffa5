// Test comments live apart from real buyers: their own identity space, never ahead of a real
// claim, left out of the buyer rollups on request, and cleared in one audited action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
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
	itemRow,
	waitlistOf,
	winnersOf,
	type ClaimRow,
	type IngestResult,
	type ItemRow,
	type ShowRow,
} from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;
let admin: TestUser;
let assistant: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	admin = await createUser(owner);
	const helper = await createUser(owner);
	await addMember(owner, admin.workspaceId, helper.id, 'assistant');
	assistant = { ...helper, workspaceId: admin.workspaceId };
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

function testComment(
	show: ShowRow,
	text: string,
	user_handle: string,
	platform_user_id?: string,
): Promise<IngestResult> {
	return rpc<IngestResult>(api, asUser(assistant), 'emit_test_comment', {
		show_id: show.id,
		text,
		user_handle,
		...(platform_user_id === undefined ? {} : { platform_user_id }),
	});
}

describe('test comment identity', () => {
	it("cannot pass on a real buyer's claim by giving their platform user id", async () => {
		const { show, items } = await createShow(api, admin, ['4']);
		await ingest(api, commentOn(show, '1001', 'sold 4'));
		const result = await testComment(show, 'pass 4', 'handle_1001', '1001');
		expect(result.results[0]).toMatchObject({ outcome: 'ignored', reason: 'not_claimed' });
		expect(await winnersOf(owner, items.get('4')!)).toEqual(['1001']);
	});

	it('cannot pass on a manual award to the same handle, nor claim ahead of it as that buyer', async () => {
		const { show, items } = await createShow(api, admin, [{ item_number: '4', quantity: 2 }]);
		await rpc(api, asUser(assistant), 'award_item', {
			item_id: items.get('4'),
			user_handle: 'ana',
		});
		expect((await testComment(show, 'pass 4', 'ana')).results[0]).toMatchObject({
			outcome: 'ignored',
		});
		// The test buyer @ana is not the real @ana: their claim is a test claim of its own.
		expect((await testComment(show, 'sold 4', '@Ana')).results[0]).toMatchObject({
			outcome: 'winner',
			claim: { platform_user_id: 'test:ana', is_test: true },
		});
		expect(await winnersOf(owner, items.get('4')!)).toEqual(['@ana', 'test:ana']);
		// And a real comment from @ana neither passes on nor duplicates the test claim.
		const real = await ingest(api, commentOn(show, '2002', 'pass 4', { user_handle: 'ana' }));
		expect(real.results[0]).toMatchObject({ outcome: 'passed' });
		expect(await winnersOf(owner, items.get('4')!)).toEqual(['test:ana']);
	});

	it('keeps the test: id space for test comments', async () => {
		const { show } = await createShow(api, admin, ['1']);
		await expect(ingest(api, commentOn(show, 'test:ana', 'sold 1'))).rejects.toMatchObject({
			code: '22023',
		});
		await expect(
			rpc(api, asUser(assistant), 'award_item', {
				item_id: (await itemsOf(show))[0].id,
				user_handle: 'ana',
				platform_user_id: 'test:ana',
			}),
		).rejects.toMatchObject({ code: '22023' });
	});

	it('refuses a test buyer handle longer than a real one can be', async () => {
		const { show } = await createShow(api, admin, ['4']);
		await expect(testComment(show, 'sold 4', 'x'.repeat(31))).rejects.toMatchObject({
			code: '22023',
			message: expect.stringContaining('at most 30 characters'),
		});
		await expect(testComment(show, 'sold 4', 'x'.repeat(30))).resolves.toBeDefined();
	});

	it('audits every test comment as an action of its operator', async () => {
		const { show } = await createShow(api, admin, ['1']);
		const result = await testComment(show, 'sold 1', 'rehearsal');
		const { rows } = await owner.query(
			'select actor_user_id, action, entity_type, details from public.audit_log where entity_id = $1',
			[result.comment_id],
		);
		expect(rows).toEqual([
			{
				actor_user_id: assistant.id,
				action: 'comment.test',
				entity_type: 'comment',
				details: { text: 'sold 1', user_handle: 'rehearsal' },
			},
		]);
	});
});

async function itemsOf(show: ShowRow): Promise<ItemRow[]> {
	const { rows } = await owner.query<ItemRow>(
		'select * from public.show_items where show_id = $1 order by item_number::int',
		[show.id],
	);
	return rows;
}

describe('test claims never outrank real ones', () => {
	it('gives the newest test winner’s unit to a real claim on a sold-out item', async () => {
		const { show, items } = await createShow(api, admin, [{ item_number: '7', quantity: 2 }]);
		const item = items.get('7')!;
		await testComment(show, 'sold 7', 'first');
		await testComment(show, 'sold 7', 'second');
		await testComment(show, 'sold 7', 'third');
		const real = await ingest(api, commentOn(show, '3003', 'sold 7'));
		expect(real.results[0]).toMatchObject({ outcome: 'winner' });
		expect(await winnersOf(owner, item)).toEqual(['3003', 'test:first']);
		const second = (await claimsOf(owner, item)).find(
			(claim) => claim.platform_user_id === 'test:second',
		);
		expect(second).toMatchObject({ status: 'released', ended_by: null });
		// The test waiter still waits; the next real claimant waits ahead of it.
		expect(await waitlistOf(owner, item)).toEqual(['test:third']);
		expect((await ingest(api, commentOn(show, '3004', 'sold 7'))).results[0]).toMatchObject({
			outcome: 'winner',
		});
		expect(await winnersOf(owner, item)).toEqual(['3003', '3004']);
		expect((await ingest(api, commentOn(show, '3005', 'sold 7'))).results[0]).toMatchObject({
			outcome: 'waitlist',
			claim: { waitlist_position: 1 },
		});
		expect(await waitlistOf(owner, item)).toEqual(['3005', 'test:third']);
		// A real pass promotes the real waiter, never the test one.
		await ingest(api, commentOn(show, '3003', 'pass 7'));
		expect(await winnersOf(owner, item)).toEqual(['3004', '3005']);
		expect(await itemRow(owner, item)).toMatchObject({ claimed_count: 2, waitlist_count: 1 });
	});

	it('gives a test winner’s unit to a manual award, and keeps test waiters behind real ones', async () => {
		const { show, items } = await createShow(api, admin, ['8']);
		const item = items.get('8')!;
		await testComment(show, 'sold 8', 'tess');
		await testComment(show, 'sold 8', 'tom');
		const awarded = await rpc<{ claim: ClaimRow }>(api, asUser(assistant), 'award_item', {
			item_id: item,
			user_handle: 'zoe',
		});
		expect(awarded.claim).toMatchObject({ status: 'winner', user_handle: 'zoe' });
		expect(await winnersOf(owner, item)).toEqual(['@zoe']);
		await ingest(api, commentOn(show, '4001', 'sold 8'));
		expect(await waitlistOf(owner, item)).toEqual(['4001', 'test:tom']);
		const tom = (await claimsOf(owner, item)).find(
			(claim) => claim.platform_user_id === 'test:tom',
		)!;
		await rpc(api, asUser(assistant), 'move_waiter_to_front', { claim_id: tom.id });
		expect(await waitlistOf(owner, item)).toEqual(['4001', 'test:tom']);
	});

	it('hands a test winner’s unit to the real buyer who waited longest, not to a newcomer', async () => {
		const { show, items } = await createShow(api, admin, ['9']);
		const item = items.get('9')!;
		// A test winner ahead of a real waiter, as test claims made before the rule could stand.
		await ingest(api, commentOn(show, 'early', 'sold 9'));
		await ingest(api, commentOn(show, '8001', 'sold 9'));
		await owner.query(
			"update public.claims set is_test = true, platform_user_id = 'test:early' where show_item_id = $1 and platform_user_id = 'early'",
			[item],
		);
		expect((await ingest(api, commentOn(show, '8002', 'sold 9'))).results[0]).toMatchObject({
			outcome: 'waitlist',
			claim: { waitlist_position: 1 },
		});
		expect(await winnersOf(owner, item)).toEqual(['8001']);
		expect(await waitlistOf(owner, item)).toEqual(['8002']);
	});
});

describe('clear_test_claims', () => {
	it('ends every open test claim of the show, promotes real waiters, and audits once', async () => {
		const { show, items } = await createShow(api, admin, ['1', '2']);
		const [one, two] = [items.get('1')!, items.get('2')!];
		// A test winner ahead of a real waiter, as test claims made before the rule could stand.
		await ingest(api, commentOn(show, 'early', 'sold 1'));
		await ingest(api, commentOn(show, '5002', 'sold 1'));
		await owner.query(
			"update public.claims set is_test = true, platform_user_id = 'test:early' where show_item_id = $1 and platform_user_id = 'early'",
			[one],
		);
		await testComment(show, 'sold 2', 'tess');
		await testComment(show, 'sold 2', 'tom');
		const clear = () =>
			rpc<{ cleared: ClaimRow[]; promoted: ClaimRow[]; items: ItemRow[] }>(
				api,
				asUser(assistant),
				'clear_test_claims',
				{ show_id: show.id },
			);
		expect((await clear()).cleared).toHaveLength(3);
		// Nothing left to clear the second time.
		expect(await clear()).toEqual({ cleared: [], promoted: [], items: [] });
		const { rows } = await owner.query(
			"select actor_user_id, details from public.audit_log where show_id = $1 and action = 'claims.clear_tests' order by created_at, id",
			[show.id],
		);
		expect(rows).toHaveLength(2);
		expect(rows[0]).toMatchObject({
			actor_user_id: assistant.id,
			details: { promoted: [{ platform_user_id: '5002', status: 'winner' }] },
		});
		expect(rows[0].details.cleared).toHaveLength(3);
		expect(await winnersOf(owner, one)).toEqual(['5002']);
		expect(await waitlistOf(owner, one)).toEqual([]);
		expect(await winnersOf(owner, two)).toEqual([]);
		expect(await waitlistOf(owner, two)).toEqual([]);
		const { rows: ended } = await owner.query(
			'select status, ended_by from public.claims where show_item_id = $1',
			[two],
		);
		expect(ended).toEqual([
			{ status: 'released', ended_by: assistant.id },
			{ status: 'released', ended_by: assistant.id },
		]);
	});

	it('returns what it cleared and who it promoted', async () => {
		const { show, items } = await createShow(api, admin, ['3']);
		await ingest(api, commentOn(show, 'early', 'sold 3'));
		await ingest(api, commentOn(show, '6002', 'sold 3'));
		await owner.query(
			"update public.claims set is_test = true, platform_user_id = 'test:early' where show_item_id = $1 and platform_user_id = 'early'",
			[items.get('3')],
		);
		const result = await rpc<{ cleared: ClaimRow[]; promoted: ClaimRow[]; items: ItemRow[] }>(
			api,
			asUser(admin),
			'clear_test_claims',
			{ show_id: show.id },
		);
		expect(result.cleared).toMatchObject([{ platform_user_id: 'test:early', status: 'released' }]);
		expect(result.promoted).toMatchObject([{ platform_user_id: '6002', status: 'winner' }]);
		expect(result.items).toMatchObject([{ item_number: '3', claimed_count: 1, waitlist_count: 0 }]);
	});

	it('is refused to non-members', async () => {
		const { show } = await createShow(api, admin, ['1']);
		const stranger = await createUser(owner);
		await expect(
			rpc(api, asUser(stranger), 'clear_test_claims', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT404' });
	});
});

describe('buyer rollups', () => {
	it("keep a show's test claims in rows of their own", async () => {
		const { show } = await createShow(api, admin, ['1', '2']);
		await ingest(api, commentOn(show, '7001', 'sold 1', { user_handle: 'ana' }));
		// Even a test comment given the real buyer's id stays a test buyer of its own.
		await testComment(show, 'sold 2', 'ana', '7001');
		const rollups = await queryAs(
			api,
			asUser(assistant),
			'select buyer_key, won_items, has_test_claims from public.buyer_rollups where show_id = $1 order by buyer_key',
			[show.id],
		);
		expect(rollups).toEqual([
			{ buyer_key: '7001', won_items: ['1'], has_test_claims: false },
			{ buyer_key: 'test:7001', won_items: ['2'], has_test_claims: true },
		]);
	});
});
