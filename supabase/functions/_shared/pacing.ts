// How often to call Meta: the normal interval while usage is low, stretched as usage nears the
// limit (before Meta throttles, not after), and after a failure a back-off of the failure's own
// kind: a throttle waits the regain time Meta names plus a little jitter and no longer, 5xx
// errors retry within seconds, and earlier failures of another kind never lengthen either.
import type { GraphApiError } from './graph.ts';

/** Above this share of any Meta limit, polling slows down. */
export const SLOW_DOWN_ABOVE_PERCENT = 75;
/** At 100 % usage the interval is this many times the normal one. */
const MAX_SLOW_DOWN_FACTOR = 10;
/** Jitter added to a regain time: a tenth of it, at most this. */
const MAX_REGAIN_JITTER_MS = 5_000;

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
	// Meta's 5xx during a live pass in seconds; a live cannot afford to wait longer.
	transient: { firstMs: 1_000, maxMs: 5_000 },
	// A throttle without a regain time: Meta lets us try again soon.
	throttled: { firstMs: 5_000, maxMs: 30_000 },
	permission: { firstMs: 30_000, maxMs: 10 * 60_000 },
	request: { firstMs: 30_000, maxMs: 10 * 60_000 },
	// The connection is marked expired and skipped until reconnected; this is only a floor.
	token: { firstMs: 60_000, maxMs: 10 * 60_000 },
};

/**
 * The delay before retrying after the `failures`-th failure of this kind in a row (1 for the
 * first). A throttle with a regain time waits exactly that plus jitter (Meta's
 * estimated_time_to_regain_access is when calls are accepted again). Otherwise: doubling from
 * the kind's first delay up to its maximum, with "equal jitter" (half fixed, half random) so
 * pollers that failed together do not retry together.
 */
export function backoffMs(
	error: Pick<GraphApiError, 'kind' | 'usage'>,
	failures: number,
	random: () => number = Math.random,
): number {
	const regainMs = error.usage.regainAfterMs ?? 0;
	if (error.kind === 'throttled' && regainMs > 0)
		return regainMs + Math.round(random() * Math.min(MAX_REGAIN_JITTER_MS, regainMs / 10));
	const policy = POLICIES[error.kind];
	const exponential = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, failures - 1));
	const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
	return Math.max(jittered, regainMs);
}
