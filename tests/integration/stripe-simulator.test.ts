// The Stripe simulator through the official `stripe` client: key checks and restricted-key
// permissions, invoices in a zero-decimal currency, Idempotency-Key semantics, injected failures
// and the client's retries, the hosted page's Pay / Decline, and signed webhook deliveries
// (retried, held and released out of order, badly signed) verified by the client's own checker.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
	productPermissions,
	startStripeSimulator,
	type StripeSimulator,
} from '../../stack/stripe-simulator/index.ts';

let simulator: StripeSimulator;
let receiver: Server;
let receiverUrl: string;
/** Raw deliveries the test endpoint received, and what it answers next. */
const received: { body: string; signature: string }[] = [];
let answers: number[] = [];

function client(key: string, maxNetworkRetries = 0): Stripe {
	const url = new URL(simulator.url);
	return new Stripe(key, {
		host: url.hostname,
		port: Number(url.port),
		protocol: 'http',
		httpClient: Stripe.createFetchHttpClient(),
		maxNetworkRetries,
	});
}

async function waitFor<T>(
	what: string,
	probe: () => T | undefined | false,
	timeoutMs = 5000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const eventsOfType = (type: string) =>
	received
		.map((delivery) => JSON.parse(delivery.body) as Stripe.Event)
		.filter((event) => event.type === type);

beforeAll(async () => {
	simulator = await startStripeSimulator();
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const status = answers.shift() ?? 200;
			if (status === 200)
				received.push({
					body: Buffer.concat(chunks).toString('utf8'),
					signature: String(req.headers['stripe-signature']),
				});
			res.writeHead(status).end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
	await simulator?.stop();
	await new Promise((resolve) => receiver?.close(resolve));
});

beforeEach(() => {
	simulator.clearFaults({});
	simulator.setWebhookSettings({ retryDelayMs: 50, maxAttempts: 3 });
	received.length = 0;
	answers = [];
});

async function newAccount(currency = 'usd') {
	const { accountId, secretKey } = simulator.createAccount({
		name: 'Test Shop',
		defaultCurrency: currency,
	});
	const { key } = simulator.createRestrictedKey({ accountId, permissions: productPermissions });
	const stripe = client(key);
	const endpoint = await stripe.webhookEndpoints.create({
		url: receiverUrl,
		enabled_events: ['*'],
	});
	return { accountId, secretKey, key, stripe, webhookSecret: endpoint.secret! };
}

async function openInvoice(stripe: Stripe, currency: string, amounts: number[]) {
	const customer = await stripe.customers.create({
		name: 'Ana Buyer',
		metadata: { buyer: 'fb:1' },
	});
	const draft = await stripe.invoices.create({
		customer: customer.id,
		collection_method: 'send_invoice',
		days_until_due: 2,
		currency,
		metadata: { order_id: 'order-1' },
	});
	for (const amount of amounts)
		await stripe.invoiceItems.create({
			customer: customer.id,
			invoice: draft.id,
			amount,
			currency,
			description: `Item ${amount}`,
		});
	return stripe.invoices.finalizeInvoice(draft.id!);
}

describe('keys', () => {
	it('retrieves the account with a restricted key and refuses an unknown one with 401', async () => {
		const { accountId, key } = await newAccount();
		expect((await client(key).accounts.retrieveCurrent()).id).toBe(accountId);
		const refused = await client('rk_test_notakey000000000000')
			.accounts.retrieveCurrent()
			.catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
		expect((refused as Stripe.errors.StripeError).statusCode).toBe(401);
		expect((refused as Error).message).toMatch(/^Invalid API Key provided: rk_test_\**0000$/);
	});

	it('answers a restricted key without a permission with 403 naming the permission', async () => {
		const { accountId } = await newAccount();
		const { key } = simulator.createRestrictedKey({
			accountId,
			permissions: { customers: 'write', invoices: 'read' },
		});
		const stripe = client(key);
		const customer = await stripe.customers.create({ name: 'Read only' });
		await expect(stripe.invoices.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
		const refused = await stripe.invoices
			.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 1 })
			.catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(Stripe.errors.StripePermissionError);
		expect((refused as Error).message).toContain("'rak_invoice_write'");
		await expect(stripe.checkout.sessions.retrieve('cs_test_x')).rejects.toThrow(
			/rak_checkout_session_read/,
		);
	});
});

