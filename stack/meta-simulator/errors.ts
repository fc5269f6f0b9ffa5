// Meta's error objects: `{"error": {message, type, code, error_subcode?, is_transient?, fbtrace_id}}`
// with the HTTP status Meta answers them with. Messages are Meta's own wording.
import { randomBytes } from 'node:crypto';

export interface GraphErrorFields {
	message: string;
	type: string;
	code: number;
	error_subcode?: number;
	is_transient?: boolean;
	error_user_title?: string;
	error_user_msg?: string;
}

export class GraphError extends Error {
	constructor(
		readonly status: number,
		readonly fields: GraphErrorFields,
	) {
		super(fields.message);
	}

	/** The response body; `fbtrace_id` is fresh per response, as Meta's is. */
	body(): { error: GraphErrorFields & { fbtrace_id: string } } {
		return { error: { ...this.fields, fbtrace_id: traceId() } };
	}
}

/** An opaque support id in the style of Meta's `fbtrace_id`. */
export function traceId(): string {
	return randomBytes(9).toString('base64').replace(/[+/=]/g, 'A');
}

const oauth = (
	status: number,
	code: number,
	message: string,
	extra: Partial<GraphErrorFields> = {},
) => new GraphError(status, { message, type: 'OAuthException', code, ...extra });

/** `Friday, 20-Nov-26 10:00:00 PST`: how Meta writes times in token errors (Pacific time). */
export function pacificTime(date: Date): string {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-US', {
			timeZone: 'America/Los_Angeles',
			weekday: 'long',
			day: '2-digit',
			month: 'short',
			year: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23',
			timeZoneName: 'short',
		})
			.formatToParts(date)
			.map((part) => [part.type, part.value]),
	);
	return `${parts.weekday}, ${parts.day}-${parts.month}-${parts.year} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

export type ThrottleCode = 4 | 17 | 32 | 613 | 80001;

const throttleMessages: Record<ThrottleCode, string> = {
	4: '(#4) Application request limit reached',
	17: '(#17) User request limit reached',
	32: '(#32) Page request limit reached',
	613: '(#613) Calls to this api have exceeded the rate limit.',
	80001:
		'(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
};

/** Meta answers app and user throttling with 403, the call-window limit with 400 and Page business-use-case throttling with 429. */
export const throttleStatus: Record<ThrottleCode, number> = {
	4: 403,
	17: 403,
	32: 403,
	613: 400,
	80001: 429,
};

export const graphErrors = {
	accessTokenRequired: () =>
		oauth(400, 104, 'An access token is required to request this resource.'),
	activeTokenForMe: () =>
		oauth(
			400,
			2500,
			'An active access token must be used to query information about the current user.',
		),
	cannotParseToken: () => oauth(400, 190, 'Invalid OAuth access token - Cannot parse access token'),
	tokenExpired: (expiredAt: Date, now: Date) =>
		oauth(
			400,
			190,
			`Error validating access token: Session has expired on ${pacificTime(expiredAt)}. The current time is ${pacificTime(now)}.`,
			{ error_subcode: 463 },
		),
	appNotAuthorized: (appId: string) =>
		oauth(
			400,
			190,
			`Error validating access token: The user has not authorized application ${appId}.`,
			{ error_subcode: 458 },
		),
	passwordChanged: () =>
		oauth(
			400,
			190,
			'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
			{
				error_subcode: 460,
			},
		),
	loggedOut: () =>
		oauth(
			400,
			190,
			'Error validating access token: The session is invalid because the user logged out.',
			{ error_subcode: 467 },
		),
	unknownPath: (components: string) => oauth(400, 2500, `Unknown path components: ${components}`),
	unsupportedRequest: (method: string, id: string) =>
		new GraphError(400, {
			message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
			type: 'GraphMethodException',
			code: 100,
			error_subcode: 33,
		}),
	nonexistingField: (field: string, nodeType: string) =>
		oauth(
			400,
			100,
			`(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
		),
	invalidParameter: (message: string) => oauth(400, 100, `(#100) ${message}`),
	pageTokenRequired: () =>
		oauth(400, 210, '(#210) A page access token is required to request this resource.'),
	missingPermission: (permission: string) =>
		oauth(
			403,
			10,
			`(#10) This endpoint requires the '${permission}' permission or the 'Page Public Content Access' feature. Refer to https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages and https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS for details.`,
		),
	permissionDenied: (message: string) => oauth(403, 200, `(#200) ${message}`),
	throttled: (code: ThrottleCode, status = throttleStatus[code]) =>
		oauth(status, code, throttleMessages[code], { is_transient: true }),
	serverError: (status: number) =>
		status === 503
			? oauth(503, 2, 'Service temporarily unavailable', { is_transient: true })
			: oauth(status, 1, 'An unknown error has occurred.', { is_transient: true }),
	// /oauth/access_token
	invalidClientId: () => oauth(400, 101, 'Error validating application. Invalid application ID.'),
	invalidClientSecret: () => oauth(400, 1, 'Error validating client secret.'),
	missingParameter: (name: string) => oauth(400, 100, `Missing ${name} parameter.`),
	invalidCode: () => oauth(400, 100, 'Invalid verification code format.'),
	codeUsed: () =>
		oauth(400, 100, 'This authorization code has been used.', { error_subcode: 36009 }),
	codeExpired: () =>
		oauth(400, 100, 'This authorization code has expired.', { error_subcode: 36007 }),
	redirectUriMismatch: () =>
		oauth(
			400,
			100,
			'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
			{ error_subcode: 36008 },
		),
	unsupportedGrantType: () => oauth(400, 100, 'Unsupported grant_type.'),
};
