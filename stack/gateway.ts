// The API gateway on one port, standing in for Supabase's Kong: API-key check, CORS, and routing
// to Auth, PostgREST, Realtime and Edge Functions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StackConfig } from './config.ts';
import { sendJson, type Service } from './http.ts';

export interface GatewayServices {
	auth: Service;
	rest: Service;
	functions: Service;
	realtime: Service & {
		upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
	};
}

const CORS_HEADERS = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
	'access-control-allow-headers':
		'authorization, x-client-info, apikey, content-type, prefer, range, range-unit, accept-profile, content-profile, x-supabase-api-version, x-region',
	'access-control-expose-headers':
		'content-range, content-location, content-profile, preference-applied, x-supabase-api-version, x-total-count, link',
	'access-control-max-age': '86400',
};

/** Kong's key-auth: `/auth/v1` and `/rest/v1` require the anon or the service-role key. */
function checkApiKey(req: IncomingMessage, url: URL, config: StackConfig): string | undefined {
	const key =
		(req.headers.apikey as string | undefined) ?? url.searchParams.get('apikey') ?? undefined;
	if (!key) return 'No API key found in request';
	if (key !== config.anonKey && key !== config.serviceRoleKey) return 'Invalid API key';
	return undefined;
}

/** Open GoTrue endpoints Kong lets through without a key (health checks, email links). */
const OPEN_AUTH_PATHS = new Set(['/health', '/verify', '/callback', '/authorize']);

export function startGateway(
	config: StackConfig,
	services: GatewayServices,
	log: (line: string) => void,
) {
	const routes: [prefix: string, service: Service, keyRequired: (path: string) => boolean][] = [
		['/auth/v1', services.auth, (path) => !OPEN_AUTH_PATHS.has(path)],
		['/rest/v1', services.rest, () => true],
		['/functions/v1', services.functions, () => false],
		['/realtime/v1', services.realtime, () => true],
	];

	async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
		const url = new URL(req.url ?? '/', config.apiUrl);
		// Edge Functions answer their own preflight, as on Supabase; Kong answers the rest.
		if (req.method === 'OPTIONS' && !url.pathname.startsWith('/functions/v1/')) {
			res.writeHead(204).end();
			return;
		}
		for (const [prefix, service, keyRequired] of routes) {
			if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) continue;
			const path = url.pathname.slice(prefix.length) || '/';
			if (keyRequired(path)) {
				const problem = checkApiKey(req, url, config);
				if (problem) return sendJson(res, 401, { message: problem });
			}
			return service.handle(req, res, path, url);
		}
		sendJson(res, 404, { message: 'no Route matched with those values' });
	}

	const server = createServer((req, res) => {
		route(req, res).catch((error: unknown) => {
			log(`gateway: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
			if (!res.headersSent) sendJson(res, 500, { message: 'An unexpected error occurred' });
			else res.end();
		});
	});

	server.on('upgrade', (req, socket, head) => {
		const url = new URL(req.url ?? '/', config.apiUrl);
		if (url.pathname !== '/realtime/v1/websocket') return socket.destroy();
		const problem = checkApiKey(req, url, config);
		if (problem) {
			socket.end(
				`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ message: problem })}`,
			);
			return;
		}
		services.realtime.upgrade(req, socket, head, url);
	});

	const listening = new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.apiPort, '127.0.0.1', () => resolve());
	});

	return {
		listening,
		async close(): Promise<void> {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
