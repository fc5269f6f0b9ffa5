import { describe, expect, it } from 'vitest';
import { lineTotal, rollupKey, salesOf, type WonClaim } from '$lib/sales';

const won = (
	show_item_id: string,
	user_handle: string,
	overrides: Partial<WonClaim> = {},
): WonClaim => ({
	show_item_id,
	status: 'winner',
	platform_user_id: null,
	user_handle,
	is_test: false,
	...overrides,
});

describe('salesOf', () => {
	const items = [
		{ id: 'blue-s', price: 2999 },
		{ id: 'red-m', price: 3500 },
		{ id: 'scarf', price: null },
	];

	it('adds each winner as one unit at its item’s price, per buyer and for the show', () => {
		const { byBuyer, show } = salesOf(items, [
			won('blue-s', 'Ana'),
			won('blue-s', 'ana'),
			won('red-m', 'ana'),
			won('red-m', 'ben', { platform_user_id: '42' }),
			won('scarf', 'ben', { platform_user_id: '42' }),
			won('red-m', 'cara', { status: 'waitlist' }),
			won('red-m', 'released', { status: 'released' }),
		]);
		expect(show).toEqual({ units: 5, total: 2999 * 2 + 3500 * 2, unpricedUnits: 1 });
		const ana = byBuyer.get('real:@ana')!;
		expect([ana.units, ana.total, ana.unpricedUnits]).toEqual([3, 2999 * 2 + 3500, 0]);
		expect([...ana.unitsByItem]).toEqual([
			['blue-s', 2],
			['red-m', 1],
		]);
		const ben = byBuyer.get('real:42')!;
		expect([ben.units, ben.total, ben.unpricedUnits]).toEqual([2, 3500, 1]);
		expect(byBuyer.has('real:@cara')).toBe(false);
	});

	it('keeps a test buyer apart from the real buyer of the same handle', () => {
		const { byBuyer } = salesOf(items, [
			won('blue-s', 'ana'),
			won('red-m', 'ana', { platform_user_id: 'test:ana', is_test: true }),
		]);
		expect(byBuyer.get('real:@ana')?.total).toBe(2999);
		expect(byBuyer.get('test:test:ana')?.total).toBe(3500);
	});
});

describe('rollupKey and lineTotal', () => {
	it('key buyers as the buyer rollups do', () => {
		expect(rollupKey({ platform_user_id: null, user_handle: 'Ana', is_test: false })).toBe(
			'real:@ana',
		);
		expect(rollupKey({ platform_user_id: '7', user_handle: 'Ana', is_test: false })).toBe('real:7');
	});

	it('multiplies minor units exactly, and has no total without a price', () => {
		expect(lineTotal(2999, 3)).toBe(8997);
		expect(lineTotal(null, 3)).toBeNull();
	});
});
