// The whole catalog as Shopify's product CSV, for re-import here or into Shopify.
import { error } from '@sveltejs/kit';
import { csvDownloadHeaders, csvFileName } from '$lib/csv';
import { catalogToShopifyCsv } from '$lib/catalog/shopify-csv';
import { readAllProducts, readCatalogContext } from '$lib/server/catalog';
import { currentWorkspace } from '$lib/server/workspace';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, cookies }) => {
	const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
	if (!workspace) error(409, workspaceError ?? 'Your account has no workspace.');
	const [context, products] = await Promise.all([
		readCatalogContext(locals.supabase, workspace),
		readAllProducts(locals.supabase, workspace.id),
	]);
	const day = new Date().toISOString().slice(0, 10);
	return new Response(catalogToShopifyCsv(products, context.currency), {
		headers: csvDownloadHeaders(csvFileName(workspace.name, day, 'products')),
	});
};
