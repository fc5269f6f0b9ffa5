// A show listens only to a live its workspace owns: activation needs the show's own connection and
// Meta's confirmation (recorded by meta-lives) that the live is that connection's account's;
// webhook deliveries reach a show only for its connection's account; clients never write
// connections.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
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
import { createShow, ownedLive, type ShowRow } from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;
let seller: TestUser;
let attacker: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	seller = await createUser(owner);
	attacker = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

function newShow(user: TestUser, platform: 'facebook' | 'instagram', connectionId?: string) {
	return rpc<ShowRow>(api, asUser(user), 'create_show', {
		workspace_id: user.workspaceId,
		platform,
		name: 'Show',
		connection_id: connectionId ?? null,
	});
}

describe('activating a show on a live', () => {
	it('refuses another workspace’s live, with or without a connection, and lets the owner run it', async () => {
		const owned = await ownedLive(api, seller.workspaceId, { displayName: 'Seller Page' });
		const bare = await newShow(attacker, 'facebook');
		await expect(
			rpc(api, asUser(attacker), 'activate_show', { show_id: bare.id, live_id: owned.liveId }),
		).rejects.toMatchObject({
			code: '22023',
			message: expect.stringMatching(/no facebook connection/),
		});
		// The attacker's own connection (another Page) owns nothing of the seller's.
		const theirs = await ownedLive(api, attacker.workspaceId);
		const connected = await newShow(attacker, 'facebook', theirs.connectionId);
		await expect(
			rpc(api, asUser(attacker), 'activate_show', { show_id: connected.id, live_id: owned.liveId }),
		).rejects.toMatchObject({
			code: '22023',
			message: expect.stringMatching(/^Meta has not confirmed that live/),
		});
		await expect(
			rpc(api, asUser(attacker), 'update_show', {
				show_id: connected.id,
				changes: { live_id: owned.liveId },
			}),
		).rejects.toMatchObject({ code: '22023' });

		const show = await newShow(seller, 'facebook', owned.connectionId);
		expect(
			await rpc(api, asUser(seller), 'activate_show', { show_id: show.id, live_id: owned.liveId }),
		).toMatchObject({ status: 'active', live_id: owned.liveId });
	});

	it('refuses a live of a connection that is no longer active', async () => {
		const owned = await ownedLive(api, seller.workspaceId);
		await owner.query(`update public.social_connections set status = 'revoked' where id = $1`, [
			owned.connectionId,
		]);
		const show = await newShow(seller, 'facebook', owned.connectionId);
		await expect(
			rpc(api, asUser(seller), 'activate_show', { show_id: show.id, live_id: owned.liveId }),
		).rejects.toMatchObject({ code: 'PT409', message: expect.stringMatching(/is revoked/) });
	});

	it('keeps a running show’s live with the connection that owns it', async () => {
		const running = await createShow(api, seller, ['1'], { owned: true });
		const other = await ownedLive(api, seller.workspaceId);
		await expect(
			rpc(api, asUser(seller), 'update_show', {
				show_id: running.show.id,
				changes: { connection_id: other.connectionId },
			}),
		).rejects.toMatchObject({ code: '22023' });
	});

	it('says exactly that another workspace connected the same Page and runs its live', async () => {
		const first = await ownedLive(api, seller.workspaceId, { displayName: 'Shared Page' });
		const colleague = await createUser(owner);
		const second = await ownedLive(api, colleague.workspaceId, {
			account: first.account,
			displayName: 'Shared Page',
		});
		await rpc(api, serviceRole, 'meta_confirm_lives', {
			connection_id: second.connectionId,
			live_ids: `{${first.liveId}}`,
		});
		const running = await newShow(seller, 'facebook', first.connectionId);
		await rpc(api, asUser(seller), 'activate_show', { show_id: running.id, live_id: first.liveId });
		const show = await newShow(colleague, 'facebook', second.connectionId);
		await expect(
			rpc(api, asUser(colleague), 'activate_show', { show_id: show.id, live_id: first.liveId }),
		).rejects.toMatchObject({
			code: 'PT409',
			message:
				'another workspace that also connected Shared Page is running a show on this live; a live feeds one show, so that show must stop first',
		});
	});

	it('rehearses a show without a connection on no Meta live', async () => {
		const show = await newShow(attacker, 'instagram');
		const active = await rpc<ShowRow>(api, asUser(attacker), 'activate_show', {
			show_id: show.id,
		});
		expect(active).toMatchObject({ status: 'active', live_id: `rehearsal:${show.id}` });
		expect(
			await rpc(api, asUser(attacker), 'emit_test_comment', { show_id: show.id, text: 'sold 1' }),
		).toMatchObject({ outcome: 'processed' });
	});
});

