// Shows drawn from the catalog: one row per chosen variant under one item number, prices and
// images from the catalog, next free numbers, SKU and barcode lookup; stock reserved by shows not
// yet ended (never over-reserved, even by two sessions at once) and taken out once, through a
// ledger, when a show ends; every action audited and confined to its workspace.
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
	type TestUser,
} from '../support/db.ts';
import type { ItemRow, ShowRow } from './fixtures.ts';

interface Variant {
	id: string;
	option_values: string[];
	sku: string | null;
	stock: number;
}
interface Product {
	id: string;
	title: string;
	variants: Variant[];
}
type CatalogItem = ItemRow & {
	product_variant_id: string | null;
	variant_label: string;
	variant_options: string[];
	price: number | null;
	image_url: string | null;
};
interface Added {
	added: CatalogItem[];
	out_of_stock: { variant_id: string; variant_label: string }[];
}

let owner: pg.Pool;
let api: pg.Pool;
let admin: TestUser;
let assistant: TestUser;
let stranger: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	admin = await createUser(owner);
	const helper = await createUser(owner);
	await addMember(owner, admin.workspaceId, helper.id, 'assistant');
	assistant = { ...helper, workspaceId: admin.workspaceId };
	stranger = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

const code = () => randomUUID().slice(0, 8);

function saveProduct(user: TestUser, product: Record<string, unknown>): Promise<Product> {
	return rpc<Product>(api, asUser(user), 'save_product', {
		workspace_id: user.workspaceId,
		product: { status: 'active', ...product },
	});
}

/** A dress in Blue and Red, sizes S and M, 4 of each unless stock says otherwise. */
function dress(user: TestUser, stock: Record<string, number> = {}): Promise<Product> {
	const variants = ['Blue', 'Red'].flatMap((color) =>
		['S', 'M'].map((size) => ({
			option_values: [color, size],
			sku: `DR-${color}-${size}-${code()}`,
			barcode: `40${code()}`,
			stock: stock[`${color} / ${size}`] ?? 4,
			...(color === 'Red' && size === 'M' ? { price: 3500 } : {}),
		})),
	);
	return saveProduct(user, {
		title: 'Wrap dress',
		price: 2999,
		image_urls: ['https://cdn.example.test/dress-front.jpg', 'https://cdn.example.test/back.jpg'],
		option_names: ['Color', 'Size'],
		variants,
	});
}

async function newShow(user: TestUser, running = true): Promise<ShowRow> {
	const show = await rpc<ShowRow>(api, asUser(user), 'create_show', {
		workspace_id: user.workspaceId,
		platform: 'facebook',
		name: 'Catalog show',
	});
	if (!running) return show;
	return rpc<ShowRow>(api, asUser(user), 'activate_show', { show_id: show.id, live_id: null });
}

function addCatalog(user: TestUser, show: ShowRow, items: unknown[]): Promise<Added> {
	return rpc<Added>(api, asUser(user), 'add_catalog_items', { show_id: show.id, items });
}

async function stockOf(variantId: string): Promise<number> {
	const { rows } = await owner.query<{ stock: number }>(
		'select stock from public.product_variants where id = $1',
		[variantId],
	);
	return rows[0].stock;
}

