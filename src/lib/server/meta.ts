// The console's calls to the Meta Edge Functions (meta-oauth, meta-lives) with the operator's
// session, their answers checked with zod, and their failures ({error, message}) in words.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { socialConnectionSchema } from '$lib/rows';
import { callFunction as call } from './edge-functions';

export { describeFunctionFailure, EdgeFunctionError as MetaFunctionError } from './edge-functions';

const platform = z.enum(['facebook', 'instagram']);

export const pendingSignInSchema = z.object({
	id: z.uuid(),
	platform,
	expires_at: z.string(),
	accounts: z.array(
		z.object({
			platform,
			external_account_id: z.string(),
			display_name: z.string(),
			connection_id: z.uuid().nullable(),
			connection_status: z.enum(['active', 'expired', 'revoked']).nullable(),
			/** Another workspace has this account connected too. */
			connected_elsewhere: z.boolean(),
		}),
	),
});
export type PendingSignIn = z.infer<typeof pendingSignInSchema>;

export const liveSchema = z.object({
	live_id: z.string(),
	platform,
	title: z.string().nullable(),
	status: z.string(),
	is_live: z.boolean(),
	started_at: z.string().nullable(),
	viewers: z.number().nullable(),
	permalink_url: z.string().nullable(),
});
export type DetectedLive = z.infer<typeof liveSchema>;

const answers = {
	start: z.object({ url: z.url() }),
	complete: z.object({ pending_id: z.uuid() }),
	pending: pendingSignInSchema,
	connect: z.object({
		connections: z.array(socialConnectionSchema),
		// Instagram: whether the account's Page now sends its comments to the app.
		webhooks: z.array(
			z.object({ connection_id: z.uuid(), subscribed: z.boolean(), error: z.string().optional() }),
		),
	}),
	disconnect: z.object({
		connection: socialConnectionSchema,
		revoked_at_meta: z.boolean(),
		meta_error: z.string().optional(),
		page_error: z.string().optional(),
	}),
	health: z.object({ valid: z.boolean(), status: z.string(), detail: z.string().optional() }),
	lives: z.object({ lives: z.array(liveSchema) }),
	live: z.object({ live: liveSchema }),
};

/**
 * The address of Meta's sign-in dialog; Meta sends the browser back to `returnTo`. The sign-in is
 * bound to this browser by `browserBinding`, the SHA-256 of the nonce in its HttpOnly cookie.
 */
export async function startMetaSignIn(
	supabase: SupabaseClient,
	workspaceId: string,
	platformName: 'facebook' | 'instagram',
	returnTo: string,
	browserBinding: string,
): Promise<string> {
	const { url } = await call(supabase, 'meta-oauth/start', answers.start, {
		method: 'POST',
		body: {
			workspace_id: workspaceId,
			platform: platformName,
			return_to: returnTo,
			browser_binding: browserBinding,
		},
	});
	return url;
}

/** Meta's answer, exchanged for the signed-in user in the browser that started; the pending id. */
export async function completeMetaSignIn(
	supabase: SupabaseClient,
	code: string,
	state: string,
	browserNonce: string,
): Promise<string> {
	const { pending_id } = await call(supabase, 'meta-oauth/complete', answers.complete, {
		method: 'POST',
		body: { code, state, browser_nonce: browserNonce },
	});
	return pending_id;
}

export function pendingSignIn(supabase: SupabaseClient, pendingId: string): Promise<PendingSignIn> {
	return call(
		supabase,
		`meta-oauth/pending?${new URLSearchParams({ id: pendingId })}`,
		answers.pending,
		{ method: 'GET' },
	);
}

export async function connectAccounts(
	supabase: SupabaseClient,
	pendingId: string,
	accounts: { platform: 'facebook' | 'instagram'; external_account_id: string }[],
) {
	return call(supabase, 'meta-oauth/connect', answers.connect, {
		method: 'POST',
		body: { pending_id: pendingId, accounts },
	});
}

export function disconnect(supabase: SupabaseClient, connectionId: string) {
	return call(supabase, 'meta-oauth/disconnect', answers.disconnect, {
		method: 'POST',
		body: { connection_id: connectionId },
	});
}

export function checkHealth(supabase: SupabaseClient, connectionId: string) {
	return call(supabase, 'meta-oauth/health', answers.health, {
		method: 'POST',
		body: { connection_id: connectionId },
	});
}

/** What the connection's account is broadcasting now. */
export async function detectLives(
	supabase: SupabaseClient,
	connectionId: string,
): Promise<DetectedLive[]> {
	const { lives } = await call(
		supabase,
		`meta-lives?${new URLSearchParams({ connection_id: connectionId })}`,
		answers.lives,
		{ method: 'GET' },
	);
	return lives;
}

/** A pasted live address or id, checked with Meta through the connection. */
export async function checkLive(
	supabase: SupabaseClient,
	connectionId: string,
	reference: string,
): Promise<DetectedLive> {
	const { live } = await call(
		supabase,
		`meta-lives?${new URLSearchParams({ connection_id: connectionId, reference })}`,
		answers.live,
		{ method: 'GET' },
	);
	return live;
}
