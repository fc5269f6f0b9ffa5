// The Graph API: `/{version}/…` (or unversioned) requests — token checks on every call, routing
// to nodes and edges, cursor paging, and the headers Meta sends (usage, version, trace id).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, readBody } from '../http.ts';
import type { SimulatorCore } from './control.ts';
import { GraphError, graphErrors, traceId } from './errors.ts';
import { parseFields, project, type FieldSelection, type NodeType } from './fields.ts';
import {
	accountNode,
	commentNode,
	hasScope,
	isPage,
	liveMediaNode,
	liveVideoNode,
	managesPage,
	pageNode,
	userNode,
	instagramUserNode,
	type Caller,
	type NodeContext,
} from './nodes.ts';
import { checkMediaPermission, feedMediaNode } from './media.ts';
import { messagingRequest } from './messaging.ts';
import { debugToken, exchangeToken, secretsEqual, tokenError, type App } from './oauth.ts';
import { compareComments, type FacebookComment, type SimPage } from './world.ts';

export interface GraphContext {
	core: SimulatorCore;
	app: App;
	graphVersion: string;
	graphUrl: string;
	log: (line: string) => void;
}

interface GraphRequest {
	method: string;
	/** Path without the version, e.g. `/me/accounts`. */
	path: string;
	params: URLSearchParams;
	context: NodeContext;
	graph: GraphContext;
}

const liveVideoStatuses = [
	'UNPUBLISHED',
	'LIVE',
	'LIVE_STOPPED',
	'PROCESSING',
	'VOD',
	'SCHEDULED_UNPUBLISHED',
	'SCHEDULED_LIVE',
	'SCHEDULED_EXPIRED',
	'SCHEDULED_CANCELED',
];

export async function handleGraphRequest(
	graph: GraphContext,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const started = performance.now();
	const method = (req.method ?? 'GET').toUpperCase();
	const path = url.pathname.replace(/^\/v[0-9]+\.[0-9]+(?=\/|$)/, '') || '/';
	const call = {};
	let pageId: string | null = null;
	let status = 200;
	let body: unknown;
	let params = url.searchParams;
	try {
		params = await requestParams(req, url);
		const token = presentedToken(req, params);
		const stored = token === undefined ? undefined : graph.core.world.tokens.get(token);
		pageId = stored?.kind === 'page' ? stored.pageId : null;
		await graph.core.limits.admit(call, { path, pageId });
		body = await route(
			{
				method,
				path,
				params,
				graph,
				context: { world: graph.core.world, caller: { kind: 'app' } },
			},
			token,
		);
	} catch (error) {
		if (!(error instanceof GraphError)) throw error;
		status = error.status;
		body = error.body();
	}
	const headers: Record<string, string> = {
		'content-type': 'application/json; charset=UTF-8',
		'facebook-api-version': graph.graphVersion,
		'x-fb-trace-id': traceId(),
		'x-fb-rev': '1029384756',
		'cache-control': 'private, no-cache, no-store, must-revalidate',
		// Meta's clock, which advanceClock moves ahead.
		date: new Date(graph.core.world.now()).toUTCString(),
		...graph.core.limits.headers(call, pageId),
	};
	if (status !== 200 && (body as { error: { code: number; message: string } }).error.code === 190) {
		headers['www-authenticate'] =
			`OAuth "Facebook Platform" "invalid_token" "${(body as { error: { message: string } }).error.message.replace(/"/g, "'")}"`;
	}
	res.writeHead(status, headers);
	res.end(JSON.stringify(body));
	graph.core.requestLog.add({
		at: new Date(Date.now() - (performance.now() - started)).toISOString(),
		method,
		path,
		query: Object.fromEntries(params),
		status,
		durationMs: Math.round(performance.now() - started),
	});
}

