// PostgREST under /rest/v1: each request verifies its JWT, becomes that role in one transaction
// (with the request's claims, method, path and headers as settings) and runs one statement built
// from the schema cache. Behaviour follows PostgREST 13 as Supabase runs it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import type { ServiceContext } from '../index.ts';
import { PayloadTooLargeError, readBody, sendJson, type Service } from '../http.ts';
import { InvalidJwtError, verifyJwt, type Claims } from '../jwt.ts';
import { ApiError, fromPgError, invalidBody, isPgError } from './errors.ts';
import { openApi } from './openapi.ts';
import { notImplemented, parsePreferences } from './parse.ts';
import {
	planDelete,
	planInsert,
	planRead,
	planRpc,
	planUpdate,
	type Media,
	type Plan,
	type RequestShape,
} from './plans.ts';
import { SchemaCacheHolder } from './schema-listener.ts';
import { quoteIdent, type SchemaCache } from './schema-cache.ts';

const ANON_ROLE = 'anon';
/** Supabase's `extra_search_path` default, appended after the request's schema. */
const EXTRA_SEARCH_PATH = ['public', 'extensions'];
const BODY_LIMIT = 10 * 1024 * 1024;

interface Identity {
	role: string;
	claims: Claims;
}

function jwtError(code: 'PGRST301' | 'PGRST303', message: string): ApiError {
	return new ApiError(401, code, message, null, null, {
		'www-authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
	});
}

/** PostgREST's JWT handling: no Authorization means the anonymous role; a bad token is a 401. */
async function authenticate(req: IncomingMessage, secret: string): Promise<Identity> {
	const match = /^Bearer(?:\s+(.*))?$/i.exec(req.headers.authorization ?? '');
	if (!match) return { role: ANON_ROLE, claims: { role: ANON_ROLE } };
	const token = (match[1] ?? '').trim();
	if (token === '') throw jwtError('PGRST301', 'Empty JWT is sent in Authorization header');
	const parts = token.split('.').length;
	if (parts !== 3) throw jwtError('PGRST301', `Expected 3 parts in JWT; got ${parts}`);
	try {
		const claims = await verifyJwt(token, secret);
		return {
			role: typeof claims.role === 'string' && claims.role !== '' ? claims.role : ANON_ROLE,
			claims,
		};
	} catch (error) {
		if (!(error instanceof InvalidJwtError)) throw error;
		if (error.expired) throw jwtError('PGRST303', 'JWT expired');
		throw jwtError(
			'PGRST301',
			error.message.includes('Signature')
				? 'JWT cryptographic operation failed'
				: "JWT couldn't be decoded",
		);
	}
}

/** The response media type from Accept, as PostgREST negotiates it. */
function negotiate(
	accept: string | undefined,
	root: boolean,
): { media: Media; stripNulls: boolean } {
	if (!accept) return { media: 'json', stripNulls: false };
	for (const range of accept.split(',')) {
		const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
		const stripNulls = params.includes('nulls=stripped');
		if (
			type === 'application/json' ||
			type === '*/*' ||
			type === 'application/*' ||
			type === 'application/vnd.pgrst.array+json' ||
			type === 'application/vnd.pgrst.array'
		) {
			return { media: 'json', stripNulls };
		}
		if (root && type === 'application/openapi+json') return { media: 'json', stripNulls: false };
		if (
			!root &&
			(type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object')
		)
			return { media: 'object', stripNulls };
		if (!root && type === 'text/csv') return { media: 'csv', stripNulls: false };
	}
	throw new ApiError(406, 'PGRST107', `None of these media types are available: ${accept}`);
}

/** Rows asked for by `Range: a-b` / `Range: a-`. */
function requestedRange(header: string | undefined): { offset: number; limit?: number } {
	const match = /^\s*(\d+)-(\d*)\s*$/.exec(header ?? '');
	if (!match) return { offset: 0 };
	const offset = Number(match[1]);
	if (match[2] === '') return { offset };
	const last = Number(match[2]);
	if (last < offset) {
		throw new ApiError(
			416,
			'PGRST103',
			'Requested range not satisfiable',
			'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
		);
	}
	return { offset, limit: last - offset + 1 };
}

function requestSchema(req: IncomingMessage, method: string, schemas: string[]): string {
	const header =
		method === 'GET' || method === 'HEAD'
			? req.headers['accept-profile']
			: req.headers['content-profile'];
	const requested = Array.isArray(header) ? header[0] : header;
	if (requested === undefined || requested === '') return schemas[0];
	if (!schemas.includes(requested)) {
		throw new ApiError(
			406,
			'PGRST106',
			`Invalid schema: ${requested}`,
			null,
			`Only the following schemas are exposed: ${schemas.join(', ')}`,
		);
	}
	return requested;
}

async function requestBody(req: IncomingMessage): Promise<unknown> {
	const text = (await readBody(req, BODY_LIMIT)).toString('utf8');
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw invalidBody();
	}
}

