// What the engine does for Facebook polling: comments made after Meta reported the live ended,
// the replay window after it, claims read after later comments, back-off counted per kind of
// failure, and the unread time recorded when a show stops while its comments are behind.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { commentOn, createShow, ingest, ingestBatch, type ShowRow } from './fixtures.ts';

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

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 22, 20, 0, seconds)).toISOString();

/**
 * The show's Facebook ingestion row (fb_poll_lease, run by the stack's scheduler, may have made
 * it already), with `values` set.
 */
async function ingestionRow(
	db: pg.Pool | pg.PoolClient,
	show: ShowRow,
	values: Record<string, unknown> = {},
): Promise<void> {
	await db.query(
		`insert into public.live_ingestion (show_id, workspace_id, platform, live_id, floor_at)
		values ($1, $2, 'facebook', $3, $4) on conflict (show_id) do nothing`,
		[show.id, show.workspace_id, show.live_id, at(0)],
	);
	for (const [column, value] of Object.entries(values))
		await db.query(`update public.live_ingestion set ${column} = $2 where show_id = $1`, [
			show.id,
			value,
		]);
}

describe('the end of a live', () => {
	it('records comments made after Meta reported the end and lets them claim nothing, unless the workspace says so', async () => {
		const user = await createUser(owner);
		const { show } = await createShow(api, user, ['1-3']);
		await ingestionRow(owner, show, { live_ended_at: at(10) });
		const before = await ingest(api, commentOn(show, 'ann', 'sold 1', { created_at: at(9) }));
		const after = await ingest(api, commentOn(show, 'bob', 'sold 2', { created_at: at(11) }));
		const chatter = await ingest(api, commentOn(show, 'cat', 'bye!', { created_at: at(12) }));
		expect(before.results[0].outcome).toBe('winner');
		expect(after).toMatchObject({ outcome: 'ignored', reason: 'after_live_end' });
		expect(chatter).toMatchObject({ outcome: 'ignored', reason: 'no_intent' });

		// The workspace's owner takes claims made after the end (the console's settings update).
		await queryAs(
			api,
			asUser(user),
			`update public.workspaces set settings = settings || '{"claims_after_live_end": true}' where id = $1`,
			[user.workspaceId],
		);
		const allowed = await ingest(api, commentOn(show, 'dee', 'sold 3', { created_at: at(13) }));
		expect(allowed.results[0].outcome).toBe('winner');
	});
});

describe('the replay window', () => {
	const minutes = (count: number) => at(10 + count * 60);

	it('lets comments on the replay claim until the workspace’s window closes, then claim nothing', async () => {
		const user = await createUser(owner);
		await queryAs(
			api,
			asUser(user),
			'update public.workspaces set replay_listen_minutes = 30 where id = $1',
			[user.workspaceId],
		);
		const { show } = await createShow(api, user, ['1-3']);
		// The end is recorded the way fb_poll_complete records it: the window starts there.
		await ingestionRow(owner, show, { live_ended_at: at(10) });
		const { rows } = await owner.query(
			'select replay_until from public.live_ingestion where show_id = $1',
			[show.id],
		);
		expect(rows[0].replay_until.toISOString()).toBe(new Date(minutes(30)).toISOString());

		const onReplay = await ingest(
			api,
			commentOn(show, 'ann', 'sold 1', { created_at: minutes(29) }),
		);
		const closing = await ingest(
			api,
			commentOn(show, 'bob', 'sold 2', { created_at: minutes(30) }),
		);
		const late = await ingest(api, commentOn(show, 'cat', 'sold 3', { created_at: minutes(31) }));
		expect(onReplay.results[0].outcome).toBe('winner');
		expect(closing.results[0].outcome).toBe('winner');
		expect(late).toMatchObject({ outcome: 'ignored', reason: 'after_live_end' });
	});

	it('is off unless the workspace chooses a window, and only takes the windows offered', async () => {
		const user = await createUser(owner);
		const { show } = await createShow(api, user, ['1']);
		await ingestionRow(owner, show, { live_ended_at: at(10) });
		const { rows } = await owner.query(
			'select replay_until from public.live_ingestion where show_id = $1',
			[show.id],
		);
		expect(rows[0].replay_until).toBeNull();
		expect(
			await ingest(api, commentOn(show, 'ann', 'sold 1', { created_at: at(11) })),
		).toMatchObject({ outcome: 'ignored', reason: 'after_live_end' });
		await expect(
			queryAs(
				api,
				asUser(user),
				'update public.workspaces set replay_listen_minutes = 45 where id = $1',
				[user.workspaceId],
			),
		).rejects.toThrow(/replay_listen_minutes/);
	});

	it('records no gap when a show is stopped while its replay is listened to', async () => {
		const { show } = await createShow(api, operator, ['1']);
		const client = await owner.connect();
		try {
			await client.query('begin');
			await ingestionRow(client, show, {
				live_ended_at: at(10),
				status: 'replay',
				cursor_newest_at: at(9),
			});
			await client.query(
				"select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
				[JSON.stringify({ sub: operator.id, role: 'authenticated', aud: 'authenticated' })],
			);
			await client.query('select public.stop_show($1)', [show.id]);
			await client.query('commit');
		} catch (error) {
			await client.query('rollback');
			throw error;
		} finally {
			client.release();
		}
		const { rows } = await owner.query(
			'select gaps from public.live_ingestion where show_id = $1',
			[show.id],
		);
		expect(rows[0].gaps).toEqual([]);
	});
});

