// PostgREST's error bodies and its SQLSTATE → HTTP status mapping (PostgREST 13, as Supabase runs it).

export interface ErrorBody {
	code: string;
	message: string;
	details: unknown;
	hint: unknown;
}

/** An error answered to the client as PostgREST would: status, JSON body and extra headers. */
export class ApiError extends Error {
	readonly body: ErrorBody;
	constructor(
		readonly status: number,
		code: string,
		message: string,
		details: unknown = null,
		hint: unknown = null,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
		this.body = { code, message, details, hint };
	}
}

export const queryParamError = (message: string, details: string) =>
	new ApiError(400, 'PGRST100', message, details);
export const invalidBody = (message = 'Empty or invalid json') =>
	new ApiError(400, 'PGRST102', message);

/** The error fields of a node-postgres DatabaseError. */
export interface PgErrorLike {
	code?: string;
	message: string;
	detail?: string;
	hint?: string;
}

export function isPgError(error: unknown): error is PgErrorLike & Error {
	return (
		error instanceof Error && typeof (error as PgErrorLike).code === 'string' && 'severity' in error
	);
}

/** PostgREST's mapSQLtoHTTP; `authenticated` is false for the anonymous role. */
export function statusForSqlState(code: string, message: string, authenticated: boolean): number {
	const exact: Record<string, number> = {
		'23503': 409,
		'23505': 409,
		'25006': 405,
		'53400': 500,
		'57P01': 503,
		P0001: 400,
		'42P01': 404,
		'42P17': 500,
	};
	if (code in exact) return exact[code];
	if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
	if (code === '22023')
		return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
	if (code === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
	if (code === '42501') return authenticated ? 403 : 401;
	if (code.startsWith('PT')) {
		const status = Number(code.slice(2));
		return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
	}
	const byClass: [string, number][] = [
		['08', 503],
		['09', 500],
		['0L', 403],
		['0P', 403],
		['25', 500],
		['28', 403],
		['2D', 500],
		['38', 500],
		['39', 500],
		['3B', 500],
		['40', 500],
		['53', 503],
		['54', 500],
		['55', 500],
		['57', 500],
		['58', 500],
		['F0', 500],
		['HV', 500],
		['P0', 500],
		['XX', 500],
	];
	for (const [prefix, status] of byClass) if (code.startsWith(prefix)) return status;
	return 400;
}

/**
 * A database error as PostgREST answers it, including `RAISE SQLSTATE 'PGRST'` with a JSON message
 * and detail, which lets a function choose the whole response.
 */
export function fromPgError(error: PgErrorLike, authenticated: boolean): ApiError {
	const code = error.code ?? 'PGRSTX00';
	if (code === 'PGRST') return fromRaisePgrst(error);
	const status = statusForSqlState(code, error.message, authenticated);
	return new ApiError(
		status,
		code,
		error.message,
		error.detail ?? null,
		error.hint ?? null,
		status === 401 ? { 'www-authenticate': 'Bearer' } : {},
	);
}

function fromRaisePgrst(error: PgErrorLike): ApiError {
	const parse = (text: string | undefined) => {
		try {
			const value: unknown = text === undefined ? undefined : JSON.parse(text);
			return value !== null && typeof value === 'object' && !Array.isArray(value)
				? (value as Record<string, unknown>)
				: undefined;
		} catch {
			return undefined;
		}
	};
	const message = parse(error.message);
	if (!message || typeof message.code !== 'string' || typeof message.message !== 'string') {
		return new ApiError(
			500,
			'PGRST121',
			'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
			`Invalid JSON value for MESSAGE: '${error.message}'`,
			"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.",
		);
	}
	const detail = parse(error.detail);
	const detailHint =
		"DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
	if (error.detail === undefined) {
		return new ApiError(
			500,
			'PGRST121',
			'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
			'DETAIL is missing in the RAISE statement',
			detailHint,
		);
	}
	if (
		!detail ||
		typeof detail.status !== 'number' ||
		typeof detail.headers !== 'object' ||
		detail.headers === null
	) {
		return new ApiError(
			500,
			'PGRST121',
			'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
			`Invalid JSON value for DETAIL: '${error.detail}'`,
			detailHint,
		);
	}
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(detail.headers as Record<string, unknown>))
		headers[name.toLowerCase()] = String(value);
	return new ApiError(
		detail.status,
		message.code,
		message.message,
		message.details ?? null,
		message.hint ?? null,
		headers,
	);
}

/** Levenshtein similarity in [0, 1], the rescoring PostgREST's fuzzy set uses for its "Perhaps you meant" hints. */
function similarity(a: string, b: string): number {
	if (a === b) return 1;
	const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		let diagonal = previous[0];
		previous[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const above = previous[j];
			previous[j] = Math.min(
				previous[j] + 1,
				previous[j - 1] + 1,
				diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
			);
			diagonal = above;
		}
	}
	return 1 - previous[b.length] / Math.max(a.length, b.length);
}

/** The candidate closest to `wanted`, if it is at least `minimum` similar. */
export function closest(
	wanted: string,
	candidates: Iterable<string>,
	minimum: number,
): string | undefined {
	let best: string | undefined;
	let bestScore = minimum;
	for (const candidate of candidates) {
		const score = similarity(wanted.toLowerCase(), candidate.toLowerCase());
		if (score >= bestScore && (best === undefined || score > bestScore)) {
			best = candidate;
			bestScore = score;
		}
	}
	return best;
}
