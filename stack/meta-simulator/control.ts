// The simulator's control API: one table of operations, each validated by a zod schema, used
// in-process (typed, `simulator.startFacebookLive({...})`) and over HTTP as
// `POST <url>/_control/<operation>` with the input as a JSON body (reads also answer `GET`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { serveControlRequest, type ControlApi } from '../control-api.ts';
import { mediaControl, mediaControlSchemas, type MediaLibrary } from './media.ts';
import { messagingControl, messagingControlSchemas, type Messaging } from './messaging.ts';
import type { RequestLog } from './request-log.ts';
import type { RateLimiter } from './limits.ts';
import type { Crowds } from './viewers.ts';
import type { WebhookDispatcher } from './webhooks.ts';
import {
	ConflictError,
	NotFoundError,
	type FacebookComment,
	type FacebookLive,
	type InstagramComment,
	type InstagramLive,
	type SimPage,
	type AccessToken,
	type World,
	longLivedSeconds,
	shortLivedSeconds,
} from './world.ts';
import { knownScopes } from './scopes.ts';

/** What the control operations act on. */
export interface SimulatorCore {
	world: World;
	/** The `instagram` object's webhooks: live_comments and Instagram messages. */
	webhooks: WebhookDispatcher;
	/** The `page` object's webhooks: Messenger messages and echoes. */
	pageWebhooks: WebhookDispatcher;
	limits: RateLimiter;
	crowds: Crowds;
	requestLog: RequestLog;
	/** Instagram feed posts (media.ts). */
	media: MediaLibrary;
	/** Private and public replies the Pages sent (messaging.ts). */
	messaging: Messaging;
	graphUrl: string;
	/** The person "logged in to Facebook" in the browser that opens the OAuth dialog. */
	dialog: { userId: string; allowedRedirectUris: string[] | null };
	/** Posts a comment on a live, Facebook or Instagram (Instagram ones are delivered by webhook). */
	postComment(input: PostCommentInput): CommentInfo;
}

const graphId = z.string().regex(/^[0-9]{1,32}$/, 'expected a numeric Graph id');
const viewerInput = z.object({
	id: graphId.optional(),
	name: z.string().trim().min(1).max(100).optional(),
});
const scopeList = z.array(z.enum(knownScopes));
const webhookObject = z.enum(['instagram', 'page']).default('instagram');
const faultScope = {
	/** Only for requests whose path (after the version) contains this text, e.g. `/comments`. */
	path: z.string().max(200).optional(),
	/** The next N matching calls; without `calls` or `forMs`, the next one. */
	calls: z.number().int().positive().optional(),
	/** Every matching call for this long. */
	forMs: z
		.number()
		.int()
		.positive()
		.max(24 * 60 * 60 * 1000)
		.optional(),
};
const scriptLine = z.union([
	z.string().min(1).max(8000),
	z.object({
		text: z.string().min(1).max(8000),
		viewer: viewerInput.optional(),
		hideFrom: z.boolean().optional(),
	}),
]);

