import { describe, expect, it } from 'vitest';
import type { ReportItem } from '$lib/server/show-report';
import { summarize, type OpenClaim } from '../../src/routes/(app)/shows/[id]/summary/summary';

const item = (id: string, quantity: number, claimed_count: number): ReportItem => ({
	id,
	item_number: id,
	title: null,
	quantity,
	claimed_count,
	waitlist_count: 0,
	status: claimed_count === 0 ? 'unclaimed' : claimed_count < quantity ? 'partial' : 'sold_out',
	product_variant_id: null,
	variant_label: '',
	price: null,
	image_url: null,
	created_at: '2026-11-22T10:00:00+00:00',
});

const claim = (
	show_item_id: string,
	user_handle: string,
	status: 'winner' | 'waitlist',
	is_test = false,
	waitlist_position: number | null = null,
): OpenClaim => ({
	show_item_id,
	user_handle,
	status,
	waitlist_position,
	user_display_name: null,
	platform_user_id: is_test ? `test:${user_handle}` : user_handle,
	is_test,
});

// Item 1 is held by a test claim only; item 2 by a real buyer, with a real and a test waiter.
const items = [item('1', 1, 1), item('2', 1, 1)];
const openClaims = [
	claim('1', 'tess', 'winner', true),
	claim('2', 'ana', 'winner'),
	claim('2', 'ben', 'waitlist', false, 1),
	claim('2', 'tom', 'waitlist', true, 2),
];

describe('the show summary', () => {
	it('leaves test claims out of the items and totals by default, and says how many', () => {
		const { breakdown, totals } = summarize(items, openClaims, {
			claimCount: 2,
			buyerCount: 1,
			includeTests: false,
		});
		expect(
			breakdown.map(({ sold, status, winners, waitlist }) => [sold, status, winners, waitlist]),
		).toEqual([
			[0, 'unclaimed', '', ''],
			[1, 'sold_out', '@ana', '1. @ben'],
		]);
		expect(totals).toMatchObject({ soldUnits: 1, units: 2, waitlisted: 1, testClaims: 2 });
	});

	it('counts and marks test claims when asked to include them', () => {
		const { breakdown, totals } = summarize(items, openClaims, {
			claimCount: 4,
			buyerCount: 2,
			includeTests: true,
		});
		expect(breakdown.map(({ sold, winners, waitlist }) => [sold, winners, waitlist])).toEqual([
			[1, '@tess (test)', ''],
			[1, '@ana', '1. @ben, 2. @tom (test)'],
		]);
		expect(totals).toMatchObject({ soldUnits: 2, waitlisted: 2, testClaims: 2 });
	});

	it('totals each buyer’s and the show’s money at the items’ prices, variants named', () => {
		const priced = [
			{ ...item('4', 3, 2), price: 2999, variant_label: 'Blue / S', title: 'Dress' },
			{ ...item('4', 3, 1), id: '4m', price: 3500, variant_label: 'Blue / M', title: 'Dress' },
			{ ...item('5', 1, 1), price: null },
		];
		const { breakdown, totals, buyerSales } = summarize(
			priced,
			[
				claim('4', 'ana', 'winner'),
				claim('4', 'ana', 'winner'),
				claim('4m', 'ben', 'winner'),
				claim('5', 'ben', 'winner'),
				claim('4m', 'tess', 'winner', true),
			],
			{ claimCount: 5, buyerCount: 2, includeTests: false },
		);
		expect(breakdown.map(({ soldTotal }) => soldTotal)).toEqual([5998, 3500, null]);
		expect(totals.sales).toEqual({ units: 4, total: 5998 + 3500, unpricedUnits: 1 });
		expect(buyerSales['real:ana']).toEqual({
			units: 2,
			total: 5998,
			unpricedUnits: 0,
			items: ['#4 Blue / S Dress ×2'],
		});
		expect(buyerSales['real:ben'].items).toEqual(['#4 Blue / M Dress', '#5']);
		expect(buyerSales['test:test:tess']).toBeUndefined();
	});
});
