// The catalog through the built console: a Shopify product CSV with a bad row imports nothing and
// names the row; fixed, it imports products with variants; a price is edited inline; a variant's
// stock in the editor; a bulk archive asks first; the export reads back as the same catalog.
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCsv } from '../../src/lib/csv.ts';

const screenshotDir = join(import.meta.dirname, 'screenshots');

async function signUp(page: Page): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Email').fill(`seller-${randomUUID().slice(0, 8)}@example.test`);
	await page.getByLabel('Password').fill('correct horse battery staple');
	await page.getByLabel(/Shop or workspace name/).fill('Vintage Vault');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
}

const header =
	'Handle,Title,Body (HTML),Vendor,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price,Variant Compare At Price,Variant Inventory Qty,Image Src,Status';
const goodRows = [
	'wrap-dress,Wrap Dress,<p>Soft wrap</p>,Vintage Vault,"summer, dress",TRUE,Size,S,Color,Blue,WD-S-BLU,39.00,49.00,3,https://cdn.example.com/dress.jpg,active',
	'wrap-dress,,,,,,,M,,Blue,WD-M-BLU,39.00,,2,,',
	'wrap-dress,,,,,,,M,,Red,WD-M-RED,42.50,,1,,',
	'enamel-mug,Enamel Mug,,Camp Co,mug,TRUE,Title,Default Title,,,MUG-1,"1,299.00",,12,,active',
];

async function importCsv(page: Page, name: string, lines: string[]): Promise<void> {
	await page.getByLabel('Import a Shopify product CSV').setInputFiles({
		name,
		mimeType: 'text/csv',
		buffer: Buffer.from(`${[header, ...lines].join('\n')}\n`),
	});
	await page.getByRole('button', { name: 'Import CSV' }).click();
}

function productRow(page: Page, title: string) {
	return page.getByRole('row').filter({ has: page.getByRole('link', { name: title }) });
}

