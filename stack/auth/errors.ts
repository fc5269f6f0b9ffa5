// GoTrue's error responses. Which body shape is sent depends on the X-Supabase-Api-Version request
// header, exactly as in supabase/auth internal/api/errors.go (HandleResponseError): from 2024-01-01
// on `{code: <error code>, message}`, before that `{code: <HTTP status>, error_code, msg}`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http.ts';

const API_VERSION_2024_01_01 = '2024-01-01';

export class AuthError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		/** Fields GoTrue adds next to code and message (e.g. `weak_password`). */
		readonly extra: Record<string, unknown> = {},
	) {
		super(message);
	}
}

/** GoTrue's OAuth-style error (`{error, error_description}`), used by a few `/token` checks. */
export class OAuthError extends Error {
	constructor(
		readonly error: string,
		readonly description: string,
	) {
		super(description);
	}
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);
export const forbidden = (code: string, message: string) => new AuthError(403, code, message);
export const notFound = (code: string, message: string) => new AuthError(404, code, message);
export const unprocessable = (code: string, message: string) => new AuthError(422, code, message);
export const internalError = (message: string) => new AuthError(500, 'unexpected_failure', message);

export function weakPasswordError(message: string, reasons: string[]): AuthError {
	return new AuthError(422, 'weak_password', message, { weak_password: { reasons } });
}

/** GoTrue's DetermineClosestAPIVersion: a date header at or after 2024-01-01 selects that version. */
function requestedApiVersion(req: IncomingMessage): string | undefined {
	const header = req.headers['x-supabase-api-version'];
	const value = Array.isArray(header) ? header[0] : header;
	if (
		!value ||
		!/^\d{4}-\d{2}-\d{2}$/.test(value) ||
		Number.isNaN(Date.parse(`${value}T00:00:00Z`))
	)
		return undefined;
	return value >= API_VERSION_2024_01_01 ? API_VERSION_2024_01_01 : undefined;
}

export function sendAuthError(
	req: IncomingMessage,
	res: ServerResponse,
	error: AuthError | OAuthError,
): void {
	if (error instanceof OAuthError) {
		sendJson(res, 400, { error: error.error, error_description: error.description });
		return;
	}
	const version = requestedApiVersion(req);
	if (version) {
		sendJson(
			res,
			error.status,
			{ code: error.code, message: error.message, ...error.extra },
			{ 'x-supabase-api-version': version },
		);
	} else {
		sendJson(res, error.status, {
			code: error.status,
			error_code: error.code,
			msg: error.message,
			...error.extra,
		});
	}
}
