// A small, faithful stand-in for the parts of Meta the product uses: the Graph API (OAuth token
// endpoints, Pages, Facebook live videos and comments, Instagram live media, replies and messages),
// the OAuth dialog and webhooks (Instagram `live_comments`, Messenger and Instagram `messages`) —
// plus a control API to script viewers and inject faults.
// Point META_GRAPH_URL at `graphUrl` and META_DIALOG_URL at `dialogUrl`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendJson } from '../http.ts';
import {
	accountInfo,
	commentInfo,
	createControl,
	handleControlRequest,
	type AccountInfo,
	type CommentInfo,
	type MetaControl,
	type PostCommentInput,
	type SimulatorCore,
} from './control.ts';
import { handleDialog } from './dialog.ts';
import { handleGraphRequest } from './graph.ts';
import { handleCdnRequest, MediaLibrary } from './media.ts';
import { RateLimiter } from './limits.ts';
import { Messaging, messagingWebhookEvent } from './messaging.ts';
import { RequestLog } from './request-log.ts';
import { Crowds } from './viewers.ts';
import { WebhookDispatcher, type WebhookChange } from './webhooks.ts';
import { ConflictError, NotFoundError, World } from './world.ts';

export type { MediaInfo } from './media.ts';
export type {
	AccountInfo,
	CommentInfo,
	ControlInput,
	ControlOperation,
	FacebookLiveInfo,
	InstagramLiveInfo,
	MetaControl,
	TokenInfo,
} from './control.ts';
export { controlSchemas } from './control.ts';
export { knownScopes } from './scopes.ts';

export interface MetaSimulatorOptions {
	/** 0 or absent: a free port. */
	port?: number;
	/** Interface to listen on; 127.0.0.1 unless given (the control API has no authentication). */
	host?: string;
	appId: string;
	appSecret: string;
	/** Shown on the OAuth dialog. */
	appName?: string;
	graphVersion?: string;
	log?: (line: string) => void;
}

export interface MetaSimulator extends MetaControl {
	/** Base URL, e.g. http://127.0.0.1:54329 */
	url: string;
	/** `<url>/<version>`: the value for META_GRAPH_URL. */
	graphUrl: string;
	/** `<url>/<version>/dialog/oauth`: the value for META_DIALOG_URL. */
	dialogUrl: string;
	graphVersion: string;
	appId: string;
	/** The account that exists from the start: user "Demo Seller", Page "Demo Boutique", Instagram "@demo.boutique". */
	demo: AccountInfo;
	stop(): Promise<void>;
}

export const defaultGraphVersion = 'v24.0';

