// The simulator's Stripe accounts and their objects: API keys (secret and restricted), customers,
// invoice items, invoices, checkout sessions, webhook endpoints and the events that changes raise.
import { randomBytes } from 'node:crypto';
import { invalidState, noSuchObject, StripeApiError } from './errors.ts';

/** Restricted keys carry a level per resource; a secret key has write on everything. */
export const permissionResources = [
	'customers',
	'invoices',
	'checkout_sessions',
	'webhook_endpoints',
] as const;
export type PermissionResource = (typeof permissionResources)[number];
export type PermissionLevel = 'none' | 'read' | 'write';
/** The names Stripe's permission errors use (`rak_<resource>_<level>`). */
const permissionNames: Record<PermissionResource, string> = {
	customers: 'customer',
	invoices: 'invoice',
	checkout_sessions: 'checkout_session',
	webhook_endpoints: 'webhook',
};

/** Currencies without a minor unit: amounts are whole units (Stripe's zero-decimal list). */
export const zeroDecimalCurrencies = new Set([
	'bif',
	'clp',
	'djf',
	'gnf',
	'jpy',
	'kmf',
	'krw',
	'mga',
	'pyg',
	'rwf',
	'ugx',
	'vnd',
	'vuv',
	'xaf',
	'xof',
	'xpf',
]);

export interface ApiKey {
	secret: string;
	accountId: string;
	/** null: a secret key (every permission). */
	permissions: Partial<Record<PermissionResource, PermissionLevel>> | null;
	revoked: boolean;
}

export interface Account {
	id: string;
	name: string;
	country: string;
	defaultCurrency: string;
	customers: Map<string, Customer>;
	invoiceItems: Map<string, InvoiceItem>;
	invoices: Map<string, Invoice>;
	checkoutSessions: Map<string, CheckoutSession>;
	webhookEndpoints: Map<string, WebhookEndpoint>;
	events: StripeEvent[];
}

export interface Customer {
	id: string;
	object: 'customer';
	name: string | null;
	email: string | null;
	description: string | null;
	metadata: Record<string, string>;
	created: number;
	livemode: false;
}