export const controlSchemas = {
	state: z.object({}),
	createAccount: z.object({
		userName: z.string().trim().min(1).max(100),
		pageName: z.string().trim().min(1).max(100),
		pageCategory: z.string().trim().min(1).max(100).default('Clothing (Brand)'),
		/** null: the Page has no linked Instagram professional account. */
		instagramUsername: z
			.string()
			.regex(/^[a-z0-9._]{1,30}$/, 'Instagram usernames are 1-30 of a-z, 0-9, . and _')
			.nullable()
			.default(null),
	}),
	setDialogUser: z.object({ userId: graphId }),
	/** null: any http(s) redirect_uri is accepted (Meta checks it against the app's Valid OAuth Redirect URIs). */
	setAllowedRedirectUris: z.object({ uris: z.array(z.url()).nullable() }),
	/** A user token without the dialog, as if the user had logged in granting `scopes`. */
	issueUserToken: z.object({
		userId: graphId,
		longLived: z.boolean().default(true),
		scopes: scopeList.optional(),
	}),
	/** The Page token a long-lived token of the Page's first manager yields (never expires). */
	issuePageToken: z.object({ pageId: graphId }),
	invalidateTokens: z
		.object({
			token: z.string().min(1).optional(),
			userId: graphId.optional(),
			reason: z
				.enum(['expired', 'app_removed', 'password_changed', 'logged_out'])
				.default('expired'),
		})
		.refine(
			(input) => (input.token === undefined) !== (input.userId === undefined),
			'give exactly one of token or userId',
		),
	startFacebookLive: z.object({
		pageId: graphId.optional(),
		title: z.string().max(255).default('Friday boutique drop'),
		description: z.string().max(5000).default(''),
		liveViews: z.number().int().min(0).default(214),
	}),
	endFacebookLive: z.object({ liveId: graphId }),
	/** The audience a running live's `live_views` drifts around. */
	setLiveViews: z.object({ liveId: graphId, liveViews: z.number().int().min(0) }),
	startInstagramLive: z.object({
		igUserId: graphId.optional(),
		caption: z.string().max(2200).default(''),
	}),
	endInstagramLive: z.object({ mediaId: graphId }),
	postComment: z.object({
		liveId: graphId,
		text: z.string().min(1).max(8000),
		viewer: viewerInput.optional(),
		/** Facebook: this comment comes without `from`. */
		hideFrom: z.boolean().default(false),
		/** Back-dating: ISO 8601 or unix seconds. */
		createdTime: z
			.union([z.iso.datetime({ offset: true }), z.number().int().positive()])
			.optional(),
		/** Facebook: the comment shows up in listings only after this delay (late arrival). */
		delayMs: z.number().int().min(0).max(600_000).default(0),
	}),
	setViewerVisibility: z.object({ viewerId: graphId, visible: z.boolean() }),
	startViewers: z.object({
		liveId: graphId,
		commentsPerSecond: z.number().positive().max(500),
		/** Lines posted in order, then the viewers stop; without a script, endless realistic traffic. */
		script: z.array(scriptLine).min(1).max(100_000).optional(),
		/** Item numbers claims refer to: 1..itemCount. */
		itemCount: z.number().int().min(1).max(10_000).default(30),
		/** How many distinct viewers comment. */
		viewerCount: z.number().int().min(1).max(10_000).default(12),
		/** Share of those viewers Meta hides `from` for (Facebook). */
		hiddenShare: z.number().min(0).max(1).default(0.1),
	}),
	stopViewers: z.object({ viewersId: z.string().optional() }),
	setWebhook: z.object({
		/** The App Dashboard keeps one callback URL per object: instagram (live_comments, messages) or page (Messenger). */
		object: webhookObject,
		callbackUrl: z.url().nullable(),
		retryDelayMs: z.number().int().min(0).max(3_600_000).default(1000),
		maxAttempts: z.number().int().min(1).max(100).default(5),
		timeoutMs: z.number().int().min(1).max(120_000).default(20_000),
	}),
	verifyWebhook: z.object({
		object: webhookObject,
		callbackUrl: z.url().optional(),
		verifyToken: z.string(),
	}),
	setWebhookFaults: z.object({
		object: webhookObject,
		/** Every delivery is sent this many extra times. */
		duplicates: z.number().int().min(0).max(10).default(0),
		/** Deliveries collected in one hold window go out newest first. */
		outOfOrder: z.boolean().default(false),
		/** Changes per POST, grouped in one entry per Instagram account. */
		batchSize: z.number().int().min(1).max(1000).default(1),
		/** Deliveries are signed with the wrong secret. */
		badSignature: z.boolean().default(false),
		/** How long changes are held before sending (0: at once); batching and reordering act within it. */
		holdMs: z.number().int().min(0).max(60_000).default(0),
	}),
	flushWebhooks: z.object({}),
	webhookDeliveries: z.object({}),
	droppedWebhooks: z.object({}),
	pageSubscriptions: z.object({}),
	setUsage: z.object({
		/** Usage (percent) reported with no calls made. */
		baselinePercent: z.number().min(0).max(1000).default(0),
		/** Each call in the window adds this much; at 100 % Meta throttles (code 4, or 80001 for a Page). */
		percentPerCall: z.number().min(0).max(100).default(0.02),
		windowMs: z
			.number()
			.int()
			.positive()
			.max(24 * 60 * 60 * 1000)
			.default(60 * 60 * 1000),
	}),
	throttle: z.object({
		code: z
			.union([z.literal(4), z.literal(17), z.literal(32), z.literal(613), z.literal(80001)])
			.default(80001),
		/** Overrides Meta's usual status for the code (403, 400 for 613, 429 for 80001). */
		httpStatus: z.number().int().min(400).max(599).optional(),
		/** `estimated_time_to_regain_access` in the usage header, in minutes. */
		regainMinutes: z.number().int().min(0).max(1440).default(1),
		...faultScope,
	}),
	injectServerErrors: z.object({
		status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(500),
		...faultScope,
	}),
	delayResponses: z.object({ ms: z.number().int().min(1).max(120_000), ...faultScope }),
	clearFaults: z.object({}),
	/**
	 * Meta's clock jumps ahead by `ms`, as if that much time passed at once: running viewers write
	 * the comments they would have written meanwhile, comments held back for late listing come due,
	 * and the Date header follows. Tests run minutes of a live in seconds this way.
	 */
	advanceClock: z.object({
		ms: z
			.number()
			.int()
			.positive()
			.max(24 * 60 * 60 * 1000),
	}),
	requests: z.object({ path: z.string().max(200).optional() }),
	clearRequests: z.object({}),
	...mediaControlSchemas,
	...messagingControlSchemas,
};

