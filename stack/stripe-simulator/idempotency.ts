// Idempotent requests as Stripe keeps them: the first answer for an Idempotency-Key is saved (per
// account, for 24 hours) and a retry with the same key and the same method, path and parameters
// gets that answer again, marked `Idempotent-Replayed: true`; the same key with anything different
// is refused with a 400 idempotency_error. Only answers of requests that ran are saved: one that
// failed validation (400/401/403/404) may be retried with the same key.
// https://docs.stripe.com/api/idempotent_requests
import { StripeApiError } from './errors.ts';
import { canonicalParams, type FormObject } from './form.ts';

interface Saved {
	fingerprint: string;
	answer: { status: number; body: unknown };
	savedAt: number;
}

const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

export class IdempotencyStore {
	private readonly saved = new Map<string, Saved>();

	run(
		accountId: string,
		key: string,
		method: string,
		path: string,
		params: FormObject,
		execute: () => { status: number; body: unknown },
	): { answer: { status: number; body: unknown }; replayed: boolean } {
		if (key.length > MAX_KEY_LENGTH)
			throw new StripeApiError(
				400,
				'invalid_request_error',
				`Invalid idempotency key: keys can be up to ${MAX_KEY_LENGTH} characters long.`,
			);
		const id = `${accountId} ${key}`;
		const fingerprint = `${method} ${path} ${canonicalParams(params)}`;
		const existing = this.saved.get(id);
		if (existing && Date.now() - existing.savedAt < KEY_LIFETIME_MS) {
			if (existing.fingerprint !== fingerprint)
				throw new StripeApiError(
					400,
					'idempotency_error',
					`Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
				);
			return { answer: existing.answer, replayed: true };
		}
		const answer = execute();
		if (answer.status < 400 || answer.status === 402)
			this.saved.set(id, { fingerprint, answer, savedAt: Date.now() });
		return { answer, replayed: false };
	}
}
