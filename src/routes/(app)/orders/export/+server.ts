// The workspace's orders as CSV, with the page's buyer search and status filter: one row per
// order with its status and amounts, then paid and outstanding totals per currency.
import { error } from '@sveltejs/kit';
import { csvDownloadHeaders, csvFileName, toCsv } from '$lib/csv';
import { orderFilterFrom, orderTotals } from '$lib/orders';
import {
	orderCsvHeader,
	orderCsvRow,
	orderCsvTotalRows,
	readCurrencyExponents,
	readOrders,
} from '$lib/server/orders';
import { currentWorkspace } from '$lib/server/workspace';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, cookies, url }) => {
	const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
	if (!workspace) error(409, workspaceError ?? 'Your account has no workspace.');
	const filter = orderFilterFrom(url.searchParams.get('status'));
	const [{ orders }, exponents] = await Promise.all([
		readOrders(locals.supabase, workspace.id, {
			query: (url.searchParams.get('q') ?? '').slice(0, 200),
			filter,
		}),
		readCurrencyExponents(locals.supabase),
	]);
	const rows = [
		...orders.map((order) => orderCsvRow(order, exponents)),
		...orderCsvTotalRows(orderTotals(orders), exponents),
	];
	const day = new Date().toISOString().slice(0, 10);
	return new Response(toCsv(orderCsvHeader, rows), {
		headers: csvDownloadHeaders(csvFileName(`${workspace.name} orders`, day, filter)),
	});
};
