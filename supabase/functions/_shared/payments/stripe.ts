// The Stripe adapter, on the official client (`stripe` is mapped to npm:stripe in each function's
// deno.json, as Supabase recommends; vitest resolves the same package from node_modules). It talks
// to Stripe through fetch (Stripe.createFetchHttpClient) and verifies webhooks with Web Crypto
// (Stripe.createSubtleCryptoProvider), as Deno needs. STRIPE_API_URL points it at another server
// (the local simulator).
import Stripe from 'stripe';
import { fromStripeAmount, toStripeAmount } from './money.ts';
import {
	PaymentProviderError,
	WebhookVerificationError,
	type Buyer,
	type CheckoutRequest,
	type CreatedInvoice,
	type InvoiceRequest,
	type MappedEvent,
	type PaymentAdapter,
	type ProviderAccount,
	type ProviderErrorKind,
	type ProviderEvent,
	type VoidOutcome,
	type WebhookEndpoint,
} from './types.ts';

/** Stripe's default signature tolerance: a signed timestamp older than this is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** The events the product acts on; the webhook endpoint subscribes to these only. */
export const STRIPE_WEBHOOK_EVENTS = [
	'invoice.paid',
	'invoice.payment_failed',
	'invoice.voided',
	'invoice.marked_uncollectible',
	'charge.refunded',
	'checkout.session.completed',
	'checkout.session.expired',
];

const cryptoProvider = Stripe.createSubtleCryptoProvider();

export interface StripeAdapterOptions {
	apiKey: string;
	/** Another Stripe API server, e.g. http://127.0.0.1:54331; absent: api.stripe.com. */
	apiUrl?: string;
	/**
	 * A Connect account (acct_…) the platform acts on: every request carries the Stripe-Account
	 * header, with apiKey the platform's secret key. Stripe: "You should use the Stripe-Account
	 * header method when possible"; the OAuth access_token used as an API key is "supported for
	 * legacy compatibility" (https://docs.stripe.com/connect/authentication).
	 */
	stripeAccount?: string;
	/** Retries the client makes itself on 409, 429 with Stripe-Should-Retry, 5xx and lost connections. */
	maxNetworkRetries?: number;
}

const errorKinds: Record<string, ProviderErrorKind> = {
	StripeAuthenticationError: 'authentication',
	StripePermissionError: 'permission',
	StripeRateLimitError: 'rate_limited',
	StripeAPIError: 'unavailable',
	StripeConnectionError: 'unavailable',
	StripeCardError: 'card_declined',
	StripeInvalidRequestError: 'invalid_request',
	StripeIdempotencyError: 'invalid_request',
};

/** A Stripe client error as a PaymentProviderError; anything else unchanged. */
export function providerError(error: unknown): unknown {
	if (!(error instanceof Stripe.errors.StripeError)) return error;
	const status = error.statusCode ?? null;
	const kind =
		errorKinds[error.type] ??
		(status !== null && status >= 500 ? 'unavailable' : 'invalid_request');
	return new PaymentProviderError(kind, error.message, status);
}

async function call<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		throw providerError(error);
	}
}

export function stripeClient(options: StripeAdapterOptions): Stripe {
	const server = options.apiUrl ? new URL(options.apiUrl) : undefined;
	return new Stripe(options.apiKey, {
		httpClient: Stripe.createFetchHttpClient(),
		maxNetworkRetries: options.maxNetworkRetries ?? 2,
		timeout: 15_000,
		...(options.stripeAccount ? { stripeAccount: options.stripeAccount } : {}),
		...(server
			? {
					host: server.hostname,
					port: Number(server.port || (server.protocol === 'https:' ? 443 : 80)),
					protocol: server.protocol === 'https:' ? 'https' : 'http',
				}
			: {}),
	});
}

export class StripeAdapter implements PaymentAdapter {
	readonly provider = 'stripe' as const;
	private readonly stripe: Stripe;

	constructor(private readonly options: StripeAdapterOptions) {
		this.stripe = stripeClient(options);
	}

