// What the catalog's forms accept, checked before anything reaches the database. Prices arrive
// as typed ("12.50", "1,299") and leave as minor units of the workspace's currency.
import { z } from 'zod';
import { parseMoney, type Currency } from './money';
import type { ProductInput } from './product';
import { catalogLimits, isWebUrl, productStatuses } from './rules';

const noNul = (text: string) => !text.includes('\u0000');

function text(label: string, limit: number) {
	return z
		.string()
		.trim()
		.max(limit, `Keep the ${label} under ${limit} characters`)
		.refine(noNul, `The ${label} contains a NUL character`);
}

function money(currency: Currency, label: string) {
	return z.string().transform((typed, context) => {
		const parsed = parseMoney(typed, currency);
		if (parsed.ok) return parsed.minor;
		context.addIssue({ code: 'custom', message: `${label}: ${parsed.message}` });
		return z.NEVER;
	});
}

function optionalMoney(currency: Currency, label: string) {
	return z
		.string()
		.optional()
		.transform((typed) => typed?.trim() || undefined)
		.pipe(money(currency, label).optional())
		.transform((minor) => minor ?? null);
}

const stock = z
	.string()
	.trim()
	.regex(/^\d{1,7}$/, `Stock is a whole number from 0 to ${catalogLimits.stock}`)
	.transform(Number)
	.refine((count) => count <= catalogLimits.stock, `Stock is at most ${catalogLimits.stock}`);

export const catalogFilterSchema = z.object({
	query: z
		.string()
		.trim()
		.max(200)
		.nullable()
		.catch(null)
		.transform((query) => query || null),
	status: z.enum(productStatuses).nullable().catch(null),
	page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

const productId = z.uuid({ error: 'That product is gone; reload the page' });

/** The catalog list's inline edit of one product: any of price, stock and status. */
export function quickEditSchema(currency: Currency) {
	return z.object({
		productId,
		price: optionalMoney(currency, 'Price'),
		stock: stock.optional(),
		status: z.enum(productStatuses, { error: 'Choose draft, active or archived' }),
	});
}

export const archiveSchema = z.object({
	productIds: z
		.string()
		.transform((ids) => ids.split(',').filter(Boolean))
		.pipe(z.array(productId).min(1, 'Select the products to archive').max(1000)),
});

export const currencySchema = z.object({
	currency: z
		.string()
		.trim()
		.regex(/^[A-Za-z]{3}$/, 'Choose a three-letter currency code')
		.transform((code) => code.toUpperCase()),
});

const list = (separator: RegExp) =>
	z
		.string()
		.optional()
		.transform((typed) =>
			(typed ?? '')
				.split(separator)
				.map((entry) => entry.trim())
				.filter(Boolean),
		);

/** The product editor's fields, nested from names like `variants.2.sku` (see nestForm). */
export function productEditorSchema(currency: Currency) {
	return z
		.object({
			id: z.union([z.literal(''), productId]).optional(),
			title: text('title', catalogLimits.title).min(1, 'Enter a title'),
			description: text('description', catalogLimits.description).optional().default(''),
			vendor: text('vendor', catalogLimits.vendor).optional().default(''),
			price: money(currency, 'Price'),
			compareAtPrice: optionalMoney(currency, 'Compare-at price'),
			status: z.enum(productStatuses, { error: 'Choose draft, active or archived' }),
			tags: list(/,/).pipe(
				z
					.array(text('tag', catalogLimits.tag))
					.max(catalogLimits.tags, `Use at most ${catalogLimits.tags} tags`),
			),
			imageUrls: list(/\s+/).pipe(
				z
					.array(
						z.string().refine(isWebUrl, 'Each image address starts with https:// (or http://)'),
					)
					.max(catalogLimits.images, `Use at most ${catalogLimits.images} images`),
			),
			optionNames: z
				.array(text('option name', catalogLimits.optionName).min(1, 'Name each option'))
				.max(3, 'A product has at most 3 options')
				.optional()
				.default([]),
			variants: z
				.array(
					z.object({
						optionValues: z
							.array(
								text('option value', catalogLimits.optionValue).min(1, 'Give each option a value'),
							)
							.optional()
							.default([]),
						sku: text('SKU', catalogLimits.sku).optional().default(''),
						barcode: text('barcode', catalogLimits.sku).optional().default(''),
						price: optionalMoney(currency, 'Variant price'),
						stock,
						stockSeen: z.literal('').or(stock).optional(),
					}),
				)
				.min(1, 'A product needs at least one variant')
				.max(catalogLimits.variants, `A product has at most ${catalogLimits.variants} variants`),
		})
		.transform((form): ProductInput => ({
			...(form.id ? { id: form.id } : {}),
			title: form.title,
			description: form.description,
			vendor: form.vendor || null,
			price: form.price,
			compare_at_price: form.compareAtPrice,
			image_urls: form.imageUrls,
			tags: form.tags,
			status: form.status,
			option_names: form.optionNames,
			variants: form.variants.map((variant) => ({
				option_values: variant.optionValues,
				sku: variant.sku || null,
				barcode: variant.barcode || null,
				price: variant.price,
				stock: variant.stock,
				...(typeof variant.stockSeen === 'number' ? { stock_seen: variant.stockSeen } : {}),
			})),
		}));
}

/**
 * Form fields named with dotted paths (`variants.0.optionValues.1`) as nested objects and arrays;
 * a numeric segment makes an array. Files are left out.
 */
export function nestForm(form: FormData): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [name, value] of form.entries()) {
		if (typeof value !== 'string') continue;
		const path = name.split('.');
		if (path.some((segment) => segment === '__proto__' || segment === 'constructor')) continue;
		let node: Record<string, unknown> | unknown[] = root;
		path.forEach((segment, index) => {
			const key = /^\d{1,3}$/.test(segment) ? Number(segment) : segment;
			const container = node as Record<string | number, unknown>;
			if (index === path.length - 1) {
				container[key] = value;
				return;
			}
			container[key] ??= /^\d{1,3}$/.test(path[index + 1]) ? [] : {};
			node = container[key] as Record<string, unknown> | unknown[];
		});
	}
	return root;
}

/** The first message per field path ("variants.1.sku"), for showing beside the field. */
export function issuesByPath(error: z.ZodError): Record<string, string> {
	const messages: Record<string, string> = {};
	for (const issue of error.issues) messages[issue.path.join('.')] ??= issue.message;
	return messages;
}
