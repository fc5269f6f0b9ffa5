// How often to call Meta: the normal interval while usage is low, stretched as usage nears the
// limit (before Meta throttles, not after), and exponential back-off with jitter after a failure,
// never earlier than the regain time Meta names.
import type { GraphApiError } from './graph.ts';

/** Above this share of any Meta limit, polling slows down. */
export const SLOW_DOWN_ABOVE_PERCENT = 75;
/** At 100 % usage the interval is this many times the normal one. */
const MAX_SLOW_DOWN_FACTOR = 10;

/** The delay before the next poll after a successful one. */
export function pollIntervalMs(baseMs: number, usagePercent: number | undefined): number {
	if (usagePercent === undefined || usagePercent <= SLOW_DOWN_ABOVE_PERCENT) return baseMs;
	const overshoot = Math.min(
		1,
		(usagePercent - SLOW_DOWN_ABOVE_PERCENT) / (100 - SLOW_DOWN_ABOVE_PERCENT),
	);
	return Math.round(baseMs * (1 + overshoot * (MAX_SLOW_DOWN_FACTOR - 1)));
}

interface BackoffPolicy {
	firstMs: number;
	maxMs: number;
}

const POLICIES: Record<GraphApiError['kind'], BackoffPolicy> = {
	transient: { firstMs: 2_000, maxMs: 60_000 },
	throttled: { firstMs: 15_000, maxMs: 10 * 60_000 },
	permission: { firstMs: 30_000, maxMs: 10 * 60_000 },
	request: { firstMs: 30_000, maxMs: 10 * 60_000 },
	// The connection is marked expired and skipped until reconnected; this is only a floor.
	token: { firstMs: 60_000, maxMs: 10 * 60_000 },
};

/**
 * The delay before retrying after the `failures`-th failure in a row (1 for the first):
 * doubling from the kind's first delay up to its maximum, with "equal jitter" (half fixed, half
 * random) so pollers that failed together do not retry together, and at least the regain time.
 */
export function backoffMs(
	error: Pick<GraphApiError, 'kind' | 'usage'>,
	failures: number,
	random: () => number = Math.random,
): number {
	const policy = POLICIES[error.kind];
	const exponential = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, failures - 1));
	const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
	return Math.max(jittered, error.usage.regainAfterMs ?? 0);
}