	/** The key works: the account it belongs to, and that it may read invoices and customers. */
	async checkAccount(): Promise<ProviderAccount> {
		return call(async () => {
			const account = await this.stripe.accounts.retrieveCurrent();
			await this.stripe.invoices.list({ limit: 1 });
			await this.stripe.customers.list({ limit: 1 });
			return {
				accountId: account.id,
				displayName:
					account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null,
				livemode: /^(sk|rk)_live_/.test(this.options.apiKey),
			};
		});
	}

	async createCustomer(buyer: Buyer, idempotencyKey: string): Promise<string> {
		return call(async () => {
			const customer = await this.stripe.customers.create(
				{ name: buyer.name.slice(0, 256), metadata: buyer.metadata },
				{ idempotencyKey },
			);
			return customer.id;
		});
	}

	// Every call carries a key derived from request.idempotencyKey: a retry after a crash or a
	// lost answer replays Stripe's first answers instead of making a second invoice.
	// https://docs.stripe.com/api/idempotent_requests
	async createInvoice(request: InvoiceRequest): Promise<CreatedInvoice> {
		const currency = request.currency.toLowerCase();
		const amounts = request.lines.map((line) =>
			toStripeAmount(line.amount, request.currency, request.currencyMinorUnit),
		);
		return call(async () => {
			const draft = await this.stripe.invoices.create(
				{
					customer: request.customerId,
					collection_method: 'send_invoice',
					days_until_due: request.daysUntilDue,
					currency,
					description: request.description.slice(0, 1500),
					metadata: request.metadata,
					auto_advance: false,
				},
				{ idempotencyKey: `${request.idempotencyKey}:invoice` },
			);
			for (const [index, line] of request.lines.entries()) {
				await this.stripe.invoiceItems.create(
					{
						customer: request.customerId,
						invoice: draft.id,
						currency,
						amount: amounts[index],
						description: line.description.slice(0, 500),
					},
					{ idempotencyKey: `${request.idempotencyKey}:line:${index}` },
				);
			}
			const finalized = await this.stripe.invoices.finalizeInvoice(
				draft.id!,
				{ auto_advance: false },
				{ idempotencyKey: `${request.idempotencyKey}:finalize` },
			);
			if (!finalized.hosted_invoice_url)
				throw new PaymentProviderError(
					'invalid_request',
					`Stripe finalized invoice ${finalized.id} without a hosted invoice page`,
					null,
				);
			return { externalInvoiceId: finalized.id!, paymentUrl: finalized.hosted_invoice_url };
		});
	}

	// The same lines on a Checkout Session, keyed like the invoice's calls.
	async createCheckout(request: CheckoutRequest): Promise<CreatedInvoice> {
		const currency = request.currency.toLowerCase();
		const amounts = request.lines.map((line) =>
			toStripeAmount(line.amount, request.currency, request.currencyMinorUnit),
		);
		return call(async () => {
			const session = await this.stripe.checkout.sessions.create(
				{
					mode: 'payment',
					customer: request.customerId,
					client_reference_id: request.metadata.order_id,
					line_items: request.lines.map((line, index) => ({
						price_data: {
							currency,
							unit_amount: amounts[index],
							product_data: { name: line.description.slice(0, 250) },
						},
						quantity: 1,
					})),
					expires_at: request.expiresAt,
					metadata: request.metadata,
				},
				{ idempotencyKey: `${request.idempotencyKey}:checkout` },
			);
			if (!session.url)
				throw new PaymentProviderError(
					'invalid_request',
					`Stripe made checkout session ${session.id} without a payment page`,
					null,
				);
			return { externalInvoiceId: session.id, paymentUrl: session.url };
		});
	}

	// Since API 2025-03-31 a charge or refund names no invoice; the InvoicePayment links its
	// PaymentIntent to the invoice it paid (https://docs.stripe.com/api/invoice-payment/list), and
	// a Checkout Session names the PaymentIntent that paid it (list filter payment_intent).
	async invoiceOfPayment(paymentId: string): Promise<string | null> {
		return call(async () => {
			const payments = await this.stripe.invoicePayments.list({
				payment: { type: 'payment_intent', payment_intent: paymentId },
				limit: 1,
			});
			const invoice = payments.data[0]?.invoice;
			if (invoice) return typeof invoice === 'string' ? invoice : (invoice.id ?? null);
			const sessions = await this.stripe.checkout.sessions.list({
				payment_intent: paymentId,
				limit: 1,
			});
			return sessions.data[0]?.id ?? null;
		});
	}