describe('invoices', () => {
	it('totals a JPY invoice in whole yen and shows it on the hosted page as ¥', async () => {
		const { stripe } = await newAccount('jpy');
		const invoice = await openInvoice(stripe, 'jpy', [1500, 300]);
		expect(invoice).toMatchObject({
			status: 'open',
			currency: 'jpy',
			amount_due: 1800,
			total: 1800,
		});
		expect(invoice.hosted_invoice_url).toMatch(new RegExp(`^${simulator.url}/i/acct_`));
		const page = await (await fetch(invoice.hosted_invoice_url!)).text();
		expect(page).toContain('¥1,800');
		expect(page).not.toContain('¥18.00');
	});

	it('reports missing and unknown parameters as Stripe does', async () => {
		const { stripe } = await newAccount();
		const missing = await stripe.invoices
			.create({} as Stripe.InvoiceCreateParams)
			.catch((error: unknown) => error);
		expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
		expect(missing).toMatchObject({
			code: 'parameter_missing',
			param: 'customer',
			statusCode: 400,
		});
		const unknown = await stripe.customers
			.create({ nickname: 'x' } as Stripe.CustomerCreateParams)
			.catch((error: unknown) => error);
		expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'nickname' });
		await expect(stripe.invoices.retrieve('in_missing')).rejects.toMatchObject({
			statusCode: 404,
			code: 'resource_missing',
		});
	});

	it('pays through the hosted page and delivers a signed invoice.paid the client verifies', async () => {
		const { stripe, webhookSecret } = await newAccount();
		const invoice = await openInvoice(stripe, 'usd', [1250]);
		const paid = await fetch(`${invoice.hosted_invoice_url}`, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'pay' }),
			redirect: 'manual',
		});
		expect(paid.status).toBe(303);
		expect((await stripe.invoices.retrieve(invoice.id!)).status).toBe('paid');
		await waitFor('invoice.paid', () => eventsOfType('invoice.paid').length === 1);
		const delivery = received.find((candidate) => candidate.body.includes('"invoice.paid"'))!;
		const event = await stripe.webhooks.constructEventAsync(
			delivery.body,
			delivery.signature,
			webhookSecret,
		);
		expect(event.data.object).toMatchObject({
			id: invoice.id,
			amount_paid: 1250,
			status: 'paid',
			metadata: { order_id: 'order-1' },
		});
		await expect(
			stripe.webhooks.constructEventAsync(delivery.body, delivery.signature, `${webhookSecret}x`),
		).rejects.toThrow(Stripe.errors.StripeSignatureVerificationError);
	});

	it('declines on the Decline button or an armed decline, and voids an open invoice but not a paid one', async () => {
		const { stripe } = await newAccount();
		const invoice = await openInvoice(stripe, 'usd', [900]);
		await fetch(invoice.hosted_invoice_url!, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'decline' }),
			redirect: 'manual',
		});
		simulator.declineNextPayments({ count: 1 });
		expect(simulator.payInvoice({ invoiceId: invoice.id! }).paid).toBe(false);
		expect((await stripe.invoices.retrieve(invoice.id!)).status).toBe('open');
		await waitFor(
			'two payment failures',
			() => eventsOfType('invoice.payment_failed').length === 2,
		);
		expect((await stripe.invoices.voidInvoice(invoice.id!)).status).toBe('void');
		await waitFor('invoice.voided', () => eventsOfType('invoice.voided').length === 1);

		const other = await openInvoice(stripe, 'usd', [100]);
		simulator.payInvoice({ invoiceId: other.id! });
		await expect(stripe.invoices.voidInvoice(other.id!)).rejects.toMatchObject({ statusCode: 400 });
		simulator.refundInvoice({ invoiceId: other.id! });
		const refund = await waitFor('charge.refunded', () => eventsOfType('charge.refunded')[0]);
		// As on API 2025-03-31 and later: no invoice on the charge, its PaymentIntent maps to it.
		expect(refund.data.object).toMatchObject({ amount_refunded: 100 });
		expect(refund.data.object).not.toHaveProperty('invoice');
		const paymentIntent = (refund.data.object as { payment_intent: string }).payment_intent;
		expect(paymentIntent).toMatch(/^pi_/);
		const payments = await stripe.invoicePayments.list({
			payment: { type: 'payment_intent', payment_intent: paymentIntent },
		});
		expect(payments.data).toMatchObject([
			{
				invoice: other.id,
				amount_paid: 100,
				status: 'paid',
				payment: { payment_intent: paymentIntent },
			},
		]);
		expect((await stripe.invoicePayments.list({ invoice: invoice.id! })).data).toEqual([]);
		expect(
			(
				await stripe.invoicePayments.list({
					payment: { type: 'payment_intent', payment_intent: 'pi_nobody' },
				})
			).data,
		).toEqual([]);
	});
});