function headersJson(req: IncomingMessage): string {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers))
		if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	return JSON.stringify(headers);
}

function cookiesJson(req: IncomingMessage): string {
	const cookies: Record<string, string> = {};
	for (const pair of (req.headers.cookie ?? '').split(';')) {
		const index = pair.indexOf('=');
		if (index > 0) cookies[pair.slice(0, index).trim()] = pair.slice(index + 1).trim();
	}
	return JSON.stringify(cookies);
}

interface StatementResult {
	total: string | null;
	page_total: string;
	body: string;
	location?: string | null;
	inserted?: string;
}

interface Response {
	status: number;
	headers: Record<string, string>;
	body: string;
}

/** PostgREST's Content-Range: `first-last/total`, `*` where unknown or empty. */
function contentRange(offset: number, rows: number, total: number | undefined): string {
	const range = rows > 0 && total !== 0 ? `${offset}-${offset + rows - 1}` : '*';
	return `${range}/${total ?? '*'}`;
}

/** `response.headers` / `response.status` set by the SQL the request ran. */
function responseGucs(
	headersText: string | null,
	statusText: string | null,
): { headers: Record<string, string>; status?: number } {
	const headers: Record<string, string> = {};
	if (headersText) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(headersText);
		} catch {
			parsed = undefined;
		}
		const valid =
			Array.isArray(parsed) &&
			parsed.every(
				(item) =>
					item !== null &&
					typeof item === 'object' &&
					Object.keys(item).length === 1 &&
					typeof Object.values(item)[0] === 'string',
			);
		if (!valid)
			throw new ApiError(
				500,
				'PGRST111',
				'response.headers guc must be a JSON array composed of objects with a single key and a string value',
			);
		for (const item of parsed as Record<string, string>[])
			for (const [name, value] of Object.entries(item)) headers[name.toLowerCase()] = value;
	}
	if (!statusText) return { headers };
	const status = Number(statusText);
	if (!Number.isInteger(status) || status < 100 || status > 599)
		throw new ApiError(500, 'PGRST112', 'response.status guc must be a valid status code');
	return { headers, status };
}

function contentType(media: Media, stripNulls: boolean): string {
	if (media === 'csv') return 'text/csv; charset=utf-8';
	if (media === 'object')
		return `application/vnd.pgrst.object+json;${stripNulls ? ' nulls=stripped;' : ''} charset=utf-8`;
	return stripNulls
		? 'application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8'
		: 'application/json; charset=utf-8';
}

