// Operator actions: shows, items and claims, with their audit trail and their refusals.
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
	commentOn,
	createShow,
	ingest,
	itemRow,
	ownedLive,
	waitlistOf,
	winnersOf,
	type ClaimRow,
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

async function lastAudit(entityId: string): Promise<Record<string, unknown>> {
	const { rows } = await owner.query(
		'select * from public.audit_log where entity_id = $1 order by created_at desc, id limit 1',
		[entityId],
	);
	return rows[0];
}

interface ClaimActionResult {
	claim: ClaimRow;
	item: ItemRow;
	promoted: ClaimRow | null;
}

describe('shows', () => {
	it('lets a draft note its live id, and keeps the bound live once the show runs', async () => {
		const actor = asUser(admin);
		const { connectionId, liveId } = await ownedLive(api, admin.workspaceId);
		const { show } = await createShow(api, admin, ['1'], { draft: true });
		await rpc(api, actor, 'update_show', {
			show_id: show.id,
			changes: { connection_id: connectionId },
		});
		expect(
			await rpc(api, actor, 'update_show', {
				show_id: show.id,
				changes: { live_id: ` ${liveId} ` },
			}),
		).toMatchObject({ live_id: liveId });
		const running = await rpc<ShowRow>(api, actor, 'activate_show', {
			show_id: show.id,
			live_id: liveId,
		});
		expect(running).toMatchObject({ status: 'active', live_id: liveId });
		await expect(
			rpc(api, actor, 'update_show', { show_id: show.id, changes: { live_id: '999' } }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'the live of a show can change only while it is a draft',
		});
	});

	it('creates, updates and deletes a draft show, auditing each step', async () => {
		const actor = asUser(admin);
		const show = await rpc<
			ShowRow & { name: string; claim_words: string[] | null; created_by: string }
		>(api, actor, 'create_show', {
			workspace_id: admin.workspaceId,
			platform: 'instagram',
			name: 'Sunday sale',
			claim_words: '{Mine,claim}',
		});
		expect(show).toMatchObject({
			status: 'draft',
			platform: 'instagram',
			name: 'Sunday sale',
			claim_words: ['mine', 'claim'],
			created_by: admin.id,
		});
		expect(await lastAudit(show.id)).toMatchObject({
			action: 'show.create',
			actor_user_id: admin.id,
			before: null,
			after: expect.objectContaining({ id: show.id }),
		});

		const updated = await rpc<ShowRow & { name: string; claim_words: string[] | null }>(
			api,
			actor,
			'update_show',
			{
				show_id: show.id,
				changes: { name: 'Sunday night sale', claim_words: null, platform: 'facebook' },
			},
		);
		expect(updated).toMatchObject({
			name: 'Sunday night sale',
			claim_words: null,
			platform: 'facebook',
		});
		expect(await lastAudit(show.id)).toMatchObject({
			action: 'show.update',
			before: expect.objectContaining({ name: 'Sunday sale' }),
			after: expect.objectContaining({ name: 'Sunday night sale' }),
		});
		await expect(
			rpc(api, actor, 'update_show', { show_id: show.id, changes: { status: 'ended' } }),
		).rejects.toMatchObject({
			code: '22023',
			message: 'update_show cannot change status',
		});

		await rpc(api, actor, 'delete_show', { show_id: show.id });
		expect(
			(await owner.query('select 1 from public.shows where id = $1', [show.id])).rowCount,
		).toBe(0);
		expect(await lastAudit(show.id)).toMatchObject({
			action: 'show.delete',
			show_id: null,
			after: null,
		});
	});

	it('deletes only drafts', async () => {
		const { show } = await createShow(api, admin, ['1']);
		await expect(
			rpc(api, asUser(admin), 'delete_show', { show_id: show.id }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'only a draft show can be deleted; this one is active',
		});
	});

	it('moves through draft, active, paused and ended, refusing other moves', async () => {
		const { show } = await createShow(api, admin, ['1'], { draft: true });
		const actor = asUser(assistant);
		await expect(rpc(api, actor, 'pause_show', { show_id: show.id })).rejects.toMatchObject({
			code: 'PT409',
			message: 'cannot pause a show that is draft',
		});
		await expect(
			rpc(api, actor, 'activate_show', { show_id: show.id, live_id: `live-${show.id}` }),
		).rejects.toMatchObject({ code: '22023' });
		const active = await rpc<ShowRow & { started_at: string }>(api, actor, 'activate_show', {
			show_id: show.id,
			live_id: ' ',
		});
		expect(active).toMatchObject({ status: 'active', live_id: `rehearsal:${show.id}` });
		expect(active.started_at).toBeTruthy();
		await expect(
			rpc(api, actor, 'activate_show', { show_id: show.id, live_id: 'another' }),
		).rejects.toMatchObject({ code: 'PT409' });
		expect(await rpc(api, actor, 'pause_show', { show_id: show.id })).toMatchObject({
			status: 'paused',
		});
		expect(await rpc(api, actor, 'resume_show', { show_id: show.id })).toMatchObject({
			status: 'active',
		});
		const ended = await rpc<ShowRow & { ended_at: string }>(api, actor, 'stop_show', {
			show_id: show.id,
		});
		expect(ended.status).toBe('ended');
		expect(ended.ended_at).toBeTruthy();
		await expect(rpc(api, actor, 'resume_show', { show_id: show.id })).rejects.toMatchObject({
			code: 'PT409',
			message: 'cannot resume a show that is ended',
		});
		const { rows } = await owner.query(
			'select action from public.audit_log where show_id = $1 order by created_at',
			[show.id],
		);
		expect(rows.map((row) => row.action)).toEqual([
			'show.create',
			'items.add',
			'show.activate',
			'show.pause',
			'show.resume',
			'show.stop',
		]);
	});

	it('binds a live to one running show at a time', async () => {
		const first = await createShow(api, admin, ['1'], { owned: true });
		const { rows } = await owner.query('select connection_id from public.shows where id = $1', [
			first.show.id,
		]);
		const second = await rpc<ShowRow>(api, asUser(admin), 'create_show', {
			workspace_id: admin.workspaceId,
			platform: 'facebook',
			name: 'Second',
			connection_id: rows[0].connection_id,
		});
		await expect(
			rpc(api, asUser(admin), 'activate_show', {
				show_id: second.id,
				live_id: first.show.live_id,
			}),
		).rejects.toMatchObject({
			code: 'PT409',
			message:
				'the show "Test show" of this workspace is already running on this live: stop it first',
		});
	});
});

