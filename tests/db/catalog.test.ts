// The catalog: products and variants per workspace, written only through the catalog functions by
// admins and owners, read by every member and nobody else; the default-variant rule; SKUs unique
// per workspace; the workspace currency and how a change rescales stored amounts; imports that
// are all or nothing and idempotent by handle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	anon,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';

interface Variant {
	id: string;
	option_values: string[];
	sku: string | null;
	price: number | null;
	stock: number;
}

interface Product {
	id: string;
	workspace_id: string;
	handle: string;
	title: string;
	price: number;
	compare_at_price: number | null;
	status: string;
	source: string;
	option_names: string[];
	variants: Variant[];
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

function save(user: TestUser, product: Record<string, unknown>): Promise<Product> {
	return rpc<Product>(api, asUser(user), 'save_product', {
		workspace_id: user.workspaceId,
		product,
	});
}

const sku = () => `SKU-${randomUUID().slice(0, 8)}`;

describe('workspace isolation and roles', () => {
	it('shows a product to members of its workspace only', async () => {
		const product = await save(admin, { title: 'Linen shirt', price: 2500 });
		const readAs = (user: TestUser) =>
			queryAs<{ id: string }>(api, asUser(user), 'select id from public.products where id = $1', [
				product.id,
			]);
		expect(await readAs(assistant)).toHaveLength(1);
		expect(await readAs(stranger)).toHaveLength(0);
		const variantsSeen = await queryAs(
			api,
			asUser(stranger),
			'select id from public.product_variants where product_id = $1',
			[product.id],
		);
		expect(variantsSeen).toHaveLength(0);
		await expect(
			rpc(api, asUser(stranger), 'search_products', { workspace_id: admin.workspaceId }),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			queryAs(api, anon, 'select id from public.products where id = $1', [product.id]),
		).rejects.toMatchObject({ code: '42501' });
	});

	it("refuses a stranger's writes as if the workspace did not exist", async () => {
		const product = await save(admin, { title: 'Silk scarf', price: 1500 });
		await expect(
			rpc(api, asUser(stranger), 'save_product', {
				workspace_id: admin.workspaceId,
				product: { title: 'Intruder', price: 1 },
			}),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			rpc(api, asUser(stranger), 'quick_edit_product', {
				product_id: product.id,
				changes: { price: 1 },
			}),
		).rejects.toMatchObject({ code: 'PT404' });
		// A stranger's own workspace cannot reach another's product by id either.
		await expect(
			save(stranger, { id: product.id, title: 'Hijack', price: 1 }),
		).rejects.toMatchObject({ code: 'PT404' });
	});

	it('lets assistants read the catalog but not change it', async () => {
		const product = await save(admin, { title: 'Denim jacket', price: 5000 });
		await expect(save(assistant, { title: 'Nope', price: 1 })).rejects.toMatchObject({
			code: 'PT403',
		});
		await expect(
			rpc(api, asUser(assistant), 'quick_edit_product', {
				product_id: product.id,
				changes: { price: 1 },
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(assistant), 'archive_products', {
				workspace_id: admin.workspaceId,
				product_ids: `{${product.id}}`,
			}),
		).rejects.toMatchObject({ code: 'PT403' });
		await expect(
			rpc(api, asUser(assistant), 'set_workspace_currency', {
				workspace_id: admin.workspaceId,
				currency: 'EUR',
			}),
		).rejects.toMatchObject({ code: 'PT403' });
	});

	it('gives the API roles no direct writes and no TRUNCATE, REFERENCES or TRIGGER', async () => {
		const { rows } = await owner.query<{ grantee: string; privilege_type: string }>(
			`select grantee, privilege_type from information_schema.role_table_grants
			 where table_schema = 'public' and table_name in ('products', 'product_variants', 'currencies')
			   and grantee in ('anon', 'authenticated')
			 order by table_name, grantee, privilege_type`,
		);
		expect(rows.map((row) => `${row.grantee} ${row.privilege_type}`)).toEqual([
			'authenticated SELECT',
			'authenticated SELECT',
			'authenticated SELECT',
		]);
		await expect(
			queryAs(api, asUser(admin), `update public.products set price = 0`),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('audits every catalog write', async () => {
		const product = await save(admin, { title: 'Audited tee', price: 900 });
		await rpc(api, asUser(admin), 'quick_edit_product', {
			product_id: product.id,
			changes: { price: 1000, stock: 4 },
		});
		await rpc(api, asUser(admin), 'archive_products', {
			workspace_id: admin.workspaceId,
			product_ids: `{${product.id}}`,
		});
		const { rows } = await owner.query<{ action: string; actor_user_id: string }>(
			`select action, actor_user_id from public.audit_log
			 where workspace_id = $1 and (entity_id = $2 or details -> 'product_ids' ? $2::text)
			 order by created_at`,
			[admin.workspaceId, product.id],
		);
		expect(rows.map((row) => row.action)).toEqual([
			'product.create',
			'product.quick_edit',
			'products.archive',
		]);
		expect(new Set(rows.map((row) => row.actor_user_id))).toEqual(new Set([admin.id]));
	});
});

describe('variants', () => {
	it('gives a product without options exactly one default variant', async () => {
		const product = await save(admin, { title: 'Tote bag', price: 1200 });
		expect(product.variants).toHaveLength(1);
		expect(product.variants[0]).toMatchObject({ option_values: [], stock: 0, price: null });
		await expect(
			save(admin, { title: 'Two defaults', price: 1, variants: [{}, { sku: sku() }] }),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/exactly one/) });
	});

	it('holds the rule against direct writes too, at commit', async () => {
		const product = await save(admin, { title: 'Cap', price: 800 });
		await expect(
			owner.query(
				`insert into public.product_variants (workspace_id, product_id, position, option_values)
				 values ($1, $2, 2, '{}')`,
				[admin.workspaceId, product.id],
			),
		).rejects.toMatchObject({ code: '23505' });
		await expect(
			owner.query(
				`insert into public.product_variants (workspace_id, product_id, position, option_values)
				 values ($1, $2, 1, '{Other}')`,
				[stranger.workspaceId, product.id],
			),
		).rejects.toMatchObject({ code: '23503' });
		await expect(
			owner.query('delete from public.product_variants where product_id = $1', [product.id]),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/exactly one/) });
		await expect(
			owner.query(`update public.products set option_names = '{Size}' where id = $1`, [product.id]),
		).rejects.toMatchObject({
			code: '22023',
			message: expect.stringMatching(/one value for each/),
		});
	});

	it('keeps option values per variant, keeps surviving variant ids on edit', async () => {
		const product = await save(admin, {
			title: 'Wrap dress',
			price: 3900,
			option_names: ['Size', 'Color'],
			variants: [
				{ option_values: ['S', 'Blue'], sku: sku(), stock: 2 },
				{ option_values: ['M', 'Blue'], stock: 1, price: 4200 },
			],
		});
		expect(product.variants.map((variant) => variant.option_values)).toEqual([
			['S', 'Blue'],
			['M', 'Blue'],
		]);
		const edited = await save(admin, {
			id: product.id,
			title: 'Wrap dress',
			price: 3900,
			option_names: ['Size', 'Color'],
			variants: [
				{ option_values: ['M', 'Blue'], stock: 5 },
				{ option_values: ['L', 'Blue'], stock: 1 },
			],
		});
		expect(edited.variants[0]).toMatchObject({ id: product.variants[1].id, stock: 5, price: null });
		expect(edited.variants.map((variant) => variant.option_values)).toEqual([
			['M', 'Blue'],
			['L', 'Blue'],
		]);
		await expect(
			save(admin, {
				title: 'Half a variant',
				price: 1,
				option_names: ['Size', 'Color'],
				variants: [{ option_values: ['S'] }],
			}),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/Size, Color/) });
		await expect(
			save(admin, {
				title: 'Twice',
				price: 1,
				option_names: ['Size'],
				variants: [{ option_values: ['S'] }, { option_values: ['s'] }],
			}),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/listed twice/) });
	});
});

