// The development harness: only where DEV_HARNESS_ENABLED=true, else 404 as if absent.
// The caller is the service role, or a member of the show's workspace (their JWT).
//   POST emit-comment    {show_id, text, user_id?, user_handle?, created_at?}
//        → the engine's result for one comment on the show's platform and live
//   POST emit-ig-webhook {show_id, comments: [{text, user_id?, username?, comment_id?}]}
//        → POSTs a live_comments delivery, signed with the app secret exactly as Meta signs it, to
//          ig-webhook; answers {status, body, payload}. The media and the Instagram account are the
//          show's live and its connection's account, never the caller's: a signed delivery for any
//          other would let one workspace put comments into another's live.
//   POST bulk-comments   {show_id, comments: [{text, user_id?, user_handle?, delay_ms?}]}
//        → emits them one by one, waiting delay_ms before each; {results, elapsed_ms}
import { config } from '../_shared/config.ts';
import {
	actionOf,
	handle,
	HttpError,
	json,
	readJsonObject,
	requireMethod,
	uuidParam,
} from '../_shared/http.ts';
import { hubSignature } from '../_shared/signatures.ts';
import { isServiceRole, requireUser, rpc, serviceClient } from '../_shared/supabase.ts';

const FUNCTION = 'dev-harness';
const MAX_BULK_COMMENTS = 1000;
const MAX_BULK_DELAY_MS = 120_000;

interface Show {
	id: string;
	platform: 'facebook' | 'instagram';
	live_id: string | null;
	connection_id: string | null;
}

/** The show, if the caller may emit into it: any show for the service role, their workspace's for a member. */
async function showFor(req: Request, showId: string): Promise<Show> {
	const client = (await isServiceRole(req)) ? serviceClient() : (await requireUser(req)).client;
	const { data, error } = await client
		.from('shows')
		.select('id, platform, live_id, connection_id')
		.eq('id', showId)
		.maybeSingle<Show>();
	if (error)
		throw new HttpError(500, 'database_error', `reading the show failed: ${error.message}`);
	// RLS hides other workspaces' shows: not found either way.
	if (!data) throw new HttpError(404, 'not_found', 'show not found');
	if (!data.live_id)
		throw new HttpError(
			409,
			'show_not_bound',
			'the show is not bound to a live yet: activate it first',
		);
	return data;
}

function text(
	value: unknown,
	name: string,
	{ optional = false, max = 10_000 } = {},
): string | undefined {
	if (value === undefined || value === null) {
		if (optional) return undefined;
		throw new HttpError(400, 'invalid_parameter', `${name} is required`);
	}
	if (typeof value !== 'string' || value.length > max)
		throw new HttpError(
			400,
			'invalid_parameter',
			`${name} must be text of at most ${max} characters`,
		);
	return value;
}

interface HarnessComment {
	text: string;
	user_id?: string;
	user_handle?: string;
	created_at?: string;
}

function harnessComment(given: Record<string, unknown>, index?: number): HarnessComment {
	const where = index === undefined ? '' : `comments[${index}].`;
	const createdAt = text(given.created_at, `${where}created_at`, { optional: true, max: 40 });
	if (createdAt !== undefined && Number.isNaN(Date.parse(createdAt)))
		throw new HttpError(400, 'invalid_parameter', `${where}created_at must be an ISO 8601 time`);
	return {
		text: text(given.text, `${where}text`)!,
		user_id: text(given.user_id, `${where}user_id`, { optional: true, max: 100 }),
		user_handle: text(given.user_handle, `${where}user_handle`, { optional: true, max: 100 }),
		created_at: createdAt,
	};
}

/** One comment through the engine as the show's platform would deliver it. */
function emit(show: Show, comment: HarnessComment): Promise<unknown> {
	const handleName = comment.user_handle ?? 'harness_viewer';
	return rpc(serviceClient(), 'ingest_comment', {
		comment: {
			show_id: show.id,
			platform: show.platform,
			live_id: show.live_id,
			comment_id: `harness:${crypto.randomUUID()}`,
			platform_user_id: comment.user_id ?? `harness:${handleName.toLowerCase()}`,
			user_handle: handleName,
			user_display_name: handleName,
			text: comment.text,
			created_at: comment.created_at ?? new Date().toISOString(),
		},
	});
}

async function emitComment(req: Request): Promise<Response> {
	const body = await readJsonObject(req);
	const show = await showFor(req, uuidParam(body.show_id, 'show_id'));
	return json(await emit(show, harnessComment(body)));
}

