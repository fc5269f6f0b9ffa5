import { orderFilterFrom } from '$lib/orders';
import { readCurrencyExponents, readOrders } from '$lib/server/orders';
import { z } from 'zod';
import { error } from '@sveltejs/kit';
import { describeRpcError } from '$lib/rpc-error';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url, depends }) => {
	// Realtime changes to the workspace's orders re-run this load (see +page.svelte).
	depends('app:orders');
	const { workspace } = await parent();
	const query = (url.searchParams.get('q') ?? '').slice(0, 200);
	const filter = orderFilterFrom(url.searchParams.get('status'));
	if (!workspace)
		return {
			workspaceId: null,
			orders: [],
			truncated: false,
			exponents: new Map(),
			showNames: new Map(),
			query,
			filter,
		};
	const [{ orders, truncated }, exponents] = await Promise.all([
		readOrders(locals.supabase, workspace.id, { query, filter }),
		readCurrencyExponents(locals.supabase),
	]);
	const showIds = [
		...new Set(orders.flatMap((order) => order.order_lines.map((line) => line.show_id))),
	];
	const shows = showIds.length
		? await locals.supabase.from('shows').select('id, name').in('id', showIds)
		: { data: [], error: null, status: 200 };
	if (shows.error)
		error(502, `Couldn’t load the shows: ${describeRpcError(shows.error, shows.status)}`);
	const showNames = new Map(
		z
			.array(z.object({ id: z.uuid(), name: z.string() }))
			.parse(shows.data)
			.map((show) => [show.id, show.name]),
	);
	return { workspaceId: workspace.id, orders, truncated, exponents, showNames, query, filter };
};
