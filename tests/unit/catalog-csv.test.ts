import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/lib/csv.ts';
import type { Product } from '../../src/lib/catalog/product.ts';
import { maxImportRows } from '../../src/lib/catalog/rules.ts';
import {
	catalogToShopifyCsv,
	shopifyColumns,
	shopifyCsvToCatalog,
} from '../../src/lib/catalog/shopify-csv.ts';

const usd = { code: 'USD', exponent: 2 };
const jpy = { code: 'JPY', exponent: 0 };

// A Shopify export as Shopify writes it (LF line ends, its full header, extra columns we ignore):
// a dress in two sizes and two colours with a second image row, a default-title mug, and a
// draft hat.
const shopifyExport = [
	'Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,Status',
	'wrap-dress,Wrap Dress,"<p>Soft, flowing wrap.</p>",Vintage Vault,,Dresses,"summer, dress",TRUE,Size,S,Color,Blue,,,WD-S-BLU,0,shopify,3,deny,manual,39.00,49.00,TRUE,TRUE,,https://cdn.example.com/dress-1.jpg,1,,FALSE,active',
	'wrap-dress,,,,,,,,,M,,Blue,,,WD-M-BLU,0,shopify,2,deny,manual,39.00,49.00,TRUE,TRUE,,https://cdn.example.com/dress-2.jpg,2,,,',
	'wrap-dress,,,,,,,,,M,,Red,,,WD-M-RED,0,shopify,0,deny,manual,42.50,49.00,TRUE,TRUE,,,,,,',
	'wrap-dress,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.example.com/dress-3.jpg,3,,,',
	'enamel-mug,Enamel Mug,,Camp Co,,,mug,TRUE,Title,Default Title,,,,,MUG-1,0,shopify,12,deny,manual,"1,299.00",,TRUE,TRUE,0123456789,,,,FALSE,active',
	'felt-hat,Felt Hat,,,,,,FALSE,Title,Default Title,,,,,,0,,0,deny,manual,25,,TRUE,TRUE,,,,,FALSE,',
	'',
].join('\n');

describe('shopifyCsvToCatalog', () => {
	it('groups rows by handle into products with variants, images and prices in minor units', () => {
		const plan = shopifyCsvToCatalog(shopifyExport, usd);
		expect(plan.errors).toEqual([]);
		expect(plan.products).toEqual([
			{
				handle: 'wrap-dress',
				title: 'Wrap Dress',
				description: '<p>Soft, flowing wrap.</p>',
				vendor: 'Vintage Vault',
				price: 3900,
				compare_at_price: 4900,
				image_urls: [
					'https://cdn.example.com/dress-1.jpg',
					'https://cdn.example.com/dress-2.jpg',
					'https://cdn.example.com/dress-3.jpg',
				],
				tags: ['summer', 'dress'],
				status: 'active',
				option_names: ['Size', 'Color'],
				variants: [
					{ option_values: ['S', 'Blue'], sku: 'WD-S-BLU', barcode: null, price: null, stock: 3 },
					{ option_values: ['M', 'Blue'], sku: 'WD-M-BLU', barcode: null, price: null, stock: 2 },
					{ option_values: ['M', 'Red'], sku: 'WD-M-RED', barcode: null, price: 4250, stock: 0 },
				],
			},
			{
				handle: 'enamel-mug',
				title: 'Enamel Mug',
				description: '',
				vendor: 'Camp Co',
				price: 129_900,
				compare_at_price: null,
				image_urls: [],
				tags: ['mug'],
				status: 'active',
				option_names: [],
				variants: [
					{ option_values: [], sku: 'MUG-1', barcode: '0123456789', price: null, stock: 12 },
				],
			},
			expect.objectContaining({
				handle: 'felt-hat',
				status: 'draft',
				price: 2500,
				option_names: [],
			}),
		]);
		expect(plan.firstRows).toEqual(
			new Map([
				['wrap-dress', 2],
				['enamel-mug', 6],
				['felt-hat', 7],
			]),
		);
	});

	it('reports every bad row with its row number and column', () => {
		const header =
			'Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Image Src,Status';
		const csv = [
			header,
			'Bad Handle,Thing,Title,Default Title,,1.00,1,,active',
			'tee,Tee,Size,S,T-1,12.505,1,,active',
			'tee,,,,T-1,12.00,-3,,',
			'tee,,,M,T-2,abc,1,javascript:alert(1),',
			'cap,,Title,Default Title,,5,1,,sold',
			'scarf,Scarf,Title,Default Title,,,1,,active',
			'nul,Bad\u0000title,Title,Default Title,,1,1,,',
		].join('\r\n');
		const plan = shopifyCsvToCatalog(csv, usd);
		expect(plan.errors).toEqual([
			{
				row: 2,
				column: 'Handle',
				message: '“Bad Handle” may hold only a-z, 0-9 and single dashes',
			},
			{ row: 3, column: 'Variant Price', message: 'USD prices have at most 2 decimals' },
			{ row: 4, column: 'Option1 Value', message: 'needs a value for “Size”' },
			{ row: 4, column: 'Variant SKU', message: '“T-1” is already on row 3' },
			{
				row: 4,
				column: 'Variant Inventory Qty',
				message: 'must be a whole number from 0 to 1000000',
			},
			{ row: 5, column: 'Image Src', message: 'is not an http or https address' },
			{ row: 5, column: 'Variant Price', message: '“abc” is not a price' },
			{ row: 6, column: 'Title', message: 'is empty on the first row of this handle' },
			{ row: 6, column: 'Status', message: 'must be draft, active, archived' },
			{ row: 7, column: 'Variant Price', message: 'Enter a price' },
			{ row: 8, column: 'Title', message: 'contains a NUL character' },
			{ row: 8, column: 'Title', message: 'is empty on the first row of this handle' },
		]);
	});

	it('refuses a file without the columns it needs, or with too many rows', () => {
		expect(shopifyCsvToCatalog('Name,Price\nA,1\n', usd).errors).toEqual([
			{ row: 1, column: 'Handle', message: 'The header has no “Handle” column' },
			{ row: 1, column: 'Title', message: 'The header has no “Title” column' },
			{ row: 1, column: 'Variant Price', message: 'The header has no “Variant Price” column' },
		]);
		const huge = [
			'Handle,Title,Variant Price',
			...Array.from({ length: maxImportRows + 1 }, (_, i) => `p${i},P,1`),
		];
		expect(shopifyCsvToCatalog(huge.join('\n'), usd).errors).toEqual([
			{
				row: 1,
				column: null,
				message: `The file has ${maxImportRows + 1} rows; import at most ${maxImportRows} at a time`,
			},
		]);
		expect(shopifyCsvToCatalog('Handle,Title\n"open', usd).errors[0].message).toMatch(
			/^Not a readable CSV file/,
		);
	});
});

