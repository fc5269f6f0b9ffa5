import { fail, redirect } from '@sveltejs/kit';
import { parseForm, safeRedirectPath, signupSchema, type FieldErrors } from '$lib/schemas';
import { authErrorMessage, authErrorStatus } from '$lib/server/auth-errors';
import type { Actions } from './$types';

type SignupFailure = {
	email: string;
	workspaceName: string;
	errors: FieldErrors<typeof signupSchema>;
	message?: string;
};

export const actions: Actions = {
	default: async ({ request, url, locals }) => {
		const form = await request.formData();
		const echo = {
			email: String(form.get('email') ?? ''),
			workspaceName: String(form.get('workspaceName') ?? ''),
		};
		const parsed = parseForm(signupSchema, form);
		if (!parsed.ok) return fail<SignupFailure>(400, { ...echo, errors: parsed.errors });

		const { email, password, workspaceName } = parsed.data;
		const { data, error } = await locals.supabase.auth.signUp({
			email,
			password,
			// The sign-up trigger names the new workspace from this (else from the email).
			options: { data: workspaceName ? { workspace_name: workspaceName } : {} },
		});
		if (error)
			return fail<SignupFailure>(authErrorStatus(error), {
				...echo,
				errors: {},
				message: authErrorMessage(error),
			});

		// With email confirmation on (hosted default) there is no session until the link is opened.
		if (!data.session) return { confirmationSentTo: email };
		// Back to where sign-up was asked for, such as an invitation link.
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo')));
	},
};
