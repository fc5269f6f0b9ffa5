// API failures on demand: the next matching calls answer a 5xx (Stripe's api_error), a 429
// (rate_limit_error) or a 402 card_error, before anything runs, so a retry with the same
// Idempotency-Key runs afresh (as after a failure in front of Stripe's API).
import { StripeApiError } from './errors.ts';

export interface ApiFault {
	status: 402 | 429 | 500 | 502 | 503;
	/** Only for requests whose path contains this text (e.g. `/v1/invoices`). */
	path?: string;
	calls: number;
}

export class FaultInjector {
	private faults: ApiFault[] = [];

	add(fault: ApiFault): void {
		this.faults.push({ ...fault });
	}

	clear(): number {
		return this.faults.splice(0).length;
	}

	pending(): ApiFault[] {
		return this.faults.map((fault) => ({ ...fault }));
	}

	/** The error the next call to `path` must answer, if a fault is armed for it. */
	take(path: string): StripeApiError | undefined {
		const fault = this.faults.find(
			(candidate) => candidate.path === undefined || path.includes(candidate.path),
		);
		if (!fault) return undefined;
		fault.calls -= 1;
		if (fault.calls <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
		switch (fault.status) {
			case 402:
				return new StripeApiError(402, 'card_error', 'Your card was declined.', {
					code: 'card_declined',
					decline_code: 'generic_decline',
				});
			case 429:
				return new StripeApiError(
					429,
					'rate_limit_error',
					'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
					{ code: 'rate_limit' },
				);
			default:
				return new StripeApiError(fault.status, 'api_error', 'An unknown error occurred', {}, true);
		}
	}
}