/** Shapes status and headers from the statement's result, or fails (and the transaction rolls back). */
function respond(plan: Plan, shape: RequestShape, result: StatementResult): Response {
	const rows = Number(result.page_total);
	const total = result.total === null ? undefined : Number(result.total);
	const headers: Record<string, string> = {};
	if (plan.applied.length > 0) headers['preference-applied'] = plan.applied.join(', ');
	if (plan.returnsVoid) return { status: 204, headers, body: '' };

	const isRead = plan.kind === 'read' || plan.kind === 'rpc';
	if (shape.media === 'object' && (plan.returnsBody || isRead) && rows !== 1) {
		throw new ApiError(
			406,
			'PGRST116',
			'Cannot coerce the result to a single JSON object',
			`The result contains ${rows} rows`,
		);
	}
	const strict = shape.preferences.get('handling') === 'strict';
	const maxAffected = shape.preferences.get('max-affected');
	if (
		strict &&
		maxAffected !== undefined &&
		(plan.kind === 'update' || plan.kind === 'delete') &&
		total !== undefined &&
		total > Number(maxAffected)
	) {
		throw new ApiError(
			400,
			'PGRST124',
			'Query result exceeds max-affected preference constraint',
			`The query affects ${total} rows`,
		);
	}
	const withBody = (status: number) => {
		if (plan.returnsBody) headers['content-type'] = contentType(shape.media, shape.stripNulls);
		return { status, headers, body: plan.returnsBody ? result.body : '' };
	};

	if (isRead) {
		const known = plan.counted ? total : undefined;
		headers['content-range'] = contentRange(plan.offset, rows, known);
		if (known !== undefined && plan.offset > known && !(plan.offset === 0 && known === 0)) {
			throw new ApiError(
				416,
				'PGRST103',
				'Requested range not satisfiable',
				`An offset of ${plan.offset} was requested, but there are only ${known} rows.`,
				null,
				{ 'content-range': `*/${known}` },
			);
		}
		return withBody(known !== undefined && rows < known ? 206 : 200);
	}
	const affected = total ?? 0;
	if (plan.kind === 'insert') {
		headers['content-range'] = `*/${plan.counted ? affected : '*'}`;
		if (result.location && plan.relation && plan.applied.includes('return=headers-only')) {
			const key = JSON.parse(result.location) as Record<string, unknown>;
			const query = Object.entries(key)
				.map(
					([name, value]) => `${encodeURIComponent(name)}=eq.${encodeURIComponent(String(value))}`,
				)
				.join('&');
			headers.location = `/${encodeURIComponent(plan.relation.name)}?${query}`;
		}
		const mergedOnly =
			shape.preferences.get('resolution') === 'merge-duplicates' &&
			Number(result.inserted ?? 0) === 0 &&
			affected > 0;
		return withBody(mergedOnly ? 200 : 201);
	}
	headers['content-range'] = contentRange(0, affected, plan.counted ? affected : undefined);
	return withBody(plan.returnsBody ? 200 : 204);
}

