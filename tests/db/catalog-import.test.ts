// The Instagram catalog import in the database: scans started by owners and admins only, posts
// drafted once per media id (a re-scan neither duplicates nor revives a rejected post), one bad
// post failing alone with its reason, prices only in the catalog's currency, approve / reject /
// batch approve by role with the audit log, other workspaces refused, members reading progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';

interface Sync {
	id: string;
	status: string;
	trigger: string;
	found: number;
	imported: number;
	skipped: number;
	failed: number;
	failures: { media_id: string; reason: string }[];
}

let owner: pg.Pool;
let api: pg.Pool;
let admin: TestUser;
let assistant: TestUser;
let stranger: TestUser;
let connectionId: string;

async function instagramConnection(workspaceId: string): Promise<string> {
	const [row] = await queryAs<{ id: string }>(
		api,
		serviceRole,
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name)
		values ($1, 'instagram', $2, '@shop') returning id`,
		[workspaceId, `1784${Math.floor(Math.random() * 1e11)}`],
	);
	return row.id;
}

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	admin = await createUser(owner);
	const helper = await createUser(owner);
	await addMember(owner, admin.workspaceId, helper.id, 'assistant');
	assistant = { ...helper, workspaceId: admin.workspaceId };
	stranger = await createUser(owner);
	await rpc(api, asUser(admin), 'set_workspace_currency', {
		workspace_id: admin.workspaceId,
		currency: 'PHP',
	});
	connectionId = await instagramConnection(admin.workspaceId);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

let mediaSequence = 0;
const mediaId = () => `1790${Date.now()}${(mediaSequence += 1)}`;

function post(id: string, extracted: Record<string, unknown>, overrides = {}) {
	return {
		media_id: id,
		media_type: 'IMAGE',
		caption: `caption of ${id}`,
		permalink: `https://www.instagram.com/p/${id}/`,
		timestamp: '2026-11-30T10:00:00+0000',
		image_urls: [`https://scontent.cdninstagram.com/v/${id}.jpg`],
		extracted,
		...overrides,
	};
}

const dress = (id: string) =>
	post(
		id,
		{
			title: 'Floral Wrap Dress',
			price: 120000,
			currency: 'PHP',
			price_text: '₱1,200',
			options: [
				{ name: 'Size', values: ['S', 'M'] },
				{ name: 'Color', values: ['Red', 'Navy'] },
			],
			skus: [`FD-${id.slice(-6)}`],
			tags: ['dress', 'ootd'],
		},
		{ media_type: 'CAROUSEL_ALBUM' },
	);

async function scan(user: TestUser, connection = connectionId): Promise<Sync> {
	return rpc<Sync>(api, asUser(user), 'start_catalog_import', { connection_id: connection });
}

function record(syncId: string, posts: unknown[]) {
	return rpc<{ imported: number; skipped: number; failed: number }>(
		api,
		serviceRole,
		'catalog_import_record',
		{ sync_id: syncId, posts },
	);
}

function finish(syncId: string) {
	return rpc<Sync>(api, serviceRole, 'catalog_import_finish', {
		sync_id: syncId,
		status: 'succeeded',
		error: null,
	});
}

async function productOf(media: string) {
	const rows = await queryAs<{
		id: string;
		status: string;
		price: string;
		title: string;
		option_names: string[];
		image_urls: string[];
		permalink: string;
		tags: string[];
	}>(
		api,
		asUser(admin),
		`select id, status, price, title, option_names, image_urls, permalink, tags from public.products
		where workspace_id = $1 and source = 'instagram' and external_id = $2`,
		[admin.workspaceId, media],
	);
	return rows;
}

const dueScans = (minInterval: string) =>
	queryAs<Sync>(api, serviceRole, 'select * from public.catalog_import_due(1000, $1::interval)', [
		minInterval,
	]);

