// Poll pacing: slowing down before Meta's limit, and exponential back-off with jitter after failures.
import { describe, expect, it } from 'vitest';
import type { GraphApiError } from '../../supabase/functions/_shared/graph.ts';
import { backoffMs, pollIntervalMs } from '../../supabase/functions/_shared/pacing.ts';

const failure = (kind: GraphApiError['kind'], regainAfterMs?: number) => ({
	kind,
	usage: regainAfterMs === undefined ? {} : { regainAfterMs },
});

describe('pollIntervalMs', () => {
	it('keeps the interval up to 75 % usage, then stretches it up to ten times at the limit', () => {
		expect(pollIntervalMs(2000, undefined)).toBe(2000);
		expect(pollIntervalMs(2000, 75)).toBe(2000);
		expect(pollIntervalMs(2000, 80)).toBe(5600);
		expect(pollIntervalMs(2000, 100)).toBe(20_000);
		expect(pollIntervalMs(2000, 250)).toBe(20_000);
	});
});

describe('backoffMs', () => {
	it('doubles per failure of a kind between half and all of the step, up to the cap', () => {
		const low = () => 0;
		const high = () => 1;
		expect([1, 2, 3, 4].map((n) => backoffMs(failure('transient'), n, high))).toEqual([
			1000, 2000, 4000, 5000,
		]);
		expect([1, 2, 3, 4].map((n) => backoffMs(failure('transient'), n, low))).toEqual([
			500, 1000, 2000, 2500,
		]);
		expect(backoffMs(failure('permission'), 30, high)).toBe(600_000);
		expect(backoffMs(failure('throttled'), 1, high)).toBe(5000);
		expect(backoffMs(failure('throttled'), 20, high)).toBe(30_000);
	});

	it('caps 5xx back-off during a live at a few seconds', () => {
		for (let failures = 1; failures <= 50; failures += 1)
			expect(backoffMs(failure('transient'), failures)).toBeLessThanOrEqual(5000);
	});

	it('waits the regain time Meta names plus jitter, and no longer, however many failures came before', () => {
		expect(backoffMs(failure('throttled', 120_000), 1, () => 0)).toBe(120_000);
		expect(backoffMs(failure('throttled', 120_000), 9, () => 1)).toBe(125_000);
		expect(backoffMs(failure('throttled', 60_000), 5, () => 1)).toBe(65_000);
		expect(backoffMs(failure('throttled', 10_000), 3, () => 1)).toBe(11_000);
	});

	it('spreads retries of pollers that failed together', () => {
		const delays = new Set(Array.from({ length: 20 }, () => backoffMs(failure('transient'), 3)));
		expect(delays.size).toBeGreaterThan(10);
		for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(2000);
	});
});
