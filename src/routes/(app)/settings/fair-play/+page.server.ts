// Fair play for the workspace: the per-buyer limits every show takes unless it sets its own, and
// the blocked viewers, each with Unblock. Any member sees them and may unblock (as in the live
// console); the limits are a setting, for owners and admins.
import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { blockedViewerSchema, columns } from '$lib/rows';
import { describeRpcError } from '$lib/rpc-error';
import { buyerLimitsSchema, parseForm } from '$lib/schemas';
import { currentWorkspace, hasRole, requireWorkspaceRole } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

const limitsSchema = z.object({
	max_units_per_buyer: z.number().int().nullable(),
	max_units_per_buyer_item: z.number().int().nullable(),
});

export const load: PageServerLoad = async ({ locals, cookies }) => {
	const workspace = await requireWorkspaceRole({ locals, cookies }, 'assistant', 'Fair play');
	const [limits, blocked] = await Promise.all([
		locals.supabase
			.from('workspaces')
			.select('max_units_per_buyer, max_units_per_buyer_item')
			.eq('id', workspace.id)
			.single(),
		locals.supabase
			.from('blocked_viewers')
			.select(columns.blockedViewer)
			.eq('workspace_id', workspace.id)
			.order('created_at', { ascending: false }),
	]);
	if (limits.error)
		error(502, `Couldn’t load the limits: ${describeRpcError(limits.error, limits.status)}`);
	if (blocked.error)
		error(
			502,
			`Couldn’t load the blocked viewers: ${describeRpcError(blocked.error, blocked.status)}`,
		);
	return {
		limits: limitsSchema.parse(limits.data),
		blocked: z.array(blockedViewerSchema).parse(blocked.data),
		canEdit: hasRole(workspace.role, 'admin'),
	};
};

export const actions: Actions = {
	saveLimits: async ({ request, locals, cookies }) => {
		const workspace = await requireWorkspaceRole(
			{ locals, cookies },
			'admin',
			'Changing the limits',
		);
		const parsed = parseForm(buyerLimitsSchema, await request.formData());
		if (!parsed.ok)
			return fail(400, { action: 'limits', message: Object.values(parsed.errors).join('. ') });
		const { error: updateError, status } = await locals.supabase
			.from('workspaces')
			.update({
				max_units_per_buyer: parsed.data.perShow,
				max_units_per_buyer_item: parsed.data.perItem,
			})
			.eq('id', workspace.id);
		if (updateError)
			return fail(status || 502, {
				action: 'limits',
				message: describeRpcError(updateError, status),
			});
		return { action: 'limits', done: 'Limits saved.' };
	},

	unblock: async ({ request, locals, cookies }) => {
		const { workspace } = await currentWorkspace({ locals, cookies });
		if (!workspace)
			return fail(409, { action: 'unblock', message: 'Your account has no workspace.' });
		const id = z.uuid().safeParse(String((await request.formData()).get('id') ?? ''));
		if (!id.success) return fail(400, { action: 'unblock', message: 'No such blocked viewer.' });
		const { error: unblockError, status } = await locals.supabase.rpc('unblock_viewer', {
			blocked_viewer_id: id.data,
		});
		if (unblockError)
			return fail(status || 502, {
				action: 'unblock',
				message: describeRpcError(unblockError, status),
			});
		return { action: 'unblock', done: 'Unblocked: their next comments count again.' };
	},
};