test('import a Shopify CSV, edit prices and stock, archive, export', async ({
	page,
	consoleErrors,
}) => {
	test.setTimeout(90_000);
	await signUp(page);
	await page.getByRole('link', { name: 'Catalog' }).click();
	await expect(page.getByRole('heading', { name: 'Catalog', level: 1 })).toBeVisible();
	await expect(page.getByText('Prices in USD')).toBeVisible();
	await expect(page.getByText('No products yet')).toBeVisible();

	// A file over the size limit is refused before it is uploaded.
	await page.getByLabel('Import a Shopify product CSV').setInputFiles({
		name: 'huge.csv',
		mimeType: 'text/csv',
		buffer: Buffer.alloc(6 * 1024 * 1024, 'a'),
	});
	await page.getByRole('button', { name: 'Import CSV' }).click();
	await expect(page.getByText('huge.csv is 6.0 MB; import at most 5 MB at a time.')).toBeVisible();

	// A bad price on row 3 imports nothing and is named in the report.
	consoleErrors.allow(/status of (400|409|422)/);
	await importCsv(page, 'bad.csv', [goodRows[0], goodRows[1].replace('39.00', '39.999')]);
	await expect(page.getByText('Nothing was imported: fix these rows')).toBeVisible();
	const report = page.getByRole('table', { name: 'Import errors' });
	await expect(
		report.getByRole('row', { name: /3 Variant Price USD prices have at most 2 decimals/ }),
	).toBeVisible();
	await expect(page.getByText('No products yet')).toBeVisible();
	await page.screenshot({
		path: join(screenshotDir, 'catalog-import-errors-desktop.png'),
		fullPage: true,
	});

	await importCsv(page, 'products.csv', goodRows);
	await expect(page.getByText('2 new, 0 updated.')).toBeVisible();
	await expect(productRow(page, 'Wrap Dress')).toContainText('3 variants');
	await expect(productRow(page, 'Wrap Dress')).toContainText('WD-S-BLU');
	await expect(page.getByLabel('Price of Enamel Mug')).toHaveValue('1299.00');
	await expect(page.getByLabel('Stock of Enamel Mug')).toHaveValue('12');

	// Re-importing the same handles updates instead of duplicating.
	await importCsv(page, 'products.csv', goodRows);
	await expect(page.getByText('0 new, 2 updated.')).toBeVisible();
	await expect(page.getByText('1–2 of 2')).toBeVisible();

	// Inline edit: a typed price with a thousands separator, and the stock.
	await page.getByLabel('Price of Enamel Mug').fill('1,350.5');
	await page.getByLabel('Stock of Enamel Mug').fill('7');
	await productRow(page, 'Enamel Mug').getByRole('button', { name: 'Save' }).click();
	await expect(productRow(page, 'Enamel Mug').getByText('Saved')).toBeVisible();
	await page.reload();
	await expect(page.getByLabel('Price of Enamel Mug')).toHaveValue('1350.50');
	await expect(page.getByLabel('Stock of Enamel Mug')).toHaveValue('7');

	// Search by SKU and tag.
	await page.getByLabel('Search products').fill('wd-m-red');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByRole('link', { name: 'Wrap Dress' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Enamel Mug' })).toHaveCount(0);
	await page.getByLabel('Search products').fill('mug');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByRole('link', { name: 'Enamel Mug' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Wrap Dress' })).toHaveCount(0);
	await page.getByLabel('Search products').fill('');
	await page.getByRole('button', { name: 'Search' }).click();

	// The editor: a variant's stock, and a new value that adds variants.
	await page.getByRole('link', { name: 'Wrap Dress' }).click();
	await expect(page.getByRole('heading', { name: 'Wrap Dress', level: 1 })).toBeVisible();
	await expect(page.getByLabel('Price of M / Red')).toHaveValue('42.50');
	await page.getByLabel('Stock of S / Blue').fill('9');
	await page.getByLabel('New value for Size').fill('L');
	await page.getByRole('button', { name: 'Add value' }).first().click();
	await expect(page.getByLabel('Stock of L / Red')).toHaveValue('0');
	// A combination the product never sold starts left out; a new one can be left out too.
	await expect(page.getByRole('row', { name: /S \/ Red Not offered/ })).toBeVisible();
	await page.getByRole('button', { name: 'Leave out L / Blue' }).click();
	await expect(page.getByRole('button', { name: 'Offer L / Blue' })).toBeVisible();
	await page.screenshot({
		path: join(screenshotDir, 'catalog-editor-desktop.png'),
		fullPage: true,
	});
	await page.getByRole('button', { name: 'Save product' }).click();
	await expect(page.getByText('Product saved')).toBeVisible();
	await expect(page.getByLabel('Stock of S / Blue')).toHaveValue('9');
	await page.getByRole('link', { name: 'Catalog' }).first().click();
	await expect(productRow(page, 'Wrap Dress')).toContainText('4 variants');
	await page.screenshot({ path: join(screenshotDir, 'catalog-desktop.png'), fullPage: true });

	// The export reads back as Shopify's layout with what was edited.
	const [file] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Export CSV' }).click(),
	]);
	expect(file.suggestedFilename()).toMatch(/^vintage-vault-\d{4}-\d{2}-\d{2}-products\.csv$/);
	const [exportedHeader, ...exported] = parseCsv(await readFile(await file.path(), 'utf8'));
	const cell = (row: string[], column: string) => row[exportedHeader.indexOf(column)];
	const mug = exported.find((row) => cell(row, 'Handle') === 'enamel-mug')!;
	expect(cell(mug, 'Variant Price')).toBe('1350.50');
	expect(cell(mug, 'Variant Inventory Qty')).toBe('7');
	const dress = exported.filter((row) => cell(row, 'Handle') === 'wrap-dress');
	expect(dress.map((row) => `${cell(row, 'Option1 Value')}/${cell(row, 'Option2 Value')}`)).toEqual(
		['S/Blue', 'M/Blue', 'M/Red', 'L/Red'],
	);
	expect(cell(dress[0], 'Variant Inventory Qty')).toBe('9');

	// A SKU another product holds is caught by the database: nothing imported, the row named.
	await importCsv(page, 'clash.csv', [
		'camp-mug,Camp Mug,,,,TRUE,Title,Default Title,,,MUG-1,9.00,,1,,active',
	]);
	await expect(page.getByText('Nothing was imported: fix this row')).toBeVisible();
	await expect(
		report.getByRole('row', { name: /2 — SKU "MUG-1" is already used by "Enamel Mug"/ }),
	).toBeVisible();
	await expect(page.getByText('1–2 of 2')).toBeVisible();

	// The currency: a change that would drop cents is refused; another keeps the typed numbers.
	await page.getByRole('button', { name: 'change' }).click();
	await page.getByLabel('Currency').selectOption('JPY');
	await page.getByRole('button', { name: 'Save currency' }).click();
	await expect(
		page.getByText(
			'2 catalog price(s) have fractions JPY cannot hold (0 decimals): round them first.',
		),
	).toBeVisible();
	await page.getByLabel('Currency').selectOption('EUR');
	await page.getByRole('button', { name: 'Save currency' }).click();
	await expect(page.getByText('Prices in EUR')).toBeVisible();
	await expect(page.getByLabel('Price of Enamel Mug')).toHaveValue('1350.50');

	// Bulk archive asks first.
	await productRow(page, 'Enamel Mug').getByRole('checkbox').check();
	await page.getByRole('button', { name: 'Archive selected (1)' }).click();
	const dialog = page.getByRole('dialog', { name: 'Archive 1 product?' });
	await expect(dialog).toBeVisible();
	await dialog.getByRole('button', { name: 'Archive' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByText('Archived 1 product')).toBeVisible();
	await expect(page.getByLabel('Status of Enamel Mug')).toHaveValue('archived');

	// A product typed in: a bad price is named beside its field and nothing is saved until fixed.
	await page.getByRole('link', { name: 'New product' }).click();
	await page.getByLabel('Title', { exact: true }).fill('Canvas Tote');
	await page.getByLabel('Price (EUR)').fill('18,5x');
	await page.getByLabel('Stock of Default').fill('5');
	await page.getByRole('button', { name: 'Save product' }).click();
	await expect(page.getByText('Price: “18,5x” is not a price')).toBeVisible();
	await page.getByLabel('Price (EUR)').fill('18,50');
	await page.getByRole('button', { name: 'Save product' }).click();
	await expect(page.getByText('Product saved')).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Canvas Tote', level: 1 })).toBeVisible();
	await page.getByRole('link', { name: 'Catalog' }).first().click();
	await expect(page.getByLabel('Price of Canvas Tote')).toHaveValue('18.50');
	await expect(page.getByLabel('Stock of Canvas Tote')).toHaveValue('5');
});
