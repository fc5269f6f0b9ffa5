// Reads for the catalog pages: the workspace's currency and the caller's right to edit, and pages
// of products through search_products (row level security decides what is visible).
import { error } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { Currency } from '$lib/catalog/money';
import { productPageSchema, productSchema, type Product } from '$lib/catalog/product';
import type { ProductStatus } from '$lib/catalog/rules';
import { describeRpcError } from '$lib/rpc-error';
import type { Membership } from '$lib/roles';
import { hasRole } from '$lib/server/workspace';

export const catalogPageSize = 50;
/** search_products' largest page: what the export reads at a time. */
const exportPageSize = 10_000;

export interface CatalogContext {
	currency: Currency;
	/** Every ISO 4217 code the database accepts, for the currency picker. */
	currencyCodes: string[];
	/** Admins and owners edit the catalog; assistants read it. */
	canEdit: boolean;
}

const currencyListSchema = z.array(z.object({ code: z.string(), minor_unit: z.number().int() }));

export async function readCatalogContext(
	supabase: SupabaseClient,
	workspace: Membership,
): Promise<CatalogContext> {
	const [settings, currencies] = await Promise.all([
		supabase.from('workspaces').select('currency').eq('id', workspace.id).single(),
		supabase.from('currencies').select('code, minor_unit').order('code'),
	]);
	for (const read of [settings, currencies])
		if (read.error)
			error(
				502,
				`Couldn’t load the catalog settings: ${describeRpcError(read.error, read.status)}`,
			);
	const code = z.object({ currency: z.string() }).parse(settings.data).currency;
	const list = currencyListSchema.parse(currencies.data);
	const exponent = list.find((currency) => currency.code === code)?.minor_unit;
	if (exponent === undefined)
		error(502, `The workspace’s currency ${code} is not in the currency list`);
	return {
		currency: { code, exponent },
		currencyCodes: list.map((currency) => currency.code),
		canEdit: hasRole(workspace.role, 'admin'),
	};
}

export async function searchProducts(
	supabase: SupabaseClient,
	workspaceId: string,
	filter: { query: string | null; status: ProductStatus | null; page: number; pageSize?: number },
): Promise<{ total: number; products: Product[] }> {
	const pageSize = filter.pageSize ?? catalogPageSize;
	const {
		data,
		error: readError,
		status,
	} = await supabase.rpc('search_products', {
		workspace_id: workspaceId,
		query: filter.query,
		status: filter.status,
		page_size: pageSize,
		page_offset: (filter.page - 1) * pageSize,
	});
	if (readError) error(502, `Couldn’t load the catalog: ${describeRpcError(readError, status)}`);
	return productPageSchema.parse(data);
}

/** Every product of the workspace, in pages of search_products' largest size. */
export async function readAllProducts(
	supabase: SupabaseClient,
	workspaceId: string,
): Promise<Product[]> {
	const products: Product[] = [];
	for (let page = 1; ; page++) {
		const read = await searchProducts(supabase, workspaceId, {
			query: null,
			status: null,
			page,
			pageSize: exportPageSize,
		});
		products.push(...read.products);
		if (read.products.length < exportPageSize || products.length >= read.total) return products;
	}
}

export async function readProduct(
	supabase: SupabaseClient,
	workspaceId: string,
	productId: string,
): Promise<Product> {
	const [product, variants] = await Promise.all([
		supabase
			.from('products')
			.select('*')
			.eq('workspace_id', workspaceId)
			.eq('id', productId)
			.maybeSingle(),
		supabase.from('product_variants').select('*').eq('product_id', productId).order('position'),
	]);
	if (product.error)
		error(502, `Couldn’t load the product: ${describeRpcError(product.error, product.status)}`);
	if (variants.error)
		error(502, `Couldn’t load the variants: ${describeRpcError(variants.error, variants.status)}`);
	if (!product.data) error(404, 'There is no such product in this workspace.');
	return productSchema.parse({ ...product.data, variants: variants.data });
}
