// The OBS overlay in the database: links made, replaced and revoked by owners and admins only,
// audited, stored as a hash; the feed an overlay reads (pinned item, latest wins, waitlist) kept
// current by triggers with nothing a buyer would not show on stream; and what an overlay link's
// session (role anon with the claim overlay_link_id) can read: its show's feed, nothing else, and
// nothing at all once the link is replaced or revoked.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type ShowRow } from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

interface Link {
	token: string;
	link_id: string;
}

/** Runs sql as an overlay link's session would: role anon with the link's claim, rolled back. */
async function asOverlaySession<R>(
	linkId: string,
	sql: string,
	values: unknown[] = [],
): Promise<R[]> {
	const client = await api.connect();
	try {
		await client.query('begin');
		await client.query(
			"select set_config('role', 'anon', true), set_config('request.jwt.claims', $1, true)",
			[JSON.stringify({ role: 'anon', overlay_link_id: linkId })],
		);
		return (await client.query(sql, values)).rows as R[];
	} finally {
		await client.query('rollback').catch(() => {});
		client.release();
	}
}

async function feedOf(show: ShowRow) {
	const { rows } = await owner.query('select * from public.overlay_feeds where show_id = $1', [
		show.id,
	]);
	return rows[0];
}

async function sellerWithShow(): Promise<{ user: TestUser; show: ShowRow; link: Link }> {
	const user = await createUser(owner);
	const { show } = await createShow(api, user, ['1-5']);
	const link = await rpc<Link>(api, asUser(user), 'create_overlay_link', { show_id: show.id });
	return { user, show, link };
}

