// Catalog stock as shows see it: what each variant has on hand and what items of shows not yet
// ended hold of it (the database computes the same in private.reserved_stock when it reserves).
// Read with the caller's session, so row level security keeps it to their workspace.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import type { Currency } from '$lib/catalog/money';
import { describeRpcError } from '$lib/rpc-error';
import { selectAll } from './select-all';

// Ids per request: a hundred uuids keep the query string far under URL limits.
const idsPerRead = 100;

const reservationSchema = z.object({ product_variant_id: z.uuid(), quantity: z.number().int() });
const variantStockSchema = z.object({ id: z.uuid(), stock: z.number().int() });

export interface VariantStock {
	stock: number;
	/** Units items of shows not yet ended hold, by show item id. */
	heldBy: Map<string, number>;
}

function chunks<T>(list: T[]): T[][] {
	return Array.from({ length: Math.ceil(list.length / idsPerRead) }, (_, index) =>
		list.slice(index * idsPerRead, (index + 1) * idsPerRead),
	);
}

/** Stock and reservations of the given variants (unknown ids are left out). */
export async function readVariantStock(
	supabase: SupabaseClient,
	variantIds: string[],
): Promise<Map<string, VariantStock>> {
	const ids = [...new Set(variantIds)];
	const reads = await Promise.all(
		chunks(ids).map(async (some) => {
			const [variants, held] = await Promise.all([
				supabase.from('product_variants').select('id, stock').in('id', some),
				selectAll((from, to) =>
					supabase
						.from('show_items')
						.select('id, product_variant_id, quantity, shows!inner(status)', { count: 'exact' })
						.in('product_variant_id', some)
						.neq('shows.status', 'ended')
						.order('id')
						.range(from, to),
				),
			]);
			if (variants.error)
				throw new Error(
					`Couldn’t read stock: ${describeRpcError(variants.error, variants.status)}`,
				);
			if (held.error) throw new Error(`Couldn’t read reserved stock: ${held.error.message}`);
			return { variants: variants.data, held: held.rows };
		}),
	);
	const stock = new Map<string, VariantStock>();
	for (const read of reads)
		for (const variant of z.array(variantStockSchema).parse(read.variants))
			stock.set(variant.id, { stock: variant.stock, heldBy: new Map() });
	for (const read of reads)
		for (const row of read.held) {
			const item = reservationSchema.extend({ id: z.uuid() }).parse(row);
			stock.get(item.product_variant_id)?.heldBy.set(item.id, item.quantity);
		}
	return stock;
}

/** Units of the variant free for `itemId` (what other items leave of the stock), never below 0. */
export function freeStockFor(variant: VariantStock, itemId: string | null = null): number {
	let held = 0;
	for (const [heldById, quantity] of variant.heldBy) if (heldById !== itemId) held += quantity;
	return Math.max(variant.stock - held, 0);
}

/** The currency of a show's prices, with its ISO 4217 exponent. */
export async function readCurrency(supabase: SupabaseClient, code: string): Promise<Currency> {
	const { data, error, status } = await supabase
		.from('currencies')
		.select('minor_unit')
		.eq('code', code)
		.maybeSingle();
	if (error) throw new Error(`Couldn’t read the currency: ${describeRpcError(error, status)}`);
	if (!data) throw new Error(`The currency ${code} is not in the currency list`);
	return { code, exponent: z.object({ minor_unit: z.number().int() }).parse(data).minor_unit };
}
