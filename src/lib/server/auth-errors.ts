// Auth's errors in words a seller acts on. Codes are GoTrue's error_code values; any other error
// keeps Auth's own message so nothing is lost.
import type { AuthError } from '@supabase/supabase-js';

const messages: Record<string, string> = {
	invalid_credentials: 'That email and password don’t match an account. Check both and try again.',
	user_already_exists: 'An account with this email already exists. Log in instead.',
	email_exists: 'An account with this email already exists. Log in instead.',
	email_not_confirmed: 'Confirm your email address first: open the link we sent you, then log in.',
	signup_disabled: 'New accounts can’t be created right now.',
	over_request_rate_limit: 'Too many attempts. Wait a minute, then try again.',
	over_email_send_rate_limit: 'Too many emails sent. Wait a few minutes, then try again.',
};

export function authErrorMessage(error: AuthError): string {
	if (error.code && messages[error.code]) return messages[error.code];
	if (error.name === 'AuthRetryableFetchError')
		return 'The sign-in service can’t be reached. Try again in a moment.';
	if (error.code === 'weak_password') return `Choose a stronger password. ${error.message}`;
	return error.message;
}

/** The status to answer the form with: Auth's own 4xx, else 503 since the fault is upstream. */
export function authErrorStatus(error: AuthError): number {
	return error.status && error.status >= 400 && error.status < 500 ? error.status : 503;
}
