// Everything the simulated Meta knows: people, Pages with their Instagram accounts, live videos
// and live media with their comments, access tokens and OAuth codes. Pure state; HTTP lives elsewhere.
import { randomBytes } from 'node:crypto';

export interface SimUser {
	id: string;
	name: string;
	/** Scopes the user has granted the app; empty until they log in (or after they revoke). */
	grantedScopes: string[];
}

export interface SimPage {
	id: string;
	name: string;
	category: string;
	categoryId: string;
	managerIds: string[];
	instagramId: string | null;
	/** Fields subscribed through `POST /{page-id}/subscribed_apps`. */
	subscribedFields: string[];
}

export interface SimInstagram {
	id: string;
	username: string;
	name: string;
	pageId: string;
}

/** A person watching lives: one Facebook identity and one Instagram identity. */
export interface Viewer {
	id: string;
	name: string;
	instagramId: string;
	username: string;
	/** Meta omits `from` on this viewer's Facebook comments (privacy settings). */
	hidden: boolean;
}

export type LiveVideoStatus = 'LIVE' | 'LIVE_STOPPED' | 'VOD';

export interface FacebookLive {
	id: string;
	pageId: string;
	title: string;
	description: string;
	status: LiveVideoStatus;
	creationTime: Date;
	/** The audience the live's `live_views` drifts around while it is on (liveViewsNow). */
	liveViews: number;
	/** Sorted by created time, then arrival. */
	comments: FacebookComment[];
}

export interface FacebookComment {
	id: string;
	liveId: string;
	message: string;
	createdTime: Date;
	viewer: Viewer;
	/** This one comment comes without `from`, whatever the viewer's setting. */
	hideFrom: boolean;
	/** Not listed before this instant (epoch ms): late arrival. */
	visibleAt: number;
	arrival: number;
}

export interface InstagramLive {
	id: string;
	igUserId: string;
	caption: string;
	startedAt: Date;
	endedAt: Date | null;
	comments: InstagramComment[];
}

export interface InstagramComment {
	id: string;
	mediaId: string;
	text: string;
	createdTime: Date;
	viewer: Viewer;
}

/** Why a token stopped working before its expiry (subcodes 458, 460, 467). */
export type TokenInvalidation = 'app_removed' | 'password_changed' | 'logged_out';

export interface AccessToken {
	value: string;
	kind: 'user' | 'page';
	userId: string;
	pageId: string | null;
	scopes: string[];
	issuedAt: Date;
	/** null: never expires (Page tokens derived from a long-lived user token). */
	expiresAt: Date | null;
	invalidated: TokenInvalidation | null;
}

export interface AuthorizationCode {
	value: string;
	userId: string;
	redirectUri: string;
	scopes: string[];
	expiresAt: Date;
	used: boolean;
}

// Broadcasts and comments are new on every start, as at Meta, where their ids are never reused:
// a restarted simulator must not hand out the ids of an earlier run's comments.
const broadcastEpoch = BigInt(Date.now()) * 100n;

export const shortLivedSeconds = 2 * 60 * 60;
export const longLivedSeconds = 60 * 24 * 60 * 60;
const codeLifetimeMs = 10 * 60 * 1000;

/** Numeric ids in Meta's style, counting up from a realistic start. */
class IdSequence {
	#next: bigint;
	constructor(start: bigint) {
		this.#next = start;
	}
	next(): string {
		return String(this.#next++);
	}
}

export function randomAlphanumeric(length: number): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = randomBytes(length);
	return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

export class NotFoundError extends Error {}
export class ConflictError extends Error {}

export class World {
	readonly users = new Map<string, SimUser>();
	readonly pages = new Map<string, SimPage>();
	readonly instagram = new Map<string, SimInstagram>();
	readonly facebookLives = new Map<string, FacebookLive>();
	readonly instagramLives = new Map<string, InstagramLive>();
	readonly viewers = new Map<string, Viewer>();
	readonly tokens = new Map<string, AccessToken>();
	readonly codes = new Map<string, AuthorizationCode>();
	/** Page tokens handed out per (user token, page), so repeated /me/accounts calls agree. */
	readonly #derivedPageTokens = new Map<string, string>();
	#arrivals = 0;
	/** How far Meta's clock runs ahead of this machine's (advanceClock). */
	#clockOffsetMs = 0;

	readonly #ids = {
		user: new IdSequence(10158000000000001n),
		page: new IdSequence(100064000000001n),
		instagram: new IdSequence(17841405309211844n),
		facebookLive: new IdSequence(1029384756473829n + broadcastEpoch),
		facebookComment: new IdSequence(998877665544330n + broadcastEpoch),
		instagramLive: new IdSequence(18016281832342434n + broadcastEpoch),
		instagramComment: new IdSequence(17865799348089039n + broadcastEpoch),
		viewer: new IdSequence(7301122334455667n),
		instagramViewer: new IdSequence(232323232n),
	};

