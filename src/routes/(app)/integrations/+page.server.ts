// The workspace's payment integration: connect Stripe with a restricted key (checked at Stripe by
// the integrations function before it is saved, encrypted) or, when the platform configures it,
// through Stripe Connect (Stripe sends the seller back here with ?stripe_code=&stripe_state=,
// completed for the signed-in user in the browser holding the cookie, or ?stripe_error=), check
// it, disconnect it. Owners and admins only, as on Connections; a key is never shown again, only
// its last 4 characters.
import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { columns, integrationSchema } from '$lib/rows';
import { supabaseEnv } from '$lib/supabase-env';
import { EdgeFunctionError } from '$lib/server/edge-functions';
import {
	checkStripe,
	completeStripeConnect,
	connectStripe,
	disconnectStripe,
	startStripeConnect,
	stripeConnectAvailable,
} from '$lib/server/integrations';
import { bindSignInToBrowser, signInCookie } from '$lib/server/oauth-browser';
import { requireWorkspaceRole } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

const managing = 'Managing integrations';

/** The nonce binding a Stripe Connect sign-in to the browser that started it. */
const CONNECT_COOKIE = 'stripe_connect';
const COOKIE_PATH = '/integrations';

/**
 * Back from Stripe: the connection completed as this user in this browser, once (then to
 * ?stripe_connected), or why not.
 */
async function completeConnect(
	locals: App.Locals,
	cookies: Parameters<PageServerLoad>[0]['cookies'],
	url: URL,
): Promise<{ message: string; failed: boolean } | null> {
	const code = url.searchParams.get('stripe_code');
	const state = url.searchParams.get('stripe_state');
	const stripeError = url.searchParams.get('stripe_error');
	if (!stripeError && !(code && state)) return null;
	const nonce = cookies.get(CONNECT_COOKIE) ?? '';
	cookies.delete(CONNECT_COOKIE, signInCookie(url, COOKIE_PATH));
	if (stripeError)
		return {
			failed: true,
			message:
				stripeError === 'access_denied'
					? 'Stripe was not connected: the connection was denied on Stripe’s page.'
					: `Stripe was not connected: ${url.searchParams.get('stripe_message') ?? stripeError}.`,
		};
	try {
		await completeStripeConnect(locals.supabase, code!, state!, nonce);
	} catch (cause) {
		if (!(cause instanceof EdgeFunctionError)) throw cause;
		return { failed: true, message: cause.message };
	}
	// Off the used code's URL, so a reload does not complete it again.
	redirect(303, `${COOKIE_PATH}?stripe_connected`);
}

export const load: PageServerLoad = async ({ locals, cookies, url }) => {
	const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
	const connectOutcome = await completeConnect(locals, cookies, url);
	const {
		data,
		error: readError,
		status,
	} = await locals.supabase
		.from('integrations')
		.select(columns.integration)
		.eq('workspace_id', workspace.id)
		.eq('provider', 'stripe')
		.maybeSingle();
	if (readError)
		error(502, `Couldn’t load the integrations: ${describeRpcError(readError, status)}`);
	const stripe = data ? integrationSchema.parse(data) : null;
	const connectedNow =
		url.searchParams.has('stripe_connected') &&
		stripe?.auth_method === 'oauth' &&
		stripe.status === 'active'
			? {
					failed: false,
					message: `Connected Stripe account ${stripe.display_name ?? stripe.external_account_id} through Stripe Connect.`,
				}
			: null;
	return {
		stripe,
		stripeConnect: await stripeConnectAvailable(locals.supabase).catch(() => false),
		connectOutcome: connectOutcome ?? connectedNow,
		// Where Stripe sends this workspace's payment updates (made at connect when the key may).
		webhookUrl: `${supabaseEnv().url}/functions/v1/stripe-webhook/${workspace.id}`,
	};
};

function failure(cause: unknown, action: string) {
	if (!(cause instanceof EdgeFunctionError)) throw cause;
	return fail(cause.status >= 400 && cause.status < 600 ? cause.status : 502, {
		action,
		message: cause.message,
		failed: true,
	});
}

const keyForm = z.object({
	apiKey: z.string().trim().min(1, 'Paste the restricted key from your Stripe Dashboard.').max(300),
	webhookSecret: z
		.string()
		.trim()
		.max(300)
		.transform((value) => value || null),
});

export const actions: Actions = {
	/** To Stripe's authorize page (a full-page redirect: the form posts without enhance). */
	connectWithStripe: async ({ locals, cookies, url }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		let authorizeUrl: string;
		try {
			authorizeUrl = await startStripeConnect(
				locals.supabase,
				workspace.id,
				`${url.origin}${COOKIE_PATH}`,
				bindSignInToBrowser(cookies, url, CONNECT_COOKIE, COOKIE_PATH),
			);
		} catch (cause) {
			return failure(cause, 'connectWithStripe');
		}
		redirect(303, authorizeUrl);
	},

	connect: async ({ request, locals, cookies }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		const form = await request.formData();
		const parsed = keyForm.safeParse({
			apiKey: form.get('apiKey') ?? '',
			webhookSecret: form.get('webhookSecret') ?? '',
		});
		if (!parsed.success)
			return fail(400, {
				action: 'connect',
				message: parsed.error.issues[0].message,
				failed: true,
			});
		try {
			const { integration } = await connectStripe(
				locals.supabase,
				workspace.id,
				parsed.data.apiKey,
				parsed.data.webhookSecret,
			);
			return {
				action: 'connect',
				message: `Connected Stripe account ${integration.display_name ?? integration.external_account_id} (key ending in ${integration.key_hint}).`,
				failed: false,
			};
		} catch (cause) {
			return failure(cause, 'connect');
		}
	},

	check: async ({ locals, cookies }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		try {
			const { integration } = await checkStripe(locals.supabase, workspace.id);
			return integration.status === 'active'
				? { action: 'check', message: 'Stripe accepts the key.', failed: false }
				: {
						action: 'check',
						message: `Stripe refuses the key: ${integration.status_detail ?? 'no reason given'}. Connect a new key.`,
						failed: true,
					};
		} catch (cause) {
			return failure(cause, 'check');
		}
	},

	disconnect: async ({ locals, cookies }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		try {
			const { warning } = await disconnectStripe(locals.supabase, workspace.id);
			return {
				action: 'disconnect',
				message: `Stripe is disconnected: its key is deleted.${warning ? ` But ${warning}.` : ''}`,
				failed: false,
			};
		} catch (cause) {
			return failure(cause, 'disconnect');
		}
	},
};
