// Every request gets its own Supabase server client bound to its cookies (Supabase's SvelteKit
// server-side auth guide), then the guard decides who may see which route group.
import { createServerClient } from '@supabase/ssr';
import { redirect, type Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { WebSocket as NodeWebSocket } from 'ws';
import { supabaseEnv } from '$lib/supabase-env';

// supabase-js builds its Realtime client eagerly and needs a WebSocket, which Node has built in
// only from version 22; the engines field allows 20.19, so older Nodes get the `ws` package's.
globalThis.WebSocket ??= NodeWebSocket as unknown as typeof globalThis.WebSocket;

const supabase: Handle = async ({ event, resolve }) => {
	const { url, anonKey } = supabaseEnv();
	event.locals.supabase = createServerClient(url, anonKey, {
		cookies: {
			getAll: () => event.cookies.getAll(),
			setAll: (cookiesToSet, headers) => {
				// path '/' so the session is shared by every page, as SvelteKit requires a path.
				for (const { name, value, options } of cookiesToSet)
					event.cookies.set(name, value, { ...options, path: '/' });
				// Auth cookies must never be cached for another visitor.
				event.setHeaders(headers);
			},
		},
	});

	// getSession() only decodes the cookie; getUser() asks Auth whether the token is genuine.
	event.locals.safeGetSession = async () => {
		const {
			data: { session },
		} = await event.locals.supabase.auth.getSession();
		if (!session) return { session: null, user: null };
		const {
			data: { user },
			error,
		} = await event.locals.supabase.auth.getUser();
		if (error || !user) return { session: null, user: null };
		// The session's own user is the cookie's unverified copy (supabase-js warns whenever it is
		// read on the server, as when the session is serialized for the page): use the verified one.
		return { session: { ...session, user }, user };
	};

	return resolve(event, {
		// supabase-js reads these headers from responses fetched during server-side loads.
		filterSerializedResponseHeaders: (name) =>
			name === 'content-range' || name === 'x-supabase-api-version',
	});
};

/** Routes in (app) need a session; routes in (auth) are only for visitors without one. */
const authGuard: Handle = async ({ event, resolve }) => {
	const { session, user } = await event.locals.safeGetSession();
	event.locals.session = session;
	event.locals.user = user;

	const routeId = event.route.id ?? '';
	if (!session && routeId.startsWith('/(app)/')) {
		const destination = event.url.pathname + event.url.search;
		redirect(303, `/login?${new URLSearchParams({ redirectTo: destination })}`);
	}
	if (session && routeId.startsWith('/(auth)/')) redirect(303, '/dashboard');

	return resolve(event);
};

/**
 * Pages and their data are gzipped as the built JS and CSS already are (adapter-node serves those
 * precompressed): a live console's page grows with its show. Streamed, so nothing waits for it.
 */
const compressPages: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const type = response.headers.get('content-type') ?? '';
	if (
		!response.body ||
		!/^(text\/html|application\/json)/.test(type) ||
		response.headers.has('content-encoding') ||
		!/\bgzip\b/.test(event.request.headers.get('accept-encoding') ?? '')
	)
		return response;
	const headers = new Headers(response.headers);
	headers.set('content-encoding', 'gzip');
	headers.delete('content-length');
	headers.append('vary', 'Accept-Encoding');
	return new Response(response.body.pipeThrough(new CompressionStream('gzip')), {
		status: response.status,
		statusText: response.statusText,
		headers,
	});
};

export const handle: Handle = sequence(compressPages, supabase, authGuard);
