import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { parseLiveReference } from '$lib/live-url';
import { describeRpcError } from '$lib/rpc-error';
import { parseQuickAdd, type QuickAddLineError } from '$lib/quick-add';
import { showSchema } from '$lib/rows';
import {
	activateSchema,
	buyerLimitsSchema,
	itemEditSchema,
	itemIdSchema,
	parseForm,
	showWordsSchema,
	type FieldErrors,
} from '$lib/schemas';
import { parseMoney } from '$lib/catalog/money';
import { checkLive, detectLives, MetaFunctionError } from '$lib/server/meta';
import { readItems, showIdFrom } from '$lib/server/show-report';
import { freeStockFor, readHeldStock, readShowCurrency } from '$lib/server/stock';
import type { Actions, PageServerLoad } from './$types';

const setupShowSchema = showSchema.pick({
	id: true,
	workspace_id: true,
	name: true,
	status: true,
	platform: true,
	connection_id: true,
	live_id: true,
	live_url: true,
	claim_words: true,
	pass_words: true,
	max_units_per_buyer: true,
	max_units_per_buyer_item: true,
});
const setupShowColumns = Object.keys(setupShowSchema.shape).join(', ');
const workspaceWordsSchema = z.object({
	claim_words: z.array(z.string()),
	pass_words: z.array(z.string()),
	max_units_per_buyer: z.number().int().nullable(),
	max_units_per_buyer_item: z.number().int().nullable(),
});

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const showId = showIdFrom(params);
	const [showResult, items] = await Promise.all([
		locals.supabase.from('shows').select(setupShowColumns).eq('id', showId).maybeSingle(),
		readItems(locals.supabase, showId),
	]);
	if (showResult.error)
		error(502, `Couldn’t load the show: ${describeRpcError(showResult.error, showResult.status)}`);
	if (!showResult.data) error(404, 'There is no such show in your workspace');
	const show = setupShowSchema.parse(showResult.data);

	const [words, currency, stock] = await Promise.all([
		locals.supabase
			.from('workspaces')
			.select('claim_words, pass_words, max_units_per_buyer, max_units_per_buyer_item')
			.eq('id', show.workspace_id)
			.single(),
		readShowCurrency(locals.supabase, show.id),
		show.status === 'ended' || !items.some((item) => item.product_variant_id)
			? new Map()
			: readHeldStock(locals.supabase, show.workspace_id),
	]);
	if (words.error)
		error(
			502,
			`Couldn’t load the workspace’s claim words: ${describeRpcError(words.error, words.status)}`,
		);

	// The most each item may hold: 30, and for a catalog variant while the show is not over, what
	// other shows leave of its stock (the database checks the same when the quantity is saved).
	const quantityCaps: Record<string, number> = {};
	for (const item of items) {
		const variant = item.product_variant_id ? stock.get(item.product_variant_id) : undefined;
		quantityCaps[item.id] = variant ? Math.min(30, freeStockFor(variant, item.id)) : 30;
	}

	return {
		show,
		items,
		currency,
		quantityCaps,
		workspaceWords: workspaceWordsSchema.parse(words.data),
		// A bare live id pasted on the New show page, carried here for the Activate field.
		pastedLiveId: url.searchParams.get('live')?.trim() || null,
	};
};

// What the Add from catalog form sends: add_catalog_items elements, checked for shape here and
// for everything else by the database.
const catalogItemsSchema = z
	.array(
		z.union([
			z.object({ product_id: z.uuid(), item_number: z.string().max(6).optional() }),
			z.object({ variants: z.array(z.uuid()).min(1), item_number: z.string().max(6).optional() }),
		]),
	)
	.min(1)
	.max(200);
const addedFromCatalogSchema = z.object({
	added: z.array(z.object({ item_number: z.string() })),
	out_of_stock: z.array(z.object({ title: z.string(), variant_label: z.string() })),
});

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

type RpcResult = {
	data: unknown;
	error: { message: string; code?: string } | null;
	status: number;
};

/** An RPC's result, or the action's failure in the engine's words with the form's echo. */
async function attempt<Echo extends object>(call: PromiseLike<RpcResult>, echo: Echo) {
	const result = await call;
	if (!result.error) return { ok: true as const, data: result.data };
	const message = describeRpcError(result.error, result.status);
	return { ok: false as const, failure: fail(result.status || 502, { ...echo, message }) };
}

