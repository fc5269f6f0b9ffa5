// The console's calls to the integrations Edge Function (connect, check, disconnect Stripe) with
// the operator's session; answers checked with zod.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { integrationSchema } from '$lib/rows';
import { callFunction } from './edge-functions';

const answers = {
	connect: z.object({ integration: integrationSchema, webhook_url: z.url() }),
	check: z.object({ integration: integrationSchema }),
	disconnect: z.object({ integration: integrationSchema, warning: z.string().optional() }),
};

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
