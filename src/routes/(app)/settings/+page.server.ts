import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import {
	parseForm,
	workspaceSettingsRowSchema,
	workspaceSettingsSchema,
	type FieldErrors,
} from '$lib/schemas';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

const memberSchema = z.object({
	id: z.uuid(),
	user_id: z.uuid(),
	role: z.enum(['owner', 'admin', 'assistant']),
	created_at: z.string(),
});
const roleOrder = { owner: 0, admin: 1, assistant: 2 } as const;

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { workspace, user } = await parent();
	if (!workspace) return { settings: null, members: [], canEdit: false, userId: user?.id ?? null };
	const [settings, members] = await Promise.all([
		locals.supabase
			.from('workspaces')
			.select('id, name, claim_words, pass_words')
			.eq('id', workspace.id)
			.single(),
		locals.supabase
			.from('workspace_members')
			.select('id, user_id, role, created_at')
			.eq('workspace_id', workspace.id)
			.order('created_at'),
	]);
	if (settings.error)
		error(
			502,
			`Couldn’t load the workspace settings: ${describeRpcError(settings.error, settings.status)}`,
		);
	if (members.error)
		error(502, `Couldn’t load the members: ${describeRpcError(members.error, members.status)}`);
	const memberRows = z
		.array(memberSchema)
		.parse(members.data)
		.sort((a, b) => roleOrder[a.role] - roleOrder[b.role]);
	const ownRole = memberRows.find((member) => member.user_id === user?.id)?.role;
	return {
		settings: workspaceSettingsRowSchema.parse(settings.data),
		members: memberRows,
		canEdit: ownRole === 'owner' || ownRole === 'admin',
		userId: user?.id ?? null,
	};
};

type SettingsFailure = {
	name: string;
	claimWords: string;
	passWords: string;
	errors: FieldErrors<typeof workspaceSettingsSchema>;
	message?: string;
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const echo = {
			name: String(form.get('name') ?? ''),
			claimWords: String(form.get('claimWords') ?? ''),
			passWords: String(form.get('passWords') ?? ''),
		};
		const parsed = parseForm(workspaceSettingsSchema, form);
		if (!parsed.ok) return fail<SettingsFailure>(400, { ...echo, errors: parsed.errors });

		const { workspace, error: workspaceError } = await currentWorkspace(locals.supabase);
		if (!workspace)
			return fail<SettingsFailure>(409, {
				...echo,
				errors: {},
				message: workspaceError ?? 'Your account has no workspace.',
			});

		const { name, claimWords, passWords } = parsed.data;
		const {
			data,
			error: updateError,
			status,
		} = await locals.supabase
			.from('workspaces')
			.update({ name, claim_words: claimWords, pass_words: passWords })
			.eq('id', workspace.id)
			.select('id');
		if (updateError)
			return fail<SettingsFailure>(status || 502, {
				...echo,
				errors: {},
				message: describeRpcError(updateError, status),
			});
		// Row level security lets only owners and admins change a workspace; for others nothing matches.
		if (data.length === 0)
			return fail<SettingsFailure>(403, {
				...echo,
				errors: {},
				message: 'Only the workspace’s owners and admins can change its settings.',
			});
		return { saved: true };
	},
};
