// ingest_comment / ingest_comments: every outcome, idempotency, show state and binding, batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { ownerPool } from '../support/clients.ts';
import {
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import {
	claimsOf,
	commentOn,
	createShow,
	ingest,
	ingestBatch,
	itemRow,
	waitlistOf,
	winnersOf,
} from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	operator = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

describe('allocation outcomes', () => {
	it('makes the first claimant the winner and the next ones waiters in FIFO places', async () => {
		const { show, items } = await createShow(api, operator, ['12']);
		const first = await ingest(api, commentOn(show, 'ann', 'sold 12'));
		expect(first).toMatchObject({ replayed: false, outcome: 'processed', reason: null });
		expect(first.results).toHaveLength(1);
		expect(first.results[0]).toMatchObject({
			intent: 'claim',
			item_number: '12',
			outcome: 'winner',
			claim: { platform_user_id: 'ann', status: 'winner', waitlist_position: null },
			item: { claimed_count: 1, waitlist_count: 0, status: 'sold_out' },
			promoted: null,
		});
		const second = await ingest(api, commentOn(show, 'bob', '12 sold'));
		expect(second.results[0]).toMatchObject({
			outcome: 'waitlist',
			claim: { status: 'waitlist', waitlist_position: 1 },
		});
		const third = await ingest(api, commentOn(show, 'cat', 'SOLD12!!'));
		expect(third.results[0]).toMatchObject({
			outcome: 'waitlist',
			claim: { waitlist_position: 2 },
			item: { waitlist_count: 2 },
		});
		expect(await waitlistOf(owner, items.get('12')!)).toEqual(['bob', 'cat']);
	});

	it('fills a multi-unit item before anyone waits, then reports it sold out', async () => {
		const { show, items } = await createShow(api, operator, [{ item_number: '5', quantity: 3 }]);
		const outcomes = [];
		for (const user of ['a', 'b', 'c', 'd'])
			outcomes.push((await ingest(api, commentOn(show, user, 'sold 5'))).results[0]);
		expect(outcomes.map((result) => result.outcome)).toEqual([
			'winner',
			'winner',
			'winner',
			'waitlist',
		]);
		expect(outcomes.map((result) => result.item?.status)).toEqual([
			'partial',
			'partial',
			'sold_out',
			'sold_out',
		]);
		expect(await itemRow(owner, items.get('5')!)).toMatchObject({
			quantity: 3,
			claimed_count: 3,
			waitlist_count: 1,
			status: 'sold_out',
		});
	});

	it('reports a second claim by the same user as a duplicate and changes nothing', async () => {
		const { show, items } = await createShow(api, operator, ['7']);
		const first = await ingest(api, commentOn(show, 'ann', 'sold 7'));
		const again = await ingest(api, commentOn(show, 'ann', 'sold 007 please'));
		expect(again.results[0]).toMatchObject({
			outcome: 'duplicate',
			claim: { id: first.results[0].claim!.id },
		});
		await ingest(api, commentOn(show, 'bob', 'sold 7'));
		const waiterAgain = await ingest(api, commentOn(show, 'bob', 'sold 7'));
		expect(waiterAgain.results[0]).toMatchObject({
			outcome: 'duplicate',
			claim: { status: 'waitlist', waitlist_position: 1 },
		});
		expect(await claimsOf(owner, items.get('7')!)).toHaveLength(2);
	});

	it('reports an item the show does not have as unknown_item', async () => {
		const { show } = await createShow(api, operator, ['1']);
		const result = await ingest(api, commentOn(show, 'ann', 'sold 999'));
		expect(result.results[0]).toMatchObject({
			outcome: 'unknown_item',
			item_number: '999',
			claim: null,
			item: null,
		});
	});

	it('passes a winner and promotes the first waiter in the same call', async () => {
		const { show, items } = await createShow(api, operator, ['3']);
		await ingest(api, commentOn(show, 'ann', 'sold 3'));
		const bob = await ingest(api, commentOn(show, 'bob', 'sold 3'));
		await ingest(api, commentOn(show, 'cat', 'sold 3'));
		const pass = await ingest(api, commentOn(show, 'ann', 'pass 3'));
		expect(pass.results[0]).toMatchObject({
			intent: 'pass',
			outcome: 'passed',
			claim: { platform_user_id: 'ann', status: 'passed' },
			promoted: { id: bob.results[0].claim!.id, status: 'winner', waitlist_position: null },
			item: { claimed_count: 1, waitlist_count: 1, status: 'sold_out' },
		});
		expect(await winnersOf(owner, items.get('3')!)).toEqual(['bob']);
		expect(await waitlistOf(owner, items.get('3')!)).toEqual(['cat']);
	});

	it('frees the unit when a winner passes and nobody waits', async () => {
		const { show, items } = await createShow(api, operator, ['4']);
		await ingest(api, commentOn(show, 'ann', 'sold 4'));
		const pass = await ingest(api, commentOn(show, 'ann', '4 pass'));
		expect(pass.results[0]).toMatchObject({
			outcome: 'passed',
			promoted: null,
			item: { claimed_count: 0, status: 'unclaimed' },
		});
		const again = await ingest(api, commentOn(show, 'ann', 'sold 4'));
		expect(again.results[0].outcome).toBe('winner');
		expect(await itemRow(owner, items.get('4')!)).toMatchObject({ claimed_count: 1 });
	});

	it('takes a passing waiter off the waitlist and closes the gap', async () => {
		const { show, items } = await createShow(api, operator, ['8']);
		for (const user of ['ann', 'bob', 'cat', 'dan'])
			await ingest(api, commentOn(show, user, 'sold 8'));
		const pass = await ingest(api, commentOn(show, 'bob', 'pass 8'));
		expect(pass.results[0]).toMatchObject({
			outcome: 'passed',
			promoted: null,
			claim: { status: 'passed', waitlist_position: null },
		});
		expect(await waitlistOf(owner, items.get('8')!)).toEqual(['cat', 'dan']);
		expect(await itemRow(owner, items.get('8')!)).toMatchObject({
			claimed_count: 1,
			waitlist_count: 2,
		});
	});

	it('ignores a pass from someone who holds nothing', async () => {
		const { show } = await createShow(api, operator, ['9']);
		const result = await ingest(api, commentOn(show, 'ann', 'pass 9'));
		expect(result.results[0]).toMatchObject({
			outcome: 'ignored',
			reason: 'not_claimed',
			claim: null,
		});
	});

	it('allocates every intent of one comment in order', async () => {
		const { show } = await createShow(api, operator, ['1', '2']);
		await ingest(api, commentOn(show, 'bob', 'sold 2'));
		const result = await ingest(api, commentOn(show, 'ann', 'sold 1 sold 2 sold 3 pass 1'));
		expect(result.results.map((each) => [each.intent, each.item_number, each.outcome])).toEqual([
			['claim', '1', 'winner'],
			['claim', '2', 'waitlist'],
			['claim', '3', 'unknown_item'],
			['pass', '1', 'passed'],
		]);
	});

	it("uses the show's own claim and pass words when it has them", async () => {
		const { show } = await createShow(api, operator, ['6']);
		await rpc(api, asUser(operator), 'update_show', {
			show_id: show.id,
			changes: { claim_words: ['mine', 'claim'], pass_words: ['drop'] },
		});
		expect((await ingest(api, commentOn(show, 'ann', 'sold 6'))).reason).toBe('no_intent');
		expect((await ingest(api, commentOn(show, 'ann', 'mine 6'))).results[0].outcome).toBe('winner');
		expect((await ingest(api, commentOn(show, 'bob', 'claim 6'))).results[0].outcome).toBe(
			'waitlist',
		);
		expect((await ingest(api, commentOn(show, 'ann', 'drop 6'))).results[0]).toMatchObject({
			outcome: 'passed',
			promoted: { platform_user_id: 'bob' },
		});
	});
});

describe('comments the show does not take', () => {
	it('stores every comment, with the reason it was ignored', async () => {
		const { show } = await createShow(api, operator, ['1']);
		const chatter = await ingest(api, commentOn(show, 'ann', 'love this one 😍'));
		expect(chatter).toMatchObject({
			outcome: 'ignored',
			reason: 'no_intent',
			results: [],
			replayed: false,
		});
		const otherLive = await ingest(
			api,
			commentOn(show, 'ann', 'sold 1', { live_id: 'some-other-live' }),
		);
		expect(otherLive).toMatchObject({ outcome: 'ignored', reason: 'live_mismatch' });
		expect(otherLive.results).toEqual([
			expect.objectContaining({
				intent: 'claim',
				item_number: '1',
				outcome: 'ignored',
				reason: 'live_mismatch',
			}),
		]);
		const otherPlatform = await ingest(
			api,
			commentOn(show, 'ann', 'sold 1', { platform: 'instagram' }),
		);
		expect(otherPlatform).toMatchObject({ outcome: 'ignored', reason: 'platform_mismatch' });

		const { rows } = await owner.query(
			'select raw_text, outcome, ignored_reason from public.comments where show_id = $1 order by created_at',
			[show.id],
		);
		expect(rows).toEqual([
			{ raw_text: 'love this one 😍', outcome: 'ignored', ignored_reason: 'no_intent' },
			{ raw_text: 'sold 1', outcome: 'ignored', ignored_reason: 'live_mismatch' },
			{ raw_text: 'sold 1', outcome: 'ignored', ignored_reason: 'platform_mismatch' },
		]);
		expect(
			await owner.query('select 1 from public.claims where show_id = $1', [show.id]),
		).toHaveProperty('rowCount', 0);
	});

	it('takes no claims while a show is a draft, paused or ended, and takes them again on resume', async () => {
		const draft = await createShow(api, operator, ['1'], { draft: true });
		const onDraft = await ingest(api, commentOn(draft.show, 'ann', 'sold 1'));
		expect(onDraft).toMatchObject({ outcome: 'ignored', reason: 'show_not_active' });

		const { show, items } = await createShow(api, operator, ['1']);
		await rpc(api, asUser(operator), 'pause_show', { show_id: show.id });
		expect(await ingest(api, commentOn(show, 'ann', 'sold 1'))).toMatchObject({
			outcome: 'ignored',
			reason: 'show_not_active',
		});
		await rpc(api, asUser(operator), 'resume_show', { show_id: show.id });
		expect((await ingest(api, commentOn(show, 'bob', 'sold 1'))).results[0].outcome).toBe('winner');
		await rpc(api, asUser(operator), 'stop_show', { show_id: show.id });
		expect(await ingest(api, commentOn(show, 'cat', 'sold 1'))).toMatchObject({
			outcome: 'ignored',
			reason: 'show_not_active',
		});
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['bob']);
	});

	it('answers a comment for a show that does not exist without storing it', async () => {
		const { show } = await createShow(api, operator, ['1']);
		const result = await ingest(api, commentOn({ ...show, id: randomUUID() }, 'ann', 'sold 1'));
		expect(result).toMatchObject({
			comment_id: null,
			outcome: 'ignored',
			reason: 'unknown_show',
			results: [],
		});
	});

	it('refuses a malformed comment with a clear message', async () => {
		const { show } = await createShow(api, operator, ['1']);
		await expect(
			ingest(api, commentOn(show, 'ann', 'sold 1', { platform: 'tiktok' })),
		).rejects.toMatchObject({
			code: '22023',
			message: 'comment.platform must be facebook, instagram or test, not tiktok',
		});
		await expect(ingest(api, commentOn(show, '', 'sold 1'))).rejects.toMatchObject({
			code: '22023',
			message: 'comment.platform_user_id is required',
		});
		await expect(rpc(api, serviceRole, 'ingest_comment', { comment: [1] })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(
			ingest(api, commentOn(show, 'ann', `sold 1 ${'x'.repeat(10_000)}`)),
		).rejects.toMatchObject({
			code: '22023',
			message: 'comment.text is 10007 characters long; at most 10000',
		});
	});
});

describe('idempotency', () => {
	it('returns the first result for a comment delivered twice, changing nothing', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const comment = commentOn(show, 'ann', 'sold 1');
		const first = await ingest(api, comment);
		await ingest(api, commentOn(show, 'bob', 'sold 1'));
		const again = await ingest(api, comment);
		expect(again).toEqual({ ...first, replayed: true });
		expect(await claimsOf(owner, items.get('1')!)).toHaveLength(2);
		const { rows } = await owner.query(
			'select count(*)::int as n from public.comments where show_id = $1',
			[show.id],
		);
		expect(rows[0].n).toBe(2);
	});

	it('recognises a comment without a platform id by user, text and 10-second bucket', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const at = '2026-11-22T20:00:01.000Z';
		const first = await ingest(
			api,
			commentOn(show, 'ann', 'Sold 1!', { comment_id: null, created_at: at }),
		);
		const sameBucket = await ingest(
			api,
			commentOn(show, 'ann', 'sold   1', {
				comment_id: null,
				created_at: '2026-11-22T20:00:09.000Z',
			}),
		);
		expect(sameBucket).toMatchObject({ replayed: true, comment_id: first.comment_id });
		const nextBucket = await ingest(
			api,
			commentOn(show, 'ann', 'sold 1', {
				comment_id: null,
				created_at: '2026-11-22T20:00:11.000Z',
			}),
		);
		expect(nextBucket).toMatchObject({
			replayed: false,
			results: [expect.objectContaining({ outcome: 'duplicate' })],
		});
		expect(await claimsOf(owner, items.get('1')!)).toHaveLength(1);
	});

	it('processes overlapping batches once, reporting the overlap as replayed', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const comments = ['ann', 'bob', 'cat', 'dan'].map((user) => commentOn(show, user, 'sold 1'));
		const firstPoll = await ingestBatch(api, comments.slice(0, 3));
		const secondPoll = await ingestBatch(api, comments.slice(1));
		expect(firstPoll.map((result) => result.replayed)).toEqual([false, false, false]);
		expect(secondPoll.map((result) => result.replayed)).toEqual([true, true, false]);
		expect(secondPoll[0]).toEqual({ ...firstPoll[1], replayed: true });
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['ann']);
		expect(await waitlistOf(owner, items.get('1')!)).toEqual(['bob', 'cat', 'dan']);
	});

	it('allocates the same comment sent concurrently exactly once', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const comment = commentOn(show, 'ann', 'sold 1');
		const results = await Promise.all(Array.from({ length: 8 }, () => ingest(api, comment)));
		expect(results.filter((result) => !result.replayed)).toHaveLength(1);
		expect(await claimsOf(owner, items.get('1')!)).toHaveLength(1);
	});
});

