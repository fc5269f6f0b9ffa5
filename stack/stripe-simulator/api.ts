// The Stripe API subset the product's `stripe` client calls, under /v1: account (the key check),
// customers, invoice items, invoices (create, retrieve, list, finalize, send, void), checkout
// sessions (create, retrieve, expire), webhook endpoints and events. Requests are authenticated by
// the Bearer key (secret or restricted), bodies are form-encoded, errors are Stripe's objects, and
// every POST honours Idempotency-Key as Stripe does (see idempotency.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http.ts';
import { invalidParam, missingParam, StripeApiError, unknownParam } from './errors.ts';
import { decodeForm, FormError, type FormObject, type FormValue } from './form.ts';
import { IdempotencyStore } from './idempotency.ts';
import type { FaultInjector } from './faults.ts';
import {
	invoicePayment,
	maskKey,
	publicInvoice,
	publicSession,
	simulatorApiVersion,
	stripeId,
	type Account,
	type ApiKey,
	type CheckoutLineItem,
	type Invoice,
	type InvoicePayment,
	type PermissionResource,
	type World,
	without,
} from './world.ts';

export interface RequestLogEntry {
	at: string;
	method: string;
	path: string;
	status: number;
	idempotencyKey: string | null;
	replayed: boolean;
	/** The key's prefix and last four characters. */
	key: string | null;
}

export interface ApiContext {
	world: World;
	idempotency: IdempotencyStore;
	faults: FaultInjector;
	requests: RequestLogEntry[];
}

interface Call {
	account: Account;
	key: ApiKey;
	params: FormObject;
	request: { id: string; idempotency_key: string | null };
}

interface Answer {
	status: number;
	body: unknown;
}

const now = () => Math.floor(Date.now() / 1000);
const BODY_LIMIT = 1024 * 1024;

export async function handleApiRequest(
	context: ApiContext,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const requestId = stripeId('req', 14);
	const method = req.method ?? 'GET';
	const path = url.pathname;
	const idempotencyKey =
		method === 'POST' ? (req.headers['idempotency-key'] as string) || null : null;
	const log: RequestLogEntry = {
		at: new Date().toISOString(),
		method,
		path,
		status: 0,
		idempotencyKey,
		replayed: false,
		key: null,
	};
	const headers: Record<string, string> = {
		'request-id': requestId,
		'stripe-version': (req.headers['stripe-version'] as string) || simulatorApiVersion,
	};
	const send = (answer: Answer) => {
		log.status = answer.status;
		context.requests.push(log);
		sendJson(res, answer.status, answer.body, headers);
	};
	try {
		const key = authenticate(context.world, req);
		log.key = maskKey(key.secret);
		const account = context.world.account(actingAccount(context.world, key, req));
		const injected = context.faults.take(path);
		if (injected) {
			if (injected.shouldRetry !== undefined)
				headers['stripe-should-retry'] = String(injected.shouldRetry);
			throw injected;
		}
		const text =
			method === 'GET' || method === 'DELETE'
				? url.search.slice(1)
				: (await readBody(req, BODY_LIMIT)).toString('utf8');
		const params = decodeForm(text);
		const call: Call = {
			account,
			key,
			params,
			request: { id: requestId, idempotency_key: idempotencyKey },
		};
		if (idempotencyKey === null) return send(route(context, method, path, call));
		const outcome = context.idempotency.run(account.id, idempotencyKey, method, path, params, () =>
			route(context, method, path, call),
		);
		if (outcome.replayed) {
			headers['idempotent-replayed'] = 'true';
			log.replayed = true;
		}
		headers['idempotency-key'] = idempotencyKey;
		send(outcome.answer);
	} catch (error) {
		if (error instanceof FormError)
			return send({ status: 400, body: invalidParam(error.param, error.message).body(requestId) });
		if (error instanceof StripeApiError)
			return send({ status: error.status, body: error.body(requestId) });
		throw error;
	}
}