	// Stripe voids only finalized invoices that are open or uncollectible, and a void cannot be
	// undone (https://docs.stripe.com/api/invoices/void); a refusal is read against the invoice's
	// status, so an invoice the buyer paid meanwhile is reported as such, never retried.
	async voidInvoice(externalInvoiceId: string, idempotencyKey: string): Promise<VoidOutcome> {
		if (externalInvoiceId.startsWith('cs_')) return this.expireCheckout(externalInvoiceId);
		try {
			const voided = await this.stripe.invoices.voidInvoice(
				externalInvoiceId,
				{},
				{ idempotencyKey },
			);
			// A replayed key answers the first void's invoice.
			return voided.status === 'void' ? 'voided' : this.settledAs(voided.status);
		} catch (error) {
			const failure = providerError(error);
			if (!(failure instanceof PaymentProviderError) || failure.kind !== 'invalid_request')
				throw failure;
			if (failure.status === 404) return 'gone';
			const invoice = await call(() => this.stripe.invoices.retrieve(externalInvoiceId));
			if (invoice.status === 'open' || invoice.status === 'uncollectible') throw failure;
			return this.settledAs(invoice.status);
		}
	}

	// Only an open Checkout Session can be expired
	// (https://docs.stripe.com/api/checkout/sessions/expire); a refusal is read against its status.
	private async expireCheckout(sessionId: string): Promise<VoidOutcome> {
		try {
			await this.stripe.checkout.sessions.expire(sessionId);
			return 'voided';
		} catch (error) {
			const failure = providerError(error);
			if (!(failure instanceof PaymentProviderError) || failure.kind !== 'invalid_request')
				throw failure;
			if (failure.status === 404) return 'gone';
			const session = await call(() => this.stripe.checkout.sessions.retrieve(sessionId));
			if (session.status === 'complete') return 'already_paid';
			if (session.status === 'expired') return 'already_void';
			throw failure;
		}
	}

	private settledAs(status: Stripe.Invoice.Status | null): VoidOutcome {
		if (status === 'paid') return 'already_paid';
		if (status === 'void') return 'already_void';
		throw new PaymentProviderError(
			'invalid_request',
			`Stripe left the invoice ${status ?? 'without a status'} after a void`,
			null,
		);
	}

	async createWebhookEndpoint(url: string): Promise<WebhookEndpoint> {
		return call(async () => {
			const endpoint = await this.stripe.webhookEndpoints.create({
				url,
				enabled_events: STRIPE_WEBHOOK_EVENTS as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
				description: 'Live Sale Listener: payment status of buyer invoices',
			});
			if (!endpoint.secret)
				throw new PaymentProviderError('invalid_request', 'Stripe gave no signing secret', null);
			return { id: endpoint.id, secret: endpoint.secret };
		});
	}

	async deleteWebhookEndpoint(id: string): Promise<void> {
		try {
			await this.stripe.webhookEndpoints.del(id);
		} catch (error) {
			const failure = providerError(error);
			if (failure instanceof PaymentProviderError && failure.status === 404) return;
			throw failure;
		}
	}
}

/**
 * The event a Stripe-Signature header signs, or WebhookVerificationError. The header is
 * `t=<unix seconds>,v1=<hex>[,v1=…]`; the signed payload is `<t>.<raw body>` under HMAC-SHA256
 * with the endpoint's whsec_ secret. The official client compares every v1 in constant time and
 * refuses timestamps older than the tolerance (300 s); a timestamp as far in the future is refused
 * here too, so a signature cannot be minted now for use later.
 * https://docs.stripe.com/webhooks#verify-events
 */