export type ControlOperation = keyof typeof controlSchemas;
export type ControlInput<Operation extends ControlOperation> = z.input<
	(typeof controlSchemas)[Operation]
>;
export type PostCommentInput = z.output<typeof controlSchemas.postComment>;

export interface AccountInfo {
	user: { id: string; name: string };
	page: { id: string; name: string; category: string };
	instagram: { id: string; username: string } | null;
}
export interface FacebookLiveInfo {
	id: string;
	pageId: string;
	title: string;
	status: string;
	creationTime: string;
	permalinkUrl: string;
	liveViews: number;
	commentCount: number;
}
export interface InstagramLiveInfo {
	id: string;
	igUserId: string;
	username: string;
	caption: string;
	startedAt: string;
	endedAt: string | null;
	commentCount: number;
}
export interface CommentInfo {
	id: string;
	liveId: string;
	platform: 'facebook' | 'instagram';
	text: string;
	createdTime: string;
	viewer: { id: string; name: string; username: string };
	/** Facebook: Meta leaves `from` out of this comment. */
	fromHidden: boolean;
}
export interface TokenInfo {
	accessToken: string;
	kind: 'user' | 'page';
	userId: string;
	pageId: string | null;
	scopes: string[];
	expiresAt: string | null;
}

export function accountInfo(world: World, page: SimPage): AccountInfo {
	const user = world.user(page.managerIds[0]);
	const instagram = page.instagramId ? world.instagramAccount(page.instagramId) : null;
	return {
		user: { id: user.id, name: user.name },
		page: { id: page.id, name: page.name, category: page.category },
		instagram: instagram && { id: instagram.id, username: instagram.username },
	};
}

export function facebookLiveInfo(live: FacebookLive): FacebookLiveInfo {
	return {
		id: live.id,
		pageId: live.pageId,
		title: live.title,
		status: live.status,
		creationTime: live.creationTime.toISOString(),
		permalinkUrl: `/${live.pageId}/videos/${live.id}/`,
		liveViews: live.liveViews,
		commentCount: live.comments.length,
	};
}

function instagramLiveInfo(world: World, live: InstagramLive): InstagramLiveInfo {
	return {
		id: live.id,
		igUserId: live.igUserId,
		username: world.instagramAccount(live.igUserId).username,
		caption: live.caption,
		startedAt: live.startedAt.toISOString(),
		endedAt: live.endedAt?.toISOString() ?? null,
		commentCount: live.comments.length,
	};
}