export function createRestService(context: ServiceContext): Service {
	const { config, log } = context;
	const pool = new pg.Pool({ connectionString: config.authenticatorUrl, max: 10 });
	pool.on('error', (error) => log(`rest: idle connection failed: ${error.message}`));
	const schemaCache = new SchemaCacheHolder(config.authenticatorUrl, config.exposedSchemas, log);

	async function execute(
		plan: Plan,
		shape: RequestShape,
		identity: Identity,
		req: IncomingMessage,
		path: string,
		cache: SchemaCache,
	): Promise<Response> {
		const client = await pool.connect();
		const authenticated = identity.role !== ANON_ROLE;
		try {
			await client.query(
				plan.readOnly
					? 'begin isolation level read committed read only'
					: 'begin isolation level read committed read write',
			);
			const settings: [string, string][] = [
				[
					'search_path',
					[...new Set([shape.schema, ...EXTRA_SEARCH_PATH])].map(quoteIdent).join(', '),
				],
				['role', identity.role],
				['request.jwt.claims', JSON.stringify(identity.claims)],
				['request.method', shape.method],
				['request.path', path],
				['request.headers', headersJson(req)],
				['request.cookies', cookiesJson(req)],
				// The impersonated role's own settings (e.g. statement_timeout), as PostgREST applies them.
				...(cache.roleSettings.get(identity.role) ?? []),
			];
			await client.query(
				'select set_config(name, value, true) from unnest($1::text[], $2::text[]) as s(name, value)',
				[settings.map(([name]) => name), settings.map(([, value]) => value)],
			);
			const { rows } = await client.query<StatementResult>(plan.sql, plan.values);
			const gucs = await client.query<{ headers: string | null; status: string | null }>(
				"select nullif(current_setting('response.headers', true), '') as headers, nullif(current_setting('response.status', true), '') as status",
			);
			const response = respond(plan, shape, rows[0]);
			const overrides = responseGucs(gucs.rows[0].headers, gucs.rows[0].status);
			await client.query('commit');
			return {
				...response,
				status: overrides.status ?? response.status,
				headers: { ...response.headers, ...overrides.headers },
			};
		} catch (error) {
			await client.query('rollback').catch(() => {});
			if (isPgError(error)) throw fromPgError(error, authenticated);
			throw error;
		} finally {
			client.release();
		}
	}

	async function serve(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		url: URL,
	): Promise<void> {
		const method = req.method ?? 'GET';
		if (!['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'].includes(method))
			throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
		const identity = await authenticate(req, config.jwtSecret);
		// PostgreSQL text cannot hold NUL, and names are sent as NUL-terminated SQL: refuse it outright.
		if (url.pathname.includes('%00') || url.search.includes('%00'))
			throw new ApiError(
				400,
				'PGRST100',
				'failed to parse query string',
				'NUL characters are not allowed',
			);
		const segments = path.split('/').slice(1);
		const isRoot = path === '/';
		const isRpc = segments.length === 2 && segments[0] === 'rpc';
		if (!isRoot && !(segments.length === 1 && segments[0] !== '') && !isRpc)
			throw new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');
		let name: string;
		try {
			name = decodeURIComponent(segments.at(-1) ?? '');
		} catch {
			throw new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');
		}
		const schema = requestSchema(req, method, config.exposedSchemas);
		const { media, stripNulls } = negotiate(req.headers.accept, isRoot);
		const cache = await schemaCache.current();

		if (isRoot) {
			if (method !== 'GET' && method !== 'HEAD')
				throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
			res.writeHead(200, { 'content-type': 'application/openapi+json; charset=utf-8' });
			res.end(method === 'HEAD' ? undefined : JSON.stringify(openApi(cache, schema, config)));
			return;
		}
		if (method === 'PUT')
			throw notImplemented(
				'PUT (single-row upsert) is not supported by the local stack; use POST with Prefer: resolution=merge-duplicates',
			);
		if (isRpc && method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
			throw new ApiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
		}
		const body = method === 'POST' || method === 'PATCH' ? await requestBody(req) : undefined;
		const shape: RequestShape = {
			method,
			schema,
			cache,
			url,
			preferences: parsePreferences(req.headers.prefer),
			media,
			stripNulls,
			range:
				method === 'GET' || method === 'HEAD' ? requestedRange(req.headers.range) : { offset: 0 },
			maxRows: config.maxRows,
			body,
		};
		let plan: Plan;
		if (isRpc) plan = planRpc(shape, name);
		else if (method === 'GET' || method === 'HEAD') plan = planRead(shape, name);
		else if (method === 'POST') plan = planInsert(shape, name);
		else if (method === 'PATCH') plan = planUpdate(shape, name);
		else plan = planDelete(shape, name);

		const response = await execute(plan, shape, identity, req, path, cache);
		res.writeHead(response.status, response.headers);
		res.end(method === 'HEAD' ? undefined : response.body);
	}

	return {
		async handle(req, res, path, url) {
			try {
				await serve(req, res, path, url);
			} catch (error) {
				if (error instanceof ApiError)
					return sendJson(res, error.status, error.body, error.headers);
				if (error instanceof PayloadTooLargeError)
					return sendJson(res, 413, {
						code: 'PGRST413',
						message: 'Payload Too Large',
						details: error.message,
						hint: null,
					});
				if (error instanceof Error && 'syscall' in error) {
					return sendJson(res, 503, {
						code: 'PGRST000',
						message: 'Database connection error. Retrying the connection.',
						details: error.message,
						hint: null,
					});
				}
				throw error;
			}
		},
		async close() {
			await schemaCache.close();
			await pool.end();
		},
	};
}