function authenticate(world: World, req: IncomingMessage): ApiKey {
	const header = req.headers.authorization ?? '';
	const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
	// Stripe also takes the key as the Basic auth user name.
	const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
	const secret =
		bearer ?? (basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined);
	if (!secret)
		throw new StripeApiError(
			401,
			'invalid_request_error',
			"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
		);
	const key = world.keys.get(secret);
	if (!key || key.revoked)
		throw new StripeApiError(
			401,
			'invalid_request_error',
			`Invalid API Key provided: ${maskKey(secret)}`,
			{
				code: 'api_key_invalid',
			},
		);
	return key;
}

/**
 * The account a request acts on: the key's own, or with the Stripe-Account header a connected
 * account of the platform whose secret key it is (restricted keys of the platform are refused
 * here, a simplification of Stripe's per-permission check).
 */
function actingAccount(world: World, key: ApiKey, req: IncomingMessage): string {
	const header = req.headers['stripe-account'];
	const connected = Array.isArray(header) ? header[0] : header;
	if (!connected) return key.accountId;
	if (key.permissions !== null || world.connectedTo.get(connected) !== key.accountId)
		throw new StripeApiError(
			403,
			'invalid_request_error',
			`The provided key '${maskKey(key.secret)}' does not have access to account '${connected}' (or that account does not exist). Application access may have been revoked.`,
			{ code: 'account_invalid' },
		);
	return connected;
}

/** A route's answer; errors it throws are answers too (and, like Stripe, saved for the key). */
function route(context: ApiContext, method: string, path: string, call: Call): Answer {
	try {
		return { status: 200, body: dispatch(context, method, path, call) };
	} catch (error) {
		if (error instanceof StripeApiError)
			return { status: error.status, body: error.body(call.request.id) };
		throw error;
	}
}

type Handler = (context: ApiContext, call: Call, id: string) => unknown;
interface Route {
	method: string;
	pattern: RegExp;
	resource: PermissionResource | null;
	level: 'read' | 'write';
	handler: Handler;
}

const routes: Route[] = [
	{
		method: 'GET',
		pattern: /^\/v1\/account$/,
		resource: null,
		level: 'read',
		handler: retrieveAccount,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/customers$/,
		resource: 'customers',
		level: 'write',
		handler: createCustomer,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/customers$/,
		resource: 'customers',
		level: 'read',
		handler: (_c, call) => list([...call.account.customers.values()], call.params),
	},
	{
		method: 'GET',
		pattern: /^\/v1\/customers\/([^/]+)$/,
		resource: 'customers',
		level: 'read',
		handler: retrieveCustomer,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/invoiceitems$/,
		resource: 'invoices',
		level: 'write',
		handler: createInvoiceItem,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/invoices$/,
		resource: 'invoices',
		level: 'write',
		handler: createInvoice,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/invoices$/,
		resource: 'invoices',
		level: 'read',
		handler: listInvoices,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/invoices\/([^/]+)$/,
		resource: 'invoices',
		level: 'read',
		handler: (c, call, id) => publicInvoice(c.world.invoice(call.account, id)),
	},
	{
		method: 'POST',
		pattern: /^\/v1\/invoices\/([^/]+)\/finalize$/,
		resource: 'invoices',
		level: 'write',
		handler: finalizeInvoice,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/invoices\/([^/]+)\/send$/,
		resource: 'invoices',
		level: 'write',
		handler: sendInvoice,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/invoices\/([^/]+)\/void$/,
		resource: 'invoices',
		level: 'write',
		handler: voidInvoice,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/invoice_payments$/,
		resource: 'invoices',
		level: 'read',
		handler: listInvoicePayments,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/checkout\/sessions$/,
		resource: 'checkout_sessions',
		level: 'write',
		handler: createCheckoutSession,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/checkout\/sessions$/,
		resource: 'checkout_sessions',
		level: 'read',
		handler: listCheckoutSessions,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/,
		resource: 'checkout_sessions',
		level: 'read',
		handler: retrieveCheckoutSession,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
		resource: 'checkout_sessions',
		level: 'write',
		handler: expireCheckoutSession,
	},
	{
		method: 'POST',
		pattern: /^\/v1\/webhook_endpoints$/,
		resource: 'webhook_endpoints',
		level: 'write',
		handler: createWebhookEndpoint,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/webhook_endpoints$/,
		resource: 'webhook_endpoints',
		level: 'read',
		handler: (_c, call) =>
			list(
				[...call.account.webhookEndpoints.values()].map((endpoint) => without(endpoint, 'secret')),
				call.params,
			),
	},
	{
		method: 'DELETE',
		pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
		resource: 'webhook_endpoints',
		level: 'write',
		handler: deleteWebhookEndpoint,
	},
	{
		method: 'GET',
		pattern: /^\/v1\/events\/([^/]+)$/,
		resource: null,
		level: 'read',
		handler: retrieveEvent,
	},
];

