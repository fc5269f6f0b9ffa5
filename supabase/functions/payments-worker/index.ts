// The payments worker, called every 2 seconds by the schedule in
// supabase/migrations/20261202400200_payments_worker_schedule.sql with the service-role key. One run:
// 1. expire the unpaid orders past their hold (public.expire_unpaid_orders) and make the invoice
//    voids owed at Stripe: an expired order's, so the buyer can no longer pay for items that went
//    to the next in line, and a changed order's old invoice before its reissue. The database owes
//    each void until Stripe settles it (public.take_void_requests), so a void that fails is
//    retried with a backoff until it is done.
// 2. take the requested invoices of workspaces with Stripe connected (public.take_invoice_requests,
//    leased); per order, the buyer's Stripe customer (made once per buyer and remembered), the
//    invoice with one item per line (and shipping), finalized; its hosted page goes on the order
//    (public.mark_order_invoiced). A failure puts the order back with a backoff
//    (public.mark_order_invoice_failed).
// Every Stripe call carries an idempotency key derived from the order and what is invoiced, so a
// crash, a lost answer or a retry replays Stripe's first answers instead of making a second
// invoice. On a 429 or a 5xx from a workspace's Stripe account the rest of that workspace's
// batch waits for the next attempt (the orders' backoff), so one account is not hammered.
import { handle, HttpError, json, requireMethod } from '../_shared/http.ts';
import { adapterFor, loadIntegration, type Integration } from '../_shared/payments/integration.ts';
import { MoneyError } from '../_shared/payments/money.ts';
import { storableText } from '../_shared/pg-text.ts';
import {
	PaymentProviderError,
	type InvoiceLine,
	type PaymentAdapter,
} from '../_shared/payments/types.ts';
import { requireServiceRole, rpc, serviceClient } from '../_shared/supabase.ts';

/** Orders one run invoices; more wait for the next tick. */
const MAX_ORDERS_PER_RUN = 20;
/** Invoice voids one run makes; more wait for the next tick. */
const MAX_VOIDS_PER_RUN = 50;
/** Longer than a run may take, so a lease outlives its run. */
const LEASE_SECONDS = 120;
/** A run stops taking on new orders after this long (the schedule's timeout is 30 s). */
const RUN_BUDGET_MS = 20_000;
/** Stripe needs a due date on a sent invoice; with no hold set, buyers see this many days. */
const DEFAULT_DAYS_UNTIL_DUE = 30;

interface Order {
	id: string;
	workspace_id: string;
	show_id: string | null;
	platform: string;
	platform_user_id: string | null;
	user_handle: string | null;
	user_display_name: string | null;
	buyer_key: string;
	currency: string;
	shipping: number;
	total: number;
	/** Invoices of this order voided for a reissue. */
	superseded_invoice_ids: string[];
	/** Kept by a reissue: the hold the buyer was first given. */
	due_at: string | null;
	invoice_requested_at: string;
}

interface Line {
	item_number: string;
	title: string | null;
	variant_label: string;
	quantity: number;
	line_total: number;
}

interface Taken {
	order: Order;
	lines: Line[];
	workspace_id: string;
	currency: string;
	currency_minor_unit: number;
}

/** An invoice void owed at Stripe (public.take_void_requests). */
interface OwedVoid {
	order_id: string;
	workspace_id: string;
	external_invoice_id: string;
	void_attempts: number;
}

interface Workspace {
	integration: Integration | null;
	payWithinHours: number | null;
	/** What the buyer is sent: a Stripe invoice or a Checkout link. */
	paymentLinkKind: 'invoice' | 'checkout';
	/** Set when Stripe asked us to slow down or failed: the rest of the batch waits. */
	paused: string | null;
}

async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
	return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function lineDescription(line: Line): string {
	const title = line.title ? ` ${line.title}` : '';
	const variant = line.variant_label ? ` (${line.variant_label})` : '';
	const quantity = line.quantity > 1 ? ` × ${line.quantity}` : '';
	return `#${line.item_number}${title}${variant}${quantity}`;
}

