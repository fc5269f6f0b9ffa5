// A workspace's payment integration inside a function: its row and credentials from the database
// (public.integration_credentials), decrypted here with the token cipher (the only place they are
// in clear), and the provider adapter acting with them.
import { config } from '../config.ts';
import { HttpError } from '../http.ts';
import { tokenCipher } from '../meta.ts';
import { rpc, serviceClient } from '../supabase.ts';
import { StripeAdapter } from './stripe.ts';
import type { ConnectPlatform } from './stripe-connect.ts';
import type { PaymentAdapter, PaymentProviderName } from './types.ts';

export interface IntegrationRow {
	id: string;
	workspace_id: string;
	provider: PaymentProviderName;
	status: 'active' | 'failing' | 'disconnected';
	status_detail: string | null;
	external_account_id: string | null;
	display_name: string | null;
	key_hint: string | null;
	livemode: boolean;
	webhook_endpoint_id: string | null;
	auth_method: 'api_key' | 'oauth';
	connected_by_user_id: string | null;
	connected_at: string | null;
	checked_at: string | null;
}

interface StoredIntegration extends IntegrationRow {
	encrypted_api_key: string | null;
	encrypted_webhook_secret: string | null;
	/** Connect's refresh token; kept encrypted, never decrypted here (no call needs it). */
	encrypted_refresh_token?: string | null;
}

export interface Integration {
	row: IntegrationRow;
	/** Null once disconnected. */
	apiKey: string | null;
	webhookSecret: string | null;
}

export async function loadIntegration(
	workspaceId: string,
	provider: PaymentProviderName,
): Promise<Integration | null> {
	const stored = await rpc<StoredIntegration | null>(serviceClient(), 'integration_credentials', {
		workspace_id: workspaceId,
		provider,
	});
	if (!stored) return null;
	const { encrypted_api_key, encrypted_webhook_secret, ...rest } = stored;
	delete rest.encrypted_refresh_token;
	const row: IntegrationRow = rest;
	const cipher = await tokenCipher();
	return {
		row,
		apiKey: encrypted_api_key ? await cipher.decrypt(encrypted_api_key) : null,
		webhookSecret: encrypted_webhook_secret ? await cipher.decrypt(encrypted_webhook_secret) : null,
	};
}

export function stripeAdapter(apiKey: string): PaymentAdapter {
	return new StripeAdapter({ apiKey, apiUrl: config('STRIPE_API_URL').STRIPE_API_URL });
}

/** The platform's Connect settings, or null when STRIPE_CLIENT_ID or STRIPE_SECRET_KEY is unset. */
export function connectPlatform(): ConnectPlatform | null {
	const { STRIPE_CLIENT_ID, STRIPE_SECRET_KEY, STRIPE_CONNECT_URL } = config(
		'STRIPE_CLIENT_ID',
		'STRIPE_SECRET_KEY',
		'STRIPE_CONNECT_URL',
	);
	if (!STRIPE_CLIENT_ID || !STRIPE_SECRET_KEY) return null;
	return {
		clientId: STRIPE_CLIENT_ID,
		secretKey: STRIPE_SECRET_KEY,
		connectUrl: STRIPE_CONNECT_URL.replace(/\/+$/, ''),
	};
}

/** The platform acting on a Connect account: its secret key and the Stripe-Account header. */
export function connectAdapter(platform: ConnectPlatform, stripeAccount: string): PaymentAdapter {
	return new StripeAdapter({
		apiKey: platform.secretKey,
		stripeAccount,
		apiUrl: config('STRIPE_API_URL').STRIPE_API_URL,
	});
}

/** The adapter of a connected integration, or 409 when it has no usable key (connect again). */
export function adapterFor(integration: Integration | null): PaymentAdapter {
	if (!integration?.apiKey || integration.row.status === 'disconnected')
		throw new HttpError(
			409,
			'not_connected',
			'Stripe is not connected for this workspace: connect it on the Integrations page',
		);
	if (integration.row.auth_method !== 'oauth') return stripeAdapter(integration.apiKey);
	const platform = connectPlatform();
	if (!platform || !integration.row.external_account_id)
		throw new HttpError(
			409,
			'not_connected',
			'Stripe was connected through Stripe Connect, which this deployment no longer configures (STRIPE_CLIENT_ID, STRIPE_SECRET_KEY)',
		);
	return connectAdapter(platform, integration.row.external_account_id);
}

/** Where the provider delivers this workspace's webhooks. */
export function webhookUrl(workspaceId: string): string {
	return `${config('SUPABASE_URL').SUPABASE_URL}/functions/v1/stripe-webhook/${workspaceId}`;
}
