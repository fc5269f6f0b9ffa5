// The workspace's Meta connections: connect a Facebook Page or an Instagram account
// through Meta's sign-in (meta-oauth), pick which accounts to connect when Meta sends the seller
// back here (with ?code=&state=, completed here for the signed-in user in the browser holding the
// sign-in's cookie, then ?pending=), check or disconnect one. Reconnecting is connecting again.
import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { columns, socialConnectionSchema } from '$lib/rows';
import { bindSignInToBrowser, signInCookie } from '$lib/server/oauth-browser';
import { requireWorkspaceRole } from '$lib/server/workspace';
import {
	checkHealth,
	completeMetaSignIn,
	connectAccounts,
	disconnect,
	MetaFunctionError,
	pendingSignIn,
	startMetaSignIn,
	type PendingSignIn,
} from '$lib/server/meta';
import type { Actions, PageServerLoad } from './$types';

const platformSchema = z.enum(['facebook', 'instagram']);

// Connections are managed by owners and admins; assistants are refused here as by the database.
const managing = 'Managing connections';

/** The nonce binding a Meta sign-in to the browser that started it (path-scoped, HttpOnly). */
const SIGN_IN_COOKIE = 'meta_sign_in';
const COOKIE_PATH = '/connections';

export const load: PageServerLoad = async ({ locals, cookies, parent, url }) => {
	const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
	const { user } = await parent();
	// Back from Meta with its code: completed here, as this user in this browser, once.
	const code = url.searchParams.get('code');
	const state = url.searchParams.get('state');
	let completeError: string | null = null;
	if (user && code && state) {
		let pendingId: string | null = null;
		try {
			pendingId = await completeMetaSignIn(
				locals.supabase,
				code,
				state,
				cookies.get(SIGN_IN_COOKIE) ?? '',
			);
		} catch (failure) {
			if (!(failure instanceof MetaFunctionError)) throw failure;
			completeError = failure.message;
		}
		cookies.delete(SIGN_IN_COOKIE, signInCookie(url, COOKIE_PATH));
		if (pendingId) redirect(303, `/connections?${new URLSearchParams({ pending: pendingId })}`);
	}
	if (!user)
		return {
			connections: [],
			pending: null,
			pendingError: null,
			signInError: null,
			connected: null,
		};
	const connections = await locals.supabase
		.from('social_connections')
		.select(columns.socialConnection)
		.eq('workspace_id', workspace.id)
		.order('created_at');
	if (connections.error)
		error(
			502,
			`Couldn’t load the connections: ${describeRpcError(connections.error, connections.status)}`,
		);

	// Back from Meta's dialog: the accounts the sign-in found, or why it did not finish.
	let pending: PendingSignIn | null = null;
	let pendingError: string | null = completeError;
	const pendingParam = url.searchParams.get('pending');
	const pendingId = z.uuid().safeParse(pendingParam);
	if (pendingParam !== null && !pendingId.success)
		pendingError = 'This address does not carry a valid Meta sign-in: connect again.';
	if (pendingId.success) {
		try {
			pending = await pendingSignIn(locals.supabase, pendingId.data);
		} catch (failure) {
			if (!(failure instanceof MetaFunctionError)) throw failure;
			pendingError = failure.message;
		}
	}
	const signInErrorCode = url.searchParams.get('error');
	const signInError = signInErrorCode
		? { code: signInErrorCode, message: url.searchParams.get('message') || 'Meta did not say why.' }
		: null;

	return {
		connections: z.array(socialConnectionSchema).parse(connections.data),
		pending,
		pendingError,
		signInError,
		connected: url.searchParams.get('connected'),
	};
};

function failure(error: unknown, action: string) {
	if (!(error instanceof MetaFunctionError)) throw error;
	return fail(error.status >= 400 && error.status < 600 ? error.status : 502, {
		action,
		message: error.message,
		failed: true,
	});
}

