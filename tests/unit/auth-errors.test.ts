import {
	AuthApiError,
	AuthRetryableFetchError,
	AuthWeakPasswordError,
} from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { authErrorMessage, authErrorStatus } from '../../src/lib/server/auth-errors.ts';

describe('authErrorMessage', () => {
	it('explains wrong credentials and an existing account in plain words', () => {
		expect(
			authErrorMessage(new AuthApiError('Invalid login credentials', 400, 'invalid_credentials')),
		).toMatch(/don’t match an account/);
		expect(
			authErrorMessage(new AuthApiError('User already registered', 422, 'user_already_exists')),
		).toMatch(/already exists/);
	});

	it('keeps Auth’s reasons for a weak password', () => {
		const error = new AuthWeakPasswordError(
			'Password should contain at least one character of each: 0123456789',
			422,
			['characters'],
		);
		expect(authErrorMessage(error)).toBe(
			'Choose a stronger password. Password should contain at least one character of each: 0123456789',
		);
	});

	it('says when Auth cannot be reached', () => {
		expect(authErrorMessage(new AuthRetryableFetchError('fetch failed', 0))).toMatch(
			/can’t be reached/,
		);
	});

	it('passes an unknown error’s own message through', () => {
		expect(authErrorMessage(new AuthApiError('Something new', 400, 'something_new'))).toBe(
			'Something new',
		);
	});
});

describe('authErrorStatus', () => {
	it('keeps Auth’s client-error status and reports anything else as unavailable', () => {
		expect(
			authErrorStatus(new AuthApiError('Invalid login credentials', 400, 'invalid_credentials')),
		).toBe(400);
		expect(
			authErrorStatus(new AuthApiError('Too many requests', 429, 'over_request_rate_limit')),
		).toBe(429);
		expect(authErrorStatus(new AuthApiError('boom', 500, 'unexpected_failure'))).toBe(503);
		expect(authErrorStatus(new AuthRetryableFetchError('fetch failed', 0))).toBe(503);
	});
});