function dispatch(context: ApiContext, method: string, path: string, call: Call): unknown {
	for (const candidate of routes) {
		const match = candidate.pattern.exec(path);
		if (!match) continue;
		if (candidate.method !== method) continue;
		if (candidate.resource)
			context.world.requirePermission(call.key, candidate.resource, candidate.level);
		return candidate.handler(context, call, match[1] ? decodeURIComponent(match[1]) : '');
	}
	throw new StripeApiError(
		404,
		'invalid_request_error',
		`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
	);
}

// Parameters

function allowOnly(params: FormObject, allowed: string[]): void {
	for (const name of Object.keys(params))
		if (name !== 'expand' && !allowed.includes(name)) throw unknownParam(name);
}

function text(
	params: FormObject,
	name: string,
	options: { required?: boolean; max?: number } = {},
): string | null {
	const value = params[name];
	if (value === undefined || value === '') {
		if (options.required) throw missingParam(name);
		return null;
	}
	if (typeof value !== 'string')
		throw invalidParam(name, `Invalid string: ${name} must be a string`);
	if (value.length > (options.max ?? 5000))
		throw invalidParam(
			name,
			`Invalid string: ${name} is longer than ${options.max ?? 5000} characters`,
		);
	return value;
}

function integer(
	params: FormObject | FormValue,
	name: string,
	options: { required?: boolean; min?: number } = {},
): number | null {
	const value = (params as FormObject)[name];
	if (value === undefined || value === '') {
		if (options.required) throw missingParam(name);
		return null;
	}
	if (typeof value !== 'string' || !/^-?[0-9]{1,15}$/.test(value))
		throw invalidParam(name, `Invalid integer: ${String(value)}`);
	const parsed = Number(value);
	if (options.min !== undefined && parsed < options.min)
		throw invalidParam(name, `This value must be greater than or equal to ${options.min}.`);
	return parsed;
}

function currency(params: FormObject, name = 'currency', required = true): string | null {
	const value = text(params, name, { required });
	if (value === null) return null;
	if (!/^[a-zA-Z]{3}$/.test(value))
		throw invalidParam(
			name,
			`Invalid currency: ${value}. Stripe currently supports these currencies: usd, eur, gbp, jpy, …`,
		);
	return value.toLowerCase();
}

function metadata(params: FormObject): Record<string, string> {
	const value = params.metadata;
	if (value === undefined || value === '') return {};
	if (typeof value !== 'object' || Array.isArray(value))
		throw invalidParam('metadata', 'Invalid hash: metadata');
	const entries = Object.entries(value);
	if (entries.length > 50)
		throw invalidParam('metadata', 'You can specify up to 50 keys in metadata.');
	for (const [key, item] of entries) {
		if (typeof item !== 'string')
			throw invalidParam(`metadata[${key}]`, 'Metadata values must be strings.');
		if (key.length > 40)
			throw invalidParam(`metadata[${key}]`, 'Metadata keys can have up to 40 characters.');
		if (item.length > 500)
			throw invalidParam(`metadata[${key}]`, 'Metadata values can have up to 500 characters.');
	}
	return value as Record<string, string>;
}

function list<T>(
	items: T[],
	params: FormObject,
): { object: 'list'; data: T[]; has_more: boolean; url: string } {
	const limit = integer(params, 'limit', { min: 1 }) ?? 10;
	if (limit > 100) throw invalidParam('limit', 'This value must be less than or equal to 100.');
	const newestFirst = [...items].reverse();
	return {
		object: 'list',
		data: newestFirst.slice(0, limit),
		has_more: newestFirst.length > limit,
		url: '',
	};
}

// Handlers

function retrieveAccount(_context: ApiContext, call: Call): unknown {
	const { account } = call;
	return {
		id: account.id,
		object: 'account',
		business_profile: { name: account.name },
		charges_enabled: true,
		country: account.country,
		default_currency: account.defaultCurrency,
		details_submitted: true,
		settings: { dashboard: { display_name: account.name } },
		type: 'standard',
	};
}

function createCustomer(_context: ApiContext, call: Call): unknown {
	const { params, account } = call;
	allowOnly(params, ['name', 'email', 'description', 'metadata']);
	const customer = {
		id: stripeId('cus', 14),
		object: 'customer' as const,
		name: text(params, 'name', { max: 256 }),
		email: text(params, 'email', { max: 512 }),
		description: text(params, 'description', { max: 350 }),
		metadata: metadata(params),
		created: now(),
		livemode: false as const,
	};
	account.customers.set(customer.id, customer);
	return customer;
}

function retrieveCustomer(_context: ApiContext, call: Call, id: string): unknown {
	const customer = call.account.customers.get(id);
	if (!customer)
		throw new StripeApiError(404, 'invalid_request_error', `No such customer: '${id}'`, {
			code: 'resource_missing',
			param: 'id',
		});
	return customer;
}

function requireCustomer(call: Call, id: string | null): string {
	if (id === null) throw missingParam('customer');
	if (!call.account.customers.has(id))
		throw new StripeApiError(400, 'invalid_request_error', `No such customer: '${id}'`, {
			code: 'resource_missing',
			param: 'customer',
		});
	return id;
}

function createInvoiceItem(context: ApiContext, call: Call): unknown {
	const { params, account } = call;
	allowOnly(params, [
		'customer',
		'invoice',
		'amount',
		'currency',
		'description',
		'quantity',
		'unit_amount_decimal',
		'metadata',
	]);
	const customer = requireCustomer(call, text(params, 'customer'));
	const invoiceId = text(params, 'invoice');
	const invoice = invoiceId === null ? null : context.world.invoice(account, invoiceId);
	if (invoice && invoice.status !== 'draft')
		throw new StripeApiError(
			400,
			'invalid_request_error',
			`You can only add invoice items to draft invoices; invoice ${invoice.id} is ${invoice.status}.`,
			{ code: 'invoice_not_editable', param: 'invoice' },
		);
	if (invoice && invoice.customer !== customer)
		throw invalidParam('invoice', `The invoice ${invoice.id} belongs to another customer.`);
	const itemCurrency = currency(params, 'currency', invoice === null) ?? invoice!.currency;
	if (invoice && itemCurrency !== invoice.currency)
		throw invalidParam(
			'currency',
			`The currency ${itemCurrency} does not match the invoice's currency ${invoice.currency}.`,
		);
	const quantity = integer(params, 'quantity', { min: 0 }) ?? 1;
	const amount = integer(params, 'amount');
	const unitDecimal = text(params, 'unit_amount_decimal');
	if ((amount === null) === (unitDecimal === null))
		throw new StripeApiError(
			400,
			'invalid_request_error',
			'You must specify exactly one of amount or unit_amount_decimal.',
			{ param: 'amount' },
		);
	if (amount !== null && params.quantity !== undefined)
		throw invalidParam(
			'quantity',
			'You cannot specify quantity together with amount; amount is the total.',
		);
	if (unitDecimal !== null && !/^[0-9]{1,15}$/.test(unitDecimal))
		throw invalidParam('unit_amount_decimal', `Invalid decimal: ${unitDecimal}`);
	const item = {
		id: stripeId('ii'),
		object: 'invoiceitem' as const,
		amount: amount ?? Number(unitDecimal) * quantity,
		currency: itemCurrency,
		customer,
		description: text(params, 'description', { max: 500 }),
		invoice: invoice?.id ?? null,
		quantity,
		metadata: metadata(params),
		date: now(),
		livemode: false as const,
	};
	account.invoiceItems.set(item.id, item);
	if (invoice) context.world.recomputeInvoice(account, invoice);
	return item;
}