describe('add_catalog_items', () => {
	it('adds one row per variant under one number, priced and pictured from the catalog', async () => {
		const product = await dress(admin, { 'Red / S': 40 });
		const show = await newShow(admin, false);
		await rpc(api, asUser(assistant), 'add_show_items', { show_id: show.id, items: ['1-3'] });

		const result = await addCatalog(assistant, show, [{ product_id: product.id }]);
		expect(
			result.added.map((row) => [
				row.item_number,
				row.variant_label,
				row.variant_options,
				row.price,
				row.quantity,
				row.title,
			]),
		).toEqual([
			['4', 'Blue / S', ['blue', 's'], 2999, 4, 'Wrap dress'],
			['4', 'Blue / M', ['blue', 'm'], 2999, 4, 'Wrap dress'],
			// Free stock beyond 30 gives the most an item can hold.
			['4', 'Red / S', ['red', 's'], 2999, 30, 'Wrap dress'],
			['4', 'Red / M', ['red', 'm'], 3500, 4, 'Wrap dress'],
		]);
		expect(new Set(result.added.map((row) => row.image_url))).toEqual(
			new Set(['https://cdn.example.test/dress-front.jpg']),
		);
		expect(result.added.map((row) => row.product_variant_id)).toEqual(
			product.variants.map((variant) => variant.id),
		);

		// Some variants, a chosen number, a live price and quantity for this show; a variant whose
		// stock is all held is left out and reported.
		const picked = await addCatalog(assistant, show, [
			{
				variants: [product.variants[0].id, { id: product.variants[2].id, quantity: 1 }],
				item_number: '012',
				title: 'Dress, live special',
				price: 1999,
			},
		]);
		expect(
			picked.added.map((row) => [
				row.item_number,
				row.variant_label,
				row.price,
				row.quantity,
				row.title,
			]),
		).toEqual([['12', 'Red / S', 1999, 1, 'Dress, live special']]);
		expect(picked.out_of_stock.map((gone) => gone.variant_label)).toEqual(['Blue / S']);

		// The next free number follows the highest; a taken number is refused, with nothing written.
		const next = await addCatalog(assistant, show, [{ variants: [product.variants[2].id] }]);
		expect(next.added.map((row) => [row.item_number, row.quantity])).toEqual([['13', 9]]);
		await expect(
			addCatalog(assistant, show, [
				{ variants: [product.variants[2].id], item_number: '40' },
				{ variants: [product.variants[2].id], item_number: '4' },
			]),
		).rejects.toMatchObject({
			code: 'PT409',
			message: expect.stringMatching(/^item 4 is already/),
		});
		const { rows } = await owner.query(
			'select 1 from public.show_items where show_id = $1 and item_number = $2',
			[show.id, '40'],
		);
		expect(rows).toHaveLength(0);

		// Ad hoc numbers skip numbers the show sells as variants; ad hoc items take a price.
		const adHoc = await rpc<{ added: CatalogItem[]; skipped: string[] }>(
			api,
			asUser(assistant),
			'add_show_items',
			{ show_id: show.id, items: ['4', { item_number: '20', title: 'Scarf', price: 1250 }] },
		);
		expect(adHoc.skipped).toEqual(['4']);
		await expect(
			rpc(api, asUser(assistant), 'add_show_items', {
				show_id: show.id,
				items: [{ item_number: '21', price: -5 }],
			}),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/^price must be/) });
		expect(adHoc.added.map((row) => [row.item_number, row.price, row.variant_label])).toEqual([
			['20', 1250, ''],
		]);
	});

	it('audits what it added and what had no stock', async () => {
		const product = await dress(admin, { 'Blue / S': 0 });
		const show = await newShow(admin, false);
		const result = await addCatalog(assistant, show, [{ product_id: product.id }]);
		expect(result.added).toHaveLength(3);
		const { rows } = await owner.query<{
			actor_user_id: string;
			after: CatalogItem[];
			details: { out_of_stock: { variant_label: string }[] };
		}>(
			`select actor_user_id, after, details from public.audit_log
			where show_id = $1 and action = 'items.add_from_catalog'`,
			[show.id],
		);
		expect(rows).toHaveLength(1);
		expect(rows[0].actor_user_id).toBe(assistant.id);
		expect(rows[0].after.map((row) => row.id)).toEqual(result.added.map((row) => row.id));
		expect(rows[0].details.out_of_stock.map((gone) => gone.variant_label)).toEqual(['Blue / S']);
	});

	it("refuses another workspace's products and strangers", async () => {
		const theirs = await dress(stranger);
		const show = await newShow(admin, false);
		await expect(addCatalog(admin, show, [{ product_id: theirs.id }])).rejects.toMatchObject({
			code: 'PT404',
			message: 'product not found',
		});
		await expect(
			addCatalog(admin, show, [{ variants: [theirs.variants[0].id] }]),
		).rejects.toMatchObject({ code: 'PT404', message: 'variant not found' });
		const mine = await dress(admin);
		await expect(addCatalog(stranger, show, [{ product_id: mine.id }])).rejects.toMatchObject({
			code: 'PT404',
		});
		await expect(
			rpc(api, asUser(stranger), 'find_catalog_variants', {
				workspace_id: admin.workspaceId,
				codes: '{X}',
			}),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(addCatalog(admin, show, [{ product_id: 'not-an-id' }])).rejects.toMatchObject({
			code: '22023',
		});
	});
});