export const actions: Actions = {
	addItems: async ({ request, locals, params }) => {
		const showId = showIdFrom(params);
		const text = String((await request.formData()).get('items') ?? '');
		const { items, errors } = parseQuickAdd(text);
		if (errors.length > 0 || items.length === 0) {
			const lineErrors: QuickAddLineError[] =
				items.length === 0 && errors.length === 0
					? [
							{
								line: 0,
								text: '',
								message: 'Type an item number, a range like 101-150, or paste a list',
							},
						]
					: errors;
			return fail(400, { kind: 'addItems' as const, text, lineErrors });
		}
		const result = await attempt(
			locals.supabase.rpc('add_show_items', { show_id: showId, items }),
			{
				kind: 'addItems' as const,
				text,
				lineErrors: [] as QuickAddLineError[],
			},
		);
		if (!result.ok) return result.failure;
		const added = z
			.object({
				added: z.array(z.object({ item_number: z.string() })),
				skipped: z.array(z.string()),
			})
			.parse(result.data);
		return {
			kind: 'addItems' as const,
			added: added.added.map((item) => item.item_number),
			skipped: added.skipped,
		};
	},

	addFromCatalog: async ({ request, locals, params }) => {
		const showId = showIdFrom(params);
		const parsed = catalogItemsSchema.safeParse(
			parseJson(String((await request.formData()).get('items') ?? '')),
		);
		if (!parsed.success)
			return fail(400, {
				kind: 'catalog' as const,
				message: 'Choose the products or variants to add',
			});
		const result = await attempt(
			locals.supabase.rpc('add_catalog_items', { show_id: showId, items: parsed.data }),
			{ kind: 'catalog' as const },
		);
		if (!result.ok) return result.failure;
		const added = addedFromCatalogSchema.parse(result.data);
		return {
			kind: 'catalog' as const,
			added: [...new Set(added.added.map((item) => item.item_number))],
			rows: added.added.length,
			outOfStock: added.out_of_stock.map((gone) =>
				[gone.title, gone.variant_label].filter(Boolean).join(' '),
			),
		};
	},

	updateItem: async ({ request, locals, params }) => {
		const form = await request.formData();
		const parsed = parseForm(itemEditSchema, form);
		const itemId = String(form.get('itemId') ?? '');
		if (!parsed.ok)
			return fail(400, {
				kind: 'item' as const,
				itemId,
				message: Object.values(parsed.errors)[0] ?? 'Check the item',
			});
		const { title, quantity } = parsed.data;
		const changes: { title: string | null; quantity: number; price?: number | null } = {
			title,
			quantity,
		};
		const priceText = form.get('price');
		if (typeof priceText === 'string') {
			if (priceText.trim() === '') changes.price = null;
			else {
				const price = parseMoney(
					priceText,
					await readShowCurrency(locals.supabase, showIdFrom(params)),
				);
				if (!price.ok) return fail(400, { kind: 'item' as const, itemId, message: price.message });
				changes.price = price.minor;
			}
		}
		const result = await attempt(
			locals.supabase.rpc('update_show_item', {
				item_id: parsed.data.itemId,
				changes,
			}),
			{ kind: 'item' as const, itemId },
		);
		if (!result.ok) return result.failure;
		return { kind: 'item' as const, itemId, saved: true };
	},

	removeItem: async ({ request, locals }) => {
		const form = await request.formData();
		const parsed = parseForm(itemIdSchema, form);
		const itemId = String(form.get('itemId') ?? '');
		if (!parsed.ok)
			return fail(400, {
				kind: 'item' as const,
				itemId,
				message: parsed.errors.itemId ?? 'Check the item',
			});
		const result = await attempt(
			locals.supabase.rpc('remove_show_item', { item_id: parsed.data.itemId }),
			{ kind: 'item' as const, itemId },
		);
		if (!result.ok) return result.failure;
		return { kind: 'removed' as const, itemNumber: String(form.get('itemNumber') ?? '') };
	},

	saveSettings: async ({ request, locals, params }) => {
		const showId = showIdFrom(params);
		const form = await request.formData();
		const echo = {
			name: String(form.get('name') ?? ''),
			claimWords: String(form.get('claimWords') ?? ''),
			passWords: String(form.get('passWords') ?? ''),
		};
		const parsed = parseForm(showWordsSchema, form);
		if (!parsed.ok) return fail(400, { kind: 'settings' as const, ...echo, errors: parsed.errors });
		const { name, claimWords, passWords } = parsed.data;
		// An empty list hands the show back to the workspace's words.
		const changes = {
			name,
			claim_words: claimWords.length > 0 ? claimWords : null,
			pass_words: passWords.length > 0 ? passWords : null,
		};
		const noFieldErrors: FieldErrors<typeof showWordsSchema> = {};
		const result = await attempt(locals.supabase.rpc('update_show', { show_id: showId, changes }), {
			kind: 'settings' as const,
			...echo,
			errors: noFieldErrors,
		});
		if (!result.ok) return result.failure;
		return { kind: 'settings' as const, saved: true };
	},

	/** The show's own per-buyer limits; empty fields take the workspace's. */
	saveLimits: async ({ request, locals, params }) => {
		const form = await request.formData();
		const echo = {
			perShow: String(form.get('perShow') ?? ''),
			perItem: String(form.get('perItem') ?? ''),
		};
		const parsed = parseForm(buyerLimitsSchema, form);
		if (!parsed.ok) return fail(400, { kind: 'limits' as const, ...echo, errors: parsed.errors });
		const noFieldErrors: FieldErrors<typeof buyerLimitsSchema> = {};
		const result = await attempt(
			locals.supabase.rpc('set_show_buyer_limits', {
				show_id: showIdFrom(params),
				max_units_per_buyer: parsed.data.perShow,
				max_units_per_buyer_item: parsed.data.perItem,
			}),
			{ kind: 'limits' as const, ...echo, errors: noFieldErrors },
		);
		if (!result.ok) return result.failure;
		return { kind: 'limits' as const, saved: true };
	},

	/** What the show's connection is broadcasting now, to fill in the live. */
	detect: async ({ locals, params }) => {
		const showId = showIdFrom(params);
		const show = await locals.supabase
			.from('shows')
			.select('connection_id')
			.eq('id', showId)
			.maybeSingle();
		if (show.error || !show.data?.connection_id)
			return fail(show.error ? show.status || 502 : 409, {
				kind: 'detect' as const,
				message: show.error
					? describeRpcError(show.error, show.status)
					: 'This show has no connection to look for lives with.',
			});
		try {
			const lives = await detectLives(locals.supabase, show.data.connection_id);
			return { kind: 'detect' as const, lives };
		} catch (failure) {
			if (!(failure instanceof MetaFunctionError)) throw failure;
			return fail(failure.status || 502, { kind: 'detect' as const, message: failure.message });
		}
	},

	activate: async ({ request, locals, params }) => {
		const showId = showIdFrom(params);
		const form = await request.formData();
		const liveReference = String(form.get('liveReference') ?? '');
		const show = await locals.supabase
			.from('shows')
			.select('platform, connection_id')
			.eq('id', showId)
			.maybeSingle();
		if (show.error || !show.data)
			return fail(404, {
				kind: 'activate' as const,
				liveReference,
				message: show.error ? describeRpcError(show.error, show.status) : 'There is no such show',
			});

		// Without a connection the show is rehearsed: bound to no Meta live, it takes test comments only.
		let live: { liveId: string; liveUrl: string | null } | null = null;
		if (show.data.connection_id) {
			const parsed = parseForm(activateSchema, form);
			if (!parsed.ok)
				return fail(400, {
					kind: 'activate' as const,
					liveReference,
					message: parsed.errors.liveReference,
				});
			const offline = parseLiveReference(
				parsed.data.liveReference,
				showSchema.shape.platform.parse(show.data.platform),
			);
			if (!offline.ok)
				return fail(400, { kind: 'activate' as const, liveReference, message: offline.message });
			// Meta must confirm the live is the connection's account's; activation binds only such a live.
			try {
				const checked = await checkLive(
					locals.supabase,
					show.data.connection_id,
					parsed.data.liveReference,
				);
				live = { liveId: checked.live_id, liveUrl: checked.permalink_url ?? offline.liveUrl };
			} catch (failure) {
				if (!(failure instanceof MetaFunctionError)) throw failure;
				return fail(failure.status || 502, {
					kind: 'activate' as const,
					liveReference,
					message: failure.message,
				});
			}
		}

		const result = await attempt(
			locals.supabase.rpc('activate_show', {
				show_id: showId,
				live_id: live?.liveId ?? null,
				live_url: live?.liveUrl ?? null,
			}),
			{ kind: 'activate' as const, liveReference },
		);
		if (!result.ok) return result.failure;
		redirect(303, `/shows/${showId}/live`);
	},

	delete: async ({ locals, params }) => {
		const showId = showIdFrom(params);
		const result = await attempt(locals.supabase.rpc('delete_show', { show_id: showId }), {
			kind: 'delete' as const,
		});
		if (!result.ok) return result.failure;
		redirect(303, '/shows');
	},
};