function createInvoice(context: ApiContext, call: Call): unknown {
	const { params, account } = call;
	allowOnly(params, [
		'customer',
		'collection_method',
		'days_until_due',
		'due_date',
		'currency',
		'description',
		'metadata',
		'auto_advance',
		'pending_invoice_items_behavior',
	]);
	const customerId = requireCustomer(call, text(params, 'customer'));
	const collection = text(params, 'collection_method') ?? 'charge_automatically';
	if (collection !== 'send_invoice' && collection !== 'charge_automatically')
		throw invalidParam(
			'collection_method',
			`Invalid collection_method: must be one of charge_automatically or send_invoice`,
		);
	const daysUntilDue = integer(params, 'days_until_due', { min: 0 });
	const dueDate = integer(params, 'due_date');
	if (collection === 'send_invoice' && daysUntilDue === null && dueDate === null)
		throw new StripeApiError(
			400,
			'invalid_request_error',
			'Missing required param: days_until_due or due_date (required when collection_method is send_invoice).',
			{ code: 'parameter_missing', param: 'days_until_due' },
		);
	const invoice: Invoice = {
		id: stripeId('in'),
		object: 'invoice',
		account_name: account.name,
		amount_due: 0,
		amount_paid: 0,
		amount_remaining: 0,
		attempt_count: 0,
		auto_advance: text(params, 'auto_advance') === 'true',
		collection_method: collection,
		created: now(),
		currency: currency(params, 'currency', false) ?? account.defaultCurrency,
		customer: customerId,
		customer_name: account.customers.get(customerId)?.name ?? null,
		days_until_due: daysUntilDue,
		description: text(params, 'description', { max: 1500 }),
		due_date: dueDate,
		hosted_invoice_url: null,
		invoice_pdf: null,
		lines: { object: 'list', data: [], has_more: false, url: '' },
		livemode: false,
		metadata: metadata(params),
		number: null,
		status: 'draft',
		status_transitions: {
			finalized_at: null,
			marked_uncollectible_at: null,
			paid_at: null,
			voided_at: null,
		},
		subtotal: 0,
		total: 0,
		refunded: 0,
		paymentIntent: null,
		paidAt: null,
	};
	invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
	account.invoices.set(invoice.id, invoice);
	// Since API version 2022-08-01 pending invoice items are excluded unless asked for.
	if (text(params, 'pending_invoice_items_behavior') === 'include')
		for (const item of account.invoiceItems.values())
			if (
				item.customer === customerId &&
				item.invoice === null &&
				item.currency === invoice.currency
			)
				item.invoice = invoice.id;
	context.world.recomputeInvoice(account, invoice);
	context.world.event(account, 'invoice.created', publicInvoice(invoice), call.request);
	return publicInvoice(invoice);
}