describe('find_catalog_variants', () => {
	it('finds variants by SKU (any case) or barcode and lists what it did not find', async () => {
		const product = await dress(admin);
		const [blueS, , redS] = product.variants as (Variant & { barcode: string })[];
		const found = await rpc<{
			found: {
				code: string;
				variant_id: string;
				variant_label: string;
				price: number;
				reserved: number;
			}[];
			missing: string[];
		}>(api, asUser(assistant), 'find_catalog_variants', {
			workspace_id: admin.workspaceId,
			codes: `{${blueS.sku!.toLowerCase()}," ${redS.barcode} ",NOPE-1,""}`,
		});
		expect(
			found.found.map((row) => [row.variant_id, row.variant_label, row.price, row.reserved]),
		).toEqual([
			[blueS.id, 'Blue / S', 2999, 0],
			[redS.id, 'Red / S', 2999, 0],
		]);
		expect(found.missing).toEqual(['NOPE-1']);
	});
});

describe('stock reservations', () => {
	it('lets shows not yet ended reserve at most the stock, and frees it with the item', async () => {
		const product = await dress(admin, { 'Blue / S': 5 });
		const blueS = product.variants[0].id;
		const first = await newShow(admin);
		const second = await newShow(admin, false);
		const [held] = (
			await addCatalog(assistant, first, [{ variants: [{ id: blueS, quantity: 3 }] }])
		).added;
		expect(held.quantity).toBe(3);

		await expect(
			addCatalog(assistant, second, [{ variants: [{ id: blueS, quantity: 3 }] }]),
		).rejects.toMatchObject({
			code: 'PT409',
			message: expect.stringMatching(/has 2 unit\(s\) free/),
		});
		const [rest] = (await addCatalog(assistant, second, [{ variants: [blueS] }])).added;
		expect(rest.quantity).toBe(2);

		// Raising the quantity checks the same; lowering it frees units for the other show.
		await expect(
			rpc(api, asUser(assistant), 'update_show_item', {
				item_id: held.id,
				changes: { quantity: 4 },
			}),
		).rejects.toMatchObject({ code: 'PT409' });
		await rpc(api, asUser(assistant), 'update_show_item', {
			item_id: rest.id,
			changes: { quantity: 1, price: 100 },
		});
		const raised = await rpc<{ item: CatalogItem }>(api, asUser(assistant), 'update_show_item', {
			item_id: held.id,
			changes: { quantity: 4 },
		});
		expect(raised.item.quantity).toBe(4);

		// Removing an item, or deleting a draft show, frees what it held.
		await rpc(api, asUser(assistant), 'remove_show_item', { item_id: held.id });
		const again = await addCatalog(assistant, first, [{ variants: [{ id: blueS, quantity: 4 }] }]);
		expect(again.added[0].quantity).toBe(4);
		await rpc(api, asUser(admin), 'delete_show', { show_id: second.id });
		const third = await newShow(admin, false);
		expect((await addCatalog(assistant, third, [{ variants: [blueS] }])).added[0].quantity).toBe(1);
	});

	it('never over-reserves when two sessions reserve for two running shows at once', async () => {
		const product = await dress(admin, { 'Blue / M': 7 });
		const blueM = product.variants[1].id;
		const shows = [await newShow(admin), await newShow(admin)];
		const sessions = await Promise.all([api.connect(), api.connect()]);
		try {
			for (const session of sessions) {
				await session.query('begin');
				await session.query(
					"select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
					[JSON.stringify({ sub: assistant.id, role: 'authenticated', aud: 'authenticated' })],
				);
			}
			const add = (index: number, quantity: number) =>
				sessions[index].query<{ result: Added }>(
					'select public.add_catalog_items($1, $2) as result',
					[shows[index].id, JSON.stringify([{ variants: [{ id: blueM, quantity }] }])],
				);
			const firstAdded = await add(0, 5);
			expect(firstAdded.rows[0].result.added[0].quantity).toBe(5);
			// The second session waits on the variant's row until the first commits, then sees its 5.
			let settled = false;
			const second = add(1, 5).finally(() => (settled = true));
			second.catch(() => {});
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(settled).toBe(false);
			await sessions[0].query('commit');
			await expect(second).rejects.toMatchObject({ code: 'PT409' });
			await sessions[1].query('rollback');
		} finally {
			for (const session of sessions) session.release();
		}

		// Many concurrent attempts from both shows still fit the stock.
		const attempts = await Promise.allSettled(
			Array.from({ length: 6 }, (_, index) =>
				addCatalog(assistant, shows[index % 2], [{ variants: [{ id: blueM, quantity: 1 }] }]),
			),
		);
		expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(2);
		const { rows } = await owner.query<{ reserved: number }>(
			`select sum(i.quantity)::int as reserved from public.show_items i
			join public.shows s on s.id = i.show_id
			where i.product_variant_id = $1 and s.status <> 'ended'`,
			[blueM],
		);
		expect(rows[0].reserved).toBe(7);
	});
});

