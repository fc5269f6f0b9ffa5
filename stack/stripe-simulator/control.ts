// The simulator's control API: one table of operations, each validated by a zod schema, used
// in-process (typed, `stripe.payInvoice({...})`) and over HTTP as `POST <url>/_control/<operation>`
// with the input as a JSON body (reads also answer `GET`), as the Meta simulator's is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { serveControlRequest, type ControlApi } from '../control-api.ts';
import type { RequestLogEntry } from './api.ts';
import { StripeApiError } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import type { DeliveryAttempt, WebhookDispatcher } from './webhooks.ts';
import {
	permissionResources,
	publicInvoice,
	type Account,
	type Invoice,
	type World,
	without,
} from './world.ts';

export interface SimulatorCore {
	world: World;
	webhooks: WebhookDispatcher;
	faults: FaultInjector;
	requests: RequestLogEntry[];
}

const accountId = z.string().regex(/^acct_[A-Za-z0-9]+$/, 'expected an account id (acct_…)');
const level = z.enum(['none', 'read', 'write']);

export const controlSchemas = {
	state: z.object({}),
	createAccount: z.object({
		name: z.string().trim().min(1).max(100),
		country: z.string().length(2).default('US'),
		defaultCurrency: z
			.string()
			.regex(/^[a-z]{3}$/)
			.default('usd'),
	}),
	/** A restricted key (rk_test_…) with a level per resource; unnamed resources get none. */
	createRestrictedKey: z.object({
		accountId,
		permissions: z.partialRecord(z.enum(permissionResources), level),
	}),
	revokeKey: z.object({ key: z.string().min(1) }),
	/** Every invoice of every account, newest first (to find a buyer's hosted page). */
	invoices: z.object({ accountId: accountId.optional() }),
	/** The buyer pays (or has their card declined) without the hosted page. */
	payInvoice: z.object({ invoiceId: z.string().min(1), decline: z.boolean().default(false) }),
	/** Refunds a paid invoice's charge (whole by default): charge.refunded. */
	refundInvoice: z.object({
		invoiceId: z.string().min(1),
		amount: z.number().int().positive().optional(),
	}),
	/** Refunds a paid checkout session's charge (whole by default): charge.refunded. */
	refundCheckoutSession: z.object({
		sessionId: z.string().min(1),
		amount: z.number().int().positive().optional(),
	}),
	/** The next `count` payment attempts are declined, whichever button the buyer presses. */
	declineNextPayments: z.object({ count: z.number().int().min(0).max(1000).default(1) }),
	/** The next `calls` API requests whose path contains `path` fail with `status`. */
	failNextRequests: z.object({
		status: z.union([
			z.literal(402),
			z.literal(429),
			z.literal(500),
			z.literal(502),
			z.literal(503),
		]),
		path: z.string().max(200).optional(),
		calls: z.number().int().min(1).max(1000).default(1),
	}),
	clearFaults: z.object({}),
	setWebhookSettings: z.object({
		retryDelayMs: z.number().int().min(10).max(3_600_000).optional(),
		maxAttempts: z.number().int().min(1).max(100).optional(),
		timeoutMs: z.number().int().min(100).max(60_000).optional(),
	}),
	setWebhookFaults: z.object({
		delayMs: z.number().int().min(0).max(600_000).optional(),
		hold: z.boolean().optional(),
		duplicates: z.number().int().min(0).max(10).optional(),
		badSignature: z.boolean().optional(),
	}),
	/** Delivers the held deliveries now, in the order the events happened or the reverse. */
	releaseDeliveries: z.object({ order: z.enum(['sent', 'reverse']).default('sent') }),
	webhookDeliveries: z.object({ eventType: z.string().optional() }),
	requests: z.object({ path: z.string().optional() }),
};

export type ControlOperation = keyof typeof controlSchemas;
export type ControlInput<K extends ControlOperation> = z.input<(typeof controlSchemas)[K]>;

const readOperations: ReadonlySet<string> = new Set<ControlOperation>([
	'state',
	'invoices',
	'webhookDeliveries',
	'requests',
]);

export class NotFoundError extends Error {}

function findInvoice(world: World, invoiceId: string): { account: Account; invoice: Invoice } {
	for (const account of world.accounts.values()) {
		const invoice = account.invoices.get(invoiceId);
		if (invoice) return { account, invoice };
	}
	throw new NotFoundError(`no invoice ${invoiceId}`);
}

