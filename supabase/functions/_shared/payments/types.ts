// What the product needs of a payment provider, so Square or Shopify can follow Stripe: check an
// account's key, make a buyer's customer, make and void an invoice (with idempotency keys, so a
// retry never makes a second one), manage the webhook endpoint, and verify and map webhook events.
// Amounts here are always the order's: integers in the currency's ISO minor units.

export type PaymentProviderName = 'stripe';

export interface ProviderAccount {
	accountId: string;
	displayName: string | null;
	livemode: boolean;
}

export interface Buyer {
	name: string;
	/** Where the buyer comes from (platform, user id, handle): kept on the customer. */
	metadata: Record<string, string>;
}

export interface InvoiceLine {
	description: string;
	/** The line's total, in the currency's ISO minor units. */
	amount: number;
}

export interface InvoiceRequest {
	customerId: string;
	/** ISO 4217 code and its minor unit (decimals) as public.currencies has them. */
	currency: string;
	currencyMinorUnit: number;
	lines: InvoiceLine[];
	/** Days the buyer has to pay, as the provider shows it. */
	daysUntilDue: number;
	description: string;
	metadata: Record<string, string>;
	/** Stem of the idempotency keys of every call that makes this invoice. */
	idempotencyKey: string;
}

/** A one-off hosted payment page (Stripe Checkout) for the same lines, instead of an invoice. */
export interface CheckoutRequest extends Omit<InvoiceRequest, 'daysUntilDue' | 'description'> {
	/** Unix seconds; the provider may bound it (Stripe: 30 minutes to 24 hours from now). */
	expiresAt: number;
}

export interface CreatedInvoice {
	externalInvoiceId: string;
	paymentUrl: string;
}

export interface WebhookEndpoint {
	id: string;
	secret: string;
}

/** A provider event as received, after its signature was verified. */
export interface ProviderEvent {
	id: string;
	type: string;
	/** Unix seconds. */
	created: number;
	object: Record<string, unknown>;
	/** Stripe Connect: the connected account (acct_…) the event happened on; null for the account's own endpoint. */
	account?: string | null;
}

/** 'lapsed': a payment link that expired on its own at the provider (a Checkout Session). */
export type PaymentEventKind = 'paid' | 'void' | 'refunded' | 'payment_failed' | 'lapsed';

/** What an event means for an order, in the provider's amount units until converted. */
export interface PaymentEvent {
	kind: PaymentEventKind;
	/** The invoice (or checkout session) the event is about; null when it names only a payment. */
	externalInvoiceId: string | null;
	/** The payment (a Stripe PaymentIntent) of an event that names no invoice, to look it up by. */
	paymentId?: string;
	/** The provider's amount (paid, refunded so far, or due), or null when the event has none. */
	providerAmount: number | null;
	currency: string;
	occurredAt: string;
}

export type MappedEvent = PaymentEvent | { ignored: string };

export type ProviderErrorKind =
	| 'authentication'
	| 'permission'
	| 'invalid_request'
	| 'rate_limited'
	| 'unavailable'
	| 'card_declined';

/** A provider call that failed, classified so callers know whether to retry. */
export class PaymentProviderError extends Error {
	constructor(
		readonly kind: ProviderErrorKind,
		message: string,
		readonly status: number | null,
	) {
		super(message);
		this.name = 'PaymentProviderError';
	}

	/** Worth retrying later with the same idempotency keys. */
	get retryable(): boolean {
		return this.kind === 'rate_limited' || this.kind === 'unavailable';
	}
}

export class WebhookVerificationError extends Error {}

/** How a void ended: done now, or nothing left to void (already void, paid, or gone). */
export type VoidOutcome = 'voided' | 'already_void' | 'already_paid' | 'gone';

export interface PaymentAdapter {
	readonly provider: PaymentProviderName;
	checkAccount(): Promise<ProviderAccount>;
	createCustomer(buyer: Buyer, idempotencyKey: string): Promise<string>;
	createInvoice(request: InvoiceRequest): Promise<CreatedInvoice>;
	createCheckout(request: CheckoutRequest): Promise<CreatedInvoice>;
	/** The invoice (or checkout session) a payment paid, or null when it paid none. */
	invoiceOfPayment(paymentId: string): Promise<string | null>;
	/**
	 * Voids an open invoice (expires an open checkout); one already paid, void or gone is left as
	 * it is, and said so.
	 */
	voidInvoice(externalInvoiceId: string, idempotencyKey: string): Promise<VoidOutcome>;
	createWebhookEndpoint(url: string): Promise<WebhookEndpoint>;
	deleteWebhookEndpoint(id: string): Promise<void>;
}