/** Query parameters, joined by form or JSON body parameters on POST and DELETE, as Graph accepts them. */
async function requestParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
	const params = new URLSearchParams(url.searchParams);
	if (req.method === 'GET' || req.method === 'HEAD') return params;
	let text: string;
	try {
		text = (await readBody(req, 1024 * 1024)).toString('utf8');
	} catch (error) {
		if (error instanceof PayloadTooLargeError)
			throw graphErrors.invalidParameter('Request body too large');
		throw error;
	}
	if (text.trim() === '') return params;
	if ((req.headers['content-type'] ?? '').includes('application/json')) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			throw graphErrors.invalidParameter('The request body is not valid JSON');
		}
		if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
			throw graphErrors.invalidParameter('The request body must be a JSON object');
		for (const [name, value] of Object.entries(parsed))
			params.set(name, typeof value === 'string' ? value : JSON.stringify(value));
		return params;
	}
	for (const [name, value] of new URLSearchParams(text)) params.set(name, value);
	return params;
}

/** `access_token` parameter, else `Authorization: Bearer|OAuth <token>`. */
function presentedToken(req: IncomingMessage, params: URLSearchParams): string | undefined {
	const fromParams = params.get('access_token');
	if (fromParams !== null && fromParams !== '') return fromParams;
	return /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

function authenticate(graph: GraphContext, token: string | undefined, path: string): Caller {
	if (token === undefined)
		throw path === '/me' || path.startsWith('/me/')
			? graphErrors.activeTokenForMe()
			: graphErrors.accessTokenRequired();
	const separator = token.indexOf('|');
	if (separator > 0) {
		const valid =
			token.slice(0, separator) === graph.app.id &&
			secretsEqual(token.slice(separator + 1), graph.app.secret);
		if (!valid)
			throw new GraphError(400, {
				message: 'Invalid OAuth access token signature.',
				type: 'OAuthException',
				code: 190,
			});
		return { kind: 'app' };
	}
	const stored = graph.core.world.tokens.get(token);
	if (!stored) throw graphErrors.cannotParseToken();
	const problem = tokenError(stored, graph.app);
	if (problem) throw problem;
	return stored.kind === 'page' ? { kind: 'page', token: stored } : { kind: 'user', token: stored };
}

async function route(request: GraphRequest, token: string | undefined): Promise<unknown> {
	const { path, graph } = request;
	const segments = path.split('/').filter(Boolean);
	if (path === '/oauth/access_token')
		return exchangeToken(graph.core.world, graph.app, request.params);
	if (segments.length === 0) throw graphErrors.unsupportedRequest(request.method, '');
	if (segments.length > 2) throw graphErrors.unknownPath(`/${segments.slice(2).join('/')}`);
	const caller = authenticate(graph, token, path);
	request.context = { world: graph.core.world, caller };
	if (path === '/debug_token') {
		if (request.method !== 'GET')
			throw graphErrors.unsupportedRequest(request.method, 'debug_token');
		return debugToken(graph.core.world, graph.app, caller, request.params);
	}
	const [id, edge] = segments;
	const messaging = messagingRequest(
		graph.core.messaging,
		request.context,
		request.method,
		request.params,
		id,
		edge,
	);
	if (messaging !== undefined) return messaging;
	return edge === undefined ? readNode(request, id) : readEdge(request, id, edge);
}

function fieldsOf(params: URLSearchParams): FieldSelection | null {
	const fields = params.get('fields');
	return fields === null || fields.trim() === '' ? null : parseFields(fields);
}

/** The node `/me` or `/{id}` names, with the node type that renders it. */
function resolveNode(request: GraphRequest, id: string) {
	const { world, caller } = request.context;
	const unsupported = () => graphErrors.unsupportedRequest(request.method, id);
	if (id === 'me') {
		if (caller.kind === 'app') throw graphErrors.activeTokenForMe();
		if (caller.kind === 'page')
			return { kind: 'page' as const, page: world.page(caller.token.pageId ?? '') };
		return { kind: 'user' as const, user: world.user(caller.token.userId) };
	}
	if (caller.kind === 'user' && caller.token.userId === id)
		return { kind: 'user' as const, user: world.user(id) };
	const page = world.pages.get(id);
	if (page) {
		if (!managesPage(caller, page) && !isPage(caller, page.id)) throw unsupported();
		return { kind: 'page' as const, page };
	}
	const live = world.facebookLives.get(id);
	if (live) {
		const owner = world.page(live.pageId);
		if (!managesPage(caller, owner) && !isPage(caller, owner.id)) throw unsupported();
		return { kind: 'liveVideo' as const, live, page: owner };
	}
	const account = world.instagram.get(id);
	if (account) {
		if (!seesInstagram(caller, world.page(account.pageId))) throw unsupported();
		return { kind: 'instagramUser' as const, account };
	}
	const media = world.instagramLives.get(id);
	// Live media exist only while broadcasting.
	if (media && media.endedAt === null) {
		if (!seesInstagram(caller, world.page(world.instagramAccount(media.igUserId).pageId)))
			throw unsupported();
		return { kind: 'liveMedia' as const, media };
	}
	const post = request.graph.core.media.media(id);
	if (post) {
		if (!seesInstagram(caller, world.page(world.instagramAccount(post.igUserId).pageId)))
			throw unsupported();
		return { kind: 'feedMedia' as const, post };
	}
	throw unsupported();
}

function seesInstagram(caller: Caller, page: SimPage): boolean {
	return (
		(managesPage(caller, page) || isPage(caller, page.id)) && hasScope(caller, 'instagram_basic')
	);
}

function readNode(request: GraphRequest, id: string): unknown {
	if (request.method !== 'GET') throw graphErrors.unsupportedRequest(request.method, id);
	const node = resolveNode(request, id);
	const selection = fieldsOf(request.params);
	const { context } = request;
	switch (node.kind) {
		case 'user':
			return project(userNode, node.user, context, selection);
		case 'page':
			return project(pageNode, node.page, context, selection);
		case 'liveVideo':
			return project(liveVideoNode, node.live, context, selection);
		case 'instagramUser':
			return project(instagramUserNode, node.account, context, selection);
		case 'liveMedia':
			return project(liveMediaNode, node.media, context, selection);
		case 'feedMedia':
			return project(feedMediaNode, node.post, context, selection);
	}
}

function readEdge(request: GraphRequest, id: string, edge: string): unknown {
	const node = resolveNode(request, id);
	const { world, caller } = request.context;
	const { method } = request;
	const wrongMethod = () => graphErrors.unsupportedRequest(method, id);
	const nodeTypeName = {
		user: 'User',
		page: 'Page',
		liveVideo: 'LiveVideo',
		instagramUser: 'IGUser',
		liveMedia: 'IGMedia',
		feedMedia: 'IGMedia',
	}[node.kind];

	if (node.kind === 'user' && edge === 'accounts') {
		if (method !== 'GET') throw wrongMethod();
		const pages = hasScope(caller, 'pages_show_list') ? world.managedPages(node.user.id) : [];
		return list(request, accountNode, pages, (page) => page.id);
	}
	if (node.kind === 'user' && edge === 'permissions') {
		if (method === 'DELETE') {
			world.revokeApp(node.user.id);
			return { success: true };
		}
		if (method !== 'GET') throw wrongMethod();
		if (caller.kind !== 'user') throw wrongMethod();
		return { data: caller.token.scopes.map((permission) => ({ permission, status: 'granted' })) };
	}
	if (node.kind === 'page' && edge === 'live_videos') {
		if (method !== 'GET') throw wrongMethod();
		if (!isPage(caller, node.page.id)) throw graphErrors.pageTokenRequired();
		if (!hasScope(caller, 'pages_read_engagement'))
			throw graphErrors.missingPermission('pages_read_engagement');
		const statuses = broadcastStatuses(request.params.get('broadcast_status'));
		const lives = [...world.facebookLives.values()]
			.filter(
				(live) =>
					live.pageId === node.page.id && (statuses === null || statuses.includes(live.status)),
			)
			.sort((a, b) => b.creationTime.getTime() - a.creationTime.getTime());
		return list(request, liveVideoNode, lives, (live) => live.id);
	}
	if (node.kind === 'page' && edge === 'subscribed_apps') return subscribedApps(request, node.page);
	if (node.kind === 'liveVideo' && edge === 'comments') {
		if (method !== 'GET') throw wrongMethod();
		if (!isPage(caller, node.page.id)) throw graphErrors.pageTokenRequired();
		if (!hasScope(caller, 'pages_read_engagement'))
			throw graphErrors.missingPermission('pages_read_engagement');
		return comments(request, node.live.comments);
	}
	if (node.kind === 'instagramUser' && edge === 'live_media') {
		if (method !== 'GET') throw wrongMethod();
		const lives = [...world.instagramLives.values()]
			.filter((live) => live.igUserId === node.account.id && live.endedAt === null)
			.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
		return list(request, liveMediaNode, lives, (live) => live.id);
	}
	if (node.kind === 'instagramUser' && edge === 'media') {
		if (method !== 'GET') throw wrongMethod();
		checkMediaPermission(caller);
		return list(
			request,
			feedMediaNode,
			request.graph.core.media.feed(node.account.id),
			(post) => post.id,
		);
	}
	// Edges are fields of their node: an unknown one is a nonexisting field.
	throw graphErrors.nonexistingField(edge, nodeTypeName);
}

function broadcastStatuses(raw: string | null): string[] | null {
	if (raw === null || raw.trim() === '') return null;
	let values: unknown;
	try {
		values = raw.trim().startsWith('[') ? JSON.parse(raw) : raw.split(',');
	} catch {
		throw graphErrors.invalidParameter('Param broadcast_status must be an array.');
	}
	if (!Array.isArray(values))
		throw graphErrors.invalidParameter('Param broadcast_status must be an array.');
	return values.map((value, index) => {
		const status = String(value).trim();
		if (!liveVideoStatuses.includes(status))
			throw graphErrors.invalidParameter(
				`broadcast_status[${index}] must be one of the following values: ${liveVideoStatuses.join(', ')}`,
			);
		return status;
	});
}

/**
 * Page webhook fields an app may subscribe a Page to (a subset of Meta's list). Instagram fields
 * such as `live_comments` are not among them: those are subscribed at app level, and reach an
 * Instagram account only once its Page has subscribed the app to any Page field.
 */
const pageWebhookFields = [
	'feed',
	'mention',
	'name',
	'picture',
	'category',
	'description',
	'conversations',
	'live_videos',
	'videos',
	'ratings',
	'leadgen',
	'messages',
	'message_echoes',
	'messaging_postbacks',
];

function subscribedApps(request: GraphRequest, page: SimPage): unknown {
	const { caller } = request.context;
	const { graph } = request;
	if (!isPage(request.context.caller, page.id)) throw graphErrors.pageTokenRequired();
	if (request.method === 'GET') {
		if (page.subscribedFields.length === 0) return { data: [] };
		return {
			data: [
				{
					category: 'Business',
					link: `https://www.facebook.com/games/?app_id=${graph.app.id}`,
					name: graph.app.name,
					id: graph.app.id,
					subscribed_fields: page.subscribedFields,
				},
			],
		};
	}
	if (request.method === 'DELETE') {
		if (!hasScope(caller, 'pages_manage_metadata'))
			throw graphErrors.permissionDenied(
				'The user must be an administrator, editor, or moderator of the page in order to impersonate it. If the page business requires Two Factor Authentication, the user also needs to enable Two Factor Authentication.',
			);
		page.subscribedFields = [];
		return { success: true };
	}
	if (request.method !== 'POST') throw graphErrors.unsupportedRequest(request.method, page.id);
	const raw = request.params.get('subscribed_fields');
	if (raw === null || raw.trim() === '')
		throw graphErrors.invalidParameter('The parameter subscribed_fields is required');
	const fields = raw
		.split(',')
		.map((field) => field.trim())
		.filter(Boolean);
	fields.forEach((field, index) => {
		if (!pageWebhookFields.includes(field))
			throw graphErrors.invalidParameter(
				`Param subscribed_fields[${index}] must be one of {${pageWebhookFields.join(', ')}} - got "${field}"`,
			);
	});
	if (!hasScope(caller, 'pages_manage_metadata')) {
		throw graphErrors.permissionDenied(
			fields
				.map(
					(field) =>
						`To subscribe to the ${field} field, one of these permissions is needed: pages_manage_metadata`,
				)
				.join('\n'),
		);
	}
	page.subscribedFields = [...new Set([...page.subscribedFields, ...fields])];
	return { success: true };
}

function enumParam(
	params: URLSearchParams,
	name: string,
	allowed: string[],
	fallback: string,
): string {
	const value = params.get(name) ?? fallback;
	if (!allowed.includes(value))
		throw graphErrors.invalidParameter(
			`${name} must be one of the following values: ${allowed.join(', ')}`,
		);
	return value;
}

/** `since`/`until`: unix seconds or a date Meta's strtotime would read. */
function timeParam(params: URLSearchParams, name: string): number | null {
	const value = params.get(name);
	if (value === null || value === '') return null;
	const milliseconds = /^[0-9]+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
	if (Number.isNaN(milliseconds))
		throw graphErrors.invalidParameter(
			`The parameter ${name} must be a unix timestamp or a date string`,
		);
	return milliseconds;
}

function comments(request: GraphRequest, all: FacebookComment[]): unknown {
	const { params } = request;
	const order = enumParam(
		params,
		'order',
		['chronological', 'reverse_chronological'],
		'chronological',
	);
	enumParam(params, 'filter', ['toplevel', 'stream'], 'toplevel');
	enumParam(params, 'live_filter', ['filter_low_quality', 'no_filter'], 'filter_low_quality');
	const since = timeParam(params, 'since');
	const until = timeParam(params, 'until');
	const now = request.context.world.now();
	const visible = all.filter((comment) => {
		const created = comment.createdTime.getTime();
		// Meta compares whole seconds.
		return (
			comment.visibleAt <= now &&
			(since === null || created >= Math.floor(since / 1000) * 1000) &&
			(until === null || created < Math.floor(until / 1000) * 1000 + 1000)
		);
	});
	visible.sort(compareComments);
	if (order === 'reverse_chronological') visible.reverse();
	return list(request, commentNode, visible, (comment) => comment.id);
}

const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64');

function decodeCursor(name: string, cursor: string): string {
	if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(cursor))
		throw graphErrors.invalidParameter(`The ${name} cursor is invalid`);
	return Buffer.from(cursor, 'base64').toString('utf8');
}