describe('SKUs', () => {
	it('are unique within a workspace, not across workspaces', async () => {
		const shared = sku();
		await save(admin, { title: 'First', price: 1, variants: [{ sku: shared }] });
		await expect(
			save(admin, { title: 'Second', price: 1, variants: [{ sku: shared }] }),
		).rejects.toMatchObject({
			code: 'PT409',
			message: `SKU "${shared}" is already used by "First"`,
		});
		const elsewhere = await save(stranger, {
			title: 'Other shop',
			price: 1,
			variants: [{ sku: shared }],
		});
		expect(elsewhere.variants[0].sku).toBe(shared);
	});

	it('may swap between variants of one product', async () => {
		const [a, b] = [sku(), sku()];
		const product = await save(admin, {
			title: 'Swap',
			price: 1,
			option_names: ['Size'],
			variants: [
				{ option_values: ['S'], sku: a },
				{ option_values: ['M'], sku: b },
			],
		});
		const swapped = await save(admin, {
			id: product.id,
			title: 'Swap',
			price: 1,
			option_names: ['Size'],
			variants: [
				{ option_values: ['S'], sku: b },
				{ option_values: ['M'], sku: a },
			],
		});
		expect(swapped.variants.map((variant) => variant.sku)).toEqual([b, a]);
	});
});

