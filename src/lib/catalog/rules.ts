// The catalog's vocabulary and the limits the database enforces, for pages and servers alike;
// free of zod so the catalog pages stay light.

export const productStatuses = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof productStatuses)[number];

/** Limits the database enforces, checked first so the console can name the field. */
export const catalogLimits = {
	title: 255,
	description: 20000,
	vendor: 255,
	sku: 100,
	optionName: 50,
	optionValue: 100,
	tag: 100,
	tags: 50,
	images: 20,
	url: 2048,
	variants: 100,
	stock: 1_000_000,
} as const;

/** Import limits: a file larger than this is refused before it is read. */
export const maxImportBytes = 5 * 1024 * 1024;
export const maxImportRows = 10_000;

/** "Blue / M", or "Default" for the variant of a product without options. */
export function variantLabel(variant: { option_values: readonly string[] }): string {
	return variant.option_values.length > 0 ? variant.option_values.join(' / ') : 'Default';
}

/** An absolute http(s) address, as the database's private.are_web_urls accepts. */
export function isWebUrl(text: string): boolean {
	return text.length <= catalogLimits.url && /^https?:\/\/[^\s/?#@]+(\/\S*)?$/.test(text);
}
