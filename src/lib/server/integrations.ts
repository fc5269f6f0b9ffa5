// The console's calls to the integrations Edge Function (connect with a key or through Stripe
// Connect, check, disconnect Stripe) with the operator's session; answers checked with zod.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { integrationSchema } from '$lib/rows';
import { callFunction } from './edge-functions';

const answers = {
	connect: z.object({ integration: integrationSchema, webhook_url: z.url() }),
	check: z.object({ integration: integrationSchema }),
	disconnect: z.object({ integration: integrationSchema, warning: z.string().optional() }),
	options: z.object({ stripe_connect: z.boolean() }),
	oauthStart: z.object({ url: z.url() }),
	oauthComplete: z.object({ integration: integrationSchema }),
};

/** Whether the platform configures Stripe Connect (STRIPE_CLIENT_ID and STRIPE_SECRET_KEY). */
export async function stripeConnectAvailable(supabase: SupabaseClient): Promise<boolean> {
	const { stripe_connect } = await callFunction(supabase, 'integrations/options', answers.options, {
		method: 'POST',
		body: {},
	});
	return stripe_connect;
}

/** The URL of Stripe's authorize page, its state bound to this user, workspace and browser. */
export async function startStripeConnect(
	supabase: SupabaseClient,
	workspaceId: string,
	returnTo: string,
	browserBinding: string,
): Promise<string> {
	const { url } = await callFunction(supabase, 'integrations/oauth-start', answers.oauthStart, {
		method: 'POST',
		body: { workspace_id: workspaceId, return_to: returnTo, browser_binding: browserBinding },
	});
	return url;
}

export function completeStripeConnect(
	supabase: SupabaseClient,
	code: string,
	state: string,
	browserNonce: string,
) {
	return callFunction(supabase, 'integrations/oauth-complete', answers.oauthComplete, {
		method: 'POST',
		body: { code, state, browser_nonce: browserNonce },
	});
}

export function connectStripe(
	supabase: SupabaseClient,
	workspaceId: string,
	apiKey: string,
	webhookSecret: string | null,
) {
	return callFunction(supabase, 'integrations/connect', answers.connect, {
		method: 'POST',
		body: { workspace_id: workspaceId, api_key: apiKey, webhook_secret: webhookSecret },
	});
}

export function checkStripe(supabase: SupabaseClient, workspaceId: string) {
	return callFunction(supabase, 'integrations/check', answers.check, {
		method: 'POST',
		body: { workspace_id: workspaceId },
	});
}

export function disconnectStripe(supabase: SupabaseClient, workspaceId: string) {
	return callFunction(supabase, 'integrations/disconnect', answers.disconnect, {
		method: 'POST',
		body: { workspace_id: workspaceId },
	});
}
