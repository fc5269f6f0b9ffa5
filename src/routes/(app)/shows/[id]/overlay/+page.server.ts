// The show's OBS overlay in the console: its link (made, replaced and revoked by owners and
// admins; the token is shown once, when made), what it shows and where, and a live preview.
import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import {
	overlayFeedColumns,
	overlayFeedSchema,
	overlaySettingsFormSchema,
	overlaySettingsSchema,
} from '$lib/overlay';
import { parseForm } from '$lib/schemas';
import { showIdFrom } from '$lib/server/show-report';
import { hasRole } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

const showRowSchema = z.object({ id: z.uuid(), name: z.string(), workspace_id: z.uuid() });

const overlayRowSchema = z.object({
	link_id: z.uuid().nullable(),
	link_created_at: z.string().nullable(),
	link_revoked_at: z.string().nullable(),
	settings: overlaySettingsSchema,
});

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	const showId = showIdFrom(params);
	const [{ workspaces }, show, overlay, feed] = await Promise.all([
		parent(),
		locals.supabase
			.from('shows')
			.select('id, name, status, workspace_id')
			.eq('id', showId)
			.maybeSingle(),
		locals.supabase
			.from('show_overlays')
			.select(Object.keys(overlayRowSchema.shape).join(', '))
			.eq('show_id', showId)
			.maybeSingle(),
		locals.supabase
			.from('overlay_feeds')
			.select(overlayFeedColumns)
			.eq('show_id', showId)
			.maybeSingle(),
	]);
	for (const read of [show, overlay, feed])
		if (read.error)
			error(502, `Couldn’t load the overlay: ${describeRpcError(read.error, read.status)}`);
	if (!show.data) error(404, 'There is no such show in your workspace');
	const found = showRowSchema.parse(show.data);
	const role = workspaces.find((workspace) => workspace.id === found.workspace_id)?.role;
	return {
		show: found,
		overlay: overlay.data ? overlayRowSchema.parse(overlay.data) : null,
		feed: feed.data ? overlayFeedSchema.parse(feed.data) : null,
		canManageLink: role !== undefined && hasRole(role, 'admin'),
	};
};

export const actions: Actions = {
	createLink: async ({ locals, params, url }) => {
		const showId = showIdFrom(params);
		const {
			data,
			error: rpcError,
			status,
		} = await locals.supabase.rpc('create_overlay_link', {
			show_id: showId,
		});
		if (rpcError) return fail(status || 502, { linkError: describeRpcError(rpcError, status) });
		const { token } = z.object({ token: z.string() }).parse(data);
		return { link: new URL(`/overlay/${token}`, url.origin).href };
	},

	revokeLink: async ({ locals, params }) => {
		const showId = showIdFrom(params);
		const { error: rpcError, status } = await locals.supabase.rpc('revoke_overlay_link', {
			show_id: showId,
		});
		if (rpcError) return fail(status || 502, { linkError: describeRpcError(rpcError, status) });
		return { revoked: true };
	},

	saveSettings: async ({ locals, params, request }) => {
		const showId = showIdFrom(params);
		const parsed = parseForm(overlaySettingsFormSchema, await request.formData());
		if (!parsed.ok) return fail(400, { settingsErrors: parsed.errors });
		const { error: rpcError, status } = await locals.supabase.rpc('set_overlay_settings', {
			show_id: showId,
			settings: parsed.data,
		});
		if (rpcError) return fail(status || 502, { settingsError: describeRpcError(rpcError, status) });
		return { settingsSaved: true };
	},
};