describe('catalogToShopifyCsv', () => {
	const stored = (plan: ReturnType<typeof shopifyCsvToCatalog>): Product[] =>
		plan.products.map((product, index) => ({
			...product,
			handle: product.handle!,
			id: `00000000-0000-4000-8000-00000000000${index}`,
			source: 'csv',
			updated_at: '2026-12-01T00:00:00Z',
			variants: product.variants.map((variant, position) => ({
				...variant,
				id: `00000000-0000-4000-8000-0000000001${index}${position}`,
			})),
		}));

	it('writes Shopify’s layout: a row per variant, then rows for further images', () => {
		const csv = catalogToShopifyCsv(stored(shopifyCsvToCatalog(shopifyExport, usd)), usd);
		const [header, ...rows] = parseCsv(csv);
		expect(header).toEqual([...shopifyColumns]);
		const column = (name: (typeof shopifyColumns)[number]) =>
			rows.map((row) => row[header.indexOf(name)]);
		expect(column('Handle')).toEqual([
			'wrap-dress',
			'wrap-dress',
			'wrap-dress',
			'enamel-mug',
			'felt-hat',
		]);
		expect(column('Option1 Value')).toEqual(['S', 'M', 'M', 'Default Title', 'Default Title']);
		expect(column('Variant Price')).toEqual(['39.00', '39.00', '42.50', '1299.00', '25.00']);
		expect(column('Image Src')).toEqual([
			'https://cdn.example.com/dress-1.jpg',
			'https://cdn.example.com/dress-2.jpg',
			'https://cdn.example.com/dress-3.jpg',
			'',
			'',
		]);
		expect(column('Title')).toEqual(['Wrap Dress', '', '', 'Enamel Mug', 'Felt Hat']);
	});

	it('round-trips: export, import again, same products', () => {
		for (const currency of [usd, jpy]) {
			const first = shopifyCsvToCatalog(shopifyExport.replace('42.50', '42.00'), currency);
			expect(first.errors).toEqual([]);
			const again = shopifyCsvToCatalog(catalogToShopifyCsv(stored(first), currency), currency);
			expect(again.errors).toEqual([]);
			expect(again.products).toEqual(first.products);
		}
	});
});
