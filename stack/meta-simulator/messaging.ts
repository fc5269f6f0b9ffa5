// Replies to viewers' comments, as Meta takes them from a Page:
// * `POST /{page-id}/messages` (or `/me/messages` with the Page token) with
//   `recipient: {comment_id}`: a private reply, delivered to the commenter's inbox. Meta's rules
//   (Messenger "Private Replies" and Instagram "Send a Private Reply to a Commenter"): exactly one
//   message per comment; Facebook within 7 days of the comment; Instagram Live only while the
//   broadcast is on; `pages_messaging` (Instagram also `instagram_manage_comments`).
// * `POST /{comment-id}/comments` with `message`: a public reply under a Facebook comment
//   (`pages_manage_engagement`); `GET /{comment-id}/comments` lists the replies.
// * `POST /{page-id}/messages` with `recipient: {id}` (the viewer's PSID, or IGSID for the Page's
//   Instagram account), `messaging_type: RESPONSE|UPDATE` and `message: {text}`: a normal message,
//   only within 24 hours of the viewer's last message to the Page (Messenger Platform "standard
//   messaging": "Businesses will have up to 24 hours to respond to a user"; later Meta answers
//   #10 / 2018278 "outside of allowed window"). Message tags (MESSAGE_TAG) are not offered.
// Each viewer's thread with a Page holds both directions: what the Page sent and what the viewer
// wrote (sendViewerMessage, or on their own: some viewers answer a private reply with `cart`).
// Each message is delivered as a messaging webhook event (Messenger Platform "messages" /
// "message_echoes" webhook events; Instagram echoes come with the `messages` field):
// `{sender: {id}, recipient: {id}, timestamp (ms), message: {mid, text, is_echo?, app_id?}}`.
import { z } from 'zod';
import { GraphError, graphErrors } from './errors.ts';
import { graphTime, hasScope, isPage, type NodeContext } from './nodes.ts';
import {
	NotFoundError,
	randomAlphanumeric,
	type FacebookComment,
	type InstagramComment,
	type SimPage,
	type Viewer,
	type World,
} from './world.ts';

const PRIVATE_REPLY_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

const STANDARD_MESSAGING_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One message of a viewer's thread with a Page, either way. */
export interface ThreadMessage {
	messageId: string;
	pageId: string;
	platform: 'facebook' | 'instagram';
	/** inbound: the viewer wrote to the Page; outbound: the Page wrote to the viewer. */
	direction: 'inbound' | 'outbound';
	/** The comment a private reply answers; null for any other message. */
	commentId: string | null;
	/** The viewer's id as the Page sees it: PSID, or IGSID on Instagram (either direction). */
	viewerScopedId: string;
	viewerId: string;
	text: string;
	/** Meta's clock. */
	sentAt: string;
}

export interface CommentReply {
	id: string;
	pageId: string;
	commentId: string;
	message: string;
	createdTime: string;
}

export interface ViewerReplies {
	/** Share of private replies (0-1) whose viewer answers on their own. */
	share: number;
	text: string;
	delayMs: number;
}

/** Every message between Pages and viewers, and every public reply the Pages sent. */
export class Messaging {
	readonly messages: ThreadMessage[] = [];
	readonly commentReplies: CommentReply[] = [];
	viewerReplies: ViewerReplies = { share: 0, text: 'cart', delayMs: 1000 };
	#replyTimers = new Set<NodeJS.Timeout>();
	// Reply ids are new on every start, as comment ids are.
	#nextReply = BigInt(Date.now()) * 1000n;

	nextReplyId(liveId: string): string {
		this.#nextReply += 1n;
		return `${liveId}_${this.#nextReply}`;
	}

	/** When the 24-hour window for this viewer's thread with this Page opened last, or null. */
	lastInbound(
		pageId: string,
		platform: ThreadMessage['platform'],
		viewerId: string,
	): number | null {
		const inbound = this.messages.findLast(
			(message) =>
				message.direction === 'inbound' &&
				message.pageId === pageId &&
				message.platform === platform &&
				message.viewerId === viewerId,
		);
		return inbound ? new Date(inbound.sentAt).getTime() : null;
	}