function listInvoices(_context: ApiContext, call: Call): unknown {
	const customer = text(call.params, 'customer');
	const status = text(call.params, 'status');
	const invoices = [...call.account.invoices.values()].filter(
		(invoice) =>
			(customer === null || invoice.customer === customer) &&
			(status === null || invoice.status === status),
	);
	return list(invoices.map(publicInvoice), { ...call.params, customer: '', status: '' });
}

// Filters by invoice, or by payment (payment[type]=payment_intent with payment[payment_intent]).
function listInvoicePayments(_context: ApiContext, call: Call): unknown {
	const invoiceId = text(call.params, 'invoice');
	const payment = call.params.payment ?? {};
	if (typeof payment !== 'object' || Array.isArray(payment))
		throw invalidParam('payment', 'Invalid hash');
	const type = text(payment, 'type');
	if (type !== null && type !== 'payment_intent')
		throw invalidParam(
			'payment[type]',
			`Invalid payment type: must be payment_intent, not ${type}`,
		);
	const paymentIntent = text(payment, 'payment_intent');
	const payments = [...call.account.invoices.values()]
		.map(invoicePayment)
		.filter(
			(found): found is InvoicePayment =>
				found !== null &&
				(invoiceId === null || found.invoice === invoiceId) &&
				(paymentIntent === null || found.payment.payment_intent === paymentIntent),
		);
	return list(payments, { ...call.params, invoice: '', payment: '' });
}

