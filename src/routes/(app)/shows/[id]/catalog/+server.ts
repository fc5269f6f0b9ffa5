// The setup page's catalog lookups, as JSON: ?q= searches titles, SKUs and tags (search_products);
// ?codes= finds pasted or scanned SKUs and barcodes (find_catalog_variants). Each variant comes
// with what of its stock shows not yet ended leave free. Archived products are not offered.
import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { productPageSchema } from '$lib/catalog/product';
import {
	parseCodes,
	type CatalogSearchResult,
	type PickableProduct,
} from '$lib/catalog/show-picks';
import { variantLabel } from '$lib/catalog/product';
import { describeRpcError } from '$lib/rpc-error';
import { showIdFrom } from '$lib/server/show-report';
import { heldInShows, readHeldStock } from '$lib/server/stock';
import type { RequestHandler } from './$types';

const resultsShown = 20;

const foundSchema = z.object({
	found: z.array(
		z.object({
			variant_id: z.uuid(),
			product_id: z.uuid(),
			title: z.string(),
			variant_label: z.string(),
			sku: z.string().nullable(),
			barcode: z.string().nullable(),
			price: z.number().int(),
			stock: z.number().int(),
			reserved: z.number().int(),
			image_url: z.string().nullable(),
			status: z.enum(['draft', 'active', 'archived']),
		}),
	),
	missing: z.array(z.string()),
});

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const show = await locals.supabase
		.from('shows')
		.select('workspace_id')
		.eq('id', showId)
		.maybeSingle();
	if (show.error) error(502, describeRpcError(show.error, show.status));
	if (!show.data) error(404, 'There is no such show in your workspace');
	const workspaceId = z.object({ workspace_id: z.uuid() }).parse(show.data).workspace_id;

	const codes = url.searchParams.get('codes');
	if (codes !== null) {
		const wanted = parseCodes(codes);
		if (wanted.length === 0)
			return json({ products: [], missing: [] } satisfies CatalogSearchResult);
		const {
			data,
			error: lookupError,
			status,
		} = await locals.supabase.rpc('find_catalog_variants', {
			workspace_id: workspaceId,
			codes: wanted,
		});
		if (lookupError) error(status || 502, describeRpcError(lookupError, status));
		const lookup = foundSchema.parse(data);
		const products = new Map<string, PickableProduct>();
		for (const found of lookup.found) {
			if (found.status === 'archived') continue;
			let product = products.get(found.product_id);
			if (!product)
				products.set(
					found.product_id,
					(product = {
						id: found.product_id,
						title: found.title,
						imageUrl: found.image_url,
						status: found.status,
						variants: [],
					}),
				);
			if (product.variants.some((variant) => variant.id === found.variant_id)) continue;
			product.variants.push({
				id: found.variant_id,
				label: found.variant_label,
				sku: found.sku,
				barcode: found.barcode,
				price: found.price,
				stock: found.stock,
				free: Math.max(found.stock - found.reserved, 0),
			});
		}
		return json({
			products: [...products.values()],
			missing: lookup.missing,
		} satisfies CatalogSearchResult);
	}

	const query = url.searchParams.get('q')?.trim().slice(0, 200) ?? '';
	const {
		data,
		error: searchError,
		status,
	} = await locals.supabase.rpc('search_products', {
		workspace_id: workspaceId,
		query: query || null,
		status: null,
		page_size: resultsShown * 2,
		page_offset: 0,
	});
	if (searchError) error(status || 502, describeRpcError(searchError, status));
	const found = productPageSchema
		.parse(data)
		.products.filter((product) => product.status !== 'archived')
		.slice(0, resultsShown);
	const held = await readHeldStock(locals.supabase, workspaceId);
	const products: PickableProduct[] = found.map((product) => ({
		id: product.id,
		title: product.title,
		imageUrl: product.image_urls[0] ?? null,
		status: product.status,
		variants: product.variants.map((variant) => {
			const shows = held.get(variant.id);
			return {
				id: variant.id,
				label: product.option_names.length > 0 ? variantLabel(variant) : '',
				sku: variant.sku,
				barcode: variant.barcode,
				price: variant.price ?? product.price,
				stock: variant.stock,
				free: Math.max(variant.stock - (shows ? heldInShows(shows) : 0), 0),
			};
		}),
	}));
	return json({ products, missing: [] } satisfies CatalogSearchResult);
};
