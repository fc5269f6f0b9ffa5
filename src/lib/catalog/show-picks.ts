// What the setup page's "Add from catalog" offers and sends: catalog variants with what of their
// stock is free for a show, and the add_catalog_items elements made from the seller's choice.
import { z } from 'zod';

export const pickableVariantSchema = z.object({
	id: z.uuid(),
	label: z.string(),
	sku: z.string().nullable(),
	barcode: z.string().nullable(),
	/** Minor units of the catalog's currency. */
	price: z.number().int(),
	stock: z.number().int(),
	/** Stock no show not yet ended holds. */
	free: z.number().int(),
});
export type PickableVariant = z.infer<typeof pickableVariantSchema>;

export const pickableProductSchema = z.object({
	id: z.uuid(),
	title: z.string(),
	imageUrl: z.string().nullable(),
	status: z.enum(['draft', 'active', 'archived']),
	variants: z.array(pickableVariantSchema),
});
export type PickableProduct = z.infer<typeof pickableProductSchema>;

export const catalogSearchResultSchema = z.object({
	products: z.array(pickableProductSchema),
	/** Codes that matched no SKU or barcode (a code lookup only). */
	missing: z.array(z.string()),
});
export type CatalogSearchResult = z.infer<typeof catalogSearchResultSchema>;

/** One add_catalog_items element: a product's chosen variants under one item number. */
export interface CatalogPick {
	productId: string;
	variantIds: string[];
	/** Null: the number after the show's highest. */
	itemNumber: string | null;
}

/**
 * The elements for add_catalog_items: every variant of a product when all are chosen (so the
 * database takes them in the product's order), else the chosen ones; picks with none are dropped.
 */
export function catalogItemsFrom(picks: CatalogPick[], products: PickableProduct[]) {
	const byId = new Map(products.map((product) => [product.id, product]));
	return picks
		.filter((pick) => pick.variantIds.length > 0)
		.map((pick) => {
			const product = byId.get(pick.productId);
			const everyVariant =
				product !== undefined &&
				product.variants.every((variant) => pick.variantIds.includes(variant.id));
			return {
				...(everyVariant ? { product_id: pick.productId } : { variants: pick.variantIds }),
				...(pick.itemNumber ? { item_number: pick.itemNumber } : {}),
			};
		});
}

/** Pasted or scanned codes: one per line, comma or tab; blanks and repeats dropped. */
export function parseCodes(text: string): string[] {
	return [
		...new Set(
			text
				.split(/[\n\r,;\t]+/)
				.map((code) => code.trim())
				.filter((code) => code !== ''),
		),
	];
}