async function bulkComments(req: Request): Promise<Response> {
	const body = await readJsonObject(req, 4 * 1024 * 1024);
	const show = await showFor(req, uuidParam(body.show_id, 'show_id'));
	if (
		!Array.isArray(body.comments) ||
		body.comments.length === 0 ||
		body.comments.length > MAX_BULK_COMMENTS
	) {
		throw new HttpError(
			400,
			'invalid_parameter',
			`comments must list 1 to ${MAX_BULK_COMMENTS} comments`,
		);
	}
	const planned = body.comments.map((given: Record<string, unknown>, index: number) => {
		const delayMs = given.delay_ms ?? 0;
		if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0)
			throw new HttpError(
				400,
				'invalid_parameter',
				`comments[${index}].delay_ms must be a whole number of ms`,
			);
		return { comment: harnessComment(given, index), delayMs };
	});
	const totalDelay = planned.reduce((sum, { delayMs }) => sum + delayMs, 0);
	if (totalDelay > MAX_BULK_DELAY_MS)
		throw new HttpError(
			400,
			'invalid_parameter',
			`the delays add up to ${totalDelay} ms; at most ${MAX_BULK_DELAY_MS}`,
		);
	const started = performance.now();
	const results: unknown[] = [];
	for (const { comment, delayMs } of planned) {
		if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
		results.push(await emit(show, comment));
	}
	return json({ results, elapsed_ms: Math.round(performance.now() - started) });
}

/** The Instagram account a show listens to: its active connection's external account id. */
async function instagramAccountOf(show: Show): Promise<string> {
	const noConnection = new HttpError(
		409,
		'no_connection',
		'the show has no active Instagram connection: Meta would deliver nothing for it',
	);
	if (!show.connection_id) throw noConnection;
	const { data, error } = await serviceClient()
		.from('social_connections')
		.select('external_account_id, status')
		.eq('id', show.connection_id)
		.maybeSingle<{ external_account_id: string; status: string }>();
	if (error)
		throw new HttpError(500, 'database_error', `reading the connection failed: ${error.message}`);
	if (data?.status !== 'active') throw noConnection;
	return data.external_account_id;
}

async function emitInstagramWebhook(req: Request): Promise<Response> {
	const body = await readJsonObject(req);
	if (body.media_id !== undefined || body.ig_user_id !== undefined)
		throw new HttpError(
			400,
			'invalid_parameter',
			'media_id and ig_user_id come from the show and its connection; give show_id only',
		);
	const show = await showFor(req, uuidParam(body.show_id, 'show_id'));
	if (show.platform !== 'instagram')
		throw new HttpError(409, 'not_instagram', 'the show is not an Instagram show');
	const mediaId = show.live_id!;
	const igUserId = await instagramAccountOf(show);
	if (!Array.isArray(body.comments) || body.comments.length === 0 || body.comments.length > 100) {
		throw new HttpError(400, 'invalid_parameter', 'comments must list 1 to 100 comments');
	}
	const time = Math.floor(Date.now() / 1000);
	const payload = {
		object: 'instagram',
		entry: [
			{
				id: igUserId,
				time,
				changes: body.comments.map((given: Record<string, unknown>, index: number) => ({
					field: 'live_comments',
					value: {
						from: {
							id:
								text(given.user_id, `comments[${index}].user_id`, { optional: true, max: 64 }) ??
								`9${String(index).padStart(8, '0')}`,
							username:
								text(given.username, `comments[${index}].username`, { optional: true, max: 100 }) ??
								`viewer_${index}`,
						},
						media: { id: mediaId, media_product_type: 'LIVE' },
						id:
							text(given.comment_id, `comments[${index}].comment_id`, {
								optional: true,
								max: 64,
							}) ??
							`${time}${String(index).padStart(6, '0')}${crypto.getRandomValues(new Uint32Array(1))[0]}`,
						text: text(given.text, `comments[${index}].text`),
					},
				})),
			},
		],
	};
	const raw = JSON.stringify(payload);
	const { SUPABASE_URL, META_APP_SECRET } = config('SUPABASE_URL', 'META_APP_SECRET');
	const response = await fetch(`${SUPABASE_URL.replace(/\/+$/, '')}/functions/v1/ig-webhook`, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			'X-Hub-Signature-256': await hubSignature(raw, META_APP_SECRET),
		},
		body: raw,
	});
	const answer = await response.text();
	let parsed: unknown = answer;
	try {
		parsed = JSON.parse(answer);
	} catch {
		// Kept as text.
	}
	return json({ status: response.status, body: parsed, payload });
}

const actions: Record<string, (req: Request) => Promise<Response>> = {
	'emit-comment': emitComment,
	'emit-ig-webhook': emitInstagramWebhook,
	'bulk-comments': bulkComments,
};

Deno.serve(
	handle(FUNCTION, async (req) => {
		if (!config('DEV_HARNESS_ENABLED').DEV_HARNESS_ENABLED)
			throw new HttpError(404, 'not_found', 'Requested function was not found');
		requireMethod(req, 'POST');
		const action = actions[actionOf(req, FUNCTION)];
		if (!action)
			throw new HttpError(
				404,
				'not_found',
				`unknown action; use one of ${Object.keys(actions).join(', ')}`,
			);
		return action(req);
	}),
);
