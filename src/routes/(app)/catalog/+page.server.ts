import { fail } from '@sveltejs/kit';
import {
	archiveSchema,
	catalogFilterSchema,
	currencySchema,
	issuesByPath,
	quickEditSchema,
} from '$lib/catalog/forms';
import { maxImportBytes } from '$lib/catalog/rules';
import { shopifyCsvToCatalog, type RowError } from '$lib/catalog/shopify-csv';
import { describeRpcError } from '$lib/rpc-error';
import { catalogPageSize, readCatalogContext, searchProducts } from '$lib/server/catalog';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { workspace } = await parent();
	const filter = catalogFilterSchema.parse({
		query: url.searchParams.get('q'),
		status: url.searchParams.get('status'),
		page: url.searchParams.get('page') ?? undefined,
	});
	if (!workspace) return { catalog: null, filter, pageSize: catalogPageSize };
	const [context, page] = await Promise.all([
		readCatalogContext(locals.supabase, workspace),
		searchProducts(locals.supabase, workspace.id, filter),
	]);
	return { catalog: { ...context, ...page }, filter, pageSize: catalogPageSize };
};

type RequestContext = Parameters<typeof currentWorkspace>[0];

/** The workspace and its currency, or the failure to return when there is none. */
async function catalogOf(context: RequestContext) {
	const { workspace, error } = await currentWorkspace(context);
	if (!workspace) return { failure: error ?? 'Your account has no workspace.' } as const;
	return {
		workspace,
		context: await readCatalogContext(context.locals.supabase, workspace),
	} as const;
}

export const actions: Actions = {
	quickEdit: async ({ request, locals, cookies }) => {
		const found = await catalogOf({ locals, cookies });
		if ('failure' in found) return fail(409, { quickEdit: { message: found.failure } });
		const form = await request.formData();
		const parsed = quickEditSchema(found.context.currency).safeParse(Object.fromEntries(form));
		const productId = String(form.get('productId') ?? '');
		if (!parsed.success)
			return fail(400, {
				quickEdit: { productId, message: Object.values(issuesByPath(parsed.error))[0] },
			});
		const { price, stock, status } = parsed.data;
		const changes = {
			status,
			...(price === null ? {} : { price }),
			...(stock === undefined ? {} : { stock }),
		};
		const { error, status: httpStatus } = await locals.supabase.rpc('quick_edit_product', {
			product_id: parsed.data.productId,
			changes,
		});
		if (error)
			return fail(httpStatus || 502, {
				quickEdit: { productId, message: describeRpcError(error, httpStatus) },
			});
		return { quickEdit: { productId, saved: true } };
	},

	archive: async ({ request, locals, cookies }) => {
		const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
		if (!workspace)
			return fail(409, {
				archive: { message: workspaceError ?? 'Your account has no workspace.' },
			});
		const parsed = archiveSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success)
			return fail(400, { archive: { message: Object.values(issuesByPath(parsed.error))[0] } });
		const { data, error, status } = await locals.supabase.rpc('archive_products', {
			workspace_id: workspace.id,
			product_ids: parsed.data.productIds,
		});
		if (error)
			return fail(status || 502, { archive: { message: describeRpcError(error, status) } });
		return { archive: { archived: Number(data) } };
	},

	currency: async ({ request, locals, cookies }) => {
		const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
		if (!workspace)
			return fail(409, {
				currency: { message: workspaceError ?? 'Your account has no workspace.' },
			});
		const parsed = currencySchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success)
			return fail(400, { currency: { message: Object.values(issuesByPath(parsed.error))[0] } });
		const { error, status } = await locals.supabase.rpc('set_workspace_currency', {
			workspace_id: workspace.id,
			currency: parsed.data.currency,
		});
		if (error)
			return fail(status || 502, { currency: { message: describeRpcError(error, status) } });
		return { currency: { saved: parsed.data.currency } };
	},

	import: async ({ request, locals, cookies }) => {
		const found = await catalogOf({ locals, cookies });
		if ('failure' in found) return fail(409, { import: { message: found.failure, errors: [] } });
		const file = (await request.formData()).get('file');
		if (!(file instanceof File) || file.size === 0)
			return fail(400, { import: { message: 'Choose a CSV file to import.', errors: [] } });
		if (file.size > maxImportBytes)
			return fail(413, {
				import: {
					message: `The file is ${(file.size / 1024 / 1024).toFixed(1)} MB; import at most ${maxImportBytes / 1024 / 1024} MB at a time.`,
					errors: [],
				},
			});
		const plan = shopifyCsvToCatalog(await file.text(), found.context.currency);
		if (plan.errors.length > 0)
			return fail(422, {
				import: {
					message: 'Nothing was imported: fix these rows and import the file again.',
					errors: plan.errors,
				},
			});
		if (plan.products.length === 0)
			return fail(422, { import: { message: 'The file has no products.', errors: [] } });
		const { data, error, status } = await locals.supabase.rpc('import_products', {
			workspace_id: found.workspace.id,
			products: plan.products,
		});
		if (error) {
			// The database names the product by handle; point at the row it starts on.
			const handle = /^product "([^"]+)": /.exec(error.message)?.[1];
			const row = handle === undefined ? undefined : plan.firstRows.get(handle);
			const errors: RowError[] =
				row === undefined
					? []
					: [{ row, column: null, message: error.message.replace(/^product "[^"]+": /, '') }];
			return fail(status || 502, {
				import: {
					message: `Nothing was imported: ${errors.length > 0 ? 'fix this row and import the file again.' : describeRpcError(error, status)}`,
					errors,
				},
			});
		}
		const result = data as { created: number; updated: number };
		return {
			import: { created: result.created, updated: result.updated, errors: [] as RowError[] },
		};
	},
};
