import { describe, expect, it } from 'vitest';
import { freeStockFor, heldInShows } from '$lib/server/stock';

describe('free stock', () => {
	const variant = {
		stock: 10,
		heldBy: new Map([
			['item-a', 4],
			['item-b', 3],
		]),
	};

	it('is the stock less what items of other running shows hold', () => {
		expect(heldInShows(variant)).toBe(7);
		expect(freeStockFor(variant)).toBe(3);
		// An item's own units are free for it: it may keep or raise up to them.
		expect(freeStockFor(variant, 'item-a')).toBe(7);
	});

	it('is never below zero when the stock was lowered under what shows hold', () => {
		expect(freeStockFor({ ...variant, stock: 5 })).toBe(0);
	});
});
