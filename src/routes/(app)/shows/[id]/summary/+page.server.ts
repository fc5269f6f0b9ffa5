import { claimSchema } from '$lib/rows';
import {
	countClaims,
	includeTestsFrom,
	readBuyerRollups,
	readClaims,
	readItems,
	readShow,
	showIdFrom,
} from '$lib/server/show-report';
import { readCurrency } from '$lib/server/stock';
import { summarize } from './summary';
import type { PageServerLoad } from './$types';

const openClaimSchema = claimSchema.pick({
	show_item_id: true,
	status: true,
	waitlist_position: true,
	user_handle: true,
	user_display_name: true,
	platform_user_id: true,
	is_test: true,
});

export const load: PageServerLoad = async ({ locals, params, setHeaders, url }) => {
	const showId = showIdFrom(params);
	const includeTests = includeTestsFrom(url);
	// Each read's duration goes out as Server-Timing, for dev tools and the e2e suite's timing.
	const timings: string[] = [];
	const timed = async <T>(name: string, read: Promise<T>): Promise<T> => {
		const startedAt = performance.now();
		const result = await read;
		timings.push(`${name};dur=${(performance.now() - startedAt).toFixed(1)}`);
		return result;
	};
	const [show, items, openClaims, claimCount, buyers] = await Promise.all([
		timed('show', readShow(locals.supabase, showId)),
		timed('items', readItems(locals.supabase, showId)),
		// Test claims too, so the page can say how many it leaves out.
		timed(
			'claims',
			readClaims(locals.supabase, showId, openClaimSchema, {
				statuses: ['winner', 'waitlist'],
				includeTests: true,
			}),
		),
		timed('count', countClaims(locals.supabase, showId, { includeTests })),
		timed('buyers', readBuyerRollups(locals.supabase, showId, { includeTests })),
	]);
	const currency = await timed('currency', readCurrency(locals.supabase, show.currency));
	setHeaders({ 'server-timing': timings.join(', ') });

	const { breakdown, totals, buyerSales } = summarize(items, openClaims, {
		claimCount,
		buyerCount: buyers.filter((buyer) => buyer.won_count > 0).length,
		includeTests,
	});
	return { show, currency, breakdown, buyers, buyerSales, totals, includeTests };
};
