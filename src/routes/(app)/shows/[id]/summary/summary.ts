// The summary page's numbers from what it read: per-item winners and waitlist, what each buyer
// and the show sold in money, and the totals.
// Test claims count only when the page includes them; left out, an item a test claim holds reads
// as its real buyers leave it.
import { claimantName } from '$lib/labels';
import type { ReportItem } from '$lib/server/show-report';
import { lineTotal, salesOf, type SaleTotals } from '$lib/sales';

type ItemStatus = ReportItem['status'];

export interface OpenClaim {
	show_item_id: string;
	status: 'winner' | 'waitlist' | 'passed' | 'released';
	waitlist_position: number | null;
	user_handle: string | null;
	user_display_name: string | null;
	platform_user_id: string | null;
	is_test: boolean;
}

export interface ItemBreakdown {
	item: ReportItem;
	sold: number;
	/** sold × price, minor units; null without a price. */
	soldTotal: number | null;
	status: ItemStatus;
	winners: string;
	waitlist: string;
}

function itemStatus(sold: number, quantity: number): ItemStatus {
	if (sold === 0) return 'unclaimed';
	return sold < quantity ? 'partial' : 'sold_out';
}

/**
 * Winners in the order they won (openClaims come oldest first), waiters by place, per item in one
 * pass; only a line of names per item travels to the page, which keeps a 5,000-claim show light.
 */
export function summarize(
	items: ReportItem[],
	openClaims: OpenClaim[],
	{
		claimCount,
		buyerCount,
		includeTests,
	}: { claimCount: number; buyerCount: number; includeTests: boolean },
) {
	const claimsByItem = new Map<
		string,
		{ winners: string[]; waitlist: { place: number; name: string }[] }
	>();
	let testClaims = 0;
	for (const claim of openClaims) {
		if (claim.is_test) testClaims += 1;
		if (claim.is_test && !includeTests) continue;
		let entry = claimsByItem.get(claim.show_item_id);
		if (!entry) claimsByItem.set(claim.show_item_id, (entry = { winners: [], waitlist: [] }));
		const name = claimantName(claim);
		if (claim.status === 'winner') entry.winners.push(name);
		else entry.waitlist.push({ place: claim.waitlist_position ?? 0, name });
	}
	const breakdown: ItemBreakdown[] = items.map((item) => {
		const entry = claimsByItem.get(item.id);
		const winners = entry?.winners ?? [];
		const waitlist = (entry?.waitlist ?? []).sort((a, b) => a.place - b.place);
		return {
			item,
			sold: winners.length,
			soldTotal: lineTotal(item.price, winners.length),
			status: itemStatus(winners.length, item.quantity),
			winners: winners.join(', '),
			waitlist: waitlist.map((waiter) => `${waiter.place}. ${waiter.name}`).join(', '),
		};
	});
	// Money per buyer (keyed as the buyer rollups are), with the items as the page lists them.
	const sales = salesOf(
		items,
		openClaims.filter((claim) => includeTests || !claim.is_test),
	);
	const itemsById = new Map(items.map((item) => [item.id, item]));
	const positions = new Map(items.map((item, index) => [item.id, index]));
	const buyerSales: Record<string, SaleTotals & { items: string[] }> = {};
	for (const [key, buyer] of sales.byBuyer) {
		const won = [...buyer.unitsByItem]
			.map(([itemId, units]) => ({ item: itemsById.get(itemId), units }))
			.filter((line): line is { item: ReportItem; units: number } => line.item !== undefined)
			.sort((a, b) => positions.get(a.item.id)! - positions.get(b.item.id)!);
		buyerSales[key] = {
			units: buyer.units,
			total: buyer.total,
			unpricedUnits: buyer.unpricedUnits,
			items: won.map(({ item, units }) =>
				[`#${item.item_number}`, item.variant_label, item.title, units > 1 ? `×${units}` : '']
					.filter(Boolean)
					.join(' '),
			),
		};
	}
	const totals = {
		items: items.length,
		units: items.reduce((sum, item) => sum + item.quantity, 0),
		soldUnits: breakdown.reduce((sum, entry) => sum + entry.sold, 0),
		claims: claimCount,
		buyers: buyerCount,
		waitlisted: [...claimsByItem.values()].reduce((sum, entry) => sum + entry.waitlist.length, 0),
		/** Open test claims of the show, whether or not they are counted. */
		testClaims,
		sales: sales.show,
	};
	return { breakdown, totals, buyerSales };
}
