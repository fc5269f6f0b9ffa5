// The Instagram catalog import: reads a connected Instagram account's posts and drafts a product
// from each new one (its caption read by the caption extractor, its images and permalink kept).
//   POST ig-catalog-import {connection_id}   with an owner's or admin's JWT: a scan now
//   POST ig-catalog-import {scheduled: true} with the service-role key (the 30-minute schedule in
//        supabase/migrations/20261202300200_catalog_import_schedule.sql): a re-scan of every
//        account imported before, stopping at the first page with nothing new
// A scan's progress is written page by page to public.catalog_syncs, which the console watches
// over Realtime. Drafts are keyed by media id in the database, so scans may repeat or overlap
// harmlessly; a post that cannot be drafted is counted and explained, and the scan goes on.
// Answers {scans: [{sync_id, status, found, imported, skipped, failed, error}]}.
import { ruleExtractor, type CaptionExtractor } from '../_shared/caption-extractor.ts';
import { GraphApiError, type GraphResponse } from '../_shared/graph.ts';
import {
	handle,
	HttpError,
	json,
	readJsonObject,
	requireMethod,
	uuidParam,
} from '../_shared/http.ts';
import {
	accessToken,
	connectionCredentials,
	graphClient,
	recordTokenProblem,
} from '../_shared/meta.ts';
import { backoffMs, pollIntervalMs } from '../_shared/pacing.ts';
import { isServiceRole, requireUser, rpc, serviceClient } from '../_shared/supabase.ts';

// The IG User Media edge: an account's posts newest first, cursor-paged (`after`, `paging.next`),
// Meta's 10,000 most recent at most; carousels list their images under `children`.
const MEDIA_FIELDS =
	'id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,children{media_type,media_url}';
/** Posts per page; Meta serves up to 100. One page is one database call. */
const PAGE_SIZE = 100;
/** The pause between pages while Meta's usage is low; pacing.ts stretches it as usage rises. */
const PAGE_INTERVAL_MS = 200;
/** Retries of one page after a throttle or a Meta fault, each after the pacing back-off. */
const MAX_RETRIES = 4;
/** A longer wait than this ends the scan instead: the next scan goes on from where it is. */
const MAX_WAIT_MS = 60_000;
/** A run's share of the platform's wall-clock limit: past it scans stop and say so. */
const TIME_BUDGET_MS = 120_000;
/** Scheduled scans one run takes on; more wait for the next run. */
const MAX_SCHEDULED_SCANS = 10;

interface Sync {
	id: string;
	workspace_id: string;
	connection_id: string;
	trigger: 'manual' | 'scheduled';
}

interface GraphMedia {
	id?: string;
	caption?: string;
	media_type?: string;
	media_url?: string;
	thumbnail_url?: string;
	permalink?: string;
	timestamp?: string;
	children?: { data?: { media_type?: string; media_url?: string }[] };
}

interface MediaPage {
	data?: GraphMedia[];
	paging?: { next?: string };
}

