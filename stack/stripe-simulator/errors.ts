// Stripe's error answers: `{"error": {type, code?, message, param?, decline_code?, doc_url?}}` with
// the HTTP status Stripe uses for each kind (400 invalid request, 401 bad key, 402 card error,
// 403 missing permission, 404 unknown object, 409 idempotency conflict, 429 rate limit, 5xx api_error).

export type StripeErrorType =
	'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'rate_limit_error';

export class StripeApiError extends Error {
	constructor(
		readonly status: number,
		readonly type: StripeErrorType,
		message: string,
		readonly extra: { code?: string; param?: string; decline_code?: string } = {},
		/** Stripe-Should-Retry: what Stripe tells its clients about retrying this answer. */
		readonly shouldRetry?: boolean,
	) {
		super(message);
	}

	body(requestId: string): Record<string, unknown> {
		return {
			error: {
				...this.extra,
				...(this.extra.code
					? { doc_url: `https://stripe.com/docs/error-codes/${this.extra.code.replace(/_/g, '-')}` }
					: {}),
				message: this.message,
				request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
				type: this.type,
			},
		};
	}
}

export const missingParam = (param: string) =>
	new StripeApiError(400, 'invalid_request_error', `Missing required param: ${param}.`, {
		code: 'parameter_missing',
		param,
	});

export const invalidParam = (param: string, message: string) =>
	new StripeApiError(400, 'invalid_request_error', message, { code: 'parameter_invalid', param });

export const unknownParam = (param: string) =>
	new StripeApiError(400, 'invalid_request_error', `Received unknown parameter: ${param}`, {
		code: 'parameter_unknown',
		param,
	});

export const noSuchObject = (kind: string, id: string, param = 'id') =>
	new StripeApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, {
		code: 'resource_missing',
		param,
	});

export const invalidState = (message: string) =>
	new StripeApiError(400, 'invalid_request_error', message, { code: 'invoice_not_editable' });
