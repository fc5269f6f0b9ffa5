import { describe, expect, it } from 'vitest';
import {
	archiveSchema,
	catalogFilterSchema,
	issuesByPath,
	productEditorSchema,
	quickEditSchema,
} from '../../src/lib/catalog/forms.ts';

const usd = { code: 'USD', exponent: 2 };
const jpy = { code: 'JPY', exponent: 0 };
const kwd = { code: 'KWD', exponent: 3 };
const productId = '3f1c2a4e-8b7d-4c3e-9f10-1a2b3c4d5e6f';

describe('productEditorSchema', () => {
	const form = {
		id: '',
		title: '  Wrap Dress ',
		description: 'Soft',
		vendor: '',
		price: '1,299.50',
		compareAtPrice: '',
		status: 'active',
		tags: 'summer, dress, ',
		imageUrls: 'https://cdn.example.com/a.jpg\nhttps://cdn.example.com/b.jpg',
		optionNames: ['Size'],
		variants: [
			{ optionValues: ['S'], sku: 'WD-S', barcode: '', price: '', stock: '3' },
			{ optionValues: ['M'], sku: '', barcode: '', price: '1,350', stock: '0' },
		],
	};

	it('turns typed fields into the product save_product takes, prices in minor units', () => {
		expect(productEditorSchema(usd).parse(form)).toEqual({
			title: 'Wrap Dress',
			description: 'Soft',
			vendor: null,
			price: 129_950,
			compare_at_price: null,
			image_urls: ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg'],
			tags: ['summer', 'dress'],
			status: 'active',
			option_names: ['Size'],
			variants: [
				{ option_values: ['S'], sku: 'WD-S', barcode: null, price: null, stock: 3 },
				{ option_values: ['M'], sku: null, barcode: null, price: 135_000, stock: 0 },
			],
		});
	});

	it('passes on the stock the editor opened with, for a stored variant only', () => {
		const variants = productEditorSchema(usd).parse({
			...form,
			variants: [
				{ ...form.variants[0], stock: '8', stockSeen: '3' },
				{ ...form.variants[1], stockSeen: '' },
			],
		}).variants;
		expect(variants.map((variant) => [variant.stock, variant.stock_seen])).toEqual([
			[8, 3],
			[0, undefined],
		]);
	});

	it('reads prices by the currency’s decimals', () => {
		const { price } = productEditorSchema(jpy).parse({ ...form, price: '1,299' });
		expect(price).toBe(1299);
		expect(productEditorSchema(kwd).parse({ ...form, price: '1.25' }).price).toBe(1250);
		const refused = productEditorSchema(jpy).safeParse(form);
		expect(refused.success || issuesByPath(refused.error)).toEqual({
			price: 'Price: JPY prices have no decimals',
		});
	});

	it('names each bad field by its path', () => {
		const refused = productEditorSchema(usd).safeParse({
			...form,
			title: '',
			imageUrls: 'javascript:alert(1)',
			variants: [{ optionValues: [''], sku: 'x'.repeat(101), price: '-1', stock: '-2' }],
		});
		expect(refused.success || issuesByPath(refused.error)).toEqual({
			title: 'Enter a title',
			'imageUrls.0': 'Each image address starts with https:// (or http://)',
			'variants.0.optionValues.0': 'Give each option a value',
			'variants.0.sku': 'Keep the SKU under 100 characters',
			'variants.0.price': 'Variant price: A price cannot be negative',
			'variants.0.stock': 'Stock is a whole number from 0 to 1000000',
		});
	});

	it('refuses NUL in text', () => {
		const refused = productEditorSchema(usd).safeParse({ ...form, title: 'A\u0000B' });
		expect(refused.success || issuesByPath(refused.error)).toEqual({
			title: 'The title contains a NUL character',
		});
	});
});

describe('quickEditSchema', () => {
	it('leaves an empty price and a missing stock unchanged', () => {
		expect(quickEditSchema(usd).parse({ productId, price: '', status: 'draft' })).toEqual({
			productId,
			price: null,
			status: 'draft',
		});
		expect(
			quickEditSchema(kwd).parse({ productId, price: '2.5', stock: '4', status: 'active' }),
		).toEqual({ productId, price: 2500, stock: 4, status: 'active' });
	});

	it('refuses a status the catalog does not have', () => {
		expect(quickEditSchema(usd).safeParse({ productId, status: 'sold' }).success).toBe(false);
	});
});

describe('catalogFilterSchema and archiveSchema', () => {
	it('falls back to the first page of everything on nonsense', () => {
		expect(catalogFilterSchema.parse({ query: '  ', status: 'bogus', page: '-3' })).toEqual({
			query: null,
			status: null,
			page: 1,
		});
		expect(catalogFilterSchema.parse({ query: ' ring ', status: 'active', page: '2' })).toEqual({
			query: 'ring',
			status: 'active',
			page: 2,
		});
	});

	it('takes product ids as one comma-separated field', () => {
		expect(archiveSchema.parse({ productIds: `${productId},${productId}` }).productIds).toEqual([
			productId,
			productId,
		]);
		expect(archiveSchema.safeParse({ productIds: '' }).success).toBe(false);
		expect(archiveSchema.safeParse({ productIds: 'not-an-id' }).success).toBe(false);
	});
});