export async function startMetaSimulator(options: MetaSimulatorOptions): Promise<MetaSimulator> {
	if (!/^[0-9]{1,32}$/.test(options.appId))
		throw new Error(`appId must be numeric like Meta's app ids, got '${options.appId}'`);
	if (options.appSecret.length === 0) throw new Error('appSecret must not be empty');
	const graphVersion = options.graphVersion ?? defaultGraphVersion;
	if (!/^v[0-9]+\.[0-9]+$/.test(graphVersion))
		throw new Error(`graphVersion must look like v24.0, got '${graphVersion}'`);
	const log = options.log ?? (() => {});
	const app = {
		id: options.appId,
		secret: options.appSecret,
		name: options.appName ?? 'Live Sale Listener',
	};

	const world = new World();
	const demoUser = world.createUser('Demo Seller');
	const demoPage = world.createPage({
		name: 'Demo Boutique',
		category: 'Clothing (Brand)',
		managerId: demoUser.id,
		instagramUsername: 'demo.boutique',
	});

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
	const graphUrl = `${url}/${graphVersion}`;
	const dialogUrl = `${graphUrl}/dialog/oauth`;

	const webhooks = new WebhookDispatcher(app.secret, log);
	const pageWebhooks = new WebhookDispatcher(app.secret, log, 'page');
	const core: SimulatorCore = {
		world,
		webhooks,
		pageWebhooks,
		limits: new RateLimiter(),
		crowds: new Crowds(world, (input) => core.postComment(input), log),
		requestLog: new RequestLog(),
		media: new MediaLibrary(world, `${url}/cdn`),
		messaging: new Messaging((message) => {
			const delivery = messagingWebhookEvent(world, app.id, message);
			if (!delivery) return;
			const dispatcher = delivery.object === 'page' ? pageWebhooks : webhooks;
			dispatcher.enqueueMessaging(delivery.entryId, delivery.event);
		}),
		graphUrl,
		dialog: { userId: demoUser.id, allowedRedirectUris: null },
		postComment: (input: PostCommentInput): CommentInfo => postComment(world, webhooks, input),
	};
	const control = createControl(core);
	const context = { core, app, graphVersion, graphUrl, log };

	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		handle(req, res).catch((error: unknown) => {
			log(
				`meta-simulator: ${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
			);
			if (!res.headersSent)
				sendJson(res, 500, {
					error: {
						message: 'An unknown error has occurred.',
						type: 'OAuthException',
						code: 1,
						is_transient: true,
					},
				});
			else res.destroy();
		});
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const requestUrl = new URL(req.url ?? '/', url);
		const path = requestUrl.pathname;
		if (path === '/_control' || path.startsWith('/_control/'))
			return handleControlRequest(control, req, res, path.slice('/_control/'.length), requestUrl);
		if (path.startsWith('/cdn/')) return handleCdnRequest(res, path);
		const dialogMatch = /^(?:\/v[0-9]+\.[0-9]+)?\/dialog\/oauth(\/confirm)?$/.exec(path);
		if (dialogMatch) return handleDialog(context, req, res, requestUrl, Boolean(dialogMatch[1]));
		return handleGraphRequest(context, req, res, requestUrl);
	}

	log(
		`meta-simulator: Graph API at ${graphUrl}, OAuth dialog at ${dialogUrl}, control at ${url}/_control`,
	);
	let stopped: Promise<void> | undefined;
	return {
		...control,
		url,
		graphUrl,
		dialogUrl,
		graphVersion,
		appId: app.id,
		demo: accountInfo(world, demoPage),
		stop() {
			stopped ??= (async () => {
				core.crowds.stop();
				core.messaging.stop();
				await Promise.all([webhooks.close(), pageWebhooks.close()]);
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				for (const socket of sockets) socket.destroy();
				await closed;
			})();
			return stopped;
		},
	};
}

function postComment(
	world: World,
	webhooks: WebhookDispatcher,
	input: PostCommentInput,
): CommentInfo {
	const viewer = world.viewer(input.viewer ?? {});
	const createdTime =
		input.createdTime === undefined
			? new Date(world.now())
			: new Date(
					typeof input.createdTime === 'number' ? input.createdTime * 1000 : input.createdTime,
				);
	const facebookLive = world.facebookLives.get(input.liveId);
	if (facebookLive) {
		return commentInfo(
			world.addFacebookComment({
				live: facebookLive,
				message: input.text,
				viewer,
				hideFrom: input.hideFrom,
				createdTime,
				visibleAt: world.now() + input.delayMs,
			}),
		);
	}
	const instagramLive = world.instagramLives.get(input.liveId);
	if (!instagramLive) throw new NotFoundError(`no live ${input.liveId}`);
	if (instagramLive.endedAt) throw new ConflictError(`live media ${input.liveId} has ended`);
	const comment = world.addInstagramComment({
		live: instagramLive,
		text: input.text,
		viewer,
		createdTime,
	});
	const change: WebhookChange = {
		igUserId: instagramLive.igUserId,
		time: Math.floor(createdTime.getTime() / 1000),
		value: {
			from: { id: viewer.instagramId, username: viewer.username },
			media: { id: instagramLive.id, media_product_type: 'LIVE' },
			id: comment.id,
			text: comment.text,
		},
	};
	// Meta sends an Instagram account's webhooks only once its Page has subscribed the app to any Page field.
	const page = world.page(world.instagramAccount(instagramLive.igUserId).pageId);
	if (page.subscribedFields.length === 0) webhooks.drop(change, page.id);
	else webhooks.enqueue(change);
	return commentInfo(comment);
}