describe('ending a show', () => {
	it('takes the real winners out of stock once, through the ledger, audited', async () => {
		const product = await dress(admin, { 'Blue / S': 6, 'Red / M': 3 });
		const [blueS, , , redM] = product.variants;
		const show = await newShow(admin);
		const { added } = await addCatalog(assistant, show, [
			{
				variants: [
					{ id: blueS.id, quantity: 3 },
					{ id: redM.id, quantity: 2 },
				],
				item_number: '7',
			},
		]);
		const [blueItem, redItem] = added;
		for (const buyer of ['ann', 'bea'])
			await rpc(api, asUser(assistant), 'award_item', { item_id: blueItem.id, user_handle: buyer });
		await rpc(api, asUser(assistant), 'award_item', { item_id: redItem.id, user_handle: 'cat' });
		// A rehearsal's test winner holds a unit but sells nothing.
		const hat = await saveProduct(admin, {
			title: 'Sun hat',
			price: 1500,
			variants: [{ stock: 5 }],
		});
		const [hatItem] = (
			await addCatalog(assistant, show, [{ product_id: hat.id, item_number: '8' }])
		).added;
		expect(hatItem.quantity).toBe(5);
		await rpc(api, asUser(assistant), 'emit_test_comment', {
			show_id: show.id,
			text: 'sold 8',
			user_handle: 'dan',
		});
		await rpc(api, asUser(assistant), 'award_item', { item_id: hatItem.id, user_handle: 'eve' });
		const { rows: hatCounts } = await owner.query(
			'select claimed_count from public.show_items where id = $1',
			[hatItem.id],
		);
		expect(hatCounts).toEqual([{ claimed_count: 2 }]);

		await rpc(api, asUser(assistant), 'stop_show', { show_id: show.id });
		expect(await stockOf(blueS.id)).toBe(4);
		expect(await stockOf(redM.id)).toBe(2);
		expect(await stockOf(hat.variants[0].id)).toBe(4);
		const ledger = async () =>
			(
				await owner.query<{ show_item_id: string; quantity: number; stock_after: number }>(
					`select show_item_id, quantity, stock_after from public.stock_movements where show_id = $1 order by quantity, stock_after`,
					[show.id],
				)
			).rows;
		expect(await ledger()).toEqual([
			{ show_item_id: blueItem.id, quantity: -2, stock_after: 4 },
			{ show_item_id: redItem.id, quantity: -1, stock_after: 2 },
			{ show_item_id: hatItem.id, quantity: -1, stock_after: 4 },
		]);

		// Ending again (as a retry would) moves nothing more.
		await owner.query(`update public.shows set status = 'paused' where id = $1`, [show.id]);
		await owner.query(`update public.shows set status = 'ended' where id = $1`, [show.id]);
		expect(await stockOf(blueS.id)).toBe(4);
		expect(await ledger()).toHaveLength(3);

		const { rows: audits } = await owner.query<{
			actor_user_id: string;
			details: { movements: unknown[] };
		}>(
			`select actor_user_id, details from public.audit_log where show_id = $1 and action = 'stock.show_sale'`,
			[show.id],
		);
		expect(audits).toHaveLength(1);
		expect(audits[0].actor_user_id).toBe(assistant.id);
		expect(audits[0].details.movements).toHaveLength(3);

		// Members read the ledger; strangers see none of it.
		const ledgerAs = (user: TestUser) =>
			queryAs(api, asUser(user), 'select id from public.stock_movements where show_id = $1', [
				show.id,
			]);
		expect(await ledgerAs(assistant)).toHaveLength(3);
		expect(await ledgerAs(stranger)).toHaveLength(0);
		// Once ended, the show holds nothing: its units are free again, less what it sold.
		const later = await newShow(admin, false);
		expect((await addCatalog(assistant, later, [{ variants: [blueS.id] }])).added[0].quantity).toBe(
			4,
		);
	});
});

