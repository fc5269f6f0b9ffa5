import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { issuesByPath, nestForm, productEditorSchema } from '$lib/catalog/forms';
import { productSchema } from '$lib/catalog/product';
import { describeRpcError } from '$lib/rpc-error';
import { combinationKey } from '$lib/catalog/variant-matrix';
import { readCatalogContext, readProduct } from '$lib/server/catalog';
import { heldInShows, readHeldStock } from '$lib/server/stock';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

// "new" opens an empty editor; anything else must be a product id.
const productIdParam = z.union([z.literal('new'), z.uuid()]);

export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { workspace } = await parent();
	const id = productIdParam.safeParse(params.id);
	if (!id.success) error(404, 'There is no such product in this workspace.');
	if (!workspace) error(409, 'Your account has no workspace.');
	const [context, product, stock] = await Promise.all([
		readCatalogContext(locals.supabase, workspace),
		id.data === 'new' ? null : readProduct(locals.supabase, workspace.id, id.data),
		id.data === 'new' ? new Map() : readHeldStock(locals.supabase, workspace.id),
	]);
	// Units items of shows not yet ended hold, per variant (by its combination's key).
	const reservedInShows: Record<string, number> = {};
	if (product) {
		for (const variant of product.variants) {
			const variantStock = stock.get(variant.id);
			const held = variantStock ? heldInShows(variantStock) : 0;
			if (held > 0) reservedInShows[combinationKey(variant.option_values)] = held;
		}
	}
	return { context, product, reservedInShows };
};

export const actions: Actions = {
	default: async ({ request, locals, cookies }) => {
		const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
		if (!workspace)
			return fail(409, { errors: {}, message: workspaceError ?? 'Your account has no workspace.' });
		const context = await readCatalogContext(locals.supabase, workspace);
		const parsed = productEditorSchema(context.currency).safeParse(
			nestForm(await request.formData()),
		);
		if (!parsed.success)
			return fail(400, {
				errors: issuesByPath(parsed.error),
				message: 'Check the highlighted fields.',
			});
		const {
			data,
			error: saveError,
			status,
		} = await locals.supabase.rpc('save_product', {
			workspace_id: workspace.id,
			product: parsed.data,
		});
		if (saveError)
			return fail(status || 502, { errors: {}, message: describeRpcError(saveError, status) });
		const saved = productSchema.parse(data);
		redirect(303, `/catalog/${saved.id}?saved=1`);
	},
};