export interface InvoiceItem {
	id: string;
	object: 'invoiceitem';
	amount: number;
	currency: string;
	customer: string;
	description: string | null;
	invoice: string | null;
	quantity: number;
	metadata: Record<string, string>;
	date: number;
	livemode: false;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface Invoice {
	id: string;
	object: 'invoice';
	account_name: string;
	amount_due: number;
	amount_paid: number;
	amount_remaining: number;
	attempt_count: number;
	auto_advance: boolean;
	collection_method: 'send_invoice' | 'charge_automatically';
	created: number;
	currency: string;
	customer: string;
	customer_name: string | null;
	days_until_due: number | null;
	description: string | null;
	due_date: number | null;
	hosted_invoice_url: string | null;
	invoice_pdf: string | null;
	lines: { object: 'list'; data: Record<string, unknown>[]; has_more: false; url: string };
	livemode: false;
	metadata: Record<string, string>;
	number: string | null;
	status: InvoiceStatus;
	status_transitions: {
		finalized_at: number | null;
		marked_uncollectible_at: number | null;
		paid_at: number | null;
		voided_at: number | null;
	};
	subtotal: number;
	total: number;
	/** Not Stripe's: the refunded amount, for charge.refunded events. */
	refunded: number;
	/** Not returned on the invoice (API 2025-03-31 and later): the PaymentIntent that paid it. */
	paymentIntent: string | null;
	/** Not returned either: when it was paid, to date its InvoicePayment. */
	paidAt: number | null;
}

/** How Stripe links a payment to its invoice since API 2025-03-31 (GET /v1/invoice_payments). */
export interface InvoicePayment {
	id: string;
	object: 'invoice_payment';
	amount_paid: number;
	amount_requested: number;
	created: number;
	currency: string;
	invoice: string;
	is_default: true;
	livemode: false;
	payment: { type: 'payment_intent'; payment_intent: string };
	status: 'paid';
	status_transitions: { canceled_at: null; paid_at: number };
}

export interface CheckoutLineItem {
	name: string;
	unit_amount: number;
	quantity: number;
}

export interface CheckoutSession {
	id: string;
	object: 'checkout.session';
	amount_subtotal: number;
	amount_total: number;
	cancel_url: string | null;
	client_reference_id: string | null;
	created: number;
	currency: string;
	customer: string | null;
	expires_at: number;
	livemode: false;
	metadata: Record<string, string>;
	mode: 'payment';
	payment_status: 'paid' | 'unpaid';
	status: 'open' | 'complete' | 'expired';
	success_url: string | null;
	url: string | null;
	/** The PaymentIntent that paid the session, once complete. */
	payment_intent: string | null;
	/** Not returned by the API (Stripe lists them at /line_items): kept for the hosted page. */
	lineItems: CheckoutLineItem[];
	/** Not Stripe's: the refunded amount, for charge.refunded events. */
	refunded: number;
}

export interface WebhookEndpoint {
	id: string;
	object: 'webhook_endpoint';
	url: string;
	enabled_events: string[];
	/** A platform's Connect endpoint: it receives its connected accounts' events, not its own. */
	connect: boolean;
	secret: string;
	status: 'enabled' | 'disabled';
	created: number;
	livemode: false;
}

export interface StripeEvent {
	id: string;
	object: 'event';
	account: string;
	api_version: string;
	created: number;
	data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
	livemode: false;
	pending_webhooks: number;
	request: { id: string | null; idempotency_key: string | null };
	type: string;
}

export const simulatorApiVersion = '2026-10-28.endive';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function stripeId(prefix: string, length = 24): string {
	const bytes = randomBytes(length);
	return `${prefix}_${Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** Where the world reports each event; the webhook dispatcher listens. */
export type EventSink = (account: Account, event: StripeEvent) => void;

export class World {
	readonly accounts = new Map<string, Account>();
	readonly keys = new Map<string, ApiKey>();
	/** Connect: a connected account → the platform account that may act on it (Stripe-Account). */
	readonly connectedTo = new Map<string, string>();
	/** Payments declined from now on (the next N attempts). */
	declinesPending = 0;

	constructor(
		readonly baseUrl: string,
		private readonly emit: EventSink,
	) {}

	createAccount(input: { name: string; country: string; defaultCurrency: string }): {
		account: Account;
		secretKey: string;
	} {
		const account: Account = {
			id: stripeId('acct', 16),
			name: input.name,
			country: input.country,
			defaultCurrency: input.defaultCurrency,
			customers: new Map(),
			invoiceItems: new Map(),
			invoices: new Map(),
			checkoutSessions: new Map(),
			webhookEndpoints: new Map(),
			events: [],
		};
		this.accounts.set(account.id, account);
		const secretKey = this.createKey(account.id, null);
		return { account, secretKey };
	}

	createKey(
		accountId: string,
		permissions: Partial<Record<PermissionResource, PermissionLevel>> | null,
	): string {
		this.account(accountId);
		const secret = `${permissions ? 'rk' : 'sk'}_test_${stripeId('x', 40).slice(2)}`;
		this.keys.set(secret, { secret, accountId, permissions, revoked: false });
		return secret;
	}

	createWebhookEndpoint(
		account: Account,
		input: { url: string; enabledEvents: string[]; connect: boolean },
	): WebhookEndpoint {
		const endpoint: WebhookEndpoint = {
			id: stripeId('we'),
			object: 'webhook_endpoint',
			url: input.url,
			enabled_events: input.enabledEvents,
			connect: input.connect,
			secret: `whsec_${stripeId('x', 32).slice(2)}`,
			status: 'enabled',
			created: now(),
			livemode: false,
		};
		account.webhookEndpoints.set(endpoint.id, endpoint);
		return endpoint;
	}

	account(id: string): Account {
		const account = this.accounts.get(id);
		if (!account) throw noSuchObject('account', id);
		return account;
	}

	/** 403 unless the key may do `level` on `resource` (Stripe's restricted-key error). */
	requirePermission(key: ApiKey, resource: PermissionResource, level: 'read' | 'write'): void {
		if (key.permissions === null) return;
		const granted = key.permissions[resource] ?? 'none';
		if (granted === 'write' || granted === level) return;
		throw new StripeApiError(
			403,
			'invalid_request_error',
			`The provided key '${maskKey(key.secret)}' does not have the required permissions for this endpoint on account '${key.accountId}'. Having the 'rak_${permissionNames[resource]}_${level}' permission would allow this request to continue.`,
		);
	}

	event(
		account: Account,
		type: string,
		object: Record<string, unknown>,
		request: StripeEvent['request'] = { id: null, idempotency_key: null },
	): void {
		const event: StripeEvent = {
			id: stripeId('evt'),
			object: 'event',
			account: account.id,
			api_version: simulatorApiVersion,
			created: now(),
			data: { object: structuredClone(object) },
			livemode: false,
			pending_webhooks: [...account.webhookEndpoints.values()].filter((endpoint) =>
				subscribes(endpoint, type),
			).length,
			request,
			type,
		};
		account.events.push(event);
		this.emit(account, event);
	}

	// Invoices

	invoice(account: Account, id: string): Invoice {
		const invoice = account.invoices.get(id);
		if (!invoice) throw noSuchObject('invoice', id);
		return invoice;
	}

	recomputeInvoice(account: Account, invoice: Invoice): void {
		const items = [...account.invoiceItems.values()].filter((item) => item.invoice === invoice.id);
		invoice.lines.data = items.map((item) => ({
			id: stripeId('il'),
			object: 'line_item',
			amount: item.amount,
			currency: item.currency,
			description: item.description,
			invoice: invoice.id,
			quantity: item.quantity,
			metadata: item.metadata,
			parent: { type: 'invoice_item_details', invoice_item_details: { invoice_item: item.id } },
		}));
		invoice.subtotal = items.reduce((sum, item) => sum + item.amount, 0);
		invoice.total = invoice.subtotal;
		invoice.amount_due = invoice.total;
		invoice.amount_remaining = invoice.total - invoice.amount_paid;
	}

	finalizeInvoice(account: Account, invoice: Invoice): void {
		if (invoice.status !== 'draft')
			throw invalidState(
				`This invoice is already finalized, you can't re-finalize a non-draft invoice.`,
			);
		const finalizedAt = now();
		invoice.status = 'open';
		invoice.number = `${account.id.slice(-6).toUpperCase()}-${String(account.invoices.size).padStart(4, '0')}`;
		invoice.status_transitions.finalized_at = finalizedAt;
		if (invoice.collection_method === 'send_invoice' && invoice.days_until_due !== null)
			invoice.due_date ??= finalizedAt + invoice.days_until_due * 86_400;
		invoice.hosted_invoice_url = `${this.baseUrl}/i/${account.id}/${invoice.id}`;
		invoice.invoice_pdf = `${invoice.hosted_invoice_url}/pdf`;
		this.event(account, 'invoice.finalized', publicInvoice(invoice));
		// Stripe marks a zero-amount invoice paid when it is finalized.
		if (invoice.amount_due === 0) this.markPaid(account, invoice);
	}

	/** A buyer's payment attempt on the hosted page (or the control API); false when declined. */
	payInvoice(account: Account, invoice: Invoice, decline: boolean): boolean {
		if (invoice.status !== 'open')
			throw invalidState(
				`Invoice ${invoice.id} is ${invoice.status}; only an open invoice can be paid.`,
			);
		invoice.attempt_count += 1;
		if (decline || this.takeDecline()) {
			this.event(account, 'invoice.payment_failed', publicInvoice(invoice));
			return false;
		}
		this.markPaid(account, invoice);
		return true;
	}

	private markPaid(account: Account, invoice: Invoice): void {
		invoice.status = 'paid';
		invoice.amount_paid = invoice.amount_due;
		invoice.amount_remaining = 0;
		invoice.status_transitions.paid_at = now();
		invoice.paymentIntent = stripeId('pi');
		invoice.paidAt = now();
		this.event(account, 'invoice.paid', publicInvoice(invoice));
		this.event(account, 'invoice.payment_succeeded', publicInvoice(invoice));
	}

	voidInvoice(account: Account, invoice: Invoice): void {
		if (invoice.status === 'void') return;
		if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
			throw invalidState(
				`You can only void invoices that are open or uncollectible; this one is ${invoice.status}.`,
			);
		invoice.status = 'void';
		invoice.amount_remaining = 0;
		invoice.status_transitions.voided_at = now();
		this.event(account, 'invoice.voided', publicInvoice(invoice));
	}

	refundInvoice(account: Account, invoice: Invoice, amount: number | undefined): void {
		if (invoice.status !== 'paid')
			throw invalidState(
				`Invoice ${invoice.id} is ${invoice.status}; only a paid invoice can be refunded.`,
			);
		invoice.refunded = this.refundCharge(account, {
			paid: invoice.amount_paid,
			refunded: invoice.refunded,
			amount,
			currency: invoice.currency,
			customer: invoice.customer,
			paymentIntent: invoice.paymentIntent!,
			created: invoice.status_transitions.paid_at!,
		});
	}

	refundCheckoutSession(
		account: Account,
		session: CheckoutSession,
		amount: number | undefined,
	): void {
		if (session.payment_status !== 'paid')
			throw invalidState(`Checkout session ${session.id} is not paid; nothing to refund.`);
		session.refunded = this.refundCharge(account, {
			paid: session.amount_total,
			refunded: session.refunded,
			amount,
			currency: session.currency,
			customer: session.customer,
			paymentIntent: session.payment_intent!,
			created: session.created,
		});
	}

	// Since API 2025-03-31 a charge no longer names its invoice: only its PaymentIntent, which
	// GET /v1/invoice_payments (or, for Checkout, GET /v1/checkout/sessions) maps back
	// (https://docs.stripe.com/api/invoice-payment/list). Returns the amount refunded so far.
	private refundCharge(
		account: Account,
		charge: {
			paid: number;
			refunded: number;
			amount: number | undefined;
			currency: string;
			customer: string | null;
			paymentIntent: string;
			created: number;
		},
	): number {
		const refund = charge.amount ?? charge.paid - charge.refunded;
		if (refund <= 0 || charge.refunded + refund > charge.paid)
			throw invalidState(
				`Refund amount (${refund}) is greater than the unrefunded amount on the charge.`,
			);
		const refunded = charge.refunded + refund;
		this.event(account, 'charge.refunded', {
			id: stripeId('ch'),
			object: 'charge',
			amount: charge.paid,
			amount_refunded: refunded,
			currency: charge.currency,
			customer: charge.customer,
			payment_intent: charge.paymentIntent,
			refunded: refunded === charge.paid,
			paid: true,
			status: 'succeeded',
			created: charge.created,
			metadata: {},
		});
		return refunded;
	}

	// Checkout sessions

	checkoutSession(account: Account, id: string): CheckoutSession {
		const session = account.checkoutSessions.get(id);
		if (!session) throw noSuchObject('checkout.session', id);
		return session;
	}

	payCheckoutSession(account: Account, session: CheckoutSession, decline: boolean): boolean {
		this.expireDueSessions(account);
		if (session.status !== 'open')
			throw invalidState(`Checkout session ${session.id} is ${session.status}.`);
		if (decline || this.takeDecline()) return false;
		session.status = 'complete';
		session.payment_status = 'paid';
		session.payment_intent = stripeId('pi');
		session.url = null;
		this.event(account, 'checkout.session.completed', publicSession(session));
		return true;
	}

	expireCheckoutSession(account: Account, session: CheckoutSession): void {
		if (session.status !== 'open')
			throw invalidState(
				`Only Checkout Sessions with a status of open can be expired; this one is ${session.status}.`,
			);
		session.status = 'expired';
		session.url = null;
		this.event(account, 'checkout.session.expired', publicSession(session));
	}

	expireDueSessions(account: Account): void {
		for (const session of account.checkoutSessions.values())
			if (session.status === 'open' && session.expires_at <= now())
				this.expireCheckoutSession(account, session);
	}

	private takeDecline(): boolean {
		if (this.declinesPending === 0) return false;
		this.declinesPending -= 1;
		return true;
	}
}

