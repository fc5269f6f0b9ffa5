// Stripe's webhook deliveries for one workspace: POST stripe-webhook/<workspace id>, the endpoint
// the integrations function registers at connect. Each delivery is verified over its raw bytes
// (Stripe-Signature, HMAC-SHA256 with the endpoint's secret, constant-time, 300 s tolerance);
// a bad one is answered 400 and nothing is stored.
// Stripe Connect: the events of every connected account arrive at one platform-level endpoint,
// POST stripe-webhook/connect, signed with that endpoint's secret (STRIPE_CONNECT_WEBHOOK_SECRET)
// and naming the connected account in `account` (https://docs.stripe.com/connect/webhooks). The
// event goes to the workspace whose Connect integration is that account
// (public.integration_of_account); an account no workspace has connected is acknowledged and
// ignored (2xx, so Stripe stops retrying), nothing stored. account.application.deauthorized (the
// seller revoked the platform in their Dashboard) marks the integration failing. A verified event is stored first, keyed by its
// id (public.store_payment_event), then mapped and applied to its order
// (public.record_payment_event, which tolerates replays and out-of-order events; a Checkout
// Session that lapsed on its own goes to public.record_payment_link_lapsed). A replay of an
// event already handled changes nothing. Stripe delivers at least once and retries any non-2xx
// answer for up to three days, so a failure while applying is answered 500 and the event is
// applied again on redelivery.
import { config } from '../_shared/config.ts';
import {
	handle,
	HttpError,
	json,
	readBody,
	requireMethod,
	uuidParam,
	actionOf,
} from '../_shared/http.ts';
import { adapterFor, loadIntegration, type Integration } from '../_shared/payments/integration.ts';
import { MoneyError } from '../_shared/payments/money.ts';
import { mapStripeEvent, orderAmount, verifyStripeWebhook } from '../_shared/payments/stripe.ts';
import { WebhookVerificationError, type ProviderEvent } from '../_shared/payments/types.ts';
import { storableText } from '../_shared/pg-text.ts';
import { rpc, serviceClient } from '../_shared/supabase.ts';

/** Stripe's event payloads are small; an invoice with many lines stays well below this. */
const MAX_BODY_BYTES = 512 * 1024;

interface Stored {
	stored: boolean;
	status: 'received' | 'processed' | 'ignored' | 'failed';
}

async function minorUnitOf(currency: string): Promise<number> {
	const { data, error } = await serviceClient()
		.from('currencies')
		.select('minor_unit')
		.eq('code', currency.toUpperCase())
		.maybeSingle<{ minor_unit: number }>();
	if (error) throw new Error(`reading currency ${currency} failed: ${error.message}`);
	if (!data) throw new MoneyError(`unknown currency ${currency}`);
	return data.minor_unit;
}

/** Applies a stored event to its order; returns how it ended for finish_payment_event. */
async function apply(
	event: ProviderEvent,
	integration: Integration,
): Promise<{ status: 'processed' | 'ignored'; outcome: Record<string, unknown> }> {
	const mapped = mapStripeEvent(event);
	if ('ignored' in mapped) return { status: 'ignored', outcome: mapped };
	// A refund that names only its payment: Stripe says which invoice that payment paid (a failure
	// here answers 500, so Stripe delivers the event again).
	const externalInvoiceId =
		mapped.externalInvoiceId ?? (await adapterFor(integration).invoiceOfPayment(mapped.paymentId!));
	if (!externalInvoiceId)
		return {
			status: 'ignored',
			outcome: { ignored: `payment ${mapped.paymentId} paid no invoice` },
		};
	const result =
		mapped.kind === 'lapsed'
			? await rpc<Record<string, unknown>>(serviceClient(), 'record_payment_link_lapsed', {
					workspace_id: integration.row.workspace_id,
					provider: 'stripe',
					external_invoice_id: externalInvoiceId,
				})
			: await rpc<Record<string, unknown>>(serviceClient(), 'record_payment_event', {
					workspace_id: integration.row.workspace_id,
					provider: 'stripe',
					external_invoice_id: externalInvoiceId,
					kind: mapped.kind,
					amount: orderAmount(mapped, await minorUnitOf(mapped.currency)),
					occurred_at: mapped.occurredAt,
				});
	// The seller's own invoices (not the product's) are none of its business; one of ours that is
	// not known yet is a race with the worker recording it: fail, so Stripe delivers it again.
	const metadata = (event.object.metadata ?? {}) as Record<string, unknown>;
	if (result.ignored === 'unknown invoice' && typeof metadata.order_id === 'string')
		throw new Error(`order ${metadata.order_id} does not know invoice ${externalInvoiceId} yet`);
	return { status: 'ignored' in result ? 'ignored' : 'processed', outcome: result };
}

