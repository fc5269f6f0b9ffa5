// Catalog stock as shows see it: what each variant has on hand and what items of shows not yet
// ended hold of it (the database computes the same in private.reserved_stock when it reserves).
// Read with the caller's session, so row level security keeps it to their workspace.
import { error } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { Currency } from '$lib/catalog/money';
import { describeRpcError } from '$lib/rpc-error';
import { selectAll } from './select-all';

const heldItemSchema = z.object({
	id: z.uuid(),
	product_variant_id: z.uuid(),
	quantity: z.number().int(),
	product_variants: z.object({ stock: z.number().int() }),
});

export interface VariantStock {
	stock: number;
	/** Units items of shows not yet ended hold, by show item id. */
	heldBy: Map<string, number>;
}

/**
 * Every variant of the workspace that items of shows not yet ended draw from, with its stock and
 * what each of those items holds: one paged read, whatever the number of variants. A variant
 * missing from the map is held by no show.
 */
export async function readHeldStock(
	supabase: SupabaseClient,
	workspaceId: string,
): Promise<Map<string, VariantStock>> {
	const held = await selectAll((from, to) =>
		supabase
			.from('show_items')
			.select(
				'id, product_variant_id, quantity, product_variants!inner(stock), shows!inner(status)',
				{
					count: 'exact',
				},
			)
			.eq('shows.workspace_id', workspaceId)
			.neq('shows.status', 'ended')
			.order('id')
			.range(from, to),
	);
	if (held.error) throw new Error(`Couldn’t read the stock shows hold: ${held.error.message}`);
	const stock = new Map<string, VariantStock>();
	for (const item of z.array(heldItemSchema).parse(held.rows)) {
		let variant = stock.get(item.product_variant_id);
		if (!variant)
			stock.set(
				item.product_variant_id,
				(variant = { stock: item.product_variants.stock, heldBy: new Map() }),
			);
		variant.heldBy.set(item.id, item.quantity);
	}
	return stock;
}

/** Units of the variant that items of shows not yet ended hold, leaving out `exceptItemId`. */
export function heldInShows(variant: VariantStock, exceptItemId: string | null = null): number {
	let held = 0;
	for (const [itemId, quantity] of variant.heldBy) if (itemId !== exceptItemId) held += quantity;
	return held;
}

/** Units of the variant free for `itemId` (what other items leave of the stock), never below 0. */
export function freeStockFor(variant: VariantStock, itemId: string | null = null): number {
	return Math.max(variant.stock - heldInShows(variant, itemId), 0);
}

const showCurrencySchema = z.object({
	currency: z.string(),
	currencies: z.object({ minor_unit: z.number().int() }),
});

/** The currency of a show's prices, with its ISO 4217 exponent: one read, by the show's id. */
export async function readShowCurrency(
	supabase: SupabaseClient,
	showId: string,
): Promise<Currency> {
	const {
		data,
		error: readError,
		status,
	} = await supabase
		.from('shows')
		.select('currency, currencies(minor_unit)')
		.eq('id', showId)
		.maybeSingle();
	if (readError)
		throw new Error(`Couldn’t read the show’s currency: ${describeRpcError(readError, status)}`);
	// As readShow answers: a show the reader may not see is not found, whichever read runs first.
	if (!data) error(404, 'There is no such show in your workspace');
	const show = showCurrencySchema.parse(data);
	return { code: show.currency, exponent: show.currencies.minor_unit };
}
