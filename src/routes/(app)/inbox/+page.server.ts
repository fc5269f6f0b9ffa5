// The inbox: the workspace's buyer conversations (every member reads them), one of them opened
// with `?c=<id>`, and what the console does with it: mark it read, and reply as the seller through
// the outbox while Meta's 24-hour window is open (owners, admins and assistants alike; the
// database checks the role and the window again, and audits both).
import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { describeRpcError } from '$lib/rpc-error';
import { readConversation, readConversations } from '$lib/server/inbox';
import { readCurrencyExponents } from '$lib/server/orders';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url, depends }) => {
	// Realtime changes to the workspace's conversations re-run this load (see +page.svelte).
	depends('app:inbox');
	const { workspace } = await parent();
	const selectedId = z.uuid().safeParse(url.searchParams.get('c')).data ?? null;
	if (!workspace)
		return { workspaceId: null, conversations: [], selected: null, exponents: new Map() };
	const [conversations, selected, exponents] = await Promise.all([
		readConversations(locals.supabase, workspace.id),
		selectedId ? readConversation(locals.supabase, selectedId) : null,
		readCurrencyExponents(locals.supabase),
	]);
	return { workspaceId: workspace.id, conversations, selected, exponents };
};

export interface InboxFailure {
	message: string;
	text?: string;
}

const conversationForm = z.object({ conversation_id: z.uuid() });
const replyForm = conversationForm.extend({
	text: z.string().max(4000),
	request_key: z.uuid(),
});

export const actions: Actions = {
	read: async ({ request, locals }) => {
		const parsed = conversationForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail<InboxFailure>(400, { message: 'No conversation was chosen.' });
		const { error, status } = await locals.supabase.rpc('mark_conversation_read', {
			conversation_id: parsed.data.conversation_id,
		});
		if (error)
			return fail<InboxFailure>(status || 502, { message: describeRpcError(error, status) });
		return { read: true };
	},

	reply: async ({ request, locals }) => {
		const form = Object.fromEntries(await request.formData());
		const parsed = replyForm.safeParse(form);
		const text = typeof form.text === 'string' ? form.text : '';
		if (!parsed.success)
			return fail<InboxFailure>(400, {
				message: text.length > 4000 ? 'The message is too long.' : 'The reply form was incomplete.',
				text,
			});
		const { error, status } = await locals.supabase.rpc('send_conversation_reply', {
			conversation_id: parsed.data.conversation_id,
			text: parsed.data.text,
			request_key: parsed.data.request_key,
		});
		if (error)
			return fail<InboxFailure>(status || 502, { message: describeRpcError(error, status), text });
		return { replied: true };
	},
};
