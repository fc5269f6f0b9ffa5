// Blocked viewers: their comments are recorded and ignored (reason blocked) in every show of the
// workspace; blocking may release their claims, which promotes the next waiters.
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
import { commentOn, createShow, ingest, waitlistOf, winnersOf, type ClaimRow } from './fixtures.ts';

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

interface BlockResult {
	blocked: { id: string; platform_user_id: string; user_handle: string | null };
	claims: ClaimRow[];
	promoted: ClaimRow[];
}

function block(showId: string, user: string, releaseClaims = false, as = operator) {
	return rpc<BlockResult>(api, asUser(as), 'block_viewer', {
		show_id: showId,
		platform: 'facebook',
		platform_user_id: user,
		user_handle: `handle_${user}`,
		release_claims: releaseClaims,
	});
}

describe('blocked viewers', () => {
	it("records a blocked viewer's comments as ignored (blocked) in every show, until unblocked", async () => {
		const first = await createShow(api, operator, ['1']);
		const second = await createShow(api, operator, ['1']);
		const { blocked } = await block(first.show.id, 'troll');
		expect(blocked.user_handle).toBe('handle_troll');

		const ignored = await ingest(api, commentOn(second.show, 'troll', 'sold 1'));
		expect(ignored).toMatchObject({ outcome: 'ignored', reason: 'blocked' });
		expect(await winnersOf(owner, second.items.get('1')!)).toEqual([]);
		const { rows } = await owner.query(
			'select ignored_reason, raw_text from public.comments where id = $1',
			[ignored.comment_id],
		);
		expect(rows).toEqual([{ ignored_reason: 'blocked', raw_text: 'sold 1' }]);

		// Blocking again changes nothing; unblocking lets the next comment claim.
		expect((await block(first.show.id, 'troll')).blocked.id).toBe(blocked.id);
		await rpc(api, asUser(operator), 'unblock_viewer', { blocked_viewer_id: blocked.id });
		expect((await ingest(api, commentOn(second.show, 'troll', 'sold 1'))).results[0].outcome).toBe(
			'winner',
		);
		const { rows: audit } = await owner.query(
			'select action from public.audit_log where entity_id = $1 order by created_at',
			[blocked.id],
		);
		expect(audit.map((row) => row.action)).toEqual(['viewer.block', 'viewer.unblock']);
	});

	it('releases a blocked winner and waiter when asked, promoting the next waiters', async () => {
		const { show, items } = await createShow(api, operator, ['1', '2']);
		await ingest(api, commentOn(show, 'troll', 'sold 1'));
		await ingest(api, commentOn(show, 'ana', 'sold 1'));
		await ingest(api, commentOn(show, 'ben', 'sold 2'));
		await ingest(api, commentOn(show, 'troll', 'sold 2'));
		await ingest(api, commentOn(show, 'cy', 'sold 2'));

		const result = await block(show.id, 'troll', true);
		expect(result.claims.map((claim) => [claim.item_number, claim.status])).toEqual([
			['2', 'released'],
			['1', 'released'],
		]);
		expect(result.promoted.map((claim) => claim.platform_user_id)).toEqual(['ana']);
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['ana']);
		expect(await waitlistOf(owner, items.get('2')!)).toEqual(['cy']);
	});

	it('keeps the claims when not asked to release, and refuses other workspaces', async () => {
		const { show, items } = await createShow(api, operator, ['1']);
		await ingest(api, commentOn(show, 'keeper', 'sold 1'));
		expect((await block(show.id, 'keeper')).claims).toEqual([]);
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['keeper']);
		await expect(block(show.id, 'someone', false, stranger)).rejects.toMatchObject({
			code: 'PT404',
		});
		await expect(
			rpc(api, asUser(operator), 'block_viewer', {
				show_id: show.id,
				platform: 'facebook',
				platform_user_id: ' ',
			}),
		).rejects.toMatchObject({ code: '22023' });
		expect(
			await queryAs(api, asUser(stranger), 'select * from public.blocked_viewers', []),
		).toEqual([]);
	});
});