function finalizeInvoice(context: ApiContext, call: Call, id: string): unknown {
	allowOnly(call.params, ['auto_advance']);
	const invoice = context.world.invoice(call.account, id);
	context.world.finalizeInvoice(call.account, invoice);
	return publicInvoice(invoice);
}

function sendInvoice(context: ApiContext, call: Call, id: string): unknown {
	const invoice = context.world.invoice(call.account, id);
	if (invoice.collection_method !== 'send_invoice')
		throw new StripeApiError(
			400,
			'invalid_request_error',
			'You can only manually send an invoice if its collection method is send_invoice.',
		);
	if (invoice.status === 'draft') context.world.finalizeInvoice(call.account, invoice);
	if (invoice.status !== 'open')
		throw new StripeApiError(
			400,
			'invalid_request_error',
			`You can only send an open invoice; this one is ${invoice.status}.`,
		);
	context.world.event(call.account, 'invoice.sent', publicInvoice(invoice), call.request);
	return publicInvoice(invoice);
}

function voidInvoice(context: ApiContext, call: Call, id: string): unknown {
	const invoice = context.world.invoice(call.account, id);
	context.world.voidInvoice(call.account, invoice);
	return publicInvoice(invoice);
}

function createCheckoutSession(context: ApiContext, call: Call): unknown {
	const { params, account } = call;
	allowOnly(params, [
		'mode',
		'line_items',
		'success_url',
		'cancel_url',
		'expires_at',
		'metadata',
		'client_reference_id',
		'customer',
		'customer_email',
		'currency',
	]);
	if (text(params, 'mode', { required: true }) !== 'payment')
		throw invalidParam('mode', 'The simulator supports mode=payment only.');
	const lines = params.line_items;
	if (!Array.isArray(lines) || lines.length === 0) throw missingParam('line_items');
	let sessionCurrency: string | null = null;
	const lineItems: CheckoutLineItem[] = lines.map((line, index) => {
		const param = `line_items[${index}]`;
		if (typeof line !== 'object' || Array.isArray(line))
			throw invalidParam(param, `Invalid hash: ${param}`);
		const priceData = line.price_data;
		if (typeof priceData !== 'object' || Array.isArray(priceData))
			throw missingParam(`${param}[price_data]`);
		const lineCurrency = currency(priceData, 'currency')!;
		if (sessionCurrency !== null && lineCurrency !== sessionCurrency)
			throw invalidParam(
				`${param}[price_data][currency]`,
				'All line items must use the same currency.',
			);
		sessionCurrency = lineCurrency;
		const product = priceData.product_data;
		const name =
			typeof product === 'object' && !Array.isArray(product)
				? text(product, 'name', { required: true, max: 250 })!
				: null;
		if (name === null) throw missingParam(`${param}[price_data][product_data][name]`);
		return {
			name,
			unit_amount: integer(priceData, 'unit_amount', { required: true, min: 0 })!,
			quantity: integer(line, 'quantity', { required: true, min: 1 })!,
		};
	});
	const created = now();
	const expiresAt = integer(params, 'expires_at') ?? created + 24 * 3600;
	// Stripe: a session expires 30 minutes to 24 hours after it is created.
	if (expiresAt < created + 30 * 60 - 5 || expiresAt > created + 24 * 3600 + 5)
		throw invalidParam(
			'expires_at',
			'The `expires_at` timestamp must be between 30 minutes and 24 hours from the Checkout Session creation.',
		);
	const customer = text(params, 'customer');
	if (customer !== null) requireCustomer(call, customer);
	const total = lineItems.reduce((sum, line) => sum + line.unit_amount * line.quantity, 0);
	const id = `cs_test_${stripeId('x', 56).slice(2)}`;
	const session = {
		id,
		object: 'checkout.session' as const,
		amount_subtotal: total,
		amount_total: total,
		cancel_url: text(params, 'cancel_url', { max: 5000 }),
		client_reference_id: text(params, 'client_reference_id', { max: 200 }),
		created,
		currency: sessionCurrency!,
		customer,
		expires_at: expiresAt,
		livemode: false as const,
		metadata: metadata(params),
		mode: 'payment' as const,
		payment_status: 'unpaid' as const,
		status: 'open' as const,
		success_url: text(params, 'success_url', { max: 5000 }),
		url: `${context.world.baseUrl}/c/pay/${account.id}/${id}`,
		payment_intent: null,
		lineItems,
		refunded: 0,
	};
	account.checkoutSessions.set(id, session);
	return publicSession(session);
}