function buyerName(order: Order): string {
	return (
		order.user_display_name ??
		(order.user_handle
			? `@${order.user_handle}`
			: `${order.platform} buyer ${order.platform_user_id ?? order.buyer_key}`)
	);
}

async function workspaceOf(cache: Map<string, Workspace>, workspaceId: string): Promise<Workspace> {
	let workspace = cache.get(workspaceId);
	if (!workspace) {
		const { data, error } = await serviceClient()
			.from('workspaces')
			.select('pay_within_hours, payment_link_kind')
			.eq('id', workspaceId)
			.single<{ pay_within_hours: number | null; payment_link_kind: 'invoice' | 'checkout' }>();
		if (error) throw new Error(`reading workspace ${workspaceId} failed: ${error.message}`);
		workspace = {
			integration: await loadIntegration(workspaceId, 'stripe'),
			payWithinHours: data.pay_within_hours,
			paymentLinkKind: data.payment_link_kind,
			paused: null,
		};
		cache.set(workspaceId, workspace);
	}
	return workspace;
}

/**
 * When a Checkout link expires: with the hold, within what Stripe allows (a session lives 30
 * minutes to 24 hours, https://docs.stripe.com/api/checkout/sessions/create); a longer hold gets
 * a fresh link when this one lapses (public.record_payment_link_lapsed). Counted from the
 * request, not from now, so a retry sends the same expiry and Stripe replays the first session
 * instead of refusing the key (its parameters must match).
 */
function checkoutExpiry(order: Order, workspace: Workspace): number {
	const requestedAt = Date.parse(order.invoice_requested_at);
	const holdEnds = order.due_at
		? Date.parse(order.due_at)
		: requestedAt + (workspace.payWithinHours ?? 24) * 3600_000;
	const longest = requestedAt + 23 * 3600_000;
	const wanted = Math.min(holdEnds, longest);
	// A hold that ends too soon for Stripe's 30-minute minimum takes the longest link instead (the
	// hold timer expires the session when the hold ends); never counted from now, which would
	// change the parameters of a retry after ten minutes.
	const expires = wanted >= requestedAt + 31 * 60_000 ? wanted : longest;
	return Math.floor(expires / 1000);
}

/** The buyer's Stripe customer: remembered per buyer and account, made once. */
async function customerFor(
	adapter: PaymentAdapter,
	workspace: Workspace,
	order: Order,
): Promise<string> {
	const accountId = workspace.integration!.row.external_account_id!;
	const buyer = {
		workspace_id: order.workspace_id,
		provider: 'stripe',
		external_account_id: accountId,
		platform: order.platform,
		buyer_key: order.buyer_key,
	};
	const known = await rpc<string | null>(serviceClient(), 'payment_customer', buyer);
	if (known) return known;
	const metadata: Record<string, string> = {
		workspace_id: order.workspace_id,
		platform: order.platform,
		buyer_key: order.buyer_key,
	};
	if (order.platform_user_id) metadata.platform_user_id = order.platform_user_id;
	if (order.user_handle) metadata.user_handle = order.user_handle;
	const details = { name: buyerName(order), metadata };
	const key = `customer-${order.workspace_id}-${(await sha256Hex(JSON.stringify([accountId, details]))).slice(0, 24)}`;
	const made = await adapter.createCustomer(details, key);
	return rpc<string>(serviceClient(), 'save_payment_customer', {
		...buyer,
		external_customer_id: made,
	});
}