/** A cursor-paged list: `{data, paging: {cursors: {before, after}, previous?, next?}}`; `{data: []}` when empty. */
function list<Item>(
	request: GraphRequest,
	type: NodeType<Item, NodeContext>,
	items: Item[],
	keyOf: (item: Item) => string,
): unknown {
	const { params, graph } = request;
	const selection = fieldsOf(params);
	const limitText = params.get('limit');
	let limit = 25;
	if (limitText !== null) {
		if (!/^[0-9]+$/.test(limitText))
			throw graphErrors.invalidParameter('The parameter limit must be a non-negative integer');
		limit = Math.min(Math.max(Number(limitText), 1), 100);
	}
	const indexOf = (name: 'after' | 'before') => {
		const cursor = params.get(name);
		if (cursor === null || cursor === '') return null;
		const key = decodeCursor(name, cursor);
		const index = items.findIndex((item) => keyOf(item) === key);
		if (index < 0) throw graphErrors.invalidParameter(`The ${name} cursor is invalid`);
		return index;
	};
	const after = indexOf('after');
	const before = after === null ? indexOf('before') : null;
	const start = after !== null ? after + 1 : before !== null ? Math.max(0, before - limit) : 0;
	const end = before !== null ? before : Math.min(items.length, start + limit);
	const page = items.slice(start, end);
	if (page.length === 0) return { data: [] };

	const link = (name: 'after' | 'before', cursor: string) => {
		const query = new URLSearchParams(params);
		query.delete('after');
		query.delete('before');
		query.set('limit', String(limit));
		query.set(name, cursor);
		return `${graph.graphUrl}${request.path}?${query}`;
	};
	const cursors = {
		before: encodeCursor(keyOf(page[0])),
		after: encodeCursor(keyOf(page[page.length - 1])),
	};
	return {
		data: page.map((item) => project(type, item, request.context, selection)),
		paging: {
			cursors,
			...(start > 0 ? { previous: link('before', cursors.before) } : {}),
			...(end < items.length ? { next: link('after', cursors.after) } : {}),
		},
	};
}