describe('saving the product editor while a show ends', () => {
	it("applies the seller's stock change to today's stock, so the show's sale is not undone", async () => {
		const product = await dress(admin, { 'Blue / S': 6 });
		const [blueS, blueM] = product.variants;
		const show = await newShow(admin);
		const [item] = (await addCatalog(assistant, show, [{ variants: [blueS.id], quantity: 3 }]))
			.added;
		// The editor opens now (Blue / S shows 6), then the show sells two and ends.
		const opened = product.variants.map((variant) => ({ ...variant, stock_seen: variant.stock }));
		for (const buyer of ['ann', 'bea'])
			await rpc(api, asUser(assistant), 'award_item', { item_id: item.id, user_handle: buyer });
		await rpc(api, asUser(assistant), 'stop_show', { show_id: show.id });
		expect(await stockOf(blueS.id)).toBe(4);

		// The seller adds 5 to Blue / S and leaves Blue / M as it was.
		const saved = await saveProduct(admin, {
			id: product.id,
			title: 'Wrap dress',
			price: 2999,
			option_names: ['Color', 'Size'],
			variants: opened.map((variant) => ({
				option_values: variant.option_values,
				sku: variant.sku,
				stock: variant.id === blueS.id ? 11 : variant.stock,
				stock_seen: variant.stock_seen,
			})),
		});
		expect(saved.variants.find((variant) => variant.id === blueS.id)?.stock).toBe(9);
		expect(saved.variants.find((variant) => variant.id === blueM.id)?.stock).toBe(4);
		expect(saved.variants.some((variant) => 'stock_seen' in variant)).toBe(false);

		// Without stock_seen (an import, the API) the number given is the stock.
		const written = await saveProduct(admin, {
			id: product.id,
			title: 'Wrap dress',
			price: 2999,
			option_names: ['Color', 'Size'],
			variants: saved.variants.map((variant) => ({
				option_values: variant.option_values,
				sku: variant.sku,
				stock: 2,
			})),
		});
		expect(written.variants.map((variant) => variant.stock)).toEqual([2, 2, 2, 2]);
	});
});