describe('overlay links', () => {
	it('are made by owners and admins, stored only as a hash, replaced and revoked, all audited', async () => {
		const { user, show, link } = await sellerWithShow();
		expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const { rows } = await owner.query(
			'select token_hash, link_id from public.show_overlays where show_id = $1',
			[show.id],
		);
		expect(rows[0].token_hash).toEqual(createHash('sha256').update(link.token).digest());
		expect(rows[0].link_id).toBe(link.link_id);
		// The token is nowhere in the database, the audit log included.
		const { rows: found } = await owner.query(
			`select count(*)::int as n from public.audit_log where show_id = $1 and (before::text || after::text || details::text) like '%' || $2 || '%'`,
			[show.id, link.token],
		);
		expect(found[0].n).toBe(0);

		const assistant = await createUser(owner);
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		await expect(
			rpc(api, asUser(assistant), 'create_overlay_link', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(assistant), 'revoke_overlay_link', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT403' });
		const stranger = await createUser(owner);
		await expect(
			rpc(api, asUser(stranger), 'create_overlay_link', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT404' });

		const replacement = await rpc<Link>(api, asUser(user), 'create_overlay_link', {
			show_id: show.id,
		});
		expect(replacement.link_id).not.toBe(link.link_id);
		await expect(
			rpc(api, serviceRole, 'open_overlay_session', { token: link.token }),
		).rejects.toMatchObject({
			code: 'PT404',
			message: 'this overlay link was revoked or replaced',
		});
		expect(
			await rpc(api, serviceRole, 'open_overlay_session', { token: replacement.token }),
		).toEqual({ show_id: show.id, link_id: replacement.link_id });

		await rpc(api, asUser(user), 'revoke_overlay_link', { show_id: show.id });
		await expect(
			rpc(api, serviceRole, 'open_overlay_session', { token: replacement.token }),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			rpc(api, asUser(user), 'revoke_overlay_link', { show_id: show.id }),
		).rejects.toMatchObject({ code: 'PT409' });

		const { rows: audit } = await owner.query(
			`select action, actor_user_id from public.audit_log where show_id = $1 and action like 'overlay.%' order by created_at`,
			[show.id],
		);
		expect(audit).toEqual([
			{ action: 'overlay.link_created', actor_user_id: user.id },
			{ action: 'overlay.link_replaced', actor_user_id: user.id },
			{ action: 'overlay.link_revoked', actor_user_id: user.id },
		]);
	});

	it('are opened only by the service role, and never by a malformed or oversized token', async () => {
		const { user, link } = await sellerWithShow();
		for (const actor of [asUser(user), { role: 'anon' as const }])
			await expect(
				rpc(api, actor, 'open_overlay_session', { token: link.token }),
			).rejects.toMatchObject({ code: '42501' });
		for (const token of ['', 'x'.repeat(201), link.token.slice(0, 42), `${link.token} `])
			await expect(rpc(api, serviceRole, 'open_overlay_session', { token })).rejects.toMatchObject({
				code: 'PT404',
			});
	});
});

describe('overlay settings', () => {
	it('take position, colours and parts from any member, checked, and audited', async () => {
		const { user, show } = await sellerWithShow();
		const assistant = await createUser(owner);
		await addMember(owner, user.workspaceId, assistant.id, 'assistant');
		const settings = await rpc(api, asUser(assistant), 'set_overlay_settings', {
			show_id: show.id,
			settings: { position: 'top-right', accent_color: '#00AA55', show_sold: false },
		});
		expect(settings).toEqual({
			position: 'top-right',
			accent_color: '#00AA55',
			text_color: '#ffffff',
			background_color: '#111827',
			show_pinned: true,
			show_sold: false,
			show_waiting: true,
		});
		expect((await feedOf(show)).settings).toEqual(settings);
		for (const [bad, message] of [
			[{ position: 'middle' }, /position must be/],
			[{ accent_color: 'red' }, /accent_color must be a colour/],
			[{ show_waiting: 'yes' }, /show_waiting must be true or false/],
			[{ font: 'Comic Sans' }, /unknown overlay setting font/],
		] as const)
			await expect(
				rpc(api, asUser(user), 'set_overlay_settings', { show_id: show.id, settings: bad }),
			).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(message) });
		const { rows } = await owner.query(
			`select actor_user_id from public.audit_log where show_id = $1 and action = 'overlay.settings'`,
			[show.id],
		);
		expect(rows).toEqual([{ actor_user_id: assistant.id }]);
	});
});

describe('the overlay feed', () => {
	it('follows the pinned item, its units and waiters, and the latest wins, with no platform ids', async () => {
		const { user, show } = await sellerWithShow();
		await owner.query(
			`update public.show_items set title = 'Silk scarf', price = 2500, quantity = 2 where show_id = $1 and item_number = '3'`,
			[show.id],
		);
		expect((await feedOf(show)).pinned).toBeNull();
		await rpc(api, asUser(user), 'pin_show_item', { show_id: show.id, item_number: 3 });
		expect((await feedOf(show)).pinned).toEqual({
			item_number: 3,
			title: 'Silk scarf',
			price: 2500,
			image_url: null,
			units_left: 2,
			waiting: 0,
		});
		for (const buyer of ['ann', 'bob', 'cat'])
			await ingest(api, commentOn(show, `fb-${buyer}`, 'sold 3', { user_handle: buyer }));
		const feed = await feedOf(show);
		expect(feed.pinned).toMatchObject({ units_left: 0, waiting: 1 });
		expect(feed.waiting).toBe(1);
		expect(feed.sold.map((win: { buyer: string }) => win.buyer)).toEqual(['@bob', '@ann']);
		expect(JSON.stringify(feed)).not.toMatch(/fb-ann|fb-bob|fb-cat/);
		await rpc(api, asUser(user), 'pin_show_item', { show_id: show.id, item_number: null });
		expect(await feedOf(show)).toMatchObject({ pinned: null, waiting: 1 });
	});

	it('is kept only for shows with an overlay', async () => {
		const user = await createUser(owner);
		const { show } = await createShow(api, user, ['1']);
		await ingest(api, commentOn(show, 'fb-ann', 'sold 1', { user_handle: 'ann' }));
		expect(await feedOf(show)).toBeUndefined();
	});
});

describe('an overlay link’s session', () => {
	it('reads its own show’s feed and nothing else, writes nothing, and stops with its link', async () => {
		const { user, show, link } = await sellerWithShow();
		const other = await sellerWithShow();
		const read = (linkId: string) =>
			asOverlaySession<{ show_id: string }>(linkId, 'select show_id from public.overlay_feeds');
		expect(await read(link.link_id)).toEqual([{ show_id: show.id }]);
		expect(await read(other.link.link_id)).toEqual([{ show_id: other.show.id }]);
		// A link's id opens only its own show, whichever show a query names.
		expect(
			await asOverlaySession(
				link.link_id,
				'select show_id from public.overlay_feeds where show_id = $1',
				[other.show.id],
			),
		).toEqual([]);
		for (const table of [
			'shows',
			'show_items',
			'claims',
			'comments',
			'show_overlays',
			'show_pins',
			'live_ingestion',
			'workspaces',
		])
			await expect(
				asOverlaySession(link.link_id, `select * from public.${table}`),
			).rejects.toMatchObject({ code: '42501' });
		for (const write of [
			'update public.overlay_feeds set waiting = 99',
			'delete from public.overlay_feeds',
			`insert into public.overlay_feeds (show_id, workspace_id, settings, currency, currency_minor_unit) values ('${show.id}', '${user.workspaceId}', '{}', 'USD', 2)`,
			`select public.create_overlay_link('${show.id}')`,
			`select public.pin_show_item('${show.id}', 1)`,
			`select private.refresh_overlay_feed('${show.id}')`,
			'select * from private.social_connection_tokens',
		])
			await expect(asOverlaySession(link.link_id, write)).rejects.toMatchObject({
				code: '42501',
			});
		// Anon without the claim (the page before its session, or anyone with the anon key) reads nothing.
		expect(
			await asOverlaySession('not-a-uuid', 'select show_id from public.overlay_feeds'),
		).toEqual([]);

		await rpc(api, asUser(user), 'revoke_overlay_link', { show_id: show.id });
		expect(await read(link.link_id)).toEqual([]);
		expect(await read(other.link.link_id)).toEqual([{ show_id: other.show.id }]);
	});
});
