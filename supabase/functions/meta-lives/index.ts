// "Detect active lives": what a connection is broadcasting now, and the check of a
// pasted live URL or id (the fallback). Any member of the connection's workspace may ask.
//   GET meta-lives?connection_id=<uuid>                 → {connection, lives: [Live]}
//   GET meta-lives?connection_id=<uuid>&reference=<url or id> → {connection, live: Live}
// (POST with the same fields as a JSON body works too.)
// Live: {live_id, platform, title, status, is_live, started_at, viewers, permalink_url}
// Every live answered here is recorded as confirmed for the connection (public.meta_confirm_lives):
// Meta said, to the connection's own token, that it is the connection's account's. That record is
// the only way a live id reaches a running show (activate_show checks it).
import { GraphApiError } from '../_shared/graph.ts';
import {
	handle,
	HttpError,
	json,
	readJsonObject,
	requireMethod,
	uuidParam,
} from '../_shared/http.ts';
import { parseLiveReference } from '../_shared/live-url.ts';
import {
	accessToken,
	connectionCredentials,
	graphClient,
	graphFailure,
	recordTokenProblem,
	type ConnectionCredentials,
} from '../_shared/meta.ts';
import { requireUser, requireWorkspaceRole, rpc, serviceClient } from '../_shared/supabase.ts';

interface Live {
	live_id: string;
	platform: 'facebook' | 'instagram';
	title: string | null;
	status: string;
	is_live: boolean;
	started_at: string | null;
	viewers: number | null;
	permalink_url: string | null;
}

interface FacebookLiveVideo {
	id: string;
	title?: string;
	status: string;
	creation_time?: string;
	permalink_url?: string;
	live_views?: number;
}

interface InstagramLiveMedia {
	id: string;
	media_product_type?: string;
	owner?: { id: string };
	username?: string;
	timestamp?: string;
}

const FACEBOOK_FIELDS = 'id,title,status,creation_time,permalink_url,live_views';
const INSTAGRAM_FIELDS = 'id,media_type,media_product_type,owner,username,timestamp';

/** Meta's `+0000` offsets as ISO 8601 the console's Date parses everywhere. */
const isoTime = (value: string | undefined) =>
	value ? new Date(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')).toISOString() : null;

function facebookLive(video: FacebookLiveVideo): Live {
	return {
		live_id: video.id,
		platform: 'facebook',
		title: video.title ?? null,
		status: video.status,
		is_live: video.status === 'LIVE',
		started_at: isoTime(video.creation_time),
		viewers: video.live_views ?? null,
		permalink_url: video.permalink_url
			? new URL(video.permalink_url, 'https://www.facebook.com').href
			: null,
	};
}

function instagramLive(media: InstagramLiveMedia): Live {
	return {
		live_id: media.id,
		platform: 'instagram',
		title: media.username ? `@${media.username} live` : null,
		status: media.media_product_type === 'LIVE' ? 'LIVE' : (media.media_product_type ?? 'UNKNOWN'),
		is_live: media.media_product_type === 'LIVE',
		started_at: isoTime(media.timestamp),
		// Instagram's API gives no viewer count for live media.
		viewers: null,
		permalink_url: media.username ? `https://www.instagram.com/${media.username}/live/` : null,
	};
}

async function currentLives(connection: ConnectionCredentials, token: string): Promise<Live[]> {
	const graph = graphClient();
	if (connection.platform === 'facebook') {
		const answer = await graph.get<{ data: FacebookLiveVideo[] }>(
			`/${connection.external_account_id}/live_videos`,
			{ broadcast_status: ['LIVE'], fields: FACEBOOK_FIELDS, limit: 25 },
			token,
		);
		return answer.body.data.map(facebookLive);
	}
	const answer = await graph.get<{ data: InstagramLiveMedia[] }>(
		`/${connection.external_account_id}/live_media`,
		{ fields: INSTAGRAM_FIELDS, limit: 25 },
		token,
	);
	return answer.body.data.map(instagramLive);
}

/** The pasted live, looked up at Meta with the connection's token: it must exist and be this account's. */
async function referencedLive(
	connection: ConnectionCredentials,
	token: string,
	reference: string,
): Promise<Live> {
	const parsed = parseLiveReference(reference, connection.platform);
	if (!parsed.ok) throw new HttpError(400, 'invalid_reference', parsed.message);
	const graph = graphClient();
	const notFound = () =>
		new HttpError(
			404,
			'live_not_found',
			`${connection.display_name ?? 'this account'} has no ${connection.platform === 'facebook' ? 'live video' : 'live broadcast'} ${parsed.liveId}`,
		);
	try {
		if (connection.platform === 'facebook') {
			const video = (
				await graph.get<FacebookLiveVideo & { from?: { id: string } }>(
					`/${parsed.liveId}`,
					{ fields: `${FACEBOOK_FIELDS},from{id}` },
					token,
				)
			).body;
			// A Page token may read other Pages' public videos: only the connection's Page's count.
			if (video.from?.id !== connection.external_account_id) throw notFound();
			return facebookLive(video);
		}
		const media = (
			await graph.get<InstagramLiveMedia>(`/${parsed.liveId}`, { fields: INSTAGRAM_FIELDS }, token)
		).body;
		if (media.owner?.id !== connection.external_account_id) throw notFound();
		return instagramLive(media);
	} catch (error) {
		// Meta answers 100 (or 803) for an id that does not exist or that the token may not see.
		if (error instanceof GraphApiError && error.kind === 'request') throw notFound();
		throw error;
	}
}

/** Records that Meta confirmed these lives as the connection's account's. */
async function confirmLives(connection: ConnectionCredentials, lives: Live[]): Promise<void> {
	if (lives.length === 0) return;
	await rpc(serviceClient(), 'meta_confirm_lives', {
		connection_id: connection.id,
		live_ids: lives.map((live) => live.live_id),
	});
}

Deno.serve(
	handle('meta-lives', async (req) => {
		requireMethod(req, 'GET', 'POST');
		const caller = await requireUser(req);
		const query = new URL(req.url).searchParams;
		const body = req.method === 'POST' ? await readJsonObject(req) : {};
		const connectionId = uuidParam(
			body.connection_id ?? query.get('connection_id'),
			'connection_id',
		);
		const reference = body.reference ?? query.get('reference');
		if (reference !== null && reference !== undefined && typeof reference !== 'string')
			throw new HttpError(400, 'invalid_parameter', 'reference must be text');

		const connection = await connectionCredentials(connectionId);
		await requireWorkspaceRole(caller, connection.workspace_id, 'assistant');
		const token = await accessToken(connection);
		const summary = {
			id: connection.id,
			platform: connection.platform,
			display_name: connection.display_name,
			external_account_id: connection.external_account_id,
		};
		try {
			if (reference) {
				const live = await referencedLive(connection, token, reference);
				await confirmLives(connection, [live]);
				return json({ connection: summary, live });
			}
			const lives = await currentLives(connection, token);
			await confirmLives(connection, lives);
			return json({ connection: summary, lives });
		} catch (error) {
			if (!(error instanceof GraphApiError)) throw error;
			await recordTokenProblem(serviceClient(), connection.id, error);
			throw graphFailure(error, connection.id);
		}
	}),
);