export const actions: Actions = {
	/** To Meta's sign-in dialog (a full-page redirect: the form posts without enhance). */
	connect: async ({ request, locals, cookies, url }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		const platform = platformSchema.safeParse((await request.formData()).get('platform'));
		if (!platform.success)
			return fail(400, {
				action: 'connect',
				message: 'Choose Facebook or Instagram.',
				failed: true,
			});
		let dialog: string;
		try {
			dialog = await startMetaSignIn(
				locals.supabase,
				workspace.id,
				platform.data,
				`${url.origin}/connections`,
				bindSignInToBrowser(cookies, url, SIGN_IN_COOKIE, COOKIE_PATH),
			);
		} catch (error) {
			return failure(error, 'connect');
		}
		redirect(303, dialog);
	},

	/** Connects the accounts the seller ticked from the sign-in Meta sent back. */
	choose: async ({ request, locals, cookies }) => {
		await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		const form = await request.formData();
		const pendingId = z.uuid().safeParse(form.get('pendingId'));
		if (!pendingId.success)
			return fail(400, {
				action: 'choose',
				message: 'This sign-in is no longer valid: connect again.',
				failed: true,
			});
		const accounts = form.getAll('account').flatMap((value) => {
			const [platform, externalAccountId] = String(value).split(':', 2);
			const parsed = platformSchema.safeParse(platform);
			return parsed.success && externalAccountId
				? [{ platform: parsed.data, external_account_id: externalAccountId }]
				: [];
		});
		if (accounts.length === 0)
			return fail(400, {
				action: 'choose',
				message: 'Tick at least one account to connect.',
				failed: true,
			});
		let names: string;
		try {
			const { connections, webhooks } = await connectAccounts(
				locals.supabase,
				pendingId.data,
				accounts,
			);
			// A connection whose Page Meta did not subscribe says why on its own row (status_detail).
			names = connections
				.map((connection) => {
					const name = connection.display_name ?? connection.external_account_id;
					return webhooks.some(
						(webhook) => webhook.connection_id === connection.id && !webhook.subscribed,
					)
						? `${name} (but its comments will not arrive yet: see below)`
						: name;
				})
				.join(', ');
		} catch (error) {
			return failure(error, 'choose');
		}
		// The sign-in is used up: leave its address, so a reload does not ask for it again.
		redirect(303, `/connections?${new URLSearchParams({ connected: names })}`);
	},

	/** Asks Meta whether the connection's token still works. */
	check: async ({ request, locals, cookies }) => {
		await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		const connectionId = z.uuid().safeParse((await request.formData()).get('connectionId'));
		if (!connectionId.success)
			return fail(400, { action: 'check', message: 'There is no such connection.', failed: true });
		try {
			const health = await checkHealth(locals.supabase, connectionId.data);
			if (health.valid)
				return { action: 'check', message: 'Meta accepts this connection.', failed: false };
			// Meta's own wording often ends with a full stop already.
			const reason = (health.detail ?? health.status).replace(/[.\s]+$/, '');
			return {
				action: 'check',
				message: `Meta refuses this connection: ${reason}. Reconnect it.`,
				failed: true,
			};
		} catch (error) {
			return failure(error, 'check');
		}
	},

	/** Revokes the grant at Meta and forgets the token; the connection stays, marked revoked. */
	disconnect: async ({ request, locals, cookies }) => {
		await requireWorkspaceRole({ locals, cookies }, 'admin', managing);
		const connectionId = z.uuid().safeParse((await request.formData()).get('connectionId'));
		if (!connectionId.success)
			return fail(400, {
				action: 'disconnect',
				message: 'There is no such connection.',
				failed: true,
			});
		try {
			const result = await disconnect(locals.supabase, connectionId.data);
			const name = result.connection.display_name ?? result.connection.external_account_id;
			const page = result.page_error
				? ` Meta did not confirm removing the app from the Instagram account's Page (${result.page_error}).`
				: '';
			const atMeta = result.revoked_at_meta
				? ' Its permission at Meta is revoked.'
				: result.meta_error
					? ` Meta did not confirm revoking the permission (${result.meta_error}); remove the app in Facebook’s settings if it still shows.`
					: ' Another connection still uses the same Meta sign-in, so the permission at Meta stays.';
			return {
				action: 'disconnect',
				message: `Disconnected ${name}: its token is deleted.${atMeta}${page}`,
				failed: false,
			};
		} catch (error) {
			return failure(error, 'disconnect');
		}
	},
};