describe('items', () => {
	it('adds numbers, ranges and described items, canonical and without duplicates', async () => {
		const { show } = await createShow(api, admin, ['5'], { draft: true });
		const result = await rpc<{ added: ItemRow[]; skipped: string[] }>(
			api,
			asUser(assistant),
			'add_show_items',
			{
				show_id: show.id,
				items: ['007', 3, '4-6', { item_number: '10', title: 'Blue mug', quantity: 4 }],
			},
		);
		expect(result.added.map((item) => item.item_number)).toEqual(['3', '4', '6', '7', '10']);
		expect(result.skipped).toEqual(['5']);
		expect(result.added.find((item) => item.item_number === '10')).toMatchObject({
			title: 'Blue mug',
			quantity: 4,
			status: 'unclaimed',
		});
	});

	it('refuses bad numbers, oversized ranges and quantities out of 1-30', async () => {
		const { show } = await createShow(api, admin, ['1'], { draft: true });
		const add = (items: unknown[]) =>
			rpc(api, asUser(admin), 'add_show_items', { show_id: show.id, items });
		await expect(add(['0'])).rejects.toMatchObject({ code: '22023' });
		await expect(add(['1234567'])).rejects.toMatchObject({ code: '22023' });
		await expect(add(['abc'])).rejects.toMatchObject({ code: '22023' });
		await expect(add(['10-2'])).rejects.toMatchObject({
			code: '22023',
			message: 'range 10-2 must go upwards and span at most 500 numbers',
		});
		await expect(add(['1-501'])).rejects.toMatchObject({ code: '22023' });
		await expect(add([{ item_number: '2', quantity: 31 }])).rejects.toMatchObject({
			code: '22023',
			message: 'quantity must be from 1 to 30, not 31',
		});
		await expect(add([])).rejects.toMatchObject({ code: '22023' });
	});

	it('promotes waiters in order when the quantity rises', async () => {
		const { show, items } = await createShow(api, admin, ['1']);
		for (const user of ['ann', 'bob', 'cat', 'dan'])
			await ingest(api, commentOn(show, user, 'sold 1'));
		const result = await rpc<{ item: ItemRow; promoted: ClaimRow[] }>(
			api,
			asUser(assistant),
			'update_show_item',
			{
				item_id: items.get('1'),
				changes: { quantity: 3, title: 'Scarf' },
			},
		);
		expect(result.promoted.map((claim) => claim.platform_user_id)).toEqual(['bob', 'cat']);
		expect(result.item).toMatchObject({
			quantity: 3,
			claimed_count: 3,
			waitlist_count: 1,
			status: 'sold_out',
			title: 'Scarf',
		});
		expect(await waitlistOf(owner, items.get('1')!)).toEqual(['dan']);
		const raisedFurther = await rpc<{ item: ItemRow; promoted: ClaimRow[] }>(
			api,
			asUser(assistant),
			'update_show_item',
			{
				item_id: items.get('1'),
				changes: { quantity: 6 },
			},
		);
		expect(raisedFurther.promoted.map((claim) => claim.platform_user_id)).toEqual(['dan']);
		expect(raisedFurther.item).toMatchObject({
			claimed_count: 4,
			waitlist_count: 0,
			status: 'partial',
		});
		expect(await lastAudit(items.get('1')!)).toMatchObject({
			action: 'item.update',
			before: expect.objectContaining({ quantity: 3 }),
		});
	});

	it('refuses to lower the quantity below the current winners', async () => {
		const { show, items } = await createShow(api, admin, [{ item_number: '2', quantity: 3 }]);
		for (const user of ['ann', 'bob']) await ingest(api, commentOn(show, user, 'sold 2'));
		const lower = (quantity: number) =>
			rpc(api, asUser(assistant), 'update_show_item', {
				item_id: items.get('2'),
				changes: { quantity },
			});
		await expect(lower(1)).rejects.toMatchObject({
			code: 'PT409',
			message: 'item 2 has 2 winners: release claims before lowering its quantity to 1',
		});
		await expect(lower(0)).rejects.toMatchObject({ code: '22023' });
		expect(
			await rpc(api, asUser(assistant), 'update_show_item', {
				item_id: items.get('2'),
				changes: { quantity: 2 },
			}),
		).toMatchObject({
			item: { quantity: 2, claimed_count: 2, status: 'sold_out' },
		});
	});

	it('removes only items nobody holds', async () => {
		const { show, items } = await createShow(api, admin, ['1', '2']);
		await ingest(api, commentOn(show, 'ann', 'sold 1'));
		await expect(
			rpc(api, asUser(assistant), 'remove_show_item', { item_id: items.get('1') }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'item 1 has 1 winners and 0 waiting: release their claims before removing it',
		});
		await rpc(api, asUser(assistant), 'remove_show_item', { item_id: items.get('2') });
		expect(
			(await owner.query('select item_number from public.show_items where show_id = $1', [show.id]))
				.rows,
		).toEqual([{ item_number: '1' }]);
		expect(await lastAudit(items.get('2')!)).toMatchObject({
			action: 'item.remove',
			actor_user_id: assistant.id,
			after: null,
		});
	});
});

