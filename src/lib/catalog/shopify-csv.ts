// The catalog in Shopify's product CSV layout, so a seller can move a catalog between Shopify and
// this console both ways. Shopify's rules: rows sharing a Handle are one product; its first row
// carries the product's fields (Title, Body (HTML), Vendor, Tags, Status, option names), every row
// with an option value, SKU or price is a variant, and a row with only an Image Src adds an image.
// A product without options is written as Option1 Name "Title" / Option1 Value "Default Title".
// Prices are decimals in the workspace's currency; stock is Variant Inventory Qty.
import { parseCsv, toCsv, type CsvValue } from '$lib/csv';
import { minorToDecimal, parseMoney, type Currency } from './money';
import { variantPrice, type Product, type ProductInput } from './product';
import {
	catalogLimits,
	isWebUrl,
	maxImportRows,
	productStatuses,
	type ProductStatus,
} from './rules';

export const shopifyColumns = [
	'Handle',
	'Title',
	'Body (HTML)',
	'Vendor',
	'Tags',
	'Published',
	'Option1 Name',
	'Option1 Value',
	'Option2 Name',
	'Option2 Value',
	'Option3 Name',
	'Option3 Value',
	'Variant SKU',
	'Variant Barcode',
	'Variant Price',
	'Variant Compare At Price',
	'Variant Inventory Qty',
	'Image Src',
	'Status',
] as const;
type Column = (typeof shopifyColumns)[number];

export interface RowError {
	/** The spreadsheet's row number: the header is row 1. */
	row: number;
	column: Column | null;
	message: string;
}

export interface ImportPlan {
	products: ProductInput[];
	/** Per product handle, the row it starts on (to place errors the database reports). */
	firstRows: Map<string, number>;
	errors: RowError[];
}

const defaultOptionName = 'Title';
const defaultOptionValue = 'Default Title';
const optionColumns = [
	['Option1 Name', 'Option1 Value'],
	['Option2 Name', 'Option2 Value'],
	['Option3 Name', 'Option3 Value'],
] as const;

/** The catalog as Shopify's product CSV: one row per variant, then one per further image. */
export function catalogToShopifyCsv(products: readonly Product[], currency: Currency): string {
	const rows: CsvValue[][] = [];
	for (const product of products) {
		const names = product.option_names.length > 0 ? product.option_names : [defaultOptionName];
		const count = Math.max(product.variants.length, product.image_urls.length);
		for (let index = 0; index < count; index++) {
			const variant = product.variants[index];
			const cells: Partial<Record<Column, CsvValue>> = { Handle: product.handle };
			if (index === 0)
				Object.assign(cells, {
					Title: product.title,
					'Body (HTML)': product.description,
					Vendor: product.vendor,
					Tags: product.tags.join(', '),
					Published: product.status === 'active' ? 'TRUE' : 'FALSE',
					Status: product.status,
				});
			if (variant) {
				names.forEach((name, option) => {
					if (index === 0) cells[optionColumns[option][0]] = name;
					cells[optionColumns[option][1]] =
						product.option_names.length > 0 ? variant.option_values[option] : defaultOptionValue;
				});
				Object.assign(cells, {
					'Variant SKU': variant.sku,
					'Variant Barcode': variant.barcode,
					'Variant Price': minorToDecimal(variantPrice(product, variant), currency.exponent),
					'Variant Compare At Price':
						product.compare_at_price === null
							? null
							: minorToDecimal(product.compare_at_price, currency.exponent),
					'Variant Inventory Qty': variant.stock,
				});
			}
			cells['Image Src'] = product.image_urls[index];
			rows.push(shopifyColumns.map((column) => cells[column]));
		}
	}
	return toCsv(shopifyColumns, rows);
}

const handlePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

interface Draft {
	product: ProductInput;
	firstRow: number;
	optionCount: number;
	/** Each variant's price as given, before the product's price is chosen. */
	prices: number[];
}

