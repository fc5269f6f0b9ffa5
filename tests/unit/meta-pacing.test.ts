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
	it('doubles per failure between half and all of the step, up to the cap', () => {
		const low = () => 0;
		const high = () => 1;
		expect([1, 2, 3, 4].map((n) => backoffMs(failure('transient'), n, high))).toEqual([
			2000, 4000, 8000, 16_000,
		]);
		expect([1, 2, 3, 4].map((n) => backoffMs(failure('transient'), n, low))).toEqual([
			1000, 2000, 4000, 8000,
		]);
		expect(backoffMs(failure('transient'), 30, high)).toBe(60_000);
		expect(backoffMs(failure('throttled'), 1, high)).toBe(15_000);
		expect(backoffMs(failure('throttled'), 20, high)).toBe(600_000);
	});

	it('never retries before the regain time Meta names', () => {
		expect(backoffMs(failure('throttled', 120_000), 1, () => 0)).toBe(120_000);
		expect(backoffMs(failure('throttled', 1000), 3, () => 1)).toBe(60_000);
	});

	it('spreads retries of pollers that failed together', () => {
		const delays = new Set(Array.from({ length: 20 }, () => backoffMs(failure('transient'), 3)));
		expect(delays.size).toBeGreaterThan(10);
		for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(4000);
	});
});