export async function verifyStripeWebhook(
	rawBody: string,
	signatureHeader: string | null,
	secret: string,
	nowMs = Date.now(),
): Promise<ProviderEvent> {
	if (!signatureHeader)
		throw new WebhookVerificationError('the Stripe-Signature header is missing');
	const timestamp = Number(/(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(signatureHeader)?.[1]);
	if (Number.isFinite(timestamp) && timestamp * 1000 - nowMs > WEBHOOK_TOLERANCE_SECONDS * 1000)
		throw new WebhookVerificationError('Timestamp outside the tolerance zone (in the future)');
	let event: Stripe.Event;
	try {
		event = await Stripe.webhooks.constructEventAsync(
			rawBody,
			signatureHeader,
			secret,
			WEBHOOK_TOLERANCE_SECONDS,
			cryptoProvider,
			nowMs,
		);
	} catch (error) {
		throw new WebhookVerificationError((error as Error).message.split('\n')[0]);
	}
	if (typeof event.id !== 'string' || typeof event.type !== 'string' || !event.data?.object)
		throw new WebhookVerificationError('the signed body is not a Stripe event');
	return {
		id: event.id,
		type: event.type,
		created: event.created,
		object: event.data.object as unknown as Record<string, unknown>,
		account: typeof event.account === 'string' ? event.account : null,
	};
}

const iso = (seconds: unknown, fallback: number) =>
	new Date((typeof seconds === 'number' ? seconds : fallback) * 1000).toISOString();
const text = (value: unknown) => (typeof value === 'string' ? value : null);
const amount = (value: unknown) => (typeof value === 'number' ? value : null);

/** What a verified Stripe event means for an order, or why it means nothing. */
export function mapStripeEvent(event: ProviderEvent): MappedEvent {
	const object = event.object;
	const id = text(object.id);
	const currency = text(object.currency);
	if (!id || !currency) return { ignored: `${event.type} without an object id or currency` };
	const transitions = (object.status_transitions ?? {}) as Record<string, unknown>;
	switch (event.type) {
		case 'invoice.paid':
			return {
				kind: 'paid',
				externalInvoiceId: id,
				providerAmount: amount(object.amount_paid),
				currency,
				occurredAt: iso(transitions.paid_at, event.created),
			};
		case 'invoice.voided':
		case 'invoice.marked_uncollectible':
			return {
				kind: 'void',
				externalInvoiceId: id,
				providerAmount: null,
				currency,
				occurredAt: iso(
					event.type === 'invoice.voided'
						? transitions.voided_at
						: transitions.marked_uncollectible_at,
					event.created,
				),
			};
		case 'invoice.payment_failed':
			return {
				kind: 'payment_failed',
				externalInvoiceId: id,
				providerAmount: amount(object.amount_due),
				currency,
				occurredAt: iso(event.created, event.created),
			};
		case 'charge.refunded': {
			// A charge names its invoice on API versions before 2025-03-31; since then only its
			// PaymentIntent, which the caller maps to the invoice (StripeAdapter.invoiceOfPayment).
			const invoice = text(object.invoice);
			const paymentIntent = text(object.payment_intent);
			if (!invoice && !paymentIntent)
				return { ignored: 'a refund of a payment not linked to an invoice' };
			return {
				kind: 'refunded',
				externalInvoiceId: invoice,
				...(invoice ? {} : { paymentId: paymentIntent! }),
				providerAmount: amount(object.amount_refunded),
				currency,
				occurredAt: iso(event.created, event.created),
			};
		}
		case 'checkout.session.completed':
			if (object.payment_status !== 'paid')
				return {
					ignored: `checkout session ${id} completed but is ${String(object.payment_status)}`,
				};
			return {
				kind: 'paid',
				externalInvoiceId: id,
				providerAmount: amount(object.amount_total),
				currency,
				occurredAt: iso(event.created, event.created),
			};
		case 'checkout.session.expired':
			return {
				kind: 'lapsed',
				externalInvoiceId: id,
				providerAmount: null,
				currency,
				occurredAt: iso(event.created, event.created),
			};
		default:
			return { ignored: `${event.type} is not a payment status the product follows` };
	}
}

/** The mapped event's amount in the order's minor units (public.currencies' minor_unit). */
export function orderAmount(
	event: { providerAmount: number | null; currency: string },
	currencyMinorUnit: number,
): number | null {
	return event.providerAmount === null
		? null
		: fromStripeAmount(event.providerAmount, event.currency, currencyMinorUnit);
}
