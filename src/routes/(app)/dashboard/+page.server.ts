import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { showSchema } from '$lib/rows';
import { selectAll } from '$lib/server/select-all';
import type { PageServerLoad } from './$types';

const dashboardShowSchema = showSchema.pick({
	id: true,
	name: true,
	status: true,
	platform: true,
	created_at: true,
	started_at: true,
	ended_at: true,
});
const dashboardShowColumns = Object.keys(dashboardShowSchema.shape).join(', ');
const recentLimit = 5;
const dayMs = 24 * 60 * 60 * 1000;

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { workspace } = await parent();
	if (!workspace)
		return { running: [], recent: [], hasShows: false, last24h: { claims: 0, buyers: 0 } };
	const since = new Date(Date.now() - dayMs).toISOString();
	const shows = () =>
		locals.supabase.from('shows').select(dashboardShowColumns).eq('workspace_id', workspace.id);

	const [running, recent, recentlyOpen] = await Promise.all([
		shows().in('status', ['active', 'paused']).order('started_at', { ascending: false }),
		shows()
			.in('status', ['draft', 'ended'])
			.order('updated_at', { ascending: false })
			.limit(recentLimit),
		// Shows that could hold a claim from the last 24 hours: still open, or ended since.
		locals.supabase
			.from('shows')
			.select('id')
			.eq('workspace_id', workspace.id)
			.or(`ended_at.is.null,ended_at.gte.${since}`),
	]);
	for (const [what, result] of [
		['running shows', running],
		['recent shows', recent],
		['shows', recentlyOpen],
	] as const) {
		if (result.error)
			error(502, `Couldn’t load your ${what}: ${describeRpcError(result.error, result.status)}`);
	}

	const showIds = z
		.array(z.object({ id: z.uuid() }))
		.parse(recentlyOpen.data)
		.map((show) => show.id);
	const [claims, buyers] =
		showIds.length === 0
			? [
					{ count: 0, error: null, status: 200 },
					{ rows: [], error: null },
				]
			: await Promise.all([
					locals.supabase
						.from('claims')
						.select('id', { count: 'exact', head: true })
						.in('show_id', showIds)
						.eq('is_test', false)
						.gte('created_at', since),
					selectAll((from, to) =>
						locals.supabase
							.from('buyer_rollups')
							.select('buyer_key', { count: 'exact' })
							.in('show_id', showIds)
							.eq('has_test_claims', false)
							.gte('last_claimed_at', since)
							.order('buyer_key')
							.range(from, to),
					),
				]);
	if (claims.error)
		error(502, `Couldn’t count today’s claims: ${describeRpcError(claims.error, claims.status)}`);
	if (buyers.error)
		error(502, `Couldn’t count today’s buyers: ${describeRpcError(buyers.error, 502)}`);
	// A buyer of two shows is one buyer.
	const uniqueBuyers = new Set(
		z
			.array(z.object({ buyer_key: z.string() }))
			.parse(buyers.rows)
			.map((row) => row.buyer_key),
	).size;

	const runningShows = z.array(dashboardShowSchema).parse(running.data);
	const recentShows = z.array(dashboardShowSchema).parse(recent.data);
	return {
		running: runningShows,
		recent: recentShows,
		hasShows: runningShows.length + recentShows.length > 0,
		last24h: { claims: claims.count ?? 0, buyers: uniqueBuyers },
	};
};