/** A copy without the simulator's own fields (or a secret the API shows only once). */
export function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
	const copy = { ...value };
	for (const key of keys) delete copy[key];
	return copy;
}

export const publicSession = (session: CheckoutSession) =>
	without(session, 'lineItems', 'refunded');
export const publicInvoice = (invoice: Invoice) =>
	without(invoice, 'refunded', 'paymentIntent', 'paidAt');

/** The paid invoice's InvoicePayment, as GET /v1/invoice_payments lists it. */
export function invoicePayment(invoice: Invoice): InvoicePayment | null {
	if (!invoice.paymentIntent || invoice.paidAt === null) return null;
	return {
		id: `inpay_${invoice.paymentIntent.slice(3)}`,
		object: 'invoice_payment',
		amount_paid: invoice.amount_paid,
		amount_requested: invoice.amount_due,
		created: invoice.paidAt,
		currency: invoice.currency,
		invoice: invoice.id,
		is_default: true,
		livemode: false,
		payment: { type: 'payment_intent', payment_intent: invoice.paymentIntent },
		status: 'paid',
		status_transitions: { canceled_at: null, paid_at: invoice.paidAt },
	};
}

export function subscribes(endpoint: WebhookEndpoint, type: string): boolean {
	return (
		endpoint.status === 'enabled' &&
		(endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type))
	);
}

/** How Stripe names a key in errors: its prefix and last four characters. */
export function maskKey(secret: string): string {
	return `${secret.slice(0, 8)}${'*'.repeat(Math.max(0, secret.length - 12))}${secret.slice(-4)}`;
}
