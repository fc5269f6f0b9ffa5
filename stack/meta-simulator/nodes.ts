// The Graph nodes the simulator serves and what each field returns for the calling token.
// Who may see what follows Meta: a Page's manager (user token) and the Page itself (Page token)
// see the Page; commenters appear in `from` only for a Page token with pages_read_user_content.
import type { NodeType } from './fields.ts';
import { project } from './fields.ts';
import type {
	AccessToken,
	FacebookComment,
	FacebookLive,
	InstagramLive,
	SimInstagram,
	SimPage,
	SimUser,
	Viewer,
	World,
} from './world.ts';

export type Caller =
	{ kind: 'user'; token: AccessToken } | { kind: 'page'; token: AccessToken } | { kind: 'app' };

export interface NodeContext {
	world: World;
	caller: Caller;
}

/** Meta's time format: `2026-11-20T19:12:41+0000`. */
export function graphTime(date: Date): string {
	return date.toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export const pageTasks = ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'];

export function managesPage(caller: Caller, page: SimPage): boolean {
	return caller.kind === 'user' && page.managerIds.includes(caller.token.userId);
}

export function isPage(caller: Caller, pageId: string): boolean {
	return caller.kind === 'page' && caller.token.pageId === pageId;
}

export function hasScope(caller: Caller, scope: string): boolean {
	return caller.kind !== 'app' && caller.token.scopes.includes(scope);
}

export const userNode: NodeType<SimUser, NodeContext> = {
	name: 'User',
	defaults: ['name', 'id'],
	fields: {
		id: (user) => user.id,
		name: (user) => user.name,
		first_name: (user) => user.name.split(' ')[0],
		last_name: (user) => user.name.split(' ').slice(1).join(' ') || undefined,
	},
};

export const viewerNode: NodeType<Viewer, NodeContext> = {
	name: 'User',
	defaults: ['name', 'id'],
	fields: { id: (viewer) => viewer.id, name: (viewer) => viewer.name },
};

export const instagramUserNode: NodeType<SimInstagram, NodeContext> = {
	name: 'IGUser',
	defaults: ['id'],
	fields: {
		id: (account) => account.id,
		username: (account) => account.username,
		name: (account) => account.name,
		profile_picture_url: (account) =>
			`https://scontent.cdninstagram.com/simulated/${account.id}.jpg`,
	},
};

export const pageNode: NodeType<SimPage, NodeContext> = {
	name: 'Page',
	defaults: ['name', 'id'],
	fields: {
		id: (page) => page.id,
		name: (page) => page.name,
		category: (page) => page.category,
		category_list: (page) => [{ id: page.categoryId, name: page.category }],
		link: (page) => `https://www.facebook.com/${page.id}`,
		access_token: (page, { world, caller }) => {
			if (isPage(caller, page.id) && caller.kind === 'page') return caller.token.value;
			if (managesPage(caller, page) && caller.kind === 'user')
				return world.pageToken(caller.token, page).value;
			return undefined;
		},
		tasks: (page, { caller }) => (managesPage(caller, page) ? pageTasks : undefined),
		instagram_business_account: (page, context, selection) =>
			page.instagramId === null
				? undefined
				: project(
						instagramUserNode,
						context.world.instagramAccount(page.instagramId),
						context,
						selection,
					),
	},
};

/** A Page as listed by /me/accounts. */
export const accountNode: NodeType<SimPage, NodeContext> = {
	...pageNode,
	defaults: ['access_token', 'category', 'category_list', 'name', 'id', 'tasks'],
};

export const liveVideoNode: NodeType<FacebookLive, NodeContext> = {
	name: 'LiveVideo',
	defaults: ['status', 'embed_html', 'id'],
	fields: {
		id: (live) => live.id,
		title: (live) => live.title || undefined,
		description: (live) => live.description || undefined,
		status: (live) => live.status,
		creation_time: (live) => graphTime(live.creationTime),
		broadcast_start_time: (live) => graphTime(live.creationTime),
		permalink_url: (live) => `/${live.pageId}/videos/${live.id}/`,
		live_views: (live, { world }) => world.liveViewsNow(live),
		embed_html: (live) =>
			`<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2F${live.pageId}%2Fvideos%2F${live.id}%2F&width=1280" width="1280" height="720" style="border:none;overflow:hidden" scrolling="no" frameborder="0" allowfullscreen="true" allow="autoplay; clipboard-write; encrypted-media; picture-in-picture; web-share" allowFullScreen="true"></iframe>`,
		from: (live, context, selection) =>
			project(pageNode, context.world.page(live.pageId), context, selection),
	},
};

export const commentNode: NodeType<FacebookComment, NodeContext> = {
	name: 'Comment',
	defaults: ['created_time', 'from', 'message', 'id'],
	fields: {
		id: (comment) => comment.id,
		message: (comment) => comment.message,
		created_time: (comment) => graphTime(comment.createdTime),
		from: (comment, context, selection) => {
			const visible =
				context.caller.kind === 'page' &&
				hasScope(context.caller, 'pages_read_user_content') &&
				!comment.hideFrom &&
				!comment.viewer.hidden;
			return visible ? project(viewerNode, comment.viewer, context, selection) : undefined;
		},
		like_count: () => 0,
		comment_count: () => 0,
		is_hidden: () => false,
		can_comment: () => true,
	},
};

export const liveMediaNode: NodeType<InstagramLive, NodeContext> = {
	name: 'IGMedia',
	defaults: ['id'],
	fields: {
		id: (live) => live.id,
		media_type: () => 'BROADCAST',
		media_product_type: () => 'LIVE',
		owner: (live) => ({ id: live.igUserId }),
		username: (live, { world }) => world.instagramAccount(live.igUserId).username,
		timestamp: (live) => graphTime(live.startedAt),
		caption: (live) => live.caption || undefined,
		comments_count: (live) => live.comments.length,
	},
};