describe('batches', () => {
	it('allocates in platform-timestamp order, then arrival order, and answers in the order given', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const late = commentOn(show, 'late', 'sold 1', { created_at: '2026-11-22T20:00:05Z' });
		const early = commentOn(show, 'early', 'sold 1', { created_at: '2026-11-22T20:00:01Z' });
		const tieFirst = commentOn(show, 'tie-first', 'sold 1', { created_at: '2026-11-22T20:00:03Z' });
		const tieSecond = commentOn(show, 'tie-second', 'sold 1', {
			created_at: '2026-11-22T20:00:03Z',
		});
		const results = await ingestBatch(api, [late, early, tieFirst, tieSecond]);
		expect(results.map((result) => result.results[0].claim?.platform_user_id)).toEqual([
			'late',
			'early',
			'tie-first',
			'tie-second',
		]);
		expect(results.map((result) => result.results[0].outcome)).toEqual([
			'waitlist',
			'winner',
			'waitlist',
			'waitlist',
		]);
		expect(await waitlistOf(owner, items.get('1')!)).toEqual(['tie-first', 'tie-second', 'late']);
	});

	it('runs overlapping batches and single comments over many items concurrently without deadlocks', async () => {
		const numbers = ['1', '2', '3', '4', '5', '6'];
		const { show, items } = await createShow(api, operator, numbers);
		const batchFor = (user: string, order: string[]) =>
			order.map((number) =>
				commentOn(show, user, `sold ${number} sold ${numbers[Number(number) % 6]}`),
			);
		const calls = Array.from({ length: 12 }, (_, index) => {
			const order = index % 2 === 0 ? numbers : [...numbers].reverse();
			return index % 3 === 0
				? Promise.all(batchFor(`single-${index}`, order).map((comment) => ingest(api, comment)))
				: ingestBatch(api, batchFor(`batch-${index}`, order));
		});
		const results = (await Promise.all(calls)).flat();
		expect(results).toHaveLength(72);
		for (const number of numbers) {
			expect(await itemRow(owner, items.get(number)!)).toMatchObject({
				claimed_count: 1,
				waitlist_count: 11,
			});
		}
	});

	it('ingests every good comment of a batch and answers a bad one ignored with its reason', async () => {
		const { show, items } = await createShow(api, operator, ['1', '2']);
		const results = await ingestBatch(api, [
			commentOn(show, 'ann', 'sold 1'),
			commentOn(show, 'bob', `sold 2 ${'x'.repeat(10_000)}`),
			commentOn(show, 'cat', 'sold 2', { show_id: 'not-a-uuid' }),
			commentOn(show, 'dan', 'sold 2', { created_at: 'yesterday-ish' }),
			commentOn(show, 'eve', 'sold 2'),
		]);
		expect(results.map(({ outcome, reason }) => ({ outcome, reason }))).toEqual([
			{ outcome: 'processed', reason: null },
			{ outcome: 'ignored', reason: 'invalid_comment' },
			{ outcome: 'ignored', reason: 'invalid_comment' },
			{ outcome: 'ignored', reason: 'invalid_comment' },
			{ outcome: 'processed', reason: null },
		]);
		expect(results[1]).toMatchObject({
			error: { code: '22023', message: 'comment.text is 10007 characters long; at most 10000' },
		});
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['ann']);
		expect(await winnersOf(owner, items.get('2')!)).toEqual(['eve']);
	});

	it('refuses anything but an array', async () => {
		await expect(
			rpc(api, serviceRole, 'ingest_comments', { comments: { not: 'an array' } }),
		).rejects.toMatchObject({
			code: '22023',
			message: 'comments must be a JSON array of comments',
		});
	});
});

