// Edge Functions at /functions/v1/<name>: the functions gateway (verify_jwt, errors and limits
// as the hosted platform answers them) in front of one Deno process per function.
import { existsSync } from 'node:fs';
import {
	Agent,
	request as httpRequest,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ServiceContext } from '../index.ts';
import { readFunctionSecrets, type StackConfig } from '../config.ts';
import { bearerToken, sendJson, type Service } from '../http.ts';
import { verifyJwt } from '../jwt.ts';
import { BootError, FunctionWorkers, type Worker } from './workers.ts';

/** Names `supabase functions new` accepts; `_shared` and other `_` folders are not functions. */
const FUNCTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** The methods the hosted runtime serves; others get 405. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const HOP_BY_HOP = new Set([
	'connection',
	'keep-alive',
	'proxy-connection',
	'te',
	'trailer',
	'upgrade',
]);
/** The hosted request idle timeout and free-plan wall-clock limit. */
const DEFAULT_WALL_CLOCK_LIMIT_SEC = 150;

/** The wall-clock limit per request; FUNCTIONS_WALL_CLOCK_LIMIT_SEC lowers it (tests). */
function wallClockLimitMs(): number {
	const value = process.env.FUNCTIONS_WALL_CLOCK_LIMIT_SEC;
	if (value === undefined || value === '') return DEFAULT_WALL_CLOCK_LIMIT_SEC * 1000;
	const seconds = Number(value);
	if (!(seconds > 0))
		throw new Error(
			`FUNCTIONS_WALL_CLOCK_LIMIT_SEC must be a positive number of seconds, got "${value}"`,
		);
	return seconds * 1000;
}

/** What Supabase puts in every function's environment, plus the project's own secrets. */
function functionEnvironment(
	config: StackConfig,
	log: (line: string) => void,
): Record<string, string> {
	const secrets = readFunctionSecrets(config);
	for (const name of Object.keys(secrets)) {
		if (name.startsWith('SUPABASE_')) {
			// `supabase secrets set` refuses these names too.
			log(
				`functions: ignoring ${name} from ${config.functionsEnvFile}: names starting with SUPABASE_ are reserved`,
			);
			delete secrets[name];
		}
	}
	return {
		// What a deployment sets with `supabase secrets set` (supabase/functions/.env.example).
		OVERLAY_JWT_SECRET: config.jwtSecret,
		...config.functionSecretDefaults,
		...secrets,
		SUPABASE_URL: config.apiUrl,
		SUPABASE_ANON_KEY: config.anonKey,
		SUPABASE_SERVICE_ROLE_KEY: config.serviceRoleKey,
		SUPABASE_DB_URL: config.dbUrl,
	};
}

