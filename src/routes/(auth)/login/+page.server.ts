import { fail, redirect } from '@sveltejs/kit';
import { loginSchema, parseForm, safeRedirectPath, type FieldErrors } from '$lib/schemas';
import { authErrorMessage, authErrorStatus } from '$lib/server/auth-errors';
import type { Actions } from './$types';

type LoginFailure = { email: string; errors: FieldErrors<typeof loginSchema>; message?: string };

export const actions: Actions = {
	default: async ({ request, url, locals }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '');
		const parsed = parseForm(loginSchema, form);
		if (!parsed.ok) return fail<LoginFailure>(400, { email, errors: parsed.errors });

		const { error } = await locals.supabase.auth.signInWithPassword(parsed.data);
		if (error)
			return fail<LoginFailure>(authErrorStatus(error), {
				email,
				errors: {},
				message: authErrorMessage(error),
			});

		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo')));
	},
};
