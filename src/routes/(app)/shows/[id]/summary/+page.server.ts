import { buyerName } from '$lib/live/labels';
import { claimSchema } from '$lib/rows';
import {
	countClaims,
	readBuyerRollups,
	readClaims,
	readItems,
	readShow,
	showIdFrom,
} from '$lib/server/show-report';
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

export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	const showId = showIdFrom(params);
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
		timed('claims', readClaims(locals.supabase, showId, openClaimSchema, ['winner', 'waitlist'])),
		timed('count', countClaims(locals.supabase, showId)),
		timed('buyers', readBuyerRollups(locals.supabase, showId)),
	]);
	setHeaders({ 'server-timing': timings.join(', ') });

	// Winners in the order they won, waiters by place, per item in one pass. Only a line of names per
	// item travels to the page, which keeps a 5,000-claim show's page light.
	const claimsByItem = new Map<
		string,
		{ winners: string[]; waitlist: { place: number; name: string }[] }
	>();
	for (const claim of openClaims) {
		let entry = claimsByItem.get(claim.show_item_id);
		if (!entry) claimsByItem.set(claim.show_item_id, (entry = { winners: [], waitlist: [] }));
		const name = claim.is_test ? `${buyerName(claim)} (test)` : buyerName(claim);
		if (claim.status === 'winner') entry.winners.push(name);
		else entry.waitlist.push({ place: claim.waitlist_position ?? 0, name });
	}
	const breakdown = items.map((item) => {
		const entry = claimsByItem.get(item.id);
		const waitlist = (entry?.waitlist ?? []).sort((a, b) => a.place - b.place);
		return {
			item,
			winners: entry?.winners.join(', ') ?? '',
			waitlist: waitlist.map((waiter) => `${waiter.place}. ${waiter.name}`).join(', '),
		};
	});
	const totals = {
		items: items.length,
		units: items.reduce((sum, item) => sum + item.quantity, 0),
		soldUnits: items.reduce((sum, item) => sum + item.claimed_count, 0),
		claims: claimCount,
		buyers: buyers.filter((buyer) => buyer.won_count > 0).length,
		waitlisted: items.reduce((sum, item) => sum + item.waitlist_count, 0),
	};
	return { show, breakdown, buyers, totals };
};