/** Bodies and codes of the hosted platform's own answers (supabase.com/docs/guides/functions/status-codes). */
const platformError = {
	notFound: (res: ServerResponse) =>
		sendJson(res, 404, { code: 'NOT_FOUND', message: 'Requested function was not found' }),
	methodNotAllowed: (res: ServerResponse) =>
		sendJson(res, 405, { code: 405, message: 'Method not allowed' }),
	unauthorized: (res: ServerResponse, message: string) =>
		sendJson(res, 401, { code: 401, message }),
	bootError: (res: ServerResponse) =>
		sendJson(
			res,
			503,
			{ code: 'BOOT_ERROR', message: 'Worker failed to boot (please check logs)' },
			{ 'sb-error-code': 'BOOT_ERROR' },
		),
	workerError: (res: ServerResponse) =>
		sendJson(
			res,
			500,
			{ code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' },
			{ 'sb-error-code': 'EDGE_FUNCTION_ERROR' },
		),
	timeout: (res: ServerResponse) =>
		sendJson(
			res,
			504,
			{ code: 'IDLE_TIMEOUT', message: 'Function did not respond before the request timeout' },
			{ 'sb-error-code': 'IDLE_TIMEOUT' },
		),
};

export function createFunctionsService(context: ServiceContext): Service {
	const { config, log } = context;
	const limitMs = wallClockLimitMs();
	const agent = new Agent({ keepAlive: true });
	const workers = new FunctionWorkers({
		functionsDir: config.functionsDir,
		denoDir: join(config.dataDir, 'deno'),
		environment: () => functionEnvironment(config, log),
		log,
	});

	/** verify_jwt: any JWT signed with the project's secret passes, whatever its role. */
	async function authorizationProblem(req: IncomingMessage): Promise<string | undefined> {
		if (!req.headers.authorization) return 'Missing authorization header';
		const token = bearerToken(req);
		if (!token) return 'Invalid JWT';
		try {
			await verifyJwt(token, config.jwtSecret);
			return undefined;
		} catch {
			return 'Invalid JWT';
		}
	}

	/** Forwards the request to the worker and its response back, both streamed. */
	async function forward(
		worker: Worker,
		req: IncomingMessage,
		res: ServerResponse,
		upstreamPath: string,
	): Promise<void> {
		const headers: IncomingHttpHeaders = {};
		for (const [name, value] of Object.entries(req.headers))
			if (!HOP_BY_HOP.has(name)) headers[name] = value;
		headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
		headers['x-forwarded-proto'] = 'http';
		headers['x-forwarded-host'] = req.headers.host ?? new URL(config.apiUrl).host;

		const upstream = httpRequest({
			agent,
			host: '127.0.0.1',
			port: worker.port,
			method: req.method,
			path: upstreamPath,
			headers,
		});
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			log(
				`functions/${worker.name}: ${req.method} ${upstreamPath} exceeded the ${limitMs / 1000} s wall-clock limit; cancelled`,
			);
			if (!res.headersSent) platformError.timeout(res);
			else res.destroy();
			upstream.destroy();
		}, limitMs);
		// The caller went away before the response finished: stop the function's work on it too.
		res.once('close', () => {
			clearTimeout(timer);
			if (!res.writableFinished) upstream.destroy();
		});

		try {
			const response = await new Promise<IncomingMessage>((resolve, reject) => {
				upstream.once('response', resolve);
				upstream.once('error', reject);
				pipeline(req, upstream).catch(reject);
			});
			const responseHeaders: Record<string, string | string[]> = {};
			for (const [name, value] of Object.entries(response.headers)) {
				if (value !== undefined && !HOP_BY_HOP.has(name)) responseHeaders[name] = value;
			}
			// The hosted runtime serves no HTML: GET responses of text/html become text/plain.
			const contentType = String(responseHeaders['content-type'] ?? '');
			if (req.method === 'GET' && /^text\/html\b/i.test(contentType)) {
				responseHeaders['content-type'] = contentType.replace(/^text\/html/i, 'text/plain');
			}
			const status = response.statusCode ?? 502;
			if (status >= 500 && !responseHeaders['sb-error-code'])
				responseHeaders['sb-error-code'] = 'EDGE_FUNCTION_ERROR';
			// Answered before the request body was read (a 413, say): the rest of that body is still
			// on the connection, so it cannot carry another request.
			if (!req.complete) responseHeaders['connection'] = 'close';
			res.writeHead(status, responseHeaders);
			await pipeline(response, res);
		} catch (error) {
			if (timedOut || res.destroyed) return;
			log(
				`functions/${worker.name}: ${req.method} ${upstreamPath} failed: ${(error as Error).message}`,
			);
			if (!res.headersSent) platformError.workerError(res);
			else res.destroy();
		} finally {
			clearTimeout(timer);
		}
	}

	return {
		async handle(req, res, path, url) {
			// Supabase adds no CORS headers to function responses: each function sends its own,
			// so a function that forgets them fails in the browser here as it would there.
			for (const header of res.getHeaderNames())
				if (header.startsWith('access-control-')) res.removeHeader(header);
			const [, name = '', rest = ''] = /^\/([^/]*)(.*)$/.exec(path) ?? [];
			if (!FUNCTION_NAME.test(name) || !existsSync(join(config.functionsDir, name, 'index.ts')))
				return platformError.notFound(res);
			if (!METHODS.has(req.method ?? '')) return platformError.methodNotAllowed(res);
			// A CORS preflight carries no Authorization header; the function answers it.
			if (req.method !== 'OPTIONS' && (config.functions[name]?.verifyJwt ?? true)) {
				const problem = await authorizationProblem(req);
				if (problem) return platformError.unauthorized(res, problem);
			}
			let worker: Worker;
			try {
				worker = await workers.get(name);
			} catch (error) {
				if (!(error instanceof BootError)) throw error;
				log(error.message);
				return platformError.bootError(res);
			}
			// The function sees its own path without /functions/v1, as behind Supabase's gateway.
			await worker.track(forward(worker, req, res, `/${name}${rest}${url.search}`));
		},
		async close() {
			await workers.close();
			agent.destroy();
		},
	};
}