interface ScanResult {
	sync_id: string;
	status: 'succeeded' | 'failed';
	found: number;
	imported: number;
	skipped: number;
	failed: number;
	error: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Meta's `+0000` offsets as ISO 8601. */
const isoTime = (value: string | undefined) =>
	value ? value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2') : null;

/** The images a draft keeps: a carousel's pictures, a video's cover, else the picture. */
function imagesOf(media: GraphMedia): string[] {
	if (media.media_type === 'CAROUSEL_ALBUM') {
		const children = (media.children?.data ?? [])
			.filter((child) => child.media_type === 'IMAGE' && child.media_url)
			.map((child) => child.media_url!);
		if (children.length > 0) return children;
	}
	const cover = media.media_type === 'VIDEO' ? media.thumbnail_url : media.media_url;
	return cover ? [cover] : [];
}

/** A post as catalog_import_record takes it. */
async function toPost(media: GraphMedia, extractor: CaptionExtractor, workspaceCurrency: string) {
	// Postgres text holds no NUL; a caption is at most 2,200 characters on Instagram.
	const caption = (media.caption ?? '').replaceAll('\u0000', '').slice(0, 2200);
	const extracted = await extractor.extract(caption, { workspaceCurrency });
	return {
		media_id: media.id ?? null,
		media_type: media.media_type ?? null,
		caption,
		permalink: media.permalink ?? null,
		timestamp: isoTime(media.timestamp),
		image_urls: imagesOf(media),
		extracted: {
			title: extracted.title,
			price: extracted.price,
			currency: extracted.currency,
			compare_at_price: extracted.compareAtPrice,
			price_text: extracted.priceText,
			options: extracted.options,
			skus: extracted.skus,
			tags: extracted.tags,
		},
	};
}

/** One page, retried after throttles and Meta's faults with the poller's back-off. */
async function readPage(read: () => Promise<GraphResponse<MediaPage>>) {
	for (let failures = 0; ;) {
		try {
			return await read();
		} catch (error) {
			if (!(error instanceof GraphApiError)) throw error;
			if (error.kind !== 'throttled' && error.kind !== 'transient') throw error;
			failures += 1;
			const waitMs = backoffMs(error, failures);
			if (failures > MAX_RETRIES || waitMs > MAX_WAIT_MS) throw error;
			await sleep(waitMs);
		}
	}
}

async function finish(sync: Sync, status: 'succeeded' | 'failed', error: string | null) {
	const finished = await rpc<ScanResult & { id: string }>(
		serviceClient(),
		'catalog_import_finish',
		{
			sync_id: sync.id,
			status,
			error,
		},
	);
	return {
		sync_id: finished.id,
		status,
		found: finished.found,
		imported: finished.imported,
		skipped: finished.skipped,
		failed: finished.failed,
		error,
	};
}

/** Reads the account's posts page by page into drafts; a scheduled re-scan stops at the first page with nothing new. */
async function scan(
	sync: Sync,
	extractor: CaptionExtractor,
	deadline: number,
): Promise<ScanResult> {
	const service = serviceClient();
	try {
		const connection = await connectionCredentials(sync.connection_id);
		const token = await accessToken(connection);
		const { data: workspace, error } = await service
			.from('workspaces')
			.select('currency')
			.eq('id', sync.workspace_id)
			.single<{ currency: string }>();
		if (error) throw new Error(`reading the workspace's currency failed: ${error.message}`);
		const graph = graphClient();
		let page = await readPage(() =>
			graph.get<MediaPage>(
				`/${connection.external_account_id}/media`,
				{ fields: MEDIA_FIELDS, limit: PAGE_SIZE },
				token,
			),
		);
		for (;;) {
			const media = page.body.data ?? [];
			const posts = await Promise.all(
				media.map((item) => toPost(item, extractor, workspace.currency)),
			);
			const written = await rpc<{ skipped: number }>(service, 'catalog_import_record', {
				sync_id: sync.id,
				posts,
			});
			const next = page.body.paging?.next;
			if (!next || (sync.trigger === 'scheduled' && written.skipped === posts.length))
				return await finish(sync, 'succeeded', null);
			if (Date.now() > deadline)
				return await finish(
					sync,
					'failed',
					`stopped after ${TIME_BUDGET_MS / 1000} s with more posts to read; start the scan again to go on (drafted posts are skipped)`,
				);
			await sleep(pollIntervalMs(PAGE_INTERVAL_MS, page.usage.percent));
			page = await readPage(() => graph.next<MediaPage>(next, token));
		}
	} catch (error) {
		if (error instanceof GraphApiError) {
			await recordTokenProblem(service, sync.connection_id, error);
			const regain = error.usage.regainAfterMs
				? `; Meta asks to wait ${Math.ceil(error.usage.regainAfterMs / 60_000)} min`
				: '';
			const advice =
				error.kind === 'token'
					? ': reconnect the Instagram account'
					: error.kind === 'permission'
						? ': reconnect the Instagram account and grant every permission asked'
						: '';
			return finish(sync, 'failed', `${error.message}${regain}${advice}`);
		}
		if (!(error instanceof HttpError)) console.error(`ig-catalog-import: scan ${sync.id}:`, error);
		return finish(sync, 'failed', (error as Error).message ?? String(error));
	}
}

/** Where an optional language-model extractor would be chosen (with the rules as its fallback) once one is configured; the rules for now. */
const extractor: CaptionExtractor = ruleExtractor;

Deno.serve(
	handle('ig-catalog-import', async (req) => {
		requireMethod(req, 'POST');
		const body = await readJsonObject(req);
		if (await isServiceRole(req)) {
			if (body.scheduled !== true)
				throw new HttpError(400, 'invalid_body', 'the service role runs {"scheduled": true}');
			const due = await rpc<Sync[]>(serviceClient(), 'catalog_import_due', {
				max_connections: MAX_SCHEDULED_SCANS,
				min_interval: '25 minutes',
			});
			const deadline = Date.now() + TIME_BUDGET_MS;
			const scans: ScanResult[] = [];
			for (const sync of due)
				scans.push(
					Date.now() > deadline
						? await finish(sync, 'failed', 'not reached in this run; the next run scans it')
						: await scan(sync, extractor, deadline),
				);
			return json({ scans });
		}
		const caller = await requireUser(req);
		const connectionId = uuidParam(body.connection_id, 'connection_id');
		// Checks the role, refuses a second scan of the account, and writes the audit log.
		const sync = await rpc<Sync>(caller.client, 'start_catalog_import', {
			connection_id: connectionId,
		});
		return json({ scans: [await scan(sync, extractor, Date.now() + TIME_BUDGET_MS)] });
	}),
);