describe('bad input', () => {
	it('is refused with the field named', async () => {
		await expect(save(admin, { title: '  ', price: 1 })).rejects.toMatchObject({
			code: '22023',
			message: 'title is required',
		});
		await expect(save(admin, { title: 'x'.repeat(256), price: 1 })).rejects.toMatchObject({
			code: '22023',
			message: 'title is longer than 255 characters',
		});
		await expect(save(admin, { title: 'Minus', price: -1 })).rejects.toMatchObject({
			code: '22023',
			message: expect.stringMatching(/^price must be a whole number of minor units/),
		});
		await expect(save(admin, { title: 'Float', price: 12.5 })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(
			save(admin, { title: 'Script', price: 1, image_urls: ['javascript:alert(1)'] }),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/image URL/) });
		await expect(
			save(admin, { title: 'Stock', price: 1, variants: [{ stock: -2 }] }),
		).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/^stock/) });
		await expect(
			save(admin, { title: 'Four options', price: 1, option_names: ['A', 'B', 'C', 'D'] }),
		).rejects.toMatchObject({ code: '22023' });
	});

	it('cannot carry NUL into the catalog', async () => {
		await expect(save(admin, { title: 'Nul\u0000byte', price: 1 })).rejects.toMatchObject({
			code: '22P05',
		});
	});
});