async function invoice(taken: Taken, workspace: Workspace) {
	const { order } = taken;
	const adapter = adapterFor(workspace.integration);
	const lines: InvoiceLine[] = taken.lines.map((line) => ({
		description: lineDescription(line),
		amount: line.line_total,
	}));
	if (order.shipping > 0) lines.push({ description: 'Shipping', amount: order.shipping });
	const sum = lines.reduce((total, line) => total + line.amount, 0);
	if (sum !== order.total)
		throw new MoneyError(`the lines add up to ${sum}, the order's total is ${order.total}`);
	const customerId = await customerFor(adapter, workspace, order);
	const daysUntilDue =
		workspace.payWithinHours === null
			? DEFAULT_DAYS_UNTIL_DUE
			: Math.max(1, Math.ceil(workspace.payWithinHours / 24));
	// A reissue is a new invoice even should its content match a superseded one.
	const reissue = order.superseded_invoice_ids.length;
	const content = {
		customerId,
		currency: order.currency,
		lines,
		daysUntilDue,
		...(reissue ? { reissue } : {}),
	};
	const common = {
		customerId,
		currency: order.currency,
		currencyMinorUnit: taken.currency_minor_unit,
		lines,
		metadata: {
			order_id: order.id,
			workspace_id: order.workspace_id,
			...(order.show_id ? { show_id: order.show_id } : {}),
		},
		// Same order, same content: same keys, so a retry replays instead of invoicing twice.
		idempotencyKey: `order-${order.id}-${(await sha256Hex(JSON.stringify(content))).slice(0, 24)}`,
	};
	const created =
		workspace.paymentLinkKind === 'checkout'
			? await adapter.createCheckout({ ...common, expiresAt: checkoutExpiry(order, workspace) })
			: await adapter.createInvoice({
					...common,
					daysUntilDue,
					description: `Your order from ${workspace.integration!.row.display_name ?? 'the live sale'}`,
				});
	await rpc(serviceClient(), 'mark_order_invoiced', {
		order_id: order.id,
		provider: 'stripe',
		external_invoice_id: created.externalInvoiceId,
		payment_url: created.paymentUrl,
	});
	return {
		order_id: order.id,
		outcome: 'invoiced',
		external_invoice_id: created.externalInvoiceId,
	};
}

/** Puts the order back for a later attempt (with the database's backoff), saying why. */
async function putBack(taken: Taken, reason: string) {
	await rpc(serviceClient(), 'mark_order_invoice_failed', { order_id: taken.order.id, reason });
	return { order_id: taken.order.id, outcome: 'failed', reason };
}

async function failed(taken: Taken, workspace: Workspace, error: unknown) {
	if (!(error instanceof PaymentProviderError)) {
		if (!(error instanceof MoneyError) && !(error instanceof HttpError))
			console.error(`payments-worker: invoicing order ${taken.order.id} failed:`, error);
		return putBack(taken, error instanceof Error ? error.message : String(error));
	}
	const reason = `Stripe: ${error.message}`;
	if (error.retryable) workspace.paused = reason;
	if (error.kind === 'authentication' || error.kind === 'permission')
		await rpc(serviceClient(), 'set_integration_status', {
			workspace_id: taken.workspace_id,
			provider: 'stripe',
			status: 'failing',
			detail: error.message,
			actor_user_id: null,
		}).catch((statusError: unknown) =>
			console.error('payments-worker: marking the integration failing failed:', statusError),
		);
	return putBack(taken, reason);
}

/**
 * The workspaces with Stripe connected. Only their invoice requests are taken: the others' wait
 * untouched (the console tells the seller to connect) instead of failing, over and over, into a
 * backoff.
 */
async function connectedWorkspaces(): Promise<string[]> {
	const { data, error } = await serviceClient()
		.from('integrations')
		.select('workspace_id')
		.eq('provider', 'stripe')
		.eq('status', 'active');
	if (error) throw new Error(`reading integrations failed: ${error.message}`);
	return (data as { workspace_id: string }[]).map((row) => row.workspace_id);
}