describe('claims', () => {
	it('releases a winner, promoting the first waiter, and a waiter, closing the gap', async () => {
		const { show, items } = await createShow(api, admin, ['1']);
		const claims = [];
		for (const user of ['ann', 'bob', 'cat', 'dan'])
			claims.push((await ingest(api, commentOn(show, user, 'sold 1'))).results[0].claim!);
		const released = await rpc<ClaimActionResult>(api, asUser(assistant), 'release_claim', {
			claim_id: claims[0].id,
			notes: 'did not pay',
		});
		expect(released).toMatchObject({
			claim: { status: 'released', ended_by: assistant.id },
			promoted: { id: claims[1].id, status: 'winner' },
			item: { claimed_count: 1, waitlist_count: 2 },
		});
		expect(await lastAudit(claims[0].id)).toMatchObject({
			action: 'claim.release',
			actor_user_id: assistant.id,
			before: expect.objectContaining({ status: 'winner' }),
			after: expect.objectContaining({ status: 'released' }),
			details: expect.objectContaining({ notes: 'did not pay' }),
		});
		await rpc(api, asUser(assistant), 'release_claim', { claim_id: claims[2].id });
		expect(await waitlistOf(owner, items.get('1')!)).toEqual(['dan']);
		await expect(
			rpc(api, asUser(assistant), 'release_claim', { claim_id: claims[2].id }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'this claim is already released',
		});
	});

	it('awards a free unit to a handle, attributed to the operator, and refuses when none is free', async () => {
		const { show, items } = await createShow(api, admin, [{ item_number: '4', quantity: 2 }]);
		const awarded = await rpc<ClaimActionResult>(api, asUser(assistant), 'award_item', {
			item_id: items.get('4'),
			user_handle: '@Zoe',
			notes: 'phone order',
		});
		expect(awarded).toMatchObject({
			claim: {
				status: 'winner',
				user_handle: 'Zoe',
				platform_user_id: null,
				operator_action: true,
				operator_user_id: assistant.id,
				operator_notes: 'phone order',
			},
			item: { claimed_count: 1, status: 'partial' },
		});
		await expect(
			rpc(api, asUser(assistant), 'award_item', { item_id: items.get('4'), user_handle: 'zoe' }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: '@zoe already holds item 4',
		});
		// The awarded buyer commenting later is a duplicate, not a second unit.
		const comment = await ingest(
			api,
			commentOn(show, 'zoe-platform-id', 'sold 4', { user_handle: 'zoe' }),
		);
		expect(comment.results[0].outcome).toBe('duplicate');
		await ingest(api, commentOn(show, 'ann', 'sold 4'));
		await expect(
			rpc(api, asUser(assistant), 'award_item', { item_id: items.get('4'), user_handle: 'yan' }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'item 4 is sold out (2 of 2): release a claim before awarding it',
		});
		expect(await winnersOf(owner, items.get('4')!)).toEqual(['@Zoe', 'ann']);
		expect(await lastAudit(awarded.claim.id)).toMatchObject({
			action: 'claim.award',
			actor_user_id: assistant.id,
		});
	});

	it('moves a waiter to the front, the others keeping their order', async () => {
		const { show, items } = await createShow(api, admin, ['1']);
		const claims = [];
		for (const user of ['ann', 'bob', 'cat', 'dan', 'eve'])
			claims.push((await ingest(api, commentOn(show, user, 'sold 1'))).results[0].claim!);
		const moved = await rpc<ClaimActionResult>(api, asUser(assistant), 'move_waiter_to_front', {
			claim_id: claims[3].id,
		});
		expect(moved.claim).toMatchObject({ status: 'waitlist', waitlist_position: 1 });
		expect(await waitlistOf(owner, items.get('1')!)).toEqual(['dan', 'bob', 'cat', 'eve']);
		await expect(
			rpc(api, asUser(assistant), 'move_waiter_to_front', { claim_id: claims[0].id }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: 'only a waiting claim can move to the front; this one is winner',
		});
		await rpc(api, asUser(assistant), 'release_claim', { claim_id: claims[0].id });
		expect(await winnersOf(owner, items.get('1')!)).toEqual(['dan']);
		expect(await itemRow(owner, items.get('1')!)).toMatchObject({
			claimed_count: 1,
			waitlist_count: 3,
		});
	});
});

