// Webhooks as Meta sends them, one dispatcher per object (`instagram`: live_comments and
// messages; `page`: Messenger messages and message_echoes), each with its callback URL as in the
// App Dashboard: `POST` of `{"object", "entry": [{id, time, changes: [{field, value}]} or
// {id, time, messaging: [event]}]}` signed with the app secret (X-Hub-Signature-256), at least
// once (retried with back-off on non-2xx or no answer), plus knobs for duplicate, out-of-order,
// batched and badly signed deliveries; and the `GET` subscription handshake. Changes of accounts
// whose Page has not subscribed the app are dropped, as Meta drops them, and recorded.
import { createHmac, randomInt } from 'node:crypto';

export interface WebhookChange {
	igUserId: string;
	/** Unix seconds. */
	time: number;
	value: Record<string, unknown>;
}

export interface WebhookSettings {
	callbackUrl: string | null;
	retryDelayMs: number;
	maxAttempts: number;
	timeoutMs: number;
}

export interface WebhookFaults {
	duplicates: number;
	outOfOrder: boolean;
	batchSize: number;
	badSignature: boolean;
	holdMs: number;
}

export type WebhookObject = 'instagram' | 'page';

export interface DeliveryAttempt {
	object: WebhookObject;
	/** Same for an original, its duplicates and its retries: they carry the same body. */
	deliveryId: number;
	attempt: number;
	at: string;
	callbackUrl: string;
	body: string;
	signature: string;
	changeCount: number;
	/** HTTP status of the answer; null when there was none. */
	status: number | null;
	error: string | null;
}

export interface VerificationResult {
	ok: boolean;
	callbackUrl: string;
	challenge: string;
	status: number | null;
	body: string;
	error: string | null;
}

/** A change Meta did not send: the Instagram account's Page has not subscribed the app. */
export interface DroppedChange {
	at: string;
	igUserId: string;
	pageId: string;
	commentId: string;
	reason: 'page_not_subscribed';
}

/** One item of an entry: a `changes` element or a `messaging` event. */
interface HeldItem {
	entryId: string;
	time: number;
	change?: { field: string; value: Record<string, unknown> };
	messaging?: Record<string, unknown>;
}

interface Delivery {
	id: number;
	body: string;
	signature: string;
	sha1Signature: string;
	changeCount: number;
}

/** Dropped changes kept for inspection; older ones are only counted. */
const droppedCapacity = 1000;

const noFaults: WebhookFaults = {
	duplicates: 0,
	outOfOrder: false,
	batchSize: 1,
	badSignature: false,
	holdMs: 0,
};