async function invoiceRequested(
	workspaces: Map<string, Workspace>,
	workspaceIds: string[],
	startedAt: number,
) {
	if (workspaceIds.length === 0) return [];
	const batch = await rpc<Taken[]>(serviceClient(), 'take_invoice_requests', {
		max_orders: MAX_ORDERS_PER_RUN,
		lease_seconds: LEASE_SECONDS,
		workspace_ids: workspaceIds,
	});
	const byWorkspace = Map.groupBy(batch, (taken) => taken.workspace_id);
	// Workspaces side by side (each its own Stripe account), a workspace's orders one after another.
	const results = await Promise.all(
		[...byWorkspace].map(async ([workspaceId, orders]) => {
			const workspace = await workspaceOf(workspaces, workspaceId);
			const outcomes = [];
			for (const taken of orders) {
				if (workspace.paused || Date.now() - startedAt > RUN_BUDGET_MS) {
					outcomes.push(
						await putBack(taken, workspace.paused ?? 'the run ran out of time; retried shortly'),
					);
					continue;
				}
				outcomes.push(
					await invoice(taken, workspace).catch((error: unknown) =>
						failed(taken, workspace, error),
					),
				);
			}
			return outcomes;
		}),
	);
	return results.flat();
}

/**
 * Expires the unpaid orders past their hold (public.expire_unpaid_orders), which owes each one's
 * invoice a void, then makes the owed voids of workspaces with Stripe connected: this run's and
 * those that failed before, once their backoff is over (public.take_void_requests). Each void is
 * reported back: settled (voided, or found void, paid or gone) or failed, to be retried.
 */
async function voidOwed(workspaces: Map<string, Workspace>, workspaceIds: string[]) {
	await rpc(serviceClient(), 'expire_unpaid_orders', { max_orders: 100 });
	if (workspaceIds.length === 0) return [];
	const owed = await rpc<OwedVoid[]>(serviceClient(), 'take_void_requests', {
		max_orders: MAX_VOIDS_PER_RUN,
		lease_seconds: LEASE_SECONDS,
		workspace_ids: workspaceIds,
	});
	return Promise.all(
		owed.map(async (order) => {
			try {
				const workspace = await workspaceOf(workspaces, order.workspace_id);
				// Stripe saves a key's first answer even when it is a 500
				// (https://docs.stripe.com/idempotency), so each attempt has a key of its own (by invoice:
				// a reissued order's attempts count again); a second void of a void invoice is refused
				// and read as already void.
				const outcome = await adapterFor(workspace.integration).voidInvoice(
					order.external_invoice_id,
					`void-${order.external_invoice_id}-${order.void_attempts}`,
				);
				await rpc(serviceClient(), 'mark_order_void_settled', {
					order_id: order.order_id,
					outcome,
				});
				return { order_id: order.order_id, outcome };
			} catch (error) {
				const reason = storableText(
					error instanceof PaymentProviderError
						? `Stripe: ${error.message}`
						: error instanceof Error
							? error.message
							: String(error),
				);
				if (!(error instanceof PaymentProviderError))
					console.error(
						`payments-worker: voiding invoice ${order.external_invoice_id} of order ${order.order_id} failed:`,
						error,
					);
				await rpc(serviceClient(), 'mark_order_void_failed', { order_id: order.order_id, reason });
				return { order_id: order.order_id, outcome: 'void_failed', reason };
			}
		}),
	);
}

Deno.serve(
	handle('payments-worker', async (req) => {
		requireMethod(req, 'POST');
		await requireServiceRole(req);
		const startedAt = Date.now();
		const workspaces = new Map<string, Workspace>();
		const workspaceIds = await connectedWorkspaces();
		// Voids first: a confirmed void of a changed invoice requests its reissue, and an expiry's
		// promoted buyer their invoice, both taken in this same run.
		const voids = await voidOwed(workspaces, workspaceIds);
		const invoices = await invoiceRequested(workspaces, workspaceIds, startedAt);
		return json({ invoices, voids });
	}),
);
