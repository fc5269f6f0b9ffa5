// The Instagram import as the console reads it: scans (public.catalog_syncs) and the drafts
// they made (public.catalog_import_posts with their products), and the review forms' input.
import { z } from 'zod';

export const catalogSyncSchema = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	connection_id: z.uuid(),
	trigger: z.enum(['manual', 'scheduled']),
	status: z.enum(['running', 'succeeded', 'failed']),
	started_at: z.string(),
	finished_at: z.string().nullable(),
	found: z.number().int(),
	imported: z.number().int(),
	skipped: z.number().int(),
	failed: z.number().int(),
	error: z.string().nullable(),
	failures: z.array(
		z.object({
			media_id: z.string().nullable(),
			permalink: z.string().nullable(),
			reason: z.string(),
		}),
	),
});
export type CatalogSync = z.infer<typeof catalogSyncSchema>;

export const importedPostSchema = z.object({
	media_id: z.string(),
	media_type: z.string().nullable(),
	permalink: z.string().nullable(),
	caption: z.string(),
	posted_at: z.string().nullable(),
	price_note: z.string().nullable(),
	product_id: z.uuid(),
});

/** A draft awaiting review: its product and the post it came from. */
export interface ImportDraft {
	productId: string;
	title: string;
	price: number;
	imageUrl: string | null;
	optionSummary: string;
	permalink: string | null;
	caption: string;
	postedAt: string | null;
	/** Why it has no price yet; null when it has one. */
	needsPrice: string | null;
}

const productId = z.uuid('A draft id is not valid');

export const reviewSchema = z.object({
	productIds: z
		.string()
		.transform((ids) => ids.split(',').filter(Boolean))
		.pipe(z.array(productId).min(1, 'Select the drafts first').max(1000)),
	reason: z
		.string()
		.trim()
		.max(500, 'Keep the reason under 500 characters')
		.refine((text) => !text.includes('\u0000'), 'The reason contains a NUL character')
		.optional(),
});

export const scanSchema = z.object({ connectionId: z.uuid('Choose an Instagram account') });

/** "found 120 · drafted 118 · skipped 0 · failed 2" */
export function syncCounts(sync: CatalogSync): string {
	return `found ${sync.found} · drafted ${sync.imported} · already known ${sync.skipped} · failed ${sync.failed}`;
}

/** How long a finished scan took, in words ("4 s", "2 min 5 s"). */
export function syncDuration(sync: CatalogSync): string {
	if (!sync.finished_at) return 'running';
	const seconds = Math.max(
		0,
		Math.round((Date.parse(sync.finished_at) - Date.parse(sync.started_at)) / 1000),
	);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
