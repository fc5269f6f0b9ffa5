// HTTP plumbing every function shares: CORS for the console, JSON answers with a stable error
// shape `{ error: <code>, message }`, bounded body reading, and the handler wrapper that turns
// thrown HttpErrors into answers and anything else into a logged 500.

/** Browsers call the functions with a bearer token, never cookies, so any origin may. */
export const corsHeaders: Record<string, string> = {
	'Access-Control-Allow-Origin': '*',
	'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',
	'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
	'Access-Control-Max-Age': '86400',
};

export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details?: Record<string, unknown>,
	) {
		super(message);
		this.name = 'HttpError';
	}
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { ...corsHeaders, 'Content-Type': 'application/json', ...headers },
	});
}

export function errorResponse(error: HttpError): Response {
	return json({ error: error.code, message: error.message, ...error.details }, error.status);
}

/** Wraps a handler: answers CORS preflights, and turns errors into JSON answers. */
export function handle(
	name: string,
	handler: (req: Request) => Promise<Response>,
): (req: Request) => Promise<Response> {
	return async (req) => {
		if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders });
		try {
			return await handler(req);
		} catch (error) {
			if (error instanceof HttpError) return errorResponse(error);
			console.error(`${name}: ${req.method} ${new URL(req.url).pathname} failed:`, error);
			return errorResponse(
				new HttpError(
					500,
					'internal_error',
					`${name} failed: ${(error as Error).message ?? String(error)}`,
				),
			);
		}
	};
}

/** The action after the function's name: /meta-oauth/start → "start"; "" for the function itself. */
export function actionOf(req: Request, functionName: string): string {
	const path = new URL(req.url).pathname;
	const prefix = `/${functionName}`;
	const rest = path.startsWith(prefix) ? path.slice(prefix.length) : path;
	return rest.replace(/^\/+|\/+$/g, '');
}

export function requireMethod(req: Request, ...methods: string[]): void {
	if (!methods.includes(req.method))
		throw new HttpError(405, 'method_not_allowed', `use ${methods.join(' or ')}`);
}

/** The body's bytes, refusing more than `limitBytes` without reading them all (413). */
export async function readBody(req: Request, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
	const tooLarge = () =>
		new HttpError(413, 'payload_too_large', `the body is larger than ${limitBytes} bytes`);
	const declared = Number(req.headers.get('content-length') ?? NaN);
	if (declared > limitBytes) throw tooLarge();
	const chunks: Uint8Array[] = [];
	let size = 0;
	if (req.body) {
		for await (const chunk of req.body) {
			size += chunk.length;
			if (size > limitBytes) throw tooLarge();
			chunks.push(chunk);
		}
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.length;
	}
	return body;
}

/** A JSON object body (400 when it is not one). */
export async function readJsonObject(
	req: Request,
	limitBytes = 64 * 1024,
): Promise<Record<string, unknown>> {
	const text = new TextDecoder().decode(await readBody(req, limitBytes));
	let parsed: unknown;
	try {
		parsed = text.trim() === '' ? {} : JSON.parse(text);
	} catch (error) {
		throw new HttpError(
			400,
			'invalid_json',
			`the body is not valid JSON: ${(error as Error).message}`,
		);
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
		throw new HttpError(400, 'invalid_body', 'the body must be a JSON object');
	return parsed as Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid parameter, checked before it goes anywhere (400 otherwise). */
export function uuidParam(value: unknown, name: string): string {
	if (typeof value !== 'string' || !UUID.test(value))
		throw new HttpError(400, 'invalid_parameter', `${name} must be a uuid`);
	return value.toLowerCase();
}