/**
 * Reads a Shopify product CSV into products for import_products, with every problem found as
 * (row, column, message). Columns other than Shopify's are ignored; a missing Handle or Title
 * column is an error on row 1.
 */
export function shopifyCsvToCatalog(text: string, currency: Currency): ImportPlan {
	const errors: RowError[] = [];
	const firstRows = new Map<string, number>();
	let table: string[][];
	try {
		table = parseCsv(text).filter((row) => row.some((cell) => cell.trim() !== ''));
	} catch (error) {
		return {
			products: [],
			firstRows,
			errors: [
				{ row: 1, column: null, message: `Not a readable CSV file: ${(error as Error).message}` },
			],
		};
	}
	const [header = [], ...body] = table;
	if (body.length > maxImportRows)
		return {
			products: [],
			firstRows,
			errors: [
				{
					row: 1,
					column: null,
					message: `The file has ${body.length} rows; import at most ${maxImportRows} at a time`,
				},
			],
		};
	const position = new Map(header.map((name, index) => [name.trim(), index]));
	for (const required of ['Handle', 'Title', 'Variant Price'] as const)
		if (!position.has(required))
			errors.push({ row: 1, column: required, message: `The header has no “${required}” column` });
	if (errors.length > 0) return { products: [], firstRows, errors };

	const drafts = new Map<string, Draft>();
	const skuRows = new Map<string, number>();
	body.forEach((cells, index) => {
		const row = index + 2;
		const fail = (column: Column | null, message: string) => errors.push({ row, column, message });
		const cell = (column: Column): string => {
			const at = position.get(column);
			return at === undefined ? '' : (cells[at] ?? '').trim();
		};
		const text = (column: Column, limit: number): string => {
			const value = cell(column);
			if (value.includes('\u0000')) {
				fail(column, 'contains a NUL character');
				return '';
			}
			if (value.length > limit) {
				fail(column, `is longer than ${limit} characters`);
				return value.slice(0, limit);
			}
			return value;
		};

		const handle = text('Handle', 255);
		if (!handle) return fail('Handle', 'is empty');
		if (!handlePattern.test(handle))
			return fail('Handle', `“${handle.slice(0, 40)}” may hold only a-z, 0-9 and single dashes`);

		let draft = drafts.get(handle);
		if (!draft) {
			const title = text('Title', catalogLimits.title);
			if (!title) fail('Title', 'is empty on the first row of this handle');
			const names: string[] = [];
			for (const [nameColumn] of optionColumns) {
				const name = text(nameColumn, catalogLimits.optionName);
				if (name) names.push(name);
			}
			const withoutOptions = names.length === 1 && names[0] === defaultOptionName;
			if (new Set(names.map((name) => name.toLowerCase())).size !== names.length)
				fail('Option1 Name', 'option names must differ from each other');
			const tags = text('Tags', 10_000)
				.split(',')
				.map((tag) => tag.trim())
				.filter(Boolean);
			if (tags.some((tag) => tag.length > catalogLimits.tag))
				fail('Tags', `each tag is at most ${catalogLimits.tag} characters`);
			if (tags.length > catalogLimits.tags) fail('Tags', `at most ${catalogLimits.tags} tags`);
			draft = {
				product: {
					handle,
					title,
					description: text('Body (HTML)', catalogLimits.description),
					vendor: text('Vendor', catalogLimits.vendor) || null,
					price: 0,
					compare_at_price: null,
					image_urls: [],
					tags,
					status: readStatus(cell('Status'), cell('Published'), () =>
						fail('Status', `must be ${productStatuses.join(', ')}`),
					),
					option_names: withoutOptions ? [] : names,
					variants: [],
				},
				firstRow: row,
				optionCount: withoutOptions ? 0 : names.length,
				prices: [],
			};
			drafts.set(handle, draft);
			firstRows.set(handle, row);
			const compareAt = cell('Variant Compare At Price');
			if (compareAt) {
				const parsed = parseMoney(compareAt, currency);
				if (parsed.ok) draft.product.compare_at_price = parsed.minor;
				else fail('Variant Compare At Price', parsed.message);
			}
		}

		const image = text('Image Src', catalogLimits.url);
		if (image) {
			if (!isWebUrl(image)) fail('Image Src', 'is not an http or https address');
			else if (!draft.product.image_urls.includes(image)) draft.product.image_urls.push(image);
		}

		const values = optionColumns
			.map(([, valueColumn]) => text(valueColumn, catalogLimits.optionValue))
			.slice(0, Math.max(draft.optionCount, 1));
		const isVariantRow =
			values.some(Boolean) || cell('Variant SKU') !== '' || cell('Variant Price') !== '';
		if (!isVariantRow) return;

		const optionValues = draft.optionCount === 0 ? [] : values;
		optionValues.forEach((value, option) => {
			if (!value)
				fail(optionColumns[option][1], `needs a value for “${draft.product.option_names[option]}”`);
		});
		if (draft.optionCount === 0 && draft.product.variants.length > 0)
			return fail(
				'Option1 Value',
				'a product without options has one variant; give it option names',
			);
		const key = optionValues.map((value) => value.toLowerCase()).join('\u001f');
		if (
			draft.product.variants.some(
				(v) => v.option_values.map((value) => value.toLowerCase()).join('\u001f') === key,
			)
		)
			fail('Option1 Value', `variant ${optionValues.join(' / ')} is listed twice`);
		if (draft.product.variants.length >= catalogLimits.variants)
			fail(null, `a product has at most ${catalogLimits.variants} variants`);

		const sku = text('Variant SKU', catalogLimits.sku) || null;
		if (sku) {
			const earlier = skuRows.get(sku);
			if (earlier) fail('Variant SKU', `“${sku}” is already on row ${earlier}`);
			else skuRows.set(sku, row);
		}
		const price = parseMoney(cell('Variant Price'), currency);
		if (!price.ok) fail('Variant Price', price.message);
		const stockText = cell('Variant Inventory Qty') || '0';
		const stock = /^\d{1,7}$/.test(stockText) ? Number(stockText) : NaN;
		if (!(stock <= catalogLimits.stock))
			fail('Variant Inventory Qty', `must be a whole number from 0 to ${catalogLimits.stock}`);

		draft.prices.push(price.ok ? price.minor : 0);
		draft.product.variants.push({
			option_values: optionValues,
			sku,
			barcode: text('Variant Barcode', catalogLimits.sku) || null,
			price: null,
			stock: Number.isNaN(stock) ? 0 : stock,
		});
	});

	const products: ProductInput[] = [];
	for (const [handle, draft] of drafts) {
		if (draft.product.variants.length === 0) {
			errors.push({
				row: draft.firstRow,
				column: 'Variant Price',
				message: `“${handle}” has no variant row with a price`,
			});
			continue;
		}
		if (draft.product.image_urls.length > catalogLimits.images)
			errors.push({
				row: draft.firstRow,
				column: 'Image Src',
				message: `at most ${catalogLimits.images} images per product`,
			});
		// The first variant's price is the product's; others keep theirs only when it differs.
		const [productPrice] = draft.prices;
		draft.product.price = productPrice;
		draft.product.variants.forEach((variant, index) => {
			variant.price = draft.prices[index] === productPrice ? null : draft.prices[index];
		});
		products.push(draft.product);
	}
	errors.sort((a, b) => a.row - b.row);
	return { products, firstRows, errors };
}

function readStatus(status: string, published: string, fail: () => void): ProductStatus {
	const given = status.toLowerCase();
	if (given) {
		if ((productStatuses as readonly string[]).includes(given)) return given as ProductStatus;
		fail();
		return 'draft';
	}
	return published.toLowerCase() === 'true' ? 'active' : 'draft';
}
