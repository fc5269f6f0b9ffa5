// What a show sold, in money: each winning claim is one unit at its item's price (integer minor
// units of the show's currency). Buyers are keyed as the buyer_rollups view keys them (platform
// user id, else the lower-cased handle), with test claims always apart, so a rehearsal never adds
// to a real buyer's bill. An item without a price counts its units but no money.

export interface PricedItem {
	id: string;
	price: number | null;
}

export interface WonClaim {
	show_item_id: string;
	status: 'winner' | 'waitlist' | 'passed' | 'released';
	platform_user_id: string | null;
	user_handle: string | null;
	is_test: boolean;
}

export interface SaleTotals {
	units: number;
	/** Minor units; priced units only. */
	total: number;
	/** Units of items without a price, which the total leaves out. */
	unpricedUnits: number;
}

export interface BuyerSales extends SaleTotals {
	/** Units won per show item id, in the order first won. */
	unitsByItem: Map<string, number>;
}

/** The key of the buyer_rollups row a claim counts toward. */
export function rollupKey(buyer: {
	platform_user_id: string | null;
	user_handle: string | null;
	is_test: boolean;
}): string {
	const key = buyer.platform_user_id ?? `@${(buyer.user_handle ?? '').toLowerCase()}`;
	return `${buyer.is_test ? 'test' : 'real'}:${key}`;
}

/** price × quantity, or null without a price. */
export function lineTotal(price: number | null, quantity: number): number | null {
	return price === null ? null : price * quantity;
}

function addUnits(totals: SaleTotals, price: number | null, units: number): void {
	totals.units += units;
	if (price === null) totals.unpricedUnits += units;
	else totals.total += price * units;
}

/** Every buyer's won units and money, and the show's, from its winning claims. */
export function salesOf(
	items: Iterable<PricedItem>,
	claims: Iterable<WonClaim>,
): { byBuyer: Map<string, BuyerSales>; show: SaleTotals } {
	const prices = new Map<string, number | null>();
	for (const item of items) prices.set(item.id, item.price);
	const byBuyer = new Map<string, BuyerSales>();
	const show: SaleTotals = { units: 0, total: 0, unpricedUnits: 0 };
	for (const claim of claims) {
		if (claim.status !== 'winner') continue;
		const price = prices.get(claim.show_item_id) ?? null;
		const key = rollupKey(claim);
		let buyer = byBuyer.get(key);
		if (!buyer)
			byBuyer.set(key, (buyer = { units: 0, total: 0, unpricedUnits: 0, unitsByItem: new Map() }));
		addUnits(buyer, price, 1);
		buyer.unitsByItem.set(claim.show_item_id, (buyer.unitsByItem.get(claim.show_item_id) ?? 0) + 1);
		addUnits(show, price, 1);
	}
	return { byBuyer, show };
}