describe('idempotency', () => {
	it('answers a repeated key with the first result and refuses it with other parameters', async () => {
		const { stripe } = await newAccount();
		const first = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'customer-1' });
		const again = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'customer-1' });
		expect(again.id).toBe(first.id);
		expect(simulator.requests({ path: '/v1/customers' }).at(-1)).toMatchObject({
			idempotencyKey: 'customer-1',
			replayed: true,
		});
		const changed = await stripe.customers
			.create({ name: 'Twice' }, { idempotencyKey: 'customer-1' })
			.catch((error: unknown) => error);
		expect(changed).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
		expect((changed as Stripe.errors.StripeError).statusCode).toBe(400);
		expect(
			simulator
				.state({})
				.accounts.find((account) => account.name === 'Test Shop' && account.customers === 1),
		).toBeTruthy();
	});

	it('lets the client retry an injected 500 with its own key: one object, not two', async () => {
		const { accountId, key } = await newAccount();
		simulator.failNextRequests({ status: 500, path: '/v1/customers', calls: 1 });
		const customer = await client(key, 2).customers.create({ name: 'Retried' });
		const calls = simulator
			.requests({ path: '/v1/customers' })
			.filter((entry) => entry.method === 'POST')
			.slice(-2);
		expect(calls.map((entry) => entry.status)).toEqual([500, 200]);
		expect(calls[0].idempotencyKey).toBe(calls[1].idempotencyKey);
		expect(customer.id).toMatch(/^cus_/);
		expect(
			simulator.state({}).accounts.find((account) => account.id === accountId)?.customers,
		).toBe(1);

		simulator.failNextRequests({ status: 429, calls: 1 });
		await expect(client(key).customers.create({ name: 'Slow down' })).rejects.toBeInstanceOf(
			Stripe.errors.StripeRateLimitError,
		);
	});
});

describe('webhook deliveries', () => {
	it('retries a delivery the endpoint refused', async () => {
		const { stripe } = await newAccount();
		answers = [500, 503];
		await stripe.customers.create({ name: 'x' });
		const invoice = await stripe.invoices.create({
			customer: (await stripe.customers.list({ limit: 1 })).data[0].id,
			collection_method: 'send_invoice',
			days_until_due: 1,
		});
		await waitFor(
			'invoice.created after retries',
			() => eventsOfType('invoice.created').length === 1,
		);
		const attempts = simulator
			.webhookDeliveries({ eventType: 'invoice.created' })
			.filter(
				(attempt) =>
					attempt.url === receiverUrl && attempt.eventId === eventsOfType('invoice.created')[0].id,
			);
		expect(attempts.map((attempt) => attempt.status)).toEqual([500, 503, 200]);
		expect(invoice.status).toBe('draft');
	});

	it('holds deliveries and releases them in reverse order; a bad signature fails verification', async () => {
		const { stripe, webhookSecret } = await newAccount();
		const invoice = await openInvoice(stripe, 'usd', [500]);
		await waitFor('invoice.finalized', () => eventsOfType('invoice.finalized').length === 1);
		simulator.setWebhookFaults({ hold: true });
		simulator.payInvoice({ invoiceId: invoice.id! });
		simulator.refundInvoice({ invoiceId: invoice.id! });
		expect(simulator.state({}).heldDeliveries).toBe(3);
		simulator.setWebhookFaults({ hold: false });
		expect(simulator.releaseDeliveries({ order: 'reverse' }).released).toBe(3);
		await waitFor('released deliveries', () => received.length === 5 && true);
		expect(
			received.slice(2).map((delivery) => (JSON.parse(delivery.body) as Stripe.Event).type),
		).toEqual(['charge.refunded', 'invoice.payment_succeeded', 'invoice.paid']);

		simulator.setWebhookFaults({ badSignature: true });
		await stripe.customers.create({ name: 'forged' });
		await stripe.invoices.create({
			customer: (await stripe.customers.list({ limit: 1 })).data[0].id,
			collection_method: 'send_invoice',
			days_until_due: 1,
		});
		const forged = await waitFor('badly signed delivery', () => received[5]);
		await expect(
			stripe.webhooks.constructEventAsync(forged.body, forged.signature, webhookSecret),
		).rejects.toThrow(/No signatures found matching/);
	});
});

describe('checkout sessions', () => {
	it('creates a payment link in JPY and completes it on the hosted page', async () => {
		const { stripe } = await newAccount('jpy');
		const session = await stripe.checkout.sessions.create({
			mode: 'payment',
			line_items: [
				{
					price_data: { currency: 'jpy', unit_amount: 1200, product_data: { name: 'Scarf' } },
					quantity: 2,
				},
			],
			success_url: 'https://example.test/thanks?session={CHECKOUT_SESSION_ID}',
			metadata: { order_id: 'order-2' },
		});
		expect(session).toMatchObject({ amount_total: 2400, currency: 'jpy', status: 'open' });
		expect(await (await fetch(session.url!)).text()).toContain('¥2,400');
		const paid = await fetch(session.url!, {
			method: 'POST',
			body: new URLSearchParams({ decision: 'pay' }),
			redirect: 'manual',
		});
		expect(paid.headers.get('location')).toBe(`https://example.test/thanks?session=${session.id}`);
		const completed = await waitFor(
			'checkout.session.completed',
			() => eventsOfType('checkout.session.completed')[0],
		);
		expect(completed.data.object).toMatchObject({
			id: session.id,
			payment_status: 'paid',
			metadata: { order_id: 'order-2' },
		});
		await expect(
			stripe.checkout.sessions.create({
				mode: 'payment',
				line_items: [],
				success_url: 'https://example.test',
			}),
		).rejects.toMatchObject({ param: 'line_items' });
	});
});
