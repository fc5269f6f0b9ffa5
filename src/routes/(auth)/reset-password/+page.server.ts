import { fail } from '@sveltejs/kit';
import { parseForm, resetPasswordSchema, type FieldErrors } from '$lib/schemas';
import { authErrorMessage, authErrorStatus } from '$lib/server/auth-errors';
import type { Actions } from './$types';

type ResetFailure = {
	email: string;
	errors: FieldErrors<typeof resetPasswordSchema>;
	message?: string;
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '');
		const parsed = parseForm(resetPasswordSchema, form);
		if (!parsed.ok) return fail<ResetFailure>(400, { email, errors: parsed.errors });

		// Auth answers the same whether or not the account exists, so neither do we.
		const { error } = await locals.supabase.auth.resetPasswordForEmail(parsed.data.email);
		if (error)
			return fail<ResetFailure>(authErrorStatus(error), {
				email,
				errors: {},
				message: authErrorMessage(error),
			});
		return { sentTo: parsed.data.email };
	},
};
