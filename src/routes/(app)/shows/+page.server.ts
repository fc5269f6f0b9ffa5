import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { showSchema, showStatuses } from '$lib/rows';
import type { PageServerLoad } from './$types';

const listLimit = 100;
const listColumns = 'id, name, status, platform, created_at, started_at, ended_at';
const listedShowSchema = showSchema.pick({
	id: true,
	name: true,
	status: true,
	platform: true,
	created_at: true,
	started_at: true,
	ended_at: true,
});
const statusFilterSchema = z.enum(showStatuses).nullable().catch(null);

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { workspace } = await parent();
	const status = statusFilterSchema.parse(url.searchParams.get('status'));
	if (!workspace) return { shows: [], total: 0, status, listLimit };

	let query = locals.supabase
		.from('shows')
		.select(listColumns, { count: 'exact' })
		.eq('workspace_id', workspace.id);
	if (status) query = query.eq('status', status);
	const {
		data,
		count,
		error: readError,
		status: httpStatus,
	} = await query.order('created_at', { ascending: false }).limit(listLimit);
	if (readError) error(502, `Couldn’t load your shows: ${describeRpcError(readError, httpStatus)}`);
	return {
		shows: z.array(listedShowSchema).parse(data),
		total: count ?? data.length,
		status,
		listLimit,
	};
};