function verificationFailed(error: unknown): never {
	if (error instanceof WebhookVerificationError)
		throw new HttpError(
			400,
			'invalid_signature',
			`the Stripe-Signature does not verify: ${error.message}`,
		);
	throw error;
}

/** Stores a verified event of the workspace first, then applies it once. */
async function receive(
	workspaceId: string,
	integration: Integration,
	event: ProviderEvent,
	rawBody: string,
): Promise<Response> {
	const key = { workspace_id: workspaceId, provider: 'stripe', event_id: event.id };
	const stored = await rpc<Stored>(serviceClient(), 'store_payment_event', {
		...key,
		event_type: event.type,
		raw_body: storableText(rawBody),
	});
	if (stored.status === 'processed' || stored.status === 'ignored')
		return json({ received: true, replay: true, status: stored.status });
	try {
		const { status, outcome } = await apply(event, integration);
		await rpc(serviceClient(), 'finish_payment_event', { ...key, status, outcome, error: null });
		return json({ received: true, status, outcome });
	} catch (error) {
		const message = storableText((error as Error).message ?? String(error));
		await rpc(serviceClient(), 'finish_payment_event', {
			...key,
			status: 'failed',
			outcome: null,
			error: message,
		});
		// A conversion that can never succeed is not worth Stripe's retries.
		if (error instanceof MoneyError)
			return json({ received: true, status: 'failed', error: message });
		throw error;
	}
}

async function receiveConnect(rawBody: string, signature: string | null): Promise<Response> {
	const { STRIPE_CONNECT_WEBHOOK_SECRET } = config('STRIPE_CONNECT_WEBHOOK_SECRET');
	if (!STRIPE_CONNECT_WEBHOOK_SECRET)
		throw new HttpError(404, 'not_connected', 'no Stripe Connect endpoint is configured here');
	const event = await verifyStripeWebhook(rawBody, signature, STRIPE_CONNECT_WEBHOOK_SECRET).catch(
		verificationFailed,
	);
	if (!event.account)
		return json({
			received: true,
			status: 'ignored',
			outcome: { ignored: 'not a connected account’s event' },
		});
	const workspaceId = await rpc<string | null>(serviceClient(), 'integration_of_account', {
		provider: 'stripe',
		external_account_id: event.account,
	});
	const integration = workspaceId ? await loadIntegration(workspaceId, 'stripe') : null;
	if (!workspaceId || !integration)
		return json({
			received: true,
			status: 'ignored',
			outcome: { ignored: `no workspace has connected ${event.account}` },
		});
	// The seller revoked the platform at Stripe: invoicing would fail from now on, so say so at
	// once (an event older than the current connection is about an earlier one).
	if (event.type === 'account.application.deauthorized') {
		const connectedAt = Date.parse(integration.row.connected_at ?? '');
		if (event.created * 1000 < connectedAt)
			return json({
				received: true,
				status: 'ignored',
				outcome: { ignored: 'an earlier connection' },
			});
		await rpc(serviceClient(), 'set_integration_status', {
			workspace_id: workspaceId,
			provider: 'stripe',
			status: 'failing',
			detail: 'The Stripe account revoked this platform’s access; connect again',
			actor_user_id: null,
		});
		return json({ received: true, status: 'processed', outcome: { integration: 'failing' } });
	}
	return receive(workspaceId, integration, event, rawBody);
}

Deno.serve(
	handle('stripe-webhook', async (req) => {
		requireMethod(req, 'POST');
		const target = actionOf(req, 'stripe-webhook');
		const rawBody = new TextDecoder().decode(await readBody(req, MAX_BODY_BYTES));
		const signature = req.headers.get('stripe-signature');
		if (target === 'connect') return receiveConnect(rawBody, signature);
		const workspaceId = uuidParam(target, 'the workspace id in the path');
		const integration = await loadIntegration(workspaceId, 'stripe');
		if (!integration?.webhookSecret)
			throw new HttpError(404, 'not_connected', 'no Stripe integration receives webhooks here');
		const event = await verifyStripeWebhook(rawBody, signature, integration.webhookSecret).catch(
			verificationFailed,
		);
		return receive(workspaceId, integration, event, rawBody);
	}),
);