describe('test comments', () => {
	it("runs an operator's rehearsal comment through allocation, marked as a test", async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const result = await rpc<{
			results: { outcome: string; claim: { is_test: boolean; platform: string } }[];
		}>(api, asUser(operator), 'emit_test_comment', {
			show_id: show.id,
			text: 'sold 1',
			user_handle: 'Rehearsal',
		});
		expect(result.results[0]).toMatchObject({
			outcome: 'winner',
			claim: { is_test: true, platform: 'test' },
		});
		const stored = await queryAs(
			api,
			asUser(operator),
			'select is_test, emitted_by, platform from public.comments where show_id = $1',
			[show.id],
		);
		expect(stored).toEqual([{ is_test: true, emitted_by: operator.id, platform: 'test' }]);
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['test:rehearsal']);
	});
});

describe('buyer rollups', () => {
	it('sums up per buyer what they won and wait for', async () => {
		const { show } = await createShow(api, operator, ['1', '2', '10']);
		await ingest(api, commentOn(show, 'ann', 'sold 10 sold 2'));
		await ingest(api, commentOn(show, 'bob', 'sold 2 sold 1'));
		await ingest(api, commentOn(show, 'ann', 'sold 1'));
		const rollups = await queryAs(
			api,
			asUser(operator),
			'select buyer_key, user_handle, won_count, won_items, waiting_items from public.buyer_rollups where show_id = $1 order by buyer_key',
			[show.id],
		);
		expect(rollups).toEqual([
			{
				buyer_key: 'ann',
				user_handle: 'handle_ann',
				won_count: '2',
				won_items: ['2', '10'],
				waiting_items: ['1'],
			},
			{
				buyer_key: 'bob',
				user_handle: 'handle_bob',
				won_count: '1',
				won_items: ['1'],
				waiting_items: ['2'],
			},
		]);
	});
});

describe('who may ingest', () => {
	it('lets only service_role call ingest_comment and ingest_comments', async () => {
		const { show } = await createShow(api, operator, ['1']);
		for (const actor of [asUser(operator), { role: 'anon' } as const]) {
			await expect(
				rpc(api, actor, 'ingest_comment', { comment: commentOn(show, 'x', 'sold 1') }),
			).rejects.toMatchObject({ code: '42501' });
			await expect(
				rpc(api, actor, 'ingest_comments', { comments: [commentOn(show, 'x', 'sold 1')] }),
			).rejects.toMatchObject({ code: '42501' });
		}
	});
});