describe('scans', () => {
	it('drafts each new post once, keeps a bad post’s reason, and skips known posts on a re-scan', async () => {
		const [good, unpriced, foreign, bad] = [mediaId(), mediaId(), mediaId(), mediaId()];
		const posts = [
			dress(good),
			post(unpriced, { title: 'Restock soon', price: null, currency: null, tags: [] }),
			post(foreign, { title: 'Silk Scarf', price: 1250, currency: 'EUR', price_text: '€12,50' }),
			post(bad, { title: 'Broken' }, { image_urls: ['javascript:alert(1)'] }),
		];
		const first = await scan(admin);
		expect(first).toMatchObject({ status: 'running', trigger: 'manual' });
		expect(await record(first.id, posts)).toEqual({ imported: 3, skipped: 0, failed: 1 });
		const closed = await finish(first.id);
		expect(closed).toMatchObject({ status: 'succeeded', found: 4, imported: 3, failed: 1 });
		expect(closed.failures).toEqual([
			expect.objectContaining({
				media_id: bad,
				reason: expect.stringContaining('is not an http or https address'),
			}),
		]);

		const [draft] = await productOf(good);
		expect(draft).toMatchObject({
			status: 'draft',
			price: '120000',
			title: 'Floral Wrap Dress',
			option_names: ['Size', 'Color'],
			permalink: `https://www.instagram.com/p/${good}/`,
			image_urls: [`https://scontent.cdninstagram.com/v/${good}.jpg`],
			tags: ['dress', 'ootd'],
		});
		const variants = await queryAs<{ option_values: string[]; sku: string }>(
			api,
			asUser(admin),
			'select option_values, sku from public.product_variants where product_id = $1 order by position',
			[draft.id],
		);
		expect(variants.map((v) => v.option_values)).toEqual([
			['S', 'Red'],
			['S', 'Navy'],
			['M', 'Red'],
			['M', 'Navy'],
		]);
		expect(variants[0].sku).toBe(`FD-${good.slice(-6)}-S-RED`);

		const notes = await queryAs<{ media_id: string; status: string; price_note: string | null }>(
			api,
			asUser(assistant),
			'select media_id, status, price_note from public.catalog_import_posts where media_id = any ($1) order by media_id',
			[[unpriced, foreign, bad]],
		);
		expect(Object.fromEntries(notes.map((n) => [n.media_id, [n.status, n.price_note]]))).toEqual({
			[unpriced]: ['draft', 'the caption names no price'],
			[foreign]: [
				'draft',
				expect.stringContaining("€12,50, which is not in the catalog's currency (PHP)"),
			],
			[bad]: ['failed', null],
		});
		expect((await productOf(foreign))[0].price).toBe('0');

		// A re-scan: known posts are skipped, the failed one is tried again, nothing doubles.
		const second = await scan(admin);
		expect(await record(second.id, [...posts, dress(mediaId())])).toEqual({
			imported: 1,
			skipped: 3,
			failed: 1,
		});
		await finish(second.id);
		expect(await productOf(good)).toHaveLength(1);
	});

	it('lets only owners and admins start a scan, one at a time per account', async () => {
		await expect(scan(assistant)).rejects.toMatchObject({ code: 'PT403' });
		await expect(scan(stranger)).rejects.toMatchObject({ code: 'PT404' });
		const running = await scan(admin);
		await expect(scan(admin)).rejects.toMatchObject({ code: 'PT409' });
		await finish(running.id);
		await expect(record(running.id, [])).rejects.toMatchObject({ code: 'PT409' });
		const audit = await queryAs<{ action: string; actor_user_id: string }>(
			api,
			asUser(admin),
			"select action, actor_user_id from public.audit_log where entity_id = $1 and action = 'catalog_import.start'",
			[running.id],
		);
		expect(audit).toEqual([{ action: 'catalog_import.start', actor_user_id: admin.id }]);
	});

	it('opens scheduled re-scans only for accounts imported before, none while one is recent', async () => {
		const fresh = await createUser(owner);
		const neverImported = await instagramConnection(fresh.workspaceId);
		const due = await dueScans('0 seconds');
		const dueConnections = await queryAs<{ connection_id: string }>(
			api,
			serviceRole,
			'select connection_id from public.catalog_syncs where id = any ($1)',
			[due.map((sync) => sync.id)],
		);
		expect(dueConnections.map((row) => row.connection_id)).toContain(connectionId);
		expect(dueConnections.map((row) => row.connection_id)).not.toContain(neverImported);
		expect(due.every((sync) => sync.trigger === 'scheduled')).toBe(true);
		for (const sync of due) await finish(sync.id);
		const again = await dueScans('1 hour');
		expect(again.map((sync) => sync.id)).toEqual([]);
	});

	it('shows scans and posts to members only, and lets no member write them', async () => {
		const readAs = (user: TestUser) =>
			queryAs(api, asUser(user), 'select id from public.catalog_syncs where workspace_id = $1', [
				admin.workspaceId,
			]);
		expect((await readAs(assistant)).length).toBeGreaterThan(0);
		expect(await readAs(stranger)).toEqual([]);
		await expect(
			queryAs(api, asUser(admin), 'update public.catalog_syncs set imported = 0'),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			rpc(api, asUser(admin), 'catalog_import_record', { sync_id: randomUUID(), posts: [] }),
		).rejects.toMatchObject({ code: '42501' });
	});
});

