// A small, faithful stand-in for the parts of Stripe the product uses: the API subset of the
// official `stripe` client (account, customers, invoice items, invoices, checkout sessions,
// webhook endpoints, events), the buyer's hosted invoice and Checkout pages, and signed webhook
// deliveries — plus a control API to script buyers and inject faults. Point the `stripe` client at
// `url` with its host, port and protocol options (STRIPE_API_URL for the Edge Functions).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendJson } from '../http.ts';
import { handleApiRequest, type RequestLogEntry } from './api.ts';
import { ConnectPlatforms } from './connect.ts';
import { createControl, handleControlRequest, type StripeControl } from './control.ts';
import { FaultInjector } from './faults.ts';
import { IdempotencyStore } from './idempotency.ts';
import { handlePage } from './pages.ts';
import { WebhookDispatcher } from './webhooks.ts';
import { World } from './world.ts';

export type { ControlInput, ControlOperation, StripeControl } from './control.ts';
export { controlSchemas } from './control.ts';
export { formatAmount } from './pages.ts';
export { signPayload } from './webhooks.ts';

export interface StripeSimulatorOptions {
	/** 0 or absent: a free port. */
	port?: number;
	/** Interface to listen on; 127.0.0.1 unless given (the control API has no authentication). */
	host?: string;
	/**
	 * The demo account's restricted key (every permission the product needs), fixed so a key saved
	 * by an earlier run still works; random unless given.
	 */
	demoRestrictedKey?: string;
	/** The Connect platform's client id (ca_…), fixed like demoRestrictedKey; random unless given. */
	platformClientId?: string;
	/** Where the platform's Connect webhook endpoint delivers (its secret: platform.connectWebhookSecret). */
	connectWebhookUrl?: string;
	log?: (line: string) => void;
}

export interface StripeSimulator extends StripeControl {
	/** Base URL, e.g. http://127.0.0.1:54331: the API is under /v1. */
	url: string;
	/** The account that exists from the start: "Demo Boutique", with a secret and a restricted key. */
	demo: { accountId: string; secretKey: string; restrictedKey: string };
	/**
	 * The Stripe Connect platform ("Local Platform"): its client id and secret key, for
	 * STRIPE_CLIENT_ID and STRIPE_SECRET_KEY. Its OAuth pages are under /oauth (STRIPE_CONNECT_URL
	 * is the simulator's url).
	 */
	platform: {
		accountId: string;
		secretKey: string;
		clientId: string;
		/** The signing secret of the Connect endpoint made for connectWebhookUrl (null without). */
		connectWebhookSecret: string | null;
	};
	stop(): Promise<void>;
}

/** What the product needs of a restricted key: write on customers, invoices and checkout sessions, and webhook endpoints. */
export const productPermissions = {
	customers: 'write',
	invoices: 'write',
	checkout_sessions: 'write',
	webhook_endpoints: 'write',
} as const;

export async function startStripeSimulator(
	options: StripeSimulatorOptions = {},
): Promise<StripeSimulator> {
	const log = options.log ?? (() => {});
	const server = createServer();
	const sockets = new Set<Socket>();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const address = server.address() as AddressInfo;
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	const url = `http://${host}:${address.port}`;

	const webhooks = new WebhookDispatcher(log);
	const world: World = new World(url, (account, event) => {
		const platform = world.connectedTo.get(account.id);
		webhooks.enqueue(account, event, platform ? world.accounts.get(platform) : undefined);
	});
	const requests: RequestLogEntry[] = [];
	const faults = new FaultInjector();
	const api = { world, idempotency: new IdempotencyStore(), faults, requests };
	const control = createControl({ world, webhooks, faults, requests });

	const { account: demoAccount, secretKey } = world.createAccount({
		name: 'Demo Boutique',
		country: 'US',
		defaultCurrency: 'usd',
	});
	const restrictedKey = world.createKey(demoAccount.id, productPermissions);
	if (options.demoRestrictedKey) {
		if (!/^rk_test_[A-Za-z0-9]{16,}$/.test(options.demoRestrictedKey))
			throw new Error('demoRestrictedKey must look like rk_test_<at least 16 letters or digits>');
		const key = world.keys.get(restrictedKey)!;
		world.keys.delete(restrictedKey);
		world.keys.set(options.demoRestrictedKey, { ...key, secret: options.demoRestrictedKey });
	}

	const connect = new ConnectPlatforms(world);
	const platform = world.createAccount({
		name: 'Local Platform',
		country: 'US',
		defaultCurrency: 'usd',
	});
	const platformClientId = connect.register(platform.account.id, options.platformClientId);
	const connectEndpoint = options.connectWebhookUrl
		? world.createWebhookEndpoint(platform.account, {
				url: options.connectWebhookUrl,
				enabledEvents: ['*'],
				connect: true,
			})
		: null;

	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		handle(req, res).catch((error: unknown) => {
			log(
				`stripe-simulator: ${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
			);
			if (!res.headersSent)
				sendJson(res, 500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
			else res.destroy();
		});
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const requestUrl = new URL(req.url ?? '/', url);
		const path = requestUrl.pathname;
		if (path === '/_control' || path.startsWith('/_control/'))
			return handleControlRequest(control, req, res, path.slice('/_control/'.length), requestUrl);
		if (path.startsWith('/v1/')) return handleApiRequest(api, req, res, requestUrl);
		if (await connect.handle(req, res, requestUrl)) return;
		// Browsers ask every origin for one; an empty answer keeps their consoles quiet.
		if (path === '/favicon.ico') return void res.writeHead(204).end();
		if (await handlePage(world, req, res, requestUrl)) return;
		sendJson(res, 404, {
			error: {
				type: 'invalid_request_error',
				message: `Unrecognized request URL (${req.method}: ${path}).`,
			},
		});
	}

	log(`stripe-simulator: API at ${url}/v1, control at ${url}/_control`);
	let stopped: Promise<void> | undefined;
	return {
		...control,
		url,
		demo: {
			accountId: demoAccount.id,
			secretKey,
			restrictedKey: options.demoRestrictedKey ?? restrictedKey,
		},
		platform: {
			accountId: platform.account.id,
			secretKey: platform.secretKey,
			clientId: platformClientId,
			connectWebhookSecret: connectEndpoint?.secret ?? null,
		},
		stop() {
			stopped ??= (async () => {
				await webhooks.close();
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				for (const socket of sockets) socket.destroy();
				await closed;
			})();
			return stopped;
		},
	};
}