/** Meta signs an escaped-unicode rendering of the payload: non-ASCII as \uXXXX with lowercase hex. */
export function metaJson(payload: unknown): string {
	return JSON.stringify(payload).replace(
		/[\u007f-\uffff]/g,
		(char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
	);
}

export function signatureHeader(
	body: string,
	secret: string,
	algorithm: 'sha256' | 'sha1' = 'sha256',
): string {
	return `${algorithm}=${createHmac(algorithm, secret).update(body, 'utf8').digest('hex')}`;
}

export class WebhookDispatcher {
	#settings: WebhookSettings = {
		callbackUrl: null,
		retryDelayMs: 1000,
		maxAttempts: 5,
		timeoutMs: 20_000,
	};
	#faults: WebhookFaults = { ...noFaults };
	#held: HeldItem[] = [];
	#holdTimer: NodeJS.Timeout | undefined;
	/** First attempts go out one after another, so their order is the order chosen here. */
	#queue: Promise<void> = Promise.resolve();
	#inFlight = new Set<Promise<void>>();
	#retryTimers = new Set<NodeJS.Timeout>();
	#attempts: DeliveryAttempt[] = [];
	#nextDeliveryId = 1;
	#closed = false;
	#reportedNoCallback = false;
	#dropped: DroppedChange[] = [];
	#droppedTotal = 0;
	#reportedUnsubscribed = new Set<string>();

	constructor(
		private readonly appSecret: string,
		private readonly log: (line: string) => void,
		readonly object: WebhookObject = 'instagram',
	) {}

	configure(settings: WebhookSettings): void {
		this.#settings = { ...settings };
		this.#reportedNoCallback = false;
	}

	setFaults(faults: WebhookFaults): void {
		this.#faults = { ...faults };
	}

	settings(): WebhookSettings & { faults: WebhookFaults } {
		return { ...this.#settings, faults: { ...this.#faults } };
	}

	deliveries(): DeliveryAttempt[] {
		return this.#attempts.map((attempt) => ({ ...attempt }));
	}

	/** The most recent dropped changes, oldest first, and how many were dropped in all. */
	dropped(): { total: number; recent: DroppedChange[] } {
		return { total: this.#droppedTotal, recent: this.#dropped.map((change) => ({ ...change })) };
	}

	/** Records a change Meta would not deliver because the account's Page has not subscribed the app. */
	drop(change: WebhookChange, pageId: string): void {
		this.#droppedTotal += 1;
		this.#dropped.push({
			at: new Date().toISOString(),
			igUserId: change.igUserId,
			pageId,
			commentId: String(change.value.id),
			reason: 'page_not_subscribed',
		});
		if (this.#dropped.length > droppedCapacity)
			this.#dropped.splice(0, this.#dropped.length - droppedCapacity);
		if (this.#reportedUnsubscribed.has(change.igUserId)) return;
		this.#reportedUnsubscribed.add(change.igUserId);
		this.log(
			`meta-simulator: live_comments of Instagram account ${change.igUserId} are not delivered while its Page ${pageId} has not subscribed the app (POST /${pageId}/subscribed_apps)`,
		);
	}

	enqueue(change: WebhookChange): void {
		this.#hold({
			entryId: change.igUserId,
			time: change.time,
			change: { field: 'live_comments', value: change.value },
		});
	}

	/** A Messenger / Instagram messaging event of this account (entry id: the Page or the Instagram account). */
	enqueueMessaging(entryId: string, event: Record<string, unknown>): void {
		this.#hold({ entryId, time: Number(event.timestamp), messaging: event });
	}

	#hold(item: HeldItem): void {
		if (this.#closed) return;
		if (this.#settings.callbackUrl === null) {
			if (!this.#reportedNoCallback)
				this.log(
					`meta-simulator: ${this.object} webhooks are not delivered until a webhook callback URL is set (setWebhook, object ${this.object})`,
				);
			this.#reportedNoCallback = true;
			return;
		}
		this.#held.push(item);
		if (
			this.#held.length >= this.#faults.batchSize &&
			this.#faults.holdMs === 0 &&
			!this.#faults.outOfOrder
		)
			return this.#release();
		// Changes made in the same tick (or within holdMs) are batched and reordered together.
		this.#holdTimer ??= setTimeout(() => this.#release(), this.#faults.holdMs);
	}

	/** Sends what is held now and waits for every attempt in progress. */
	async flush(): Promise<void> {
		this.#release();
		await this.#queue;
		await Promise.all(this.#inFlight);
	}

	async verify(input: { callbackUrl?: string; verifyToken: string }): Promise<VerificationResult> {
		const callbackUrl = input.callbackUrl ?? this.#settings.callbackUrl;
		const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
		if (callbackUrl === null)
			return {
				ok: false,
				callbackUrl: '',
				challenge,
				status: null,
				body: '',
				error: 'no callback URL given or set',
			};
		const url = new URL(callbackUrl);
		url.searchParams.set('hub.mode', 'subscribe');
		url.searchParams.set('hub.challenge', challenge);
		url.searchParams.set('hub.verify_token', input.verifyToken);
		try {
			const response = await fetch(url, {
				headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
				signal: AbortSignal.timeout(this.#settings.timeoutMs),
			});
			const body = (await response.text()).slice(0, 1000);
			const ok = response.status === 200 && body === challenge;
			return {
				ok,
				callbackUrl,
				challenge,
				status: response.status,
				body,
				error: ok ? null : 'the callback must answer 200 with exactly the hub.challenge value',
			};
		} catch (error) {
			return {
				ok: false,
				callbackUrl,
				challenge,
				status: null,
				body: '',
				error: (error as Error).message,
			};
		}
	}

	async close(): Promise<void> {
		this.#closed = true;
		clearTimeout(this.#holdTimer);
		for (const timer of this.#retryTimers) clearTimeout(timer);
		this.#retryTimers.clear();
		this.#held = [];
		await this.#queue;
		await Promise.all(this.#inFlight);
	}

	#release(): void {
		clearTimeout(this.#holdTimer);
		this.#holdTimer = undefined;
		const changes = this.#held.splice(0);
		if (changes.length === 0) return;
		const deliveries: Delivery[] = [];
		for (let start = 0; start < changes.length; start += this.#faults.batchSize) {
			const batch = changes.slice(start, start + this.#faults.batchSize);
			deliveries.push(this.#delivery(this.#faults.outOfOrder ? batch.reverse() : batch));
		}
		if (this.#faults.outOfOrder) deliveries.reverse();
		for (const delivery of deliveries) {
			for (let copy = 0; copy <= this.#faults.duplicates; copy += 1)
				this.#queue = this.#queue.then(() => this.#track(this.#attempt(delivery, 1)));
		}
	}

	#delivery(items: HeldItem[]): Delivery {
		const entries = new Map<
			string,
			{
				id: string;
				time: number;
				changes?: HeldItem['change'][];
				messaging?: HeldItem['messaging'][];
			}
		>();
		for (const item of items) {
			const entry = entries.get(item.entryId) ?? { id: item.entryId, time: item.time };
			entry.time = Math.max(entry.time, item.time);
			if (item.change) (entry.changes ??= []).push(item.change);
			if (item.messaging) (entry.messaging ??= []).push(item.messaging);
			entries.set(item.entryId, entry);
		}
		const body = metaJson({ object: this.object, entry: [...entries.values()] });
		const secret = this.#faults.badSignature ? `not-${this.appSecret}` : this.appSecret;
		return {
			id: this.#nextDeliveryId++,
			body,
			signature: signatureHeader(body, secret),
			sha1Signature: signatureHeader(body, secret, 'sha1'),
			changeCount: items.length,
		};
	}

	#track(attempt: Promise<void>): Promise<void> {
		this.#inFlight.add(attempt);
		return attempt.finally(() => this.#inFlight.delete(attempt));
	}

	async #attempt(delivery: Delivery, attempt: number): Promise<void> {
		const callbackUrl = this.#settings.callbackUrl;
		if (callbackUrl === null || this.#closed) return;
		const record: DeliveryAttempt = {
			object: this.object,
			deliveryId: delivery.id,
			attempt,
			at: new Date().toISOString(),
			callbackUrl,
			body: delivery.body,
			signature: delivery.signature,
			changeCount: delivery.changeCount,
			status: null,
			error: null,
		};
		this.#attempts.push(record);
		try {
			const response = await fetch(callbackUrl, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'user-agent': 'facebookexternalua',
					'x-hub-signature': delivery.sha1Signature,
					'x-hub-signature-256': delivery.signature,
				},
				body: delivery.body,
				signal: AbortSignal.timeout(this.#settings.timeoutMs),
			});
			record.status = response.status;
			await response.body?.cancel();
			if (response.ok) return;
			record.error = `callback answered ${response.status}`;
		} catch (error) {
			record.error = (error as Error).message;
		}
		if (attempt >= this.#settings.maxAttempts || this.#closed) {
			this.log(
				`meta-simulator: ${this.object} webhook delivery ${delivery.id} failed ${attempt} times; giving up (${record.error})`,
			);
			return;
		}
		const timer = setTimeout(
			() => {
				this.#retryTimers.delete(timer);
				void this.#track(this.#attempt(delivery, attempt + 1));
			},
			this.#settings.retryDelayMs * 2 ** (attempt - 1),
		);
		this.#retryTimers.add(timer);
	}
}