export function createControl(core: SimulatorCore) {
	const { world, webhooks, faults } = core;
	const parse = <K extends ControlOperation>(name: K, input: unknown) =>
		controlSchemas[name].parse(input ?? {}) as z.output<(typeof controlSchemas)[K]>;
	return {
		state: (input: ControlInput<'state'> = {}) => {
			parse('state', input);
			return {
				accounts: [...world.accounts.values()].map((account) => ({
					id: account.id,
					name: account.name,
					customers: account.customers.size,
					invoices: account.invoices.size,
					checkoutSessions: account.checkoutSessions.size,
					webhookEndpoints: [...account.webhookEndpoints.values()].map((endpoint) =>
						without(endpoint, 'secret'),
					),
					events: account.events.length,
				})),
				declinesPending: world.declinesPending,
				faults: faults.pending(),
				webhookFaults: { ...webhooks.faults },
				heldDeliveries: webhooks.heldCount(),
			};
		},
		createAccount: (input: ControlInput<'createAccount'>) => {
			const { account, secretKey } = world.createAccount(parse('createAccount', input));
			return { accountId: account.id, secretKey };
		},
		createRestrictedKey: (input: ControlInput<'createRestrictedKey'>) => {
			const { accountId: id, permissions } = parse('createRestrictedKey', input);
			if (!world.accounts.has(id)) throw new NotFoundError(`no account ${id}`);
			return { key: world.createKey(id, permissions) };
		},
		revokeKey: (input: ControlInput<'revokeKey'>) => {
			const key = world.keys.get(parse('revokeKey', input).key);
			if (!key) throw new NotFoundError('no such key');
			key.revoked = true;
			return { revoked: true };
		},
		invoices: (input: ControlInput<'invoices'> = {}) => {
			const { accountId: id } = parse('invoices', input);
			return [...world.accounts.values()]
				.filter((account) => id === undefined || account.id === id)
				.flatMap((account) =>
					[...account.invoices.values()].map((invoice) => ({
						account: account.id,
						...publicInvoice(invoice),
					})),
				)
				.sort((a, b) => b.created - a.created);
		},
		payInvoice: (input: ControlInput<'payInvoice'>) => {
			const { invoiceId, decline } = parse('payInvoice', input);
			const { account, invoice } = findInvoice(world, invoiceId);
			return { paid: world.payInvoice(account, invoice, decline), invoice: publicInvoice(invoice) };
		},
		refundInvoice: (input: ControlInput<'refundInvoice'>) => {
			const { invoiceId, amount } = parse('refundInvoice', input);
			const { account, invoice } = findInvoice(world, invoiceId);
			world.refundInvoice(account, invoice, amount);
			return { refunded: invoice.refunded };
		},
		refundCheckoutSession: (input: ControlInput<'refundCheckoutSession'>) => {
			const { sessionId, amount } = parse('refundCheckoutSession', input);
			for (const account of world.accounts.values()) {
				const session = account.checkoutSessions.get(sessionId);
				if (!session) continue;
				world.refundCheckoutSession(account, session, amount);
				return { refunded: session.refunded };
			}
			throw new NotFoundError(`no checkout session ${sessionId}`);
		},
		declineNextPayments: (input: ControlInput<'declineNextPayments'> = {}) => {
			world.declinesPending = parse('declineNextPayments', input).count;
			return { declinesPending: world.declinesPending };
		},
		failNextRequests: (input: ControlInput<'failNextRequests'>) => {
			faults.add(parse('failNextRequests', input));
			return { faults: faults.pending() };
		},
		clearFaults: (input: ControlInput<'clearFaults'> = {}) => {
			parse('clearFaults', input);
			world.declinesPending = 0;
			webhooks.faults = { delayMs: 0, hold: false, duplicates: 0, badSignature: false };
			return { cleared: faults.clear() };
		},
		setWebhookSettings: (input: ControlInput<'setWebhookSettings'>) => {
			Object.assign(webhooks.settings, parse('setWebhookSettings', input));
			return { ...webhooks.settings };
		},
		setWebhookFaults: (input: ControlInput<'setWebhookFaults'>) => {
			Object.assign(webhooks.faults, parse('setWebhookFaults', input));
			return { ...webhooks.faults };
		},
		releaseDeliveries: (input: ControlInput<'releaseDeliveries'> = {}) => ({
			released: webhooks.release(parse('releaseDeliveries', input).order),
		}),
		webhookDeliveries: (input: ControlInput<'webhookDeliveries'> = {}): DeliveryAttempt[] => {
			const { eventType } = parse('webhookDeliveries', input);
			return webhooks.attempts.filter(
				(attempt) => eventType === undefined || attempt.eventType === eventType,
			);
		},
		requests: (input: ControlInput<'requests'> = {}): RequestLogEntry[] => {
			const { path } = parse('requests', input);
			return core.requests.filter((entry) => path === undefined || entry.path.includes(path));
		},
	};
}

export type StripeControl = ReturnType<typeof createControl>;

/** `<url>/_control/<operation>` (stack/control-api.ts). */
export function handleControlRequest(
	control: StripeControl,
	req: IncomingMessage,
	res: ServerResponse,
	operation: string,
	url: URL,
): Promise<void> {
	const api: ControlApi = {
		operations: Object.keys(controlSchemas),
		readOperations,
		run: (name, input) => (control[name as ControlOperation] as (input: unknown) => unknown)(input),
		statusOf: (error) =>
			error instanceof NotFoundError ? 404 : error instanceof StripeApiError ? 409 : undefined,
	};
	return serveControlRequest(api, req, res, operation, url);
}
