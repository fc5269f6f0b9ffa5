// A new show: its name, platform and the connection it listens through. "Detect active lives" asks
// Meta what that connection is broadcasting now (meta-lives) for one-click choice; a pasted live
// address or id stays the fallback, checked with Meta through the connection; a show without a
// connection is a rehearsal and takes no live.
import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { parseLiveReference } from '$lib/live-url';
import { describeRpcError } from '$lib/rpc-error';
import { columns, showSchema, socialConnectionSchema } from '$lib/rows';
import { newShowSchema, parseForm, type FieldErrors } from '$lib/schemas';
import { checkLive, detectLives, MetaFunctionError, type DetectedLive } from '$lib/server/meta';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

type NewShowForm = { name: string; platform: string; connection: string; liveReference: string };
type NewShowFailure = NewShowForm & {
	errors: FieldErrors<typeof newShowSchema>;
	message?: string;
	failedAction?: 'detect' | 'create';
};

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { workspace } = await parent();
	if (!workspace) return { connections: [] };
	const { data, error } = await locals.supabase
		.from('social_connections')
		.select(columns.socialConnection)
		.eq('workspace_id', workspace.id)
		.eq('status', 'active')
		.order('created_at');
	// The form still works without connections (a pasted live id), so a failed read is only logged.
	if (error) console.error(`new show: reading the connections failed: ${error.message}`);
	return { connections: z.array(socialConnectionSchema).parse(data ?? []) };
};

function echo(form: FormData): NewShowForm {
	const field = (name: string) => String(form.get(name) ?? '');
	return {
		name: field('name'),
		platform: field('platform'),
		connection: field('connection'),
		liveReference: field('liveReference'),
	};
}

export const actions: Actions = {
	/** What the chosen connection is broadcasting now. */
	detect: async ({ request, locals }) => {
		const form = await request.formData();
		const fields = echo(form);
		const connection = z.uuid().safeParse(fields.connection);
		if (!connection.success)
			return fail<NewShowFailure>(400, {
				...fields,
				errors: { connection: 'Choose a connection to look for its lives' },
			});
		try {
			const lives: DetectedLive[] = await detectLives(locals.supabase, connection.data);
			return { ...fields, lives, detectedAt: new Date().toISOString() };
		} catch (error) {
			if (!(error instanceof MetaFunctionError)) throw error;
			return fail<NewShowFailure>(error.status || 502, {
				...fields,
				errors: {},
				message: error.message,
				failedAction: 'detect',
			});
		}
	},

	create: async ({ request, locals, cookies }) => {
		const form = await request.formData();
		const fields = echo(form);
		const parsed = parseForm(newShowSchema, form);
		if (!parsed.ok) return fail<NewShowFailure>(400, { ...fields, errors: parsed.errors });
		const { name, platform, liveReference, connection } = parsed.data;

		// A live picked from the detected list (checked with Meta again: the form is the browser's),
		// else a pasted one, checked with Meta through the connection or offline without one.
		const picked = z
			.string()
			.regex(/^\d{6,25}$/)
			.safeParse(form.get('detectedLive'));
		let live: { liveId: string; liveUrl: string | null } | null = null;
		if (picked.success && connection) {
			try {
				live = {
					liveId: (await checkLive(locals.supabase, connection, picked.data)).live_id,
					liveUrl: null,
				};
			} catch (error) {
				if (!(error instanceof MetaFunctionError)) throw error;
				return fail<NewShowFailure>(400, {
					...fields,
					errors: {},
					message: `The live you picked: ${error.message}`,
				});
			}
		} else if (liveReference) {
			const offline = parseLiveReference(liveReference, platform);
			if (!offline.ok)
				return fail<NewShowFailure>(400, { ...fields, errors: { liveReference: offline.message } });
			// A live reaches a show only through the connection that owns it (Meta confirms it).
			if (!connection)
				return fail<NewShowFailure>(400, {
					...fields,
					errors: {
						liveReference:
							'Choose the connection that owns this live; a show without one is a rehearsal and takes no live',
					},
				});
			try {
				const checked = await checkLive(locals.supabase, connection, liveReference);
				live = { liveId: checked.live_id, liveUrl: checked.permalink_url ?? offline.liveUrl };
			} catch (error) {
				if (!(error instanceof MetaFunctionError)) throw error;
				return fail<NewShowFailure>(400, { ...fields, errors: { liveReference: error.message } });
			}
		}

		const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
		if (!workspace) {
			const message = workspaceError
				? `Couldn’t read your workspace: ${workspaceError}`
				: 'Your account has no workspace yet, so there is nowhere to put a show.';
			return fail<NewShowFailure>(409, { ...fields, errors: {}, message });
		}

		const created = await locals.supabase.rpc('create_show', {
			workspace_id: workspace.id,
			platform,
			name,
			connection_id: connection ?? null,
		});
		if (created.error)
			return fail<NewShowFailure>(created.status || 502, {
				...fields,
				errors: {},
				message: describeRpcError(created.error, created.status),
			});
		const show = showSchema.parse(created.data);

		// The engine binds the live id only at activation; an address is kept on the show until then,
		// a bare id travels to the setup page's Activate field.
		if (live?.liveUrl) {
			const updated = await locals.supabase.rpc('update_show', {
				show_id: show.id,
				changes: { live_url: live.liveUrl },
			});
			if (updated.error)
				return fail<NewShowFailure>(updated.status || 502, {
					...fields,
					errors: {},
					message: `The show was created, but its live address was not saved: ${describeRpcError(updated.error, updated.status)}`,
				});
		}
		const query = live && !live.liveUrl ? `?${new URLSearchParams({ live: live.liveId })}` : '';
		redirect(303, `/shows/${show.id}${query}`);
	},
};