describe('connections', () => {
	it('cannot be written by clients, not even by the workspace owner', async () => {
		const owned = await ownedLive(api, seller.workspaceId);
		await expect(
			queryAs(
				api,
				asUser(seller),
				`insert into public.social_connections (workspace_id, platform, external_account_id) values ($1, 'instagram', 'x')`,
				[seller.workspaceId],
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(
				api,
				asUser(seller),
				`update public.social_connections set external_account_id = 'victim' where id = $1`,
				[owned.connectionId],
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			rpc(api, asUser(seller), 'meta_confirm_lives', {
				connection_id: owned.connectionId,
				live_ids: '{x}',
			}),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('warns a seller picking an account another workspace already connected', async () => {
		const taken = await ownedLive(api, seller.workspaceId);
		const pendingId = await rpc<string>(api, serviceRole, 'meta_save_pending_accounts', {
			workspace_id: attacker.workspaceId,
			user_id: attacker.id,
			platform: 'facebook',
			meta_user_id: 'meta-user',
			encrypted_user_access_token: 'v1:k:iv:ct',
			scopes: '{pages_show_list}',
			accounts: [
				{
					platform: 'facebook',
					external_account_id: taken.account,
					encrypted_access_token: 'v1:a',
				},
				{ platform: 'facebook', external_account_id: 'fresh_page', encrypted_access_token: 'v1:b' },
			],
		});
		const pending = await rpc<{ accounts: { connected_elsewhere: boolean }[] }>(
			api,
			asUser(attacker),
			'meta_pending_accounts',
			{ pending_id: pendingId },
		);
		expect(pending.accounts.map((account) => account.connected_elsewhere)).toEqual([true, false]);
	});
});

describe('webhook routing', () => {
	async function deliver(account: string, mediaId: string, text: string) {
		const body = JSON.stringify({
			object: 'instagram',
			entry: [
				{
					id: account,
					time: 1764600000,
					changes: [
						{
							field: 'live_comments',
							value: {
								id: `c_${randomUUID()}`,
								text,
								from: { id: '77', username: 'viewer' },
								media: { id: mediaId },
							},
						},
					],
				},
			],
		});
		const recorded = await rpc<{ id: string }>(api, serviceRole, 'webhook_record_event', {
			source: 'instagram',
			raw_body_base64: Buffer.from(body).toString('base64'),
		});
		return rpc<{ results: { outcome: string; reason: string | null }[] }>(
			api,
			serviceRole,
			'webhook_route_event',
			{ event_id: recorded.id, payload: JSON.parse(body) },
		);
	}

	it('reaches a show only for its connection’s account, and never a show without a connection', async () => {
		const running = await createShow(api, seller, ['1'], { owned: true, platform: 'instagram' });
		const [{ external_account_id: account }] = (
			await owner.query(
				'select c.external_account_id from public.shows s join public.social_connections c on c.id = s.connection_id where s.id = $1',
				[running.show.id],
			)
		).rows;
		expect((await deliver('someone_else', running.show.live_id!, 'sold 1')).results).toMatchObject([
			{ outcome: 'ignored', reason: 'account_mismatch' },
		]);
		expect((await deliver(account, running.show.live_id!, 'sold 1')).results).toMatchObject([
			{ outcome: 'processed' },
		]);
		// A show left bound without a connection (e.g. from before connections were required).
		await owner.query('update public.shows set connection_id = null where id = $1', [
			running.show.id,
		]);
		expect((await deliver(account, running.show.live_id!, 'sold 1')).results).toMatchObject([
			{ outcome: 'ignored', reason: 'show_has_no_connection' },
		]);
	});
});