export function commentInfo(comment: FacebookComment | InstagramComment): CommentInfo {
	const facebook = 'message' in comment;
	const { id, name, username } = comment.viewer;
	return {
		id: comment.id,
		liveId: facebook ? comment.liveId : comment.mediaId,
		platform: facebook ? 'facebook' : 'instagram',
		text: facebook ? comment.message : comment.text,
		createdTime: comment.createdTime.toISOString(),
		viewer: { id: facebook ? id : comment.viewer.instagramId, name, username },
		fromHidden: facebook && (comment.hideFrom || comment.viewer.hidden),
	};
}

function tokenInfo(token: AccessToken): TokenInfo {
	return {
		accessToken: token.value,
		kind: token.kind,
		userId: token.userId,
		pageId: token.pageId,
		scopes: token.scopes,
		expiresAt: token.expiresAt?.toISOString() ?? null,
	};
}

/** The operations, in-process. Each validates its input as the HTTP route does. */
export function createControl(core: SimulatorCore) {
	const { world } = core;
	const parse = <Operation extends ControlOperation>(
		operation: Operation,
		input: unknown,
	): z.output<(typeof controlSchemas)[Operation]> =>
		controlSchemas[operation].parse(input ?? {}) as z.output<(typeof controlSchemas)[Operation]>;
	const firstPage = () => {
		const page = world.pages.values().next().value;
		if (!page) throw new NotFoundError('no Page exists');
		return page;
	};
	const dispatcher = (object: 'instagram' | 'page') =>
		object === 'page' ? core.pageWebhooks : core.webhooks;
	const deliveries = () =>
		[...core.webhooks.deliveries(), ...core.pageWebhooks.deliveries()].sort((a, b) =>
			a.at.localeCompare(b.at),
		);
	const firstInstagram = () => {
		const account = world.instagram.values().next().value;
		if (!account) throw new NotFoundError('no Instagram account exists');
		return account;
	};

	return {
		/** Every account and live, and the webhook settings. */
		state() {
			return {
				accounts: [...world.pages.values()].map((page) => accountInfo(world, page)),
				dialogUserId: core.dialog.userId,
				facebookLives: [...world.facebookLives.values()].map(facebookLiveInfo),
				instagramLives: [...world.instagramLives.values()].map((live) =>
					instagramLiveInfo(world, live),
				),
				webhook: core.webhooks.settings(),
				pageWebhook: core.pageWebhooks.settings(),
			};
		},
		/** A user who manages a new Page, with a linked Instagram account unless `instagramUsername` is null. */
		createAccount(input: ControlInput<'createAccount'>): AccountInfo {
			const { userName, pageName, pageCategory, instagramUsername } = parse('createAccount', input);
			const user = world.createUser(userName);
			return accountInfo(
				world,
				world.createPage({
					name: pageName,
					category: pageCategory,
					managerId: user.id,
					instagramUsername,
				}),
			);
		},
		setDialogUser(input: ControlInput<'setDialogUser'>): { userId: string } {
			const { userId } = parse('setDialogUser', input);
			core.dialog.userId = world.user(userId).id;
			return { userId };
		},
		setAllowedRedirectUris(input: ControlInput<'setAllowedRedirectUris'>): {
			uris: string[] | null;
		} {
			core.dialog.allowedRedirectUris = parse('setAllowedRedirectUris', input).uris;
			return { uris: core.dialog.allowedRedirectUris };
		},
		issueUserToken(input: ControlInput<'issueUserToken'>): TokenInfo {
			const { userId, longLived, scopes = [...knownScopes] } = parse('issueUserToken', input);
			const user = world.user(userId);
			user.grantedScopes = [...new Set([...user.grantedScopes, ...scopes])];
			return tokenInfo(
				world.issueUserToken(user, scopes, longLived ? longLivedSeconds : shortLivedSeconds),
			);
		},
		issuePageToken(input: ControlInput<'issuePageToken'>): TokenInfo {
			const page = world.page(parse('issuePageToken', input).pageId);
			const user = world.user(page.managerIds[0]);
			user.grantedScopes = [...new Set([...user.grantedScopes, ...knownScopes])];
			return tokenInfo(
				world.pageToken(world.issueUserToken(user, [...knownScopes], longLivedSeconds), page),
			);
		},
		/** Tokens stop working: 'expired' → 190/463, 'app_removed' → 190/458, 'password_changed' → 190/460, 'logged_out' → 190/467. */
		invalidateTokens(input: ControlInput<'invalidateTokens'>): { invalidated: number } {
			const { token, userId, reason } = parse('invalidateTokens', input);
			return { invalidated: world.invalidateTokens({ token, userId }, reason).length };
		},
		startFacebookLive(input: ControlInput<'startFacebookLive'> = {}): FacebookLiveInfo {
			const { pageId = firstPage().id, ...rest } = parse('startFacebookLive', input);
			return facebookLiveInfo(world.startFacebookLive({ pageId, ...rest }));
		},
		endFacebookLive(input: ControlInput<'endFacebookLive'>): FacebookLiveInfo {
			const { liveId } = parse('endFacebookLive', input);
			core.crowds.stopForLive(liveId);
			return facebookLiveInfo(world.endFacebookLive(liveId));
		},
		setLiveViews(input: ControlInput<'setLiveViews'>): FacebookLiveInfo {
			const { liveId, liveViews } = parse('setLiveViews', input);
			const live = world.facebookLive(liveId);
			if (live.status !== 'LIVE') throw new ConflictError(`live video ${liveId} already ended`);
			live.liveViews = liveViews;
			return facebookLiveInfo(live);
		},
		startInstagramLive(input: ControlInput<'startInstagramLive'> = {}): InstagramLiveInfo {
			const { igUserId = firstInstagram().id, caption } = parse('startInstagramLive', input);
			return instagramLiveInfo(world, world.startInstagramLive({ igUserId, caption }));
		},
		endInstagramLive(input: ControlInput<'endInstagramLive'>): InstagramLiveInfo {
			const { mediaId } = parse('endInstagramLive', input);
			core.crowds.stopForLive(mediaId);
			return instagramLiveInfo(world, world.endInstagramLive(mediaId));
		},
		/** A viewer comments on a Facebook live video or an Instagram live media (then delivered by webhook). */
		postComment(input: ControlInput<'postComment'>): CommentInfo {
			return core.postComment(parse('postComment', input));
		},
		/** Meta omits (visible: false) or shows `from` on this viewer's Facebook comments, past and future. */
		setViewerVisibility(input: ControlInput<'setViewerVisibility'>): {
			viewerId: string;
			visible: boolean;
		} {
			const { viewerId, visible } = parse('setViewerVisibility', input);
			const viewer = world.viewers.get(viewerId);
			if (!viewer) throw new NotFoundError(`no viewer ${viewerId}`);
			viewer.hidden = !visible;
			return { viewerId, visible };
		},
		/** Simulated viewers commenting on a live at a steady rate; stop with stopViewers. */
		startViewers(input: ControlInput<'startViewers'>): { viewersId: string } {
			const options = parse('startViewers', input);
			if (!world.facebookLives.has(options.liveId) && !world.instagramLives.has(options.liveId))
				throw new NotFoundError(`no live ${options.liveId}`);
			return { viewersId: core.crowds.start(options) };
		},
		/** Stops one crowd of viewers, or all of them. */
		stopViewers(input: ControlInput<'stopViewers'> = {}): { stopped: number } {
			return { stopped: core.crowds.stop(parse('stopViewers', input).viewersId) };
		},
		/** Where an object's deliveries go (null: nowhere), and how failed deliveries are retried. */
		setWebhook(input: ControlInput<'setWebhook'>) {
			const { object, ...settings } = parse('setWebhook', input);
			dispatcher(object).configure(settings);
			return dispatcher(object).settings();
		},
		/** Meta's subscription handshake against the callback: GET with hub.mode, hub.verify_token, hub.challenge. */
		verifyWebhook(input: ControlInput<'verifyWebhook'>) {
			const { object, ...verification } = parse('verifyWebhook', input);
			return dispatcher(object).verify(verification);
		},
		setWebhookFaults(input: ControlInput<'setWebhookFaults'> = {}) {
			const { object, ...faults } = parse('setWebhookFaults', input);
			dispatcher(object).setFaults(faults);
			return dispatcher(object).settings();
		},
		/** Sends held changes now and waits until every delivery attempt so far has finished. */
		async flushWebhooks(): Promise<{ attempts: number }> {
			await Promise.all([core.webhooks.flush(), core.pageWebhooks.flush()]);
			return { attempts: deliveries().length };
		},
		/** Every delivery attempt of both objects, oldest first: body as sent, signature, status, error. */
		webhookDeliveries() {
			return deliveries();
		},
		/** live_comments changes not delivered because the account's Page had not subscribed the app: the last 1000, and the total. */
		droppedWebhooks() {
			return core.webhooks.dropped();
		},
		/** Each Page's webhook subscription of the app (`POST /{page-id}/subscribed_apps`), with its Instagram account. */
		pageSubscriptions() {
			return [...world.pages.values()].map((page) => ({
				pageId: page.id,
				instagramId: page.instagramId,
				subscribedFields: [...page.subscribedFields],
			}));
		},
		/** How usage headers rise with calls; counting starts afresh. */
		setUsage(input: ControlInput<'setUsage'> = {}) {
			return core.limits.setUsage(parse('setUsage', input));
		},
		/** Calls answer with a throttling error object (code 4, 17, 32, 613 or 80001) and usage at the limit. */
		throttle(input: ControlInput<'throttle'> = {}): { faultId: string } {
			const { code, httpStatus, regainMinutes, ...scope } = parse('throttle', input);
			return {
				faultId: core.limits.addFault({ kind: 'throttle', code, httpStatus, regainMinutes }, scope),
			};
		},
		/** Calls answer 5xx with a transient error object (code 1, or 2 for 503). */
		injectServerErrors(input: ControlInput<'injectServerErrors'> = {}): { faultId: string } {
			const { status, ...scope } = parse('injectServerErrors', input);
			return { faultId: core.limits.addFault({ kind: 'serverError', status }, scope) };
		},
		/** Calls answer only after this delay. */
		delayResponses(input: ControlInput<'delayResponses'>): { faultId: string } {
			const { ms, ...scope } = parse('delayResponses', input);
			return { faultId: core.limits.addFault({ kind: 'delay', ms }, scope) };
		},
		clearFaults(): { cleared: number } {
			return { cleared: core.limits.clearFaults() };
		},
		/** Moves Meta's clock ahead; returns Meta's time now and how many comments viewers wrote meanwhile. */
		advanceClock(input: ControlInput<'advanceClock'>): { now: string; written: number } {
			const { ms } = parse('advanceClock', input);
			const from = world.now();
			world.advanceClock(ms);
			const written = core.crowds.backfill(from, world.now());
			return { now: new Date(world.now()).toISOString(), written };
		},
		/** Graph and OAuth requests received, oldest first (optionally those whose path contains `path`). */
		requests(input: ControlInput<'requests'> = {}) {
			return core.requestLog.list(parse('requests', input).path);
		},
		clearRequests(): { cleared: number } {
			return { cleared: core.requestLog.clear() };
		},
		...mediaControl(core.media, (schema, input) => schema.parse(input ?? {}), firstInstagram),
		...messagingControl(
			core.messaging,
			world,
			(schema, input) => schema.parse(input ?? {}),
			firstPage,
		),
	};
}

export type MetaControl = ReturnType<typeof createControl>;

/** Operations that only read, and so also answer GET. */
const readOperations: ReadonlySet<string> = new Set<ControlOperation>([
	'state',
	'webhookDeliveries',
	'droppedWebhooks',
	'pageSubscriptions',
	'requests',
	'listMedia',
	'viewerMessages',
	'commentReplies',
]);

/** `<url>/_control/<operation>` (stack/control-api.ts). */
export function handleControlRequest(
	control: MetaControl,
	req: IncomingMessage,
	res: ServerResponse,
	operation: string,
	url: URL,
): Promise<void> {
	const api: ControlApi = {
		operations: Object.keys(controlSchemas),
		readOperations,
		run: (name, input) => (control[name as ControlOperation] as (input: unknown) => unknown)(input),
		statusOf: (error) =>
			error instanceof NotFoundError ? 404 : error instanceof ConflictError ? 409 : undefined,
	};
	return serveControlRequest(api, req, res, operation, url);
}