describe('claims read late', () => {
	it('marks a claim whose comment was read after a later-written one, and not those read in time order', async () => {
		const { show } = await createShow(api, operator, ['4', '5']);
		// One read, given out of order: allocated in the platform's time order, nothing late.
		await ingestBatch(api, [
			commentOn(show, 'ann', 'sold 5', { created_at: at(21) }),
			commentOn(show, 'bob', 'sold 5', { created_at: at(20) }),
		]);
		// A later read brings an earlier comment: it waits, marked read late.
		await ingest(api, commentOn(show, 'cat', 'sold 4', { created_at: at(30) }));
		await ingest(api, commentOn(show, 'dee', 'sold 4', { created_at: at(25) }));
		const { rows } = await owner.query(
			`select item_number, platform_user_id, status, read_late from public.claims
			where show_id = $1 order by item_number, waitlist_position nulls first`,
			[show.id],
		);
		expect(rows).toEqual([
			{ item_number: '4', platform_user_id: 'cat', status: 'winner', read_late: false },
			{ item_number: '4', platform_user_id: 'dee', status: 'waitlist', read_late: true },
			{ item_number: '5', platform_user_id: 'bob', status: 'winner', read_late: false },
			{ item_number: '5', platform_user_id: 'ann', status: 'waitlist', read_late: false },
		]);
	});
});

describe('fb_poll_fail', () => {
	it('counts failures of one kind in a row, starting afresh when the kind changes', async () => {
		const { show } = await createShow(api, operator, ['1']);
		await ingestionRow(owner, show);
		const fail = async (kind: string) => {
			const lease = randomUUID();
			await owner.query('update public.live_ingestion set lease_token = $2 where show_id = $1', [
				show.id,
				lease,
			]);
			expect(
				await rpc(api, serviceRole, 'fb_poll_fail', {
					show_id: show.id,
					lease_token: lease,
					status: 'delayed',
					status_detail: kind,
					error: { kind },
					retry_in_ms: 1000,
				}),
			).toBe(true);
			const { rows } = await owner.query(
				'select consecutive_failures from public.live_ingestion where show_id = $1',
				[show.id],
			);
			return rows[0].consecutive_failures;
		};
		expect([
			await fail('transient'),
			await fail('transient'),
			await fail('transient'),
			await fail('throttled'),
			await fail('throttled'),
			await fail('transient'),
		]).toEqual([1, 2, 3, 1, 2, 1]);
	});
});

describe('gaps', () => {
	it('records the unread time when a show stops while its comments are behind, and none when they flow', async () => {
		const behind = (await createShow(api, operator, ['1'])).show;
		const flowing = (await createShow(api, operator, ['1'])).show;
		// Set up and stopped in one transaction, so the scheduler's poller never sees the state.
		const client = await owner.connect();
		try {
			await client.query('begin');
			await ingestionRow(client, behind, {
				status: 'delayed',
				status_detail: 'Meta error 80001: throttled',
				cursor_newest_at: at(40),
			});
			await ingestionRow(client, flowing, { status: 'listening', cursor_newest_at: at(40) });
			await client.query(
				"select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
				[JSON.stringify({ sub: operator.id, role: 'authenticated', aud: 'authenticated' })],
			);
			for (const show of [behind, flowing])
				await client.query('select public.stop_show($1)', [show.id]);
			await client.query('commit');
		} catch (error) {
			await client.query('rollback');
			throw error;
		} finally {
			client.release();
		}
		const { rows } = await owner.query(
			`select i.show_id, i.gaps, s.ended_at from public.live_ingestion i
			join public.shows s on s.id = i.show_id where i.show_id = any($1) order by i.show_id = $2 desc`,
			[[behind.id, flowing.id], behind.id],
		);
		expect(rows[0].gaps).toEqual([
			{ from: expect.any(String), to: expect.any(String), reason: 'Meta error 80001: throttled' },
		]);
		expect(Date.parse(rows[0].gaps[0].from)).toBe(Date.parse(at(40)));
		expect(Date.parse(rows[0].gaps[0].to)).toBe(rows[0].ended_at.getTime());
		expect(rows[1].gaps).toEqual([]);
	});
});
