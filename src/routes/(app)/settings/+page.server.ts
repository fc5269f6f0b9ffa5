import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { messageSettingsFromForm, messageSettingsSchema } from '$lib/buyer-message-settings';
import { describeRpcError } from '$lib/rpc-error';
import { memberDirectorySchema } from '$lib/members';
import { orderSettingsFormSchema } from '$lib/order-schemas';
import {
	parseForm,
	workspaceSettingsRowSchema,
	workspaceSettingsSchema,
	type FieldErrors,
} from '$lib/schemas';
import { readOrderSettings } from '$lib/server/orders';
import { currentWorkspace, hasRole, requireWorkspaceRole } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { workspace, user } = await parent();
	if (!workspace)
		return {
			settings: null,
			orders: null,
			members: [],
			messageSettings: null,
			canEdit: false,
			role: null,
			userId: user?.id ?? null,
		};
	const [settings, members, orders, messageSettings] = await Promise.all([
		locals.supabase
			.from('workspaces')
			.select('id, name, claim_words, pass_words, max_units_per_comment, replay_listen_minutes')
			.eq('id', workspace.id)
			.single(),
		// Highest role first, with each member's email address.
		locals.supabase.rpc('workspace_member_directory', { workspace_id: workspace.id }),
		readOrderSettings(locals.supabase, workspace),
		locals.supabase.rpc('buyer_message_settings', { workspace_id: workspace.id }),
	]);
	if (settings.error)
		error(
			502,
			`Couldn’t load the workspace settings: ${describeRpcError(settings.error, settings.status)}`,
		);
	if (members.error)
		error(502, `Couldn’t load the members: ${describeRpcError(members.error, members.status)}`);
	if (messageSettings.error)
		error(
			502,
			`Couldn’t load the buyer messages: ${describeRpcError(messageSettings.error, messageSettings.status)}`,
		);
	return {
		settings: workspaceSettingsRowSchema.parse(settings.data),
		orders,
		members: z.array(memberDirectorySchema).parse(members.data),
		messageSettings: messageSettingsSchema.parse(messageSettings.data),
		canEdit: hasRole(workspace.role, 'admin'),
		role: workspace.role,
		userId: user?.id ?? null,
	};
};

type SettingsFailure = {
	name: string;
	claimWords: string;
	passWords: string;
	maxUnitsPerComment: string;
	replayListenMinutes: string;
	errors: FieldErrors<typeof workspaceSettingsSchema>;
	message?: string;
};

export const actions: Actions = {
	save: async ({ request, locals, cookies }) => {
		const form = await request.formData();
		const echo = {
			name: String(form.get('name') ?? ''),
			claimWords: String(form.get('claimWords') ?? ''),
			passWords: String(form.get('passWords') ?? ''),
			maxUnitsPerComment: String(form.get('maxUnitsPerComment') ?? ''),
			replayListenMinutes: String(form.get('replayListenMinutes') ?? ''),
		};
		const parsed = parseForm(workspaceSettingsSchema, form);
		if (!parsed.ok) return fail<SettingsFailure>(400, { ...echo, errors: parsed.errors });

		const { workspace, error: workspaceError } = await currentWorkspace({ locals, cookies });
		if (!workspace)
			return fail<SettingsFailure>(409, {
				...echo,
				errors: {},
				message: workspaceError ?? 'Your account has no workspace.',
			});

		const { name, claimWords, passWords, maxUnitsPerComment, replayListenMinutes } = parsed.data;
		const {
			data,
			error: updateError,
			status,
		} = await locals.supabase
			.from('workspaces')
			.update({
				name,
				claim_words: claimWords,
				pass_words: passWords,
				max_units_per_comment: maxUnitsPerComment,
				replay_listen_minutes: replayListenMinutes,
			})
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

	// Saves how orders are grouped, shipped, invoiced and held (owners and admins); answers under
	// its own key so the page's other forms ignore it.
	saveOrders: async ({ request, locals, cookies }) => {
		const workspace = await requireWorkspaceRole(
			{ locals, cookies },
			'admin',
			'Changing the order settings',
		);
		const form = await request.formData();
		const values = Object.fromEntries(
			['grouping', 'shippingFee', 'invoicingMode', 'paymentLinkKind', 'payWithinHours'].map(
				(name) => [name, String(form.get(name) ?? '')],
			),
		);
		const { currency } = await readOrderSettings(locals.supabase, workspace);
		const schema = orderSettingsFormSchema(currency);
		const parsed = parseForm(schema, form);
		if (!parsed.ok)
			return fail(400, { orderSettings: { values, errors: parsed.errors, message: null } });
		const { error: updateError, status } = await locals.supabase
			.from('workspaces')
			.update(parsed.data)
			.eq('id', workspace.id);
		if (updateError)
			return fail(status || 502, {
				orderSettings: { values, errors: {}, message: describeRpcError(updateError, status) },
			});
		return { orderSettings: { saved: true } };
	},

	/** Saves how buyers are told (the database checks the templates and the role). */
	saveBuyerMessages: async ({ request, locals, cookies }) => {
		const workspace = await requireWorkspaceRole(
			{ locals, cookies },
			'admin',
			'Changing buyer messages',
		);
		const settings = messageSettingsFromForm(await request.formData());
		const { error: saveError, status } = await locals.supabase.rpc('set_buyer_message_settings', {
			workspace_id: workspace.id,
			settings,
		});
		if (saveError)
			return fail(status || 502, { buyerMessagesFailure: describeRpcError(saveError, status) });
		return { buyerMessagesSaved: true };
	},

	/** Leaves the workspace (the database keeps its last owner from leaving). */
	leave: async ({ locals, cookies }) => {
		const workspace = await requireWorkspaceRole({ locals, cookies }, 'assistant', 'Leaving');
		const { error: leaveError, status } = await locals.supabase.rpc('remove_workspace_member', {
			workspace_id: workspace.id,
			user_id: locals.user?.id,
		});
		if (leaveError)
			return fail(status || 502, {
				action: 'leave',
				message: describeRpcError(leaveError, status),
			});
		redirect(303, '/dashboard');
	},

	/** Deletes the workspace and everything in it; the owner types its name to confirm. */
	deleteWorkspace: async ({ request, locals, cookies }) => {
		const workspace = await requireWorkspaceRole(
			{ locals, cookies },
			'owner',
			'Deleting the workspace',
		);
		const confirmation = String((await request.formData()).get('confirmation') ?? '');
		const { error: deleteError, status } = await locals.supabase.rpc('delete_workspace', {
			workspace_id: workspace.id,
			confirmation,
		});
		if (deleteError)
			return fail(status || 502, {
				action: 'deleteWorkspace',
				message: describeRpcError(deleteError, status),
			});
		// The workspace's audit log goes with it; the server's log keeps the deletion.
		console.info(
			`console: workspace ${workspace.id} (${JSON.stringify(workspace.name)}) deleted by user ${locals.user?.id}`,
		);
		redirect(303, '/dashboard');
	},
};