// Filters by payment_intent, as Stripe's list does.
function listCheckoutSessions(context: ApiContext, call: Call): unknown {
	context.world.expireDueSessions(call.account);
	const paymentIntent = text(call.params, 'payment_intent');
	const sessions = [...call.account.checkoutSessions.values()].filter(
		(session) => paymentIntent === null || session.payment_intent === paymentIntent,
	);
	return list(sessions.map(publicSession), { ...call.params, payment_intent: '' });
}

function retrieveCheckoutSession(context: ApiContext, call: Call, id: string): unknown {
	context.world.expireDueSessions(call.account);
	return publicSession(context.world.checkoutSession(call.account, id));
}

function expireCheckoutSession(context: ApiContext, call: Call, id: string): unknown {
	const session = context.world.checkoutSession(call.account, id);
	context.world.expireCheckoutSession(call.account, session);
	return publicSession(session);
}

function createWebhookEndpoint(context: ApiContext, call: Call): unknown {
	const { params, account } = call;
	allowOnly(params, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
	const endpointUrl = text(params, 'url', { required: true })!;
	if (!/^https?:\/\//.test(endpointUrl)) throw invalidParam('url', 'Invalid URL: must be http(s).');
	const events = params.enabled_events;
	if (
		!Array.isArray(events) ||
		events.length === 0 ||
		events.some((event) => typeof event !== 'string')
	)
		throw missingParam('enabled_events');
	const endpoint = context.world.createWebhookEndpoint(account, {
		url: endpointUrl,
		enabledEvents: events as string[],
		connect: params.connect === 'true',
	});
	// The secret is in the create answer only, as at Stripe.
	return endpoint;
}

function deleteWebhookEndpoint(_context: ApiContext, call: Call, id: string): unknown {
	if (!call.account.webhookEndpoints.delete(id))
		throw new StripeApiError(404, 'invalid_request_error', `No such webhook endpoint: '${id}'`, {
			code: 'resource_missing',
			param: 'id',
		});
	return { id, object: 'webhook_endpoint', deleted: true };
}

function retrieveEvent(_context: ApiContext, call: Call, id: string): unknown {
	const event = call.account.events.find((candidate) => candidate.id === id);
	if (!event)
		throw new StripeApiError(404, 'invalid_request_error', `No such event: '${id}'`, {
			code: 'resource_missing',
			param: 'id',
		});
	return event;
}
