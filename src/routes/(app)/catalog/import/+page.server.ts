import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import {
	catalogSyncSchema,
	importedPostSchema,
	reviewSchema,
	scanSchema,
	type ImportDraft,
} from '$lib/catalog/instagram-import';
import { issuesByPath } from '$lib/catalog/forms';
import { describeRpcError } from '$lib/rpc-error';
import { readCatalogContext } from '$lib/server/catalog';
import { describeFunctionFailure } from '$lib/server/meta';
import { currentWorkspace } from '$lib/server/workspace';
import type { Actions, PageServerLoad } from './$types';

/** Drafts shown at once, newest post first; approving or rejecting brings up the next. */
const draftsShown = 200;
const historyShown = 20;

const draftRowSchema = importedPostSchema.extend({
	product: z.object({
		id: z.uuid(),
		title: z.string(),
		price: z.number().int(),
		image_urls: z.array(z.string()),
		option_names: z.array(z.string()),
		status: z.string(),
	}),
});

const connectionSchema = z.object({
	id: z.uuid(),
	display_name: z.string().nullable(),
	external_account_id: z.string(),
	status: z.string(),
});

export const load: PageServerLoad = async ({ locals, parent, cookies }) => {
	const { workspace } = await parent();
	if (!workspace) return { importer: null, cookies: cookies.getAll() };
	const supabase = locals.supabase;
	const [context, connections, syncs, posts] = await Promise.all([
		readCatalogContext(supabase, workspace),
		supabase
			.from('social_connections')
			.select('id, display_name, external_account_id, status')
			.eq('workspace_id', workspace.id)
			.eq('platform', 'instagram')
			.order('created_at'),
		supabase
			.from('catalog_syncs')
			.select('*')
			.eq('workspace_id', workspace.id)
			.order('started_at', { ascending: false })
			.limit(historyShown),
		supabase
			.from('catalog_import_posts')
			.select(
				'media_id, media_type, permalink, caption, posted_at, price_note, product_id, product:products(id, title, price, image_urls, option_names, status)',
				{ count: 'exact' },
			)
			.eq('workspace_id', workspace.id)
			.eq('status', 'draft')
			.not('product_id', 'is', null)
			.order('posted_at', { ascending: false, nullsFirst: false })
			.limit(draftsShown),
	]);
	for (const read of [connections, syncs, posts])
		if (read.error)
			error(
				502,
				`Couldn’t load the Instagram import: ${describeRpcError(read.error, read.status)}`,
			);
	const rows = z.array(draftRowSchema).parse(posts.data);
	// A draft the editor already made active or archived is no longer waiting for review.
	const waiting = rows.filter((row) => row.product.status === 'draft');
	const drafts: ImportDraft[] = waiting.map((row) => ({
		productId: row.product.id,
		title: row.product.title,
		price: row.product.price,
		imageUrl: row.product.image_urls[0] ?? null,
		optionSummary: row.product.option_names.join(' · '),
		permalink: row.permalink,
		caption: row.caption,
		postedAt: row.posted_at,
		needsPrice: row.product.price === 0 ? (row.price_note ?? 'no price yet') : null,
	}));
	return {
		importer: {
			...context,
			workspaceId: workspace.id,
			connections: z.array(connectionSchema).parse(connections.data),
			syncs: z.array(catalogSyncSchema).parse(syncs.data),
			drafts,
			draftTotal: (posts.count ?? rows.length) - (rows.length - waiting.length),
		},
		// The page follows the scan over Realtime with the same session (+page.ts).
		cookies: cookies.getAll(),
	};
};

type RequestContext = Parameters<typeof currentWorkspace>[0];

async function workspaceOf(context: RequestContext) {
	const { workspace, error: problem } = await currentWorkspace(context);
	return workspace ? { workspace } : { failure: problem ?? 'Your account has no workspace.' };
}

export const actions: Actions = {
	scan: async ({ request, locals }) => {
		const parsed = scanSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success)
			return fail(400, { scan: { message: Object.values(issuesByPath(parsed.error))[0] } });
		// The function checks the role, runs the scan and answers when it is done; the page follows
		// its progress over Realtime meanwhile.
		const {
			data,
			error: failure,
			response,
		} = await locals.supabase.functions.invoke('ig-catalog-import', {
			method: 'POST',
			body: { connection_id: parsed.data.connectionId },
		});
		if (failure) {
			const status = response?.status ?? 0;
			const body = response ? await response.json().catch(() => null) : null;
			return fail(status || 502, { scan: { message: describeFunctionFailure(status, body) } });
		}
		const scan = z
			.object({
				scans: z.array(
					z.object({
						status: z.string(),
						imported: z.number(),
						failed: z.number(),
						error: z.string().nullable(),
					}),
				),
			})
			.parse(data).scans[0];
		return { scan };
	},

	approve: async ({ request, locals, cookies }) => {
		const found = await workspaceOf({ locals, cookies });
		if ('failure' in found) return fail(409, { review: { message: found.failure } });
		const parsed = reviewSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success)
			return fail(400, { review: { message: Object.values(issuesByPath(parsed.error))[0] } });
		const {
			data,
			error: failure,
			status,
		} = await locals.supabase.rpc('approve_catalog_drafts', {
			workspace_id: found.workspace.id,
			product_ids: parsed.data.productIds,
		});
		if (failure)
			return fail(status || 502, { review: { message: describeRpcError(failure, status) } });
		const result = z
			.object({ approved: z.number(), needs_price: z.array(z.string()), not_found: z.number() })
			.parse(data);
		return {
			review: { approved: result.approved, needsPrice: result.needs_price.length },
		};
	},

	reject: async ({ request, locals, cookies }) => {
		const found = await workspaceOf({ locals, cookies });
		if ('failure' in found) return fail(409, { review: { message: found.failure } });
		const parsed = reviewSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success)
			return fail(400, { review: { message: Object.values(issuesByPath(parsed.error))[0] } });
		const {
			data,
			error: failure,
			status,
		} = await locals.supabase.rpc('reject_catalog_drafts', {
			workspace_id: found.workspace.id,
			product_ids: parsed.data.productIds,
			reason: parsed.data.reason || null,
		});
		if (failure)
			return fail(status || 502, { review: { message: describeRpcError(failure, status) } });
		return { review: { rejected: Number(data) } };
	},
};
