// What the setup page's "Add from catalog" offers and sends: catalog variants with what of their
// stock is free for a show, and the add_catalog_items elements made from the seller's choice.
import type { ProductStatus } from './rules';

// The setup page's catalog endpoint (shows/[id]/catalog) builds these from rows it has checked;
// the page reads them as typed, without a second check in the browser.
export interface PickableVariant {
	id: string;
	label: string;
	sku: string | null;
	barcode: string | null;
	/** Minor units of the catalog's currency. */
	price: number;
	stock: number;
	/** Stock no show not yet ended holds. */
	free: number;
}

export interface PickableProduct {
	id: string;
	title: string;
	imageUrl: string | null;
	status: ProductStatus;
	variants: PickableVariant[];
}

export interface CatalogSearchResult {
	products: PickableProduct[];
	/** Codes that matched no SKU or barcode (a code lookup only). */
	missing: string[];
}

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
