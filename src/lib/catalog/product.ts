// A catalog product as the database returns it (save_product, search_products) and as the
// console sends it back (the product JSON of save_product and import_products).
import { z } from 'zod';
import { productStatuses, type ProductStatus } from './rules';

// Postgres stores bigint amounts; PostgREST returns them as JSON numbers.
const amount = z.number().int().nonnegative();

export const variantSchema = z.object({
	id: z.uuid(),
	option_values: z.array(z.string()),
	sku: z.string().nullable(),
	barcode: z.string().nullable(),
	price: amount.nullable(),
	stock: z.number().int(),
});
export type Variant = z.infer<typeof variantSchema>;

export const productSchema = z.object({
	id: z.uuid(),
	handle: z.string(),
	title: z.string(),
	description: z.string(),
	price: amount,
	compare_at_price: amount.nullable(),
	vendor: z.string().nullable(),
	image_urls: z.array(z.string()),
	tags: z.array(z.string()),
	option_names: z.array(z.string()),
	status: z.enum(productStatuses),
	source: z.enum(['manual', 'csv', 'instagram']),
	updated_at: z.string(),
	variants: z.array(variantSchema),
});
export type Product = z.infer<typeof productSchema>;

export const productPageSchema = z.object({
	total: z.number().int(),
	products: z.array(productSchema),
});

/** What save_product and import_products take. */
export interface ProductInput {
	id?: string;
	handle?: string;
	title: string;
	description: string;
	vendor: string | null;
	price: number;
	compare_at_price: number | null;
	image_urls: string[];
	tags: string[];
	status: ProductStatus;
	option_names: string[];
	variants: VariantInput[];
}

export interface VariantInput {
	option_values: string[];
	sku: string | null;
	barcode: string | null;
	price: number | null;
	stock: number;
	/** The stock the editor was opened with: what the seller changed is applied to today's stock. */
	stock_seen?: number;
}

/** The price a variant sells at: its own, else the product's. */
export function variantPrice(product: Pick<Product, 'price'>, variant: Pick<Variant, 'price'>) {
	return variant.price ?? product.price;
}
