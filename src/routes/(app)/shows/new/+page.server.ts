import { fail, redirect } from '@sveltejs/kit';
import { parseLiveReference } from '$lib/live-url';
import { describeRpcError } from '$lib/live/rpc-error';
import { showSchema } from '$lib/rows';
import { newShowSchema, parseForm, type FieldErrors } from '$lib/schemas';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions } from './$types';

type NewShowFailure = { name: string; platform: string; liveReference: string; errors: FieldErrors<typeof newShowSchema>; message?: string };

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const echo = { name: String(form.get('name') ?? ''), platform: String(form.get('platform') ?? ''), liveReference: String(form.get('liveReference') ?? '') };
		const parsed = parseForm(newShowSchema, form);
		if (!parsed.ok) return fail<NewShowFailure>(400, { ...echo, errors: parsed.errors });
		const { name, platform, liveReference } = parsed.data;

		const live = liveReference ? parseLiveReference(liveReference, platform) : null;
		if (live && !live.ok) return fail<NewShowFailure>(400, { ...echo, errors: { liveReference: live.message } });

		const { workspace, error: workspaceError } = await currentWorkspace(locals.supabase);
		if (!workspace) {
			const message = workspaceError ? `Couldn’t read your workspace: ${workspaceError}` : 'Your account has no workspace yet, so there is nowhere to put a show.';
			return fail<NewShowFailure>(409, { ...echo, errors: {}, message });
		}

		const created = await locals.supabase.rpc('create_show', { workspace_id: workspace.id, platform, name });
		if (created.error) return fail<NewShowFailure>(created.status || 502, { ...echo, errors: {}, message: describeRpcError(created.error, created.status) });
		const show = showSchema.parse(created.data);

		// The engine binds the live id only at activation; an address is kept on the show until then,
		// a bare id travels to the setup page's Activate field.
		if (live?.ok && live.liveUrl) {
			const updated = await locals.supabase.rpc('update_show', { show_id: show.id, changes: { live_url: live.liveUrl } });
			if (updated.error) return fail<NewShowFailure>(updated.status || 502, { ...echo, errors: {}, message: `The show was created, but its live address was not saved: ${describeRpcError(updated.error, updated.status)}` });
		}
		const query = live?.ok && !live.liveUrl ? `?${new URLSearchParams({ live: live.liveId })}` : '';
		redirect(303, `/shows/${show.id}${query}`);
	},
};