	/** Meta's clock (epoch ms): lives, comments, late listing and the Date header follow it. */
	now(): number {
		return Date.now() + this.#clockOffsetMs;
	}

	/** Moves Meta's clock ahead, as if that much time had passed at once. */
	advanceClock(ms: number): void {
		this.#clockOffsetMs += ms;
	}

	createUser(name: string): SimUser {
		const user: SimUser = { id: this.#ids.user.next(), name, grantedScopes: [] };
		this.users.set(user.id, user);
		return user;
	}

	createPage(input: {
		name: string;
		category: string;
		managerId: string;
		instagramUsername: string | null;
	}): SimPage {
		const page: SimPage = {
			id: this.#ids.page.next(),
			name: input.name,
			category: input.category,
			categoryId: '2209',
			managerIds: [input.managerId],
			instagramId: null,
			subscribedFields: [],
		};
		this.pages.set(page.id, page);
		if (input.instagramUsername !== null) {
			const account: SimInstagram = {
				id: this.#ids.instagram.next(),
				username: input.instagramUsername,
				name: input.name,
				pageId: page.id,
			};
			this.instagram.set(account.id, account);
			page.instagramId = account.id;
		}
		return page;
	}

	user(id: string): SimUser {
		const user = this.users.get(id);
		if (!user) throw new NotFoundError(`no user ${id}`);
		return user;
	}

	page(id: string): SimPage {
		const page = this.pages.get(id);
		if (!page) throw new NotFoundError(`no Page ${id}`);
		return page;
	}

	instagramAccount(id: string): SimInstagram {
		const account = this.instagram.get(id);
		if (!account) throw new NotFoundError(`no Instagram account ${id}`);
		return account;
	}

	managedPages(userId: string): SimPage[] {
		return [...this.pages.values()].filter((page) => page.managerIds.includes(userId));
	}

	/** The viewer with this name (created on first use), or with this id. */
	viewer(input: { id?: string; name?: string }): Viewer {
		if (input.id !== undefined) {
			const known = this.viewers.get(input.id);
			if (known) return known;
		}
		const name = input.name ?? `Viewer ${this.viewers.size + 1}`;
		const byName =
			input.id === undefined
				? [...this.viewers.values()].find((viewer) => viewer.name === name)
				: undefined;
		if (byName) return byName;
		const viewer: Viewer = {
			id: input.id ?? this.#ids.viewer.next(),
			name,
			instagramId: this.#ids.instagramViewer.next(),
			username:
				name
					.toLowerCase()
					.replace(/[^a-z0-9._]+/g, '.')
					.replace(/^\.+|\.+$/g, '')
					.slice(0, 30) || 'viewer',
			hidden: false,
		};
		this.viewers.set(viewer.id, viewer);
		return viewer;
	}

	startFacebookLive(input: {
		pageId: string;
		title: string;
		description: string;
		liveViews: number;
	}): FacebookLive {
		this.page(input.pageId);
		const live: FacebookLive = {
			id: this.#ids.facebookLive.next(),
			pageId: input.pageId,
			title: input.title,
			description: input.description,
			status: 'LIVE',
			creationTime: new Date(this.now()),
			liveViews: input.liveViews,
			comments: [],
		};
		this.facebookLives.set(live.id, live);
		return live;
	}

	endFacebookLive(liveId: string): FacebookLive {
		const live = this.facebookLive(liveId);
		if (live.status !== 'LIVE') throw new ConflictError(`live video ${liveId} already ended`);
		// Ended lives are published on the Page as videos; their comments stay readable.
		live.status = 'VOD';
		live.liveViews = 0;
		return live;
	}

	/**
	 * Meta's `live_views` now: people watching come and go, so every 10 s of Meta's clock it moves
	 * within 15 % of the live's audience (a slow swell and a quicker flutter), starting at the
	 * audience itself; 0 once the live ended.
	 */
	liveViewsNow(live: FacebookLive): number {
		if (live.status !== 'LIVE') return 0;
		const step = Math.floor((this.now() - live.creationTime.getTime()) / 10_000);
		const drift = 0.1 * Math.sin(step / 4) + 0.05 * Math.sin(step * 1.7);
		return Math.max(0, Math.round(live.liveViews * (1 + drift)));
	}

	facebookLive(id: string): FacebookLive {
		const live = this.facebookLives.get(id);
		if (!live) throw new NotFoundError(`no Facebook live video ${id}`);
		return live;
	}

	startInstagramLive(input: { igUserId: string; caption: string }): InstagramLive {
		this.instagramAccount(input.igUserId);
		const live: InstagramLive = {
			id: this.#ids.instagramLive.next(),
			igUserId: input.igUserId,
			caption: input.caption,
			startedAt: new Date(this.now()),
			endedAt: null,
			comments: [],
		};
		this.instagramLives.set(live.id, live);
		return live;
	}

	endInstagramLive(mediaId: string): InstagramLive {
		const live = this.instagramLive(mediaId);
		if (live.endedAt) throw new ConflictError(`live media ${mediaId} already ended`);
		live.endedAt = new Date(this.now());
		return live;
	}

	instagramLive(id: string): InstagramLive {
		const live = this.instagramLives.get(id);
		if (!live) throw new NotFoundError(`no Instagram live media ${id}`);
		return live;
	}

	addFacebookComment(input: {
		live: FacebookLive;
		message: string;
		viewer: Viewer;
		hideFrom: boolean;
		createdTime: Date;
		visibleAt: number;
	}): FacebookComment {
		const comment: FacebookComment = {
			id: `${input.live.id}_${this.#ids.facebookComment.next()}`,
			liveId: input.live.id,
			message: input.message,
			createdTime: input.createdTime,
			viewer: input.viewer,
			hideFrom: input.hideFrom,
			visibleAt: input.visibleAt,
			arrival: ++this.#arrivals,
		};
		const comments = input.live.comments;
		let index = comments.length;
		while (index > 0 && compareComments(comments[index - 1], comment) > 0) index -= 1;
		comments.splice(index, 0, comment);
		return comment;
	}

	addInstagramComment(input: {
		live: InstagramLive;
		text: string;
		viewer: Viewer;
		createdTime: Date;
	}): InstagramComment {
		if (input.live.endedAt) throw new ConflictError(`live media ${input.live.id} has ended`);
		const comment: InstagramComment = {
			id: this.#ids.instagramComment.next(),
			mediaId: input.live.id,
			text: input.text,
			createdTime: input.createdTime,
			viewer: input.viewer,
		};
		input.live.comments.push(comment);
		return comment;
	}

	issueUserToken(user: SimUser, scopes: string[], lifetimeSeconds: number): AccessToken {
		const token: AccessToken = {
			value: `EAAB${randomAlphanumeric(140)}`,
			kind: 'user',
			userId: user.id,
			pageId: null,
			scopes: [...scopes],
			issuedAt: new Date(),
			expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
			invalidated: null,
		};
		this.tokens.set(token.value, token);
		return token;
	}

	/** The Page token a user token yields; it lives as long as its user token, or forever if that is long-lived. */
	pageToken(userToken: AccessToken, page: SimPage): AccessToken {
		const key = `${userToken.value}:${page.id}`;
		const existing = this.tokens.get(this.#derivedPageTokens.get(key) ?? '');
		if (existing) return existing;
		const longLived =
			userToken.expiresAt === null ||
			userToken.expiresAt.getTime() - userToken.issuedAt.getTime() > shortLivedSeconds * 1000;
		const token: AccessToken = {
			value: `EAAG${randomAlphanumeric(140)}`,
			kind: 'page',
			userId: userToken.userId,
			pageId: page.id,
			scopes: [...userToken.scopes],
			issuedAt: new Date(),
			expiresAt: longLived ? null : userToken.expiresAt,
			invalidated: null,
		};
		this.tokens.set(token.value, token);
		this.#derivedPageTokens.set(key, token.value);
		return token;
	}

	issueCode(input: { userId: string; redirectUri: string; scopes: string[] }): AuthorizationCode {
		const code: AuthorizationCode = {
			value: `AQ${randomAlphanumeric(200)}`,
			...input,
			expiresAt: new Date(Date.now() + codeLifetimeMs),
			used: false,
		};
		this.codes.set(code.value, code);
		return code;
	}

	/** The user removes the app: every token they hold stops working and their grants are gone. */
	revokeApp(userId: string): void {
		this.user(userId).grantedScopes = [];
		for (const token of this.tokens.values())
			if (token.userId === userId) token.invalidated ??= 'app_removed';
	}

	/** Tokens chosen by value or by user; 'expired' moves their expiry to now. */
	invalidateTokens(
		target: { token?: string; userId?: string },
		reason: TokenInvalidation | 'expired',
	): AccessToken[] {
		const matches = [...this.tokens.values()].filter(
			(token) => token.value === target.token || token.userId === target.userId,
		);
		if (matches.length === 0)
			throw new NotFoundError(
				target.token ? 'no such access token' : `no tokens for user ${target.userId}`,
			);
		const now = new Date(Date.now() - 1000);
		for (const token of matches) {
			if (reason === 'expired')
				token.expiresAt = token.expiresAt && token.expiresAt < now ? token.expiresAt : now;
			else token.invalidated = reason;
		}
		return matches;
	}
}

export function compareComments(a: FacebookComment, b: FacebookComment): number {
	return a.createdTime.getTime() - b.createdTime.getTime() || a.arrival - b.arrival;
}