	/** @param deliver sends a message's webhook event (the world decides whether Meta would). */
	constructor(private readonly deliver: (message: ThreadMessage) => void = () => {}) {}

	record(message: Omit<ThreadMessage, 'messageId'>): ThreadMessage {
		const recorded: ThreadMessage = { ...message, messageId: `m_${randomAlphanumeric(40)}` };
		this.messages.push(recorded);
		this.deliver(recorded);
		return recorded;
	}

	/** Some viewers answer a private reply on their own (viewerReplies), which opens the 24-hour window. */
	answerLater(reply: ThreadMessage, now: () => number): void {
		const { share, text, delayMs } = this.viewerReplies;
		if (share === 0 || Math.random() >= share) return;
		const timer = setTimeout(() => {
			this.#replyTimers.delete(timer);
			this.record({
				...reply,
				direction: 'inbound',
				commentId: null,
				text,
				sentAt: new Date(now()).toISOString(),
			});
		}, delayMs);
		this.#replyTimers.add(timer);
	}

	stop(): void {
		for (const timer of this.#replyTimers) clearTimeout(timer);
		this.#replyTimers.clear();
	}
}

/**
 * Where Meta sends a message's webhook event: Messenger's to the `page` object's callback when the
 * Page subscribed the field (`messages` for what viewers write, `message_echoes` for what the Page
 * sent); Instagram's, echoes included, to the `instagram` object's when the Page installed the app.
 */
export function messagingWebhookEvent(
	world: World,
	appId: string,
	message: ThreadMessage,
): { object: 'page' | 'instagram'; entryId: string; event: Record<string, unknown> } | null {
	const page = world.page(message.pageId);
	const facebook = message.platform === 'facebook';
	const accountId = facebook ? page.id : page.instagramId;
	if (accountId === null) return null;
	const inbound = message.direction === 'inbound';
	if (facebook && !page.subscribedFields.includes(inbound ? 'messages' : 'message_echoes'))
		return null;
	if (!facebook && page.subscribedFields.length === 0) return null;
	const viewer = { id: message.viewerScopedId };
	const account = { id: accountId };
	return {
		object: facebook ? 'page' : 'instagram',
		entryId: accountId,
		event: {
			sender: inbound ? viewer : account,
			recipient: inbound ? account : viewer,
			timestamp: new Date(message.sentAt).getTime(),
			message: {
				mid: message.messageId,
				text: message.text,
				...(inbound ? {} : { is_echo: true, app_id: Number(appId) }),
			},
		},
	};
}

type FoundComment =
	| { platform: 'facebook'; comment: FacebookComment; page: SimPage }
	| { platform: 'instagram'; comment: InstagramComment; page: SimPage; liveEnded: boolean };

/** The comment with this id on any Page's live, Facebook (`<live>_<n>`) or Instagram. */
function findComment(world: World, commentId: string): FoundComment | undefined {
	const live = world.facebookLives.get(commentId.split('_')[0]);
	const facebook = live?.comments.find((comment) => comment.id === commentId);
	if (live && facebook)
		return { platform: 'facebook', comment: facebook, page: world.page(live.pageId) };
	for (const media of world.instagramLives.values()) {
		const comment = media.comments.find((candidate) => candidate.id === commentId);
		if (comment)
			return {
				platform: 'instagram',
				comment,
				page: world.page(world.instagramAccount(media.igUserId).pageId),
				liveEnded: media.endedAt !== null,
			};
	}
	return undefined;
}

const oauth = (status: number, code: number, message: string, subcode?: number) =>
	new GraphError(status, {
		message,
		type: 'OAuthException',
		code,
		...(subcode === undefined ? {} : { error_subcode: subcode }),
	});

const messagingErrors = {
	// Messenger's error for a send without the permission.
	noMessagingPermission: () =>
		oauth(403, 230, '(#230) Requires pages_messaging permission to manage the object'),
	noMatchingUser: () => oauth(400, 100, '(#100) No matching user found', 2018001),
	// Code 10 with subcode 2018278 is Meta's "outside of allowed window" error.
	outsideWindow: () =>
		oauth(
			400,
			10,
			'(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview',
			2018278,
		),
	// The subcode third-party write-ups report for a second private reply to one comment.
	alreadyReplied: () =>
		oauth(400, 10, '(#10) This comment has already received a private reply', 2534014),
};

function jsonParam(params: URLSearchParams, name: string): Record<string, unknown> {
	const raw = params.get(name);
	if (raw === null || raw.trim() === '')
		throw graphErrors.invalidParameter(`The parameter ${name} is required`);
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		throw graphErrors.invalidParameter(`param ${name} must be a JSON object`);
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
		throw graphErrors.invalidParameter(`param ${name} must be a JSON object`);
	return parsed as Record<string, unknown>;
}

function messageText(params: URLSearchParams): string {
	const text = jsonParam(params, 'message').text;
	if (typeof text !== 'string' || text.trim() === '')
		throw graphErrors.invalidParameter('param message must have a non-empty text');
	// Messenger's limit for a text message.
	if (text.length > 2000)
		throw graphErrors.invalidParameter(
			'param message[text] must be UTF-8 encoded and at most 2000 characters',
		);
	return text;
}

function privateReply(
	messaging: Messaging,
	context: NodeContext,
	page: SimPage,
	params: URLSearchParams,
): unknown {
	const { caller, world } = context;
	const commentId = jsonParam(params, 'recipient').comment_id;
	if (typeof commentId !== 'string' || commentId === '')
		throw graphErrors.invalidParameter('param recipient must name an id or a comment_id');
	const text = messageText(params);
	const found = findComment(world, commentId);
	if (!found || found.page.id !== page.id) throw messagingErrors.noMatchingUser();
	if (found.platform === 'instagram' && !hasScope(caller, 'instagram_manage_comments'))
		throw graphErrors.missingPermission('instagram_manage_comments');
	if (messaging.messages.some((message) => message.commentId === commentId))
		throw messagingErrors.alreadyReplied();
	if (found.platform === 'facebook') {
		if (world.now() - found.comment.createdTime.getTime() > PRIVATE_REPLY_WINDOW_MS)
			throw messagingErrors.outsideWindow();
	} else if (found.liveEnded) throw messagingErrors.outsideWindow();
	const viewer = found.comment.viewer;
	const reply = messaging.record({
		pageId: page.id,
		platform: found.platform,
		direction: 'outbound',
		commentId,
		viewerScopedId: scopedId(viewer, found.platform),
		viewerId: viewer.id,
		text,
		sentAt: new Date(world.now()).toISOString(),
	});
	messaging.answerLater(reply, () => world.now());
	// The answer names the commenter's PSID / IGSID: their conversation's id from now on.
	return { recipient_id: reply.viewerScopedId, message_id: reply.messageId };
}

/** The viewer's id as the Page sees it: PSID on Facebook, IGSID on Instagram. */
export function scopedId(viewer: Viewer, platform: ThreadMessage['platform']): string {
	return platform === 'facebook' ? viewer.id : viewer.instagramId;
}

/** The viewer with this id on this platform: PSID (Facebook) or IGSID (Instagram). */
function viewerByScopedId(
	world: World,
	platform: ThreadMessage['platform'],
	id: string,
): Viewer | undefined {
	if (platform === 'facebook') return world.viewers.get(id);
	return [...world.viewers.values()].find((viewer) => viewer.instagramId === id);
}

// Standard messaging only: RESPONSE (an answer) and UPDATE (news the person asked about) both
// need the 24-hour window; MESSAGE_TAG sends outside it are not simulated.
const standardMessagingTypes = new Set(['RESPONSE', 'UPDATE']);

function normalMessage(
	messaging: Messaging,
	context: NodeContext,
	page: SimPage,
	recipientId: string,
	params: URLSearchParams,
): unknown {
	const { caller, world } = context;
	const messagingType = params.get('messaging_type');
	if (messagingType === null || !standardMessagingTypes.has(messagingType))
		throw graphErrors.invalidParameter(
			'param messaging_type must be one of {RESPONSE, UPDATE} (MESSAGE_TAG is not simulated)',
		);
	const text = messageText(params);
	const platform = world.viewers.has(recipientId) ? 'facebook' : 'instagram';
	const viewer = viewerByScopedId(world, platform, recipientId);
	if (!viewer || (platform === 'instagram' && page.instagramId === null))
		throw messagingErrors.noMatchingUser();
	if (platform === 'instagram' && !hasScope(caller, 'instagram_manage_messages'))
		throw graphErrors.missingPermission('instagram_manage_messages');
	const lastInbound = messaging.lastInbound(page.id, platform, viewer.id);
	if (lastInbound === null || world.now() - lastInbound > STANDARD_MESSAGING_WINDOW_MS)
		throw messagingErrors.outsideWindow();
	const message = messaging.record({
		pageId: page.id,
		platform,
		direction: 'outbound',
		commentId: null,
		viewerScopedId: recipientId,
		viewerId: viewer.id,
		text,
		sentAt: new Date(world.now()).toISOString(),
	});
	// The Send API's answer: {recipient_id, message_id}.
	return { recipient_id: recipientId, message_id: message.messageId };
}

function sendMessage(
	messaging: Messaging,
	context: NodeContext,
	page: SimPage,
	params: URLSearchParams,
): unknown {
	const { caller } = context;
	if (!isPage(caller, page.id)) throw graphErrors.pageTokenRequired();
	if (!hasScope(caller, 'pages_messaging')) throw messagingErrors.noMessagingPermission();
	const recipient = jsonParam(params, 'recipient');
	if (typeof recipient.id === 'string' && recipient.id !== '' && recipient.comment_id === undefined)
		return normalMessage(messaging, context, page, recipient.id, params);
	return privateReply(messaging, context, page, params);
}

function commentReplies(
	messaging: Messaging,
	context: NodeContext,
	method: string,
	found: Extract<FoundComment, { platform: 'facebook' }>,
	params: URLSearchParams,
): unknown {
	const { caller, world } = context;
	const { page, comment } = found;
	if (!isPage(caller, page.id)) throw graphErrors.pageTokenRequired();
	const render = (reply: CommentReply) => ({
		id: reply.id,
		message: reply.message,
		created_time: graphTime(new Date(reply.createdTime)),
		from: { id: page.id, name: page.name },
	});
	if (method === 'GET') {
		if (!hasScope(caller, 'pages_read_engagement'))
			throw graphErrors.missingPermission('pages_read_engagement');
		return {
			data: messaging.commentReplies.filter((reply) => reply.commentId === comment.id).map(render),
		};
	}
	if (method !== 'POST') throw graphErrors.unsupportedRequest(method, comment.id);
	if (!hasScope(caller, 'pages_manage_engagement'))
		throw graphErrors.permissionDenied(
			'The permission(s) pages_manage_engagement are not available. It could because either they are deprecated or need to be approved by App Review.',
		);
	const message = params.get('message') ?? '';
	if (message.trim() === '')
		throw graphErrors.invalidParameter('The parameter message is required');
	if (message.length > 8000) throw graphErrors.invalidParameter('param message is too long');
	const reply: CommentReply = {
		id: messaging.nextReplyId(comment.liveId),
		pageId: page.id,
		commentId: comment.id,
		message,
		createdTime: new Date(world.now()).toISOString(),
	};
	messaging.commentReplies.push(reply);
	return { id: reply.id };
}

/**
 * The answer to a messaging request (`/{page-id|me}/messages`, `/{comment-id}/comments`), or
 * undefined when the request is none of them.
 */
export function messagingRequest(
	messaging: Messaging,
	context: NodeContext,
	method: string,
	params: URLSearchParams,
	id: string,
	edge: string | undefined,
): unknown {
	const { world, caller } = context;
	if (edge === 'messages') {
		const page =
			id === 'me'
				? caller.kind === 'page'
					? world.pages.get(caller.token.pageId ?? '')
					: undefined
				: world.pages.get(id);
		if (!page) return undefined;
		if (method !== 'POST') throw graphErrors.unsupportedRequest(method, id);
		return sendMessage(messaging, context, page, params);
	}
	if (edge === 'comments' && id.includes('_')) {
		const found = findComment(world, id);
		if (found?.platform !== 'facebook') return undefined;
		return commentReplies(messaging, context, method, found, params);
	}
	return undefined;
}

const graphId = z.string().regex(/^[0-9]{1,32}$/, 'expected a numeric Graph id');

export const messagingControlSchemas = {
	/** Each viewer's thread with the Pages, both directions (optionally one viewer's: their Facebook id), oldest first. */
	viewerMessages: z.object({
		viewerId: z
			.string()
			.regex(/^[0-9]{1,32}$/)
			.optional(),
	}),
	/** Public replies under comments (optionally one comment's), oldest first. */
	commentReplies: z.object({ commentId: z.string().min(1).max(100).optional() }),
	/** A viewer writes to a Page on Messenger (facebook) or to its Instagram account; this opens the 24-hour window. */
	sendViewerMessage: z.object({
		/** The viewer's PSID (facebook) or IGSID (instagram), as a comment of theirs names them. */
		senderId: graphId,
		/** Default: the first Page. */
		pageId: graphId.optional(),
		platform: z.enum(['facebook', 'instagram']).default('facebook'),
		text: z.string().min(1).max(2000),
	}),
	/** How simulated viewers answer private replies on their own (the demo: half of them write `cart`). */
	setViewerReplies: z.object({
		share: z.number().min(0).max(1),
		text: z.string().min(1).max(2000).default('cart'),
		delayMs: z.number().int().min(0).max(600_000).default(1000),
	}),
};

export function messagingControl(
	messaging: Messaging,
	world: World,
	parse: <S extends z.ZodType>(schema: S, input: unknown) => z.output<S>,
	firstPage: () => SimPage,
) {
	return {
		viewerMessages(input: z.input<typeof messagingControlSchemas.viewerMessages> = {}) {
			const { viewerId } = parse(messagingControlSchemas.viewerMessages, input);
			if (viewerId !== undefined && !world.viewers.has(viewerId))
				throw new NotFoundError(`no viewer ${viewerId}`);
			const viewers = [...world.viewers.values()].filter(
				(viewer) => viewerId === undefined || viewer.id === viewerId,
			);
			return viewers
				.map((viewer) => ({
					viewer: { id: viewer.id, name: viewer.name, username: viewer.username },
					messages: messaging.messages.filter((message) => message.viewerId === viewer.id),
				}))
				.filter((thread) => viewerId !== undefined || thread.messages.length > 0);
		},
		commentReplies(input: z.input<typeof messagingControlSchemas.commentReplies> = {}) {
			const { commentId } = parse(messagingControlSchemas.commentReplies, input);
			return messaging.commentReplies.filter(
				(reply) => commentId === undefined || reply.commentId === commentId,
			);
		},
		sendViewerMessage(
			input: z.input<typeof messagingControlSchemas.sendViewerMessage>,
		): ThreadMessage {
			const { senderId, pageId, platform, text } = parse(
				messagingControlSchemas.sendViewerMessage,
				input,
			);
			const viewer = viewerByScopedId(world, platform, senderId);
			if (!viewer) throw new NotFoundError(`no ${platform} viewer ${senderId}`);
			const page = pageId === undefined ? firstPage() : world.page(pageId);
			if (platform === 'instagram' && page.instagramId === null)
				throw new NotFoundError(`Page ${page.id} has no Instagram account`);
			return messaging.record({
				pageId: page.id,
				platform,
				direction: 'inbound',
				commentId: null,
				viewerScopedId: scopedId(viewer, platform),
				viewerId: viewer.id,
				text,
				sentAt: new Date(world.now()).toISOString(),
			});
		},
		setViewerReplies(
			input: z.input<typeof messagingControlSchemas.setViewerReplies>,
		): ViewerReplies {
			messaging.viewerReplies = parse(messagingControlSchemas.setViewerReplies, input);
			return { ...messaging.viewerReplies };
		},
	};
}