describe('currency', () => {
	it('defaults to USD and accepts only ISO 4217 codes', async () => {
		const user = await createUser(owner);
		const { rows } = await owner.query('select currency from public.workspaces where id = $1', [
			user.workspaceId,
		]);
		expect(rows[0].currency).toBe('USD');
		await expect(
			rpc(api, asUser(user), 'set_workspace_currency', {
				workspace_id: user.workspaceId,
				currency: 'XYZ',
			}),
		).rejects.toMatchObject({ code: '22023', message: '"XYZ" is not an ISO 4217 currency code' });
		await expect(
			owner.query(`update public.workspaces set currency = 'ABC' where id = $1`, [
				user.workspaceId,
			]),
		).rejects.toMatchObject({ code: '23503' });
		await expect(
			queryAs(api, asUser(user), `update public.workspaces set currency = 'EUR' where id = $1`, [
				user.workspaceId,
			]),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('rescales amounts to keep the typed number, refuses to drop fractions, and is audited', async () => {
		const user = await createUser(owner);
		const product = await save(user, {
			title: 'Bag',
			price: 1250,
			compare_at_price: 1500,
			option_names: ['Color'],
			variants: [{ option_values: ['Red'], price: 1300 }, { option_values: ['Tan'] }],
		});
		const change = (currency: string) =>
			rpc<{ currency: string; minor_unit: number }>(api, asUser(user), 'set_workspace_currency', {
				workspace_id: user.workspaceId,
				currency,
			});
		expect(await change('kwd')).toMatchObject({ currency: 'KWD', minor_unit: 3 });
		const priced = async () =>
			(
				await owner.query<{ price: string; compare_at_price: string; variant_price: string }>(
					`select p.price, p.compare_at_price, v.price as variant_price from public.products p
					 join public.product_variants v on v.product_id = p.id and v.position = 1 where p.id = $1`,
					[product.id],
				)
			).rows[0];
		expect(await priced()).toEqual({
			price: '12500',
			compare_at_price: '15000',
			variant_price: '13000',
		});
		await expect(change('JPY')).rejects.toMatchObject({
			code: 'PT409',
			message: '1 catalog price(s) have fractions JPY cannot hold (0 decimals): round them first',
		});
		await save(user, {
			...product,
			price: 12000,
			compare_at_price: 15000,
			variants: [{ option_values: ['Red'], price: 13000 }, { option_values: ['Tan'] }],
		});
		expect(await change('JPY')).toMatchObject({ currency: 'JPY', minor_unit: 0 });
		expect(await priced()).toEqual({ price: '12', compare_at_price: '15', variant_price: '13' });
		const { rows } = await owner.query(
			`select before, after from public.audit_log
			 where workspace_id = $1 and action = 'workspace.currency' and actor_user_id = $2 order by created_at`,
			[user.workspaceId, user.id],
		);
		expect(rows).toEqual([
			{ before: { currency: 'USD' }, after: { currency: 'KWD' } },
			{ before: { currency: 'KWD' }, after: { currency: 'JPY' } },
		]);
	});
});

describe('import', () => {
	it('is all or nothing, and updates by handle instead of duplicating', async () => {
		const user = await createUser(owner);
		const handle = `tee-${randomUUID().slice(0, 6)}`;
		const good = { handle, title: 'Tee', price: 1500, status: 'active' };
		const importAll = (products: unknown[]) =>
			rpc<{ created: number; updated: number }>(api, asUser(user), 'import_products', {
				workspace_id: user.workspaceId,
				products,
			});
		await expect(
			importAll([good, { handle: 'broken', title: 'Broken', price: -5 }]),
		).rejects.toMatchObject({
			code: '22023',
			message: expect.stringMatching(/^product "broken": price must be/),
		});
		const count = async () =>
			(
				await owner.query(
					'select count(*)::int as n from public.products where workspace_id = $1',
					[user.workspaceId],
				)
			).rows[0].n;
		expect(await count()).toBe(0);
		expect(await importAll([good])).toEqual({ created: 1, updated: 0 });
		expect(await importAll([{ ...good, price: 1700 }])).toEqual({ created: 0, updated: 1 });
		expect(await count()).toBe(1);
		const { rows } = await owner.query(
			'select price, source from public.products where workspace_id = $1',
			[user.workspaceId],
		);
		expect(rows[0]).toEqual({ price: '1700', source: 'csv' });
		const audit = await owner.query(
			`select details from public.audit_log
			 where workspace_id = $1 and action = 'products.import' order by created_at`,
			[user.workspaceId],
		);
		expect(audit.rows.map((row) => row.details)).toEqual([
			{ created: 1, updated: 0, handles: [handle] },
			{ created: 0, updated: 1, handles: [handle] },
		]);
	});
});

describe('search', () => {
	it('finds by title, SKU or tag, filters by status and pages', async () => {
		const user = await createUser(owner);
		const code = sku();
		for (let index = 1; index <= 5; index++)
			await save(user, {
				title: `Ring ${index}`,
				price: index,
				status: index === 5 ? 'archived' : 'active',
				tags: index === 2 ? ['Gold'] : [],
				variants: [{ sku: index === 3 ? code : null }],
			});
		const search = (args: Record<string, unknown>) =>
			rpc<{ total: number; products: Product[] }>(api, asUser(user), 'search_products', {
				workspace_id: user.workspaceId,
				...args,
			});
		const titles = (result: { products: Product[] }) => result.products.map((p) => p.title);
		expect(titles(await search({ query: 'ring 1' }))).toEqual(['Ring 1']);
		expect(titles(await search({ query: code.toLowerCase() }))).toEqual(['Ring 3']);
		expect(titles(await search({ query: 'gold' }))).toEqual(['Ring 2']);
		expect((await search({ status: 'archived' })).total).toBe(1);
		expect(titles(await search({ query: '%' }))).toEqual([]);
		const page = await search({ page_size: 2, page_offset: 2 });
		expect(page.total).toBe(5);
		expect(titles(page)).toEqual(['Ring 3', 'Ring 2']);
	});
});
