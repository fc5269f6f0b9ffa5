// The pinned item: pin_show_item keeps one timestamped row per pin change, and a bare claim word
// claims the item that was pinned at the comment's platform time.
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
import { commentOn, createShow, ingest, ingestBatch, winnersOf } from './fixtures.ts';
import type { ShowPin } from '../../src/lib/rows.ts';

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;
let stranger: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	operator = await createUser(owner);
	stranger = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

function pin(showId: string, itemNumber: number | null, user = operator): Promise<ShowPin> {
	return rpc<ShowPin>(api, asUser(user), 'pin_show_item', {
		show_id: showId,
		item_number: itemNumber,
	});
}

/** Sets a pin row's time, as if it had been pinned then. */
async function pinnedAt(pinId: string, at: string): Promise<void> {
	await owner.query('update public.show_pins set pinned_at = $2 where id = $1', [pinId, at]);
}

describe('pin_show_item', () => {
	it('keeps a row per change, the latest on the show, and audits each', async () => {
		const { show } = await createShow(api, operator, ['1', '2']);
		const first = await pin(show.id, 1);
		const again = await pin(show.id, 1);
		const second = await pin(show.id, 2);
		const cleared = await pin(show.id, null);
		expect(again.id).toBe(first.id);
		expect([first.item_number, second.item_number, cleared.item_number]).toEqual([1, 2, null]);
		expect(first.pinned_by).toBe(operator.id);

		const history = await queryAs<ShowPin>(
			api,
			asUser(operator),
			'select * from public.show_pins where show_id = $1 order by pinned_at',
			[show.id],
		);
		expect(history.map((row) => row.item_number)).toEqual([1, 2, null]);
		const { rows: shows } = await owner.query(
			'select pinned_item_number from public.shows where id = $1',
			[show.id],
		);
		expect(shows[0].pinned_item_number).toBeNull();
		const { rows: audit } = await owner.query(
			"select action from public.audit_log where show_id = $1 and entity_type = 'show_pin' order by created_at, action",
			[show.id],
		);
		expect(audit.map((row) => row.action).sort()).toEqual(['show.pin', 'show.pin', 'show.unpin']);
	});

	it('refuses an unknown item, an ended show and a non-member, and hides pins from others', async () => {
		const { show } = await createShow(api, operator, ['1']);
		await expect(pin(show.id, 7)).rejects.toMatchObject({
			code: '22023',
			message: 'this show has no item 7 to pin',
		});
		await expect(pin(show.id, 1, stranger)).rejects.toMatchObject({ code: 'PT404' });
		await pin(show.id, 1);
		expect(
			await queryAs(api, asUser(stranger), 'select * from public.show_pins where show_id = $1', [
				show.id,
			]),
		).toEqual([]);
		await rpc(api, asUser(operator), 'stop_show', { show_id: show.id });
		await expect(pin(show.id, null)).rejects.toMatchObject({ code: 'PT409' });
	});
});
describe('a bare claim word', () => {
	it('claims the item pinned at the comment time, not at processing time', async () => {
		const { show, items } = await createShow(api, operator, ['1', '2', '3']);
		const first = await pin(show.id, 1);
		await pinnedAt(first.id, '2026-11-22T20:00:00Z');
		const second = await pin(show.id, 2);
		await pinnedAt(second.id, '2026-11-22T20:01:00Z');

		// Processed after the change to 2, written before it.
		const early = await ingest(
			api,
			commentOn(show, 'ana', 'Sold!', { created_at: '2026-11-22T20:00:59Z' }),
		);
		const late = await ingest(
			api,
			commentOn(show, 'ben', 'mine', { created_at: '2026-11-22T20:01:00Z' }),
		);
		const numbered = await ingest(
			api,
			commentOn(show, 'cy', 'sold 3', { created_at: '2026-11-22T20:01:30Z' }),
		);
		expect(early.results[0]).toMatchObject({ item_number: '1', pinned: true, outcome: 'winner' });
		expect(late.results[0]).toMatchObject({ item_number: '2', pinned: true, outcome: 'winner' });
		expect(numbered.results[0]).toMatchObject({
			item_number: '3',
			pinned: false,
			outcome: 'winner',
		});
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['ana']);
		expect(await winnersOf(owner, items.get('2')!)).toEqual(['ben']);
	});

	it('with nothing pinned then is recorded as nothing_pinned and allocates nothing', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		const before = await ingest(
			api,
			commentOn(show, 'ana', 'sold', { created_at: '2026-11-22T19:59:00Z' }),
		);
		const first = await pin(show.id, 1);
		await pinnedAt(first.id, '2026-11-22T20:00:00Z');
		const cleared = await pin(show.id, null);
		await pinnedAt(cleared.id, '2026-11-22T20:05:00Z');
		const afterUnpin = await ingest(
			api,
			commentOn(show, 'ben', 'sold', { created_at: '2026-11-22T20:06:00Z' }),
		);
		for (const result of [before, afterUnpin])
			expect(result).toMatchObject({ outcome: 'ignored', reason: 'nothing_pinned' });
		const { rows } = await owner.query(
			'select ignored_reason from public.comments where id = any ($1)',
			[[before.comment_id, afterUnpin.comment_id]],
		);
		expect(rows.map((row) => row.ignored_reason)).toEqual(['nothing_pinned', 'nothing_pinned']);
		expect(await winnersOf(owner, items.get('1')!)).toEqual([]);
	});

	it('in a batch read after the pin changed goes by each comment time, on either side of the change', async () => {
		const { show, items } = await createShow(api, operator, ['1', '2']);
		const first = await pin(show.id, 1);
		await pinnedAt(first.id, '2026-11-22T20:00:00Z');
		const second = await pin(show.id, 2);
		await pinnedAt(second.id, '2026-11-22T20:00:10Z');
		// One poll's page, newest first as Meta lists them.
		const times = ['20:00:12', '20:00:11', '20:00:09', '20:00:08'];
		const results = await ingestBatch(
			api,
			times.map((time, index) =>
				commentOn(show, `buyer${index}`, 'sold', { created_at: `2026-11-22T${time}Z` }),
			),
		);
		expect(results.map((result) => result.results[0].item_number)).toEqual(['2', '2', '1', '1']);
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['buyer3']);
		expect(await winnersOf(owner, items.get('2')!)).toEqual(['buyer1']);
	});
});