describe('roles', () => {
	it('lets assistants run the live but not prepare shows', async () => {
		const actor = asUser(assistant);
		await expect(
			rpc(api, actor, 'create_show', { workspace_id: admin.workspaceId, platform: 'facebook' }),
		).rejects.toMatchObject({
			code: 'PT403',
			message: 'this needs the admin role in the workspace; you are assistant',
		});
		const { show } = await createShow(api, admin, ['1'], { draft: true });
		await expect(
			rpc(api, actor, 'update_show', { show_id: show.id, changes: { name: 'x' } }),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(rpc(api, actor, 'delete_show', { show_id: show.id })).rejects.toMatchObject({
			code: 'PT403',
		});
		expect(await rpc(api, actor, 'activate_show', { show_id: show.id })).toMatchObject({
			status: 'active',
		});
		expect(
			await rpc(api, actor, 'emit_test_comment', { show_id: show.id, text: 'sold 1' }),
		).toMatchObject({ outcome: 'processed' });
	});

	it('lets admins, not assistants, change workspace settings, connections and members', async () => {
		const newcomer = await createUser(owner);
		const settings = 'update public.workspaces set claim_words = $2 where id = $1 returning id';
		expect(await queryAs(api, asUser(assistant), settings, [admin.workspaceId, '{mine}'])).toEqual(
			[],
		);
		const connection = `insert into public.social_connections (workspace_id, platform, external_account_id) values ($1, 'facebook', $2) returning id`;
		await expect(
			queryAs(api, asUser(assistant), connection, [admin.workspaceId, 'page-1']),
		).rejects.toMatchObject({ code: '42501' });
		// Members join by invitation and are managed through functions (members.test.ts).
		const invite = (by: { id: string }) =>
			rpc(api, asUser(by), 'create_workspace_invitation', {
				workspace_id: admin.workspaceId,
				email: newcomer.email,
				role: 'assistant',
			});
		await expect(invite(assistant)).rejects.toMatchObject({ code: 'PT403' });

		const otherAdmin = await createUser(owner);
		await addMember(owner, admin.workspaceId, otherAdmin.id, 'admin');
		expect(
			await queryAs(api, asUser(otherAdmin), settings, [admin.workspaceId, '{mine}']),
		).toHaveLength(1);
		// Connections are written only by the OAuth functions, never by a client.
		await expect(
			queryAs(api, asUser(otherAdmin), connection, [admin.workspaceId, 'page-1']),
		).rejects.toMatchObject({ code: '42501' });
		await invite(otherAdmin);
		await addMember(owner, admin.workspaceId, newcomer.id, 'assistant');
		// An admin cannot make or remove an owner; the owner can.
		const makeOwner = (by: { id: string }) =>
			rpc(api, asUser(by), 'change_workspace_member_role', {
				workspace_id: admin.workspaceId,
				user_id: newcomer.id,
				role: 'owner',
			});
		await expect(makeOwner(otherAdmin)).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(otherAdmin), 'remove_workspace_member', {
				workspace_id: admin.workspaceId,
				user_id: admin.id,
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await makeOwner(admin);
		const { rows } = await owner.query(
			`select action, actor_user_id from public.audit_log where workspace_id = $1 and entity_type in ('workspaces', 'workspace_members', 'workspace_invitations', 'social_connections') order by created_at`,
			[admin.workspaceId],
		);
		expect(rows.slice(-4).map((row) => row.action)).toEqual([
			'workspaces.update',
			'workspace_invitations.create',
			'workspace_members.insert',
			'workspace_members.update',
		]);
	});
});