describe('review', () => {
	let priced: string;
	let secondPriced: string;
	let unpriced: string;

	beforeAll(async () => {
		const [a, b, c] = [mediaId(), mediaId(), mediaId()];
		const sync = await scan(admin);
		await record(sync.id, [
			dress(a),
			post(b, { title: 'Linen Shirt', price: 85000, currency: 'PHP' }),
			post(c, { title: 'Restock soon', price: null, currency: null }),
		]);
		await finish(sync.id);
		[priced, secondPriced, unpriced] = await Promise.all(
			[a, b, c].map(async (id) => (await productOf(id))[0].id),
		);
	});

	const approve = (user: TestUser, ids: string[], workspaceId = admin.workspaceId) =>
		rpc<{ approved: number; needs_price: string[]; not_found: number }>(
			api,
			asUser(user),
			'approve_catalog_drafts',
			{ workspace_id: workspaceId, product_ids: `{${ids.join(',')}}` },
		);

	it('refuses assistants and other workspaces', async () => {
		await expect(approve(assistant, [priced])).rejects.toMatchObject({ code: 'PT403' });
		await expect(approve(stranger, [priced])).rejects.toMatchObject({ code: 'PT404' });
		// The stranger's own workspace does not hold the draft: nothing changes.
		expect(await approve(stranger, [priced], stranger.workspaceId)).toEqual({
			approved: 0,
			needs_price: [],
			not_found: 1,
		});
		expect((await productOf(await idToMedia(priced)))[0].status).toBe('draft');
	});

	it('approves a batch, keeping drafts without a price, with an audit row each', async () => {
		expect(await approve(admin, [priced, secondPriced, unpriced])).toEqual({
			approved: 2,
			needs_price: [unpriced],
			not_found: 0,
		});
		const statuses = await queryAs<{ id: string; status: string }>(
			api,
			asUser(assistant),
			'select id, status from public.products where id = any ($1)',
			[[priced, secondPriced, unpriced]],
		);
		expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({
			[priced]: 'active',
			[secondPriced]: 'active',
			[unpriced]: 'draft',
		});
		const audit = await queryAs<{ entity_id: string; actor_user_id: string }>(
			api,
			asUser(admin),
			"select entity_id, actor_user_id from public.audit_log where action = 'product.approve' and entity_id = any ($1)",
			[[priced, secondPriced, unpriced]],
		);
		expect(audit.map((row) => row.entity_id).sort()).toEqual([priced, secondPriced].sort());
		expect(audit.every((row) => row.actor_user_id === admin.id)).toBe(true);
		// Approving again changes nothing: they are no longer drafts.
		expect((await approve(admin, [priced])).approved).toBe(0);
	});

	it('rejects a draft: deleted, remembered, audited, and never drafted again', async () => {
		await expect(
			rpc(api, asUser(assistant), 'reject_catalog_drafts', {
				workspace_id: admin.workspaceId,
				product_ids: `{${unpriced}}`,
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		const media = await idToMedia(unpriced);
		expect(
			await rpc(api, asUser(admin), 'reject_catalog_drafts', {
				workspace_id: admin.workspaceId,
				product_ids: `{${unpriced}}`,
				reason: 'not a product',
			}),
		).toBe(1);
		expect(await productOf(media)).toEqual([]);
		const [remembered] = await queryAs<{ status: string; reject_reason: string }>(
			api,
			asUser(admin),
			'select status, reject_reason from public.catalog_import_posts where media_id = $1',
			[media],
		);
		expect(remembered).toEqual({ status: 'rejected', reject_reason: 'not a product' });
		const audit = await queryAs(
			api,
			asUser(admin),
			"select 1 from public.audit_log where action = 'product.reject' and entity_id = $1",
			[unpriced],
		);
		expect(audit).toHaveLength(1);
		const sync = await scan(admin);
		expect(
			await record(sync.id, [post(media, { title: 'Restock soon', price: null, currency: null })]),
		).toEqual({ imported: 0, skipped: 1, failed: 0 });
		await finish(sync.id);
		expect(await productOf(media)).toEqual([]);
	});
});

const mediaOfProduct = new Map<string, string>();
async function idToMedia(productId: string): Promise<string> {
	const known = mediaOfProduct.get(productId);
	if (known) return known;
	const [row] = await queryAs<{ media_id: string }>(
		api,
		serviceRole,
		'select media_id from public.catalog_import_posts where product_id = $1',
		[productId],
	);
	mediaOfProduct.set(productId, row.media_id);
	return row.media_id;
}
