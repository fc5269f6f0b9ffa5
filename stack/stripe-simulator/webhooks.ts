// Webhook deliveries as Stripe makes them: a POST of the event's JSON to each enabled endpoint
// that subscribes to its type, signed `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" with the endpoint's whsec_ secret>`; at least once, retried with exponential back-off
// on a non-2xx answer or none (Stripe retries for up to three days; here the delays are short).
// Faults: a delay before each first attempt, holding deliveries back and releasing them in any
// order, duplicates, and a wrong signature.
import { createHmac } from 'node:crypto';
import type { Account, StripeEvent, WebhookEndpoint } from './world.ts';
import { subscribes } from './world.ts';

export interface WebhookSettings {
	retryDelayMs: number;
	maxAttempts: number;
	timeoutMs: number;
}

export interface WebhookFaults {
	/** Each first attempt waits this long (a delayed event). */
	delayMs: number;
	/** Deliveries queue until releaseDeliveries (to deliver them out of order). */
	hold: boolean;
	/** Extra copies of each delivery (Stripe may deliver an event more than once). */
	duplicates: number;
	/** Sign with a wrong secret (what a forger without the secret can do). */
	badSignature: boolean;
}

export interface DeliveryAttempt {
	eventId: string;
	eventType: string;
	endpointId: string;
	url: string;
	attempt: number;
	at: string;
	status: number | null;
	error: string | null;
}

interface Pending {
	account: Account;
	endpoint: WebhookEndpoint;
	event: StripeEvent;
}

export function signPayload(payload: string, secret: string, timestamp: number): string {
	const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
	return `t=${timestamp},v1=${signature}`;
}

export class WebhookDispatcher {
	settings: WebhookSettings = { retryDelayMs: 1000, maxAttempts: 5, timeoutMs: 10_000 };
	faults: WebhookFaults = { delayMs: 0, hold: false, duplicates: 0, badSignature: false };
	readonly attempts: DeliveryAttempt[] = [];
	private held: Pending[] = [];
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly inFlight = new Set<Promise<void>>();
	private closed = false;

	constructor(private readonly log: (line: string) => void) {}

	/** To the account's own endpoints, and the Connect endpoints of the platform it is connected to. */
	enqueue(account: Account, event: StripeEvent, platform?: Account): void {
		const endpoints = [
			...[...account.webhookEndpoints.values()].filter((endpoint) => !endpoint.connect),
			...[...(platform?.webhookEndpoints.values() ?? [])].filter((endpoint) => endpoint.connect),
		];
		for (const endpoint of endpoints) {
			if (!subscribes(endpoint, event.type)) continue;
			for (let copy = 0; copy <= this.faults.duplicates; copy += 1) {
				const pending = { account, endpoint, event };
				if (this.faults.hold) this.held.push(pending);
				else this.schedule(pending, 1, this.faults.delayMs);
			}
		}
	}

	/** Sends the held deliveries now: in the order the events happened, or the reverse. */
	release(order: 'sent' | 'reverse'): number {
		const released = this.held.splice(0);
		if (order === 'reverse') released.reverse();
		// One after another, so the order reaches the receiver as chosen.
		const chain = (async () => {
			for (const pending of released) await this.attempt(pending, 1);
		})();
		this.track(chain);
		return released.length;
	}

	heldCount(): number {
		return this.held.length;
	}

	private schedule(pending: Pending, attempt: number, delayMs: number): void {
		if (this.closed) return;
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			this.track(this.attempt(pending, attempt));
		}, delayMs);
		this.timers.add(timer);
	}

	private track(work: Promise<void>): void {
		this.inFlight.add(work);
		void work.finally(() => this.inFlight.delete(work));
	}

	private async attempt(pending: Pending, attempt: number): Promise<void> {
		if (this.closed) return;
		const { endpoint, event } = pending;
		const payload = JSON.stringify(event, null, 2);
		const secret = this.faults.badSignature ? `${endpoint.secret}x` : endpoint.secret;
		const record: DeliveryAttempt = {
			eventId: event.id,
			eventType: event.type,
			endpointId: endpoint.id,
			url: endpoint.url,
			attempt,
			at: new Date().toISOString(),
			status: null,
			error: null,
		};
		try {
			const response = await fetch(endpoint.url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json; charset=utf-8',
					'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
					'stripe-signature': signPayload(payload, secret, Math.floor(Date.now() / 1000)),
				},
				body: payload,
				signal: AbortSignal.timeout(this.settings.timeoutMs),
			});
			record.status = response.status;
			await response.arrayBuffer().catch(() => undefined);
		} catch (error) {
			record.error = (error as Error).message;
		}
		this.attempts.push(record);
		const delivered = record.status !== null && record.status >= 200 && record.status < 300;
		if (!delivered) {
			this.log(
				`stripe-simulator: webhook ${event.type} ${event.id} to ${endpoint.url} attempt ${attempt} failed: ${record.status ?? record.error}`,
			);
			if (attempt < this.settings.maxAttempts)
				this.schedule(pending, attempt + 1, this.settings.retryDelayMs * 2 ** (attempt - 1));
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		await Promise.allSettled([...this.inFlight]);
	}
}
