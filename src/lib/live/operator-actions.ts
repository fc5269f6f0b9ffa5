// What an operator can do from the live console, each through its RPC, and what to tell them
// afterwards. The rows an action returns are handed back at once instead of waiting for their own
// Realtime events.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { buyerName, ignoredReasonLabel, itemLabel } from '$lib/labels';
import {
	blockedViewerSchema,
	claimSchema,
	showItemSchema,
	showPinSchema,
	showSchema,
	variantRequestSchema,
	type BlockedViewer,
	type Claim,
	type Show,
	type ShowItem,
	type VariantRequest,
} from '$lib/rows';
import { describeRpcError } from '$lib/rpc-error';

export type ActionResult = { ok: true; message?: string } | { ok: false; message: string };

/** Where the actions put what they changed. */
export interface ActionTarget {
	applyRows(rows: {
		items?: ShowItem[];
		claims?: Claim[];
		variantRequests?: VariantRequest[];
	}): void;
	applyShow(show: Show): void;
	/** The show's pin changed to this item number (null: unpinned). */
	applyPin(itemNumber: number | null): void;
	/** A viewer was blocked, or (unblocked) no longer is. */
	applyBlocked(viewer: BlockedViewer, unblocked?: boolean): void;
	/** Refetches what changed, when an answer cannot be read. */
	catchUp(): void;
}

const claimActionResultSchema = z.object({
	claim: claimSchema,
	item: showItemSchema,
	promoted: claimSchema.nullable().optional(),
});
const itemUpdateResultSchema = z.object({ item: showItemSchema, promoted: z.array(claimSchema) });
const addItemsResultSchema = z.object({
	added: z.array(showItemSchema),
	skipped: z.array(z.string()),
});
const clearTestClaimsResultSchema = z.object({
	cleared: z.array(claimSchema),
	promoted: z.array(claimSchema),
	items: z.array(showItemSchema),
});
const commentResultSchema = z.object({
	outcome: z.enum(['processed', 'ignored']),
	reason: z.string().nullable(),
	results: z.array(
		z.object({
			intent: z.enum(['claim', 'pass']),
			// Null for a bare claim made while nothing was pinned.
			item_number: z.string().nullable(),
			pinned: z.boolean().optional(),
			outcome: z.string(),
			reason: z.string().nullable(),
			claim: claimSchema.nullable(),
			item: showItemSchema.nullable(),
			promoted: claimSchema.nullable(),
			// Every unit and variant row the intent touched (claim, item and promoted are the first).
			claims: z.array(claimSchema).optional(),
			items: z.array(showItemSchema).optional(),
			promoted_claims: z.array(claimSchema).optional(),
			variant_request: variantRequestSchema.nullable().optional(),
			quantity: z.number().int().optional(),
			requested_quantity: z.number().int().optional(),
			capped: z.boolean().optional(),
			limited: z.boolean().optional(),
		}),
	),
});
const blockResultSchema = z.object({
	blocked: blockedViewerSchema,
	claims: z.array(claimSchema),
	promoted: z.array(claimSchema),
	items: z.array(showItemSchema),
	variant_requests: z.array(variantRequestSchema),
});

/** Who to block: the commenter of a claim or comment. */
export type Viewer = Pick<
	BlockedViewer,
	'platform' | 'platform_user_id' | 'user_handle' | 'user_display_name'
>;

const resolveVariantResultSchema = z.object({
	variant_request: variantRequestSchema,
	outcome: z.enum(['winner', 'waitlist', 'duplicate']),
	claims: z.array(claimSchema),
	item: showItemSchema,
});

export class OperatorActions {
	readonly #supabase: SupabaseClient;
	readonly #showId: string;
	readonly #target: ActionTarget;

	constructor(supabase: SupabaseClient, showId: string, target: ActionTarget) {
		this.#supabase = supabase;
		this.#showId = showId;
		this.#target = target;
	}

	pause(): Promise<ActionResult> {
		return this.#showAction('pause_show');
	}

	resume(): Promise<ActionResult> {
		return this.#showAction('resume_show');
	}

	stop(): Promise<ActionResult> {
		return this.#showAction('stop_show');
	}

	addItems(
		items: { item_number: string; title?: string; quantity?: number }[],
	): Promise<ActionResult> {
		return this.#rpc('add_show_items', { show_id: this.#showId, items }, (data) => {
			const { added, skipped } = addItemsResultSchema.parse(data);
			this.#target.applyRows({ items: added });
			const addedText =
				added.length === 0
					? 'No item added'
					: `Added ${added.map((item) => `#${item.item_number}`).join(', ')}`;
			const skippedText =
				skipped.length === 0
					? ''
					: ` (already in the show: ${skipped.map((number) => `#${number}`).join(', ')})`;
			return `${addedText}${skippedText}.`;
		});
	}

	setQuantity(itemId: string, quantity: number): Promise<ActionResult> {
		return this.#rpc('update_show_item', { item_id: itemId, changes: { quantity } }, (data) => {
			const { item, promoted } = itemUpdateResultSchema.parse(data);
			this.#target.applyRows({ items: [item], claims: promoted });
			const promotedText =
				promoted.length === 0
					? ''
					: `; promoted ${promoted.map((claim) => buyerName(claim)).join(', ')}`;
			return `Quantity is now ${item.quantity}${promotedText}.`;
		});
	}

	release(claimId: string): Promise<ActionResult> {
		return this.#rpc('release_claim', { claim_id: claimId }, (data) => {
			const { claim, item, promoted } = claimActionResultSchema.parse(data);
			this.#target.applyRows({ items: [item], claims: promoted ? [claim, promoted] : [claim] });
			return `Released ${buyerName(claim)}${promoted ? `; ${buyerName(promoted)} is now the winner` : ''}.`;
		});
	}

	award(itemId: string, handle: string): Promise<ActionResult> {
		return this.#rpc('award_item', { item_id: itemId, user_handle: handle }, (data) => {
			const { claim, item } = claimActionResultSchema.parse(data);
			this.#target.applyRows({ items: [item], claims: [claim] });
			return `Awarded ${itemLabel(item)} to ${buyerName(claim)}.`;
		});
	}

	moveToFront(claimId: string): Promise<ActionResult> {
		return this.#rpc('move_waiter_to_front', { claim_id: claimId }, (data) => {
			const { claim, item } = claimActionResultSchema.parse(data);
			this.#target.applyRows({ items: [item], claims: [claim] });
			return `${buyerName(claim)} is now first in line.`;
		});
	}

	/** Pins the item the seller is showing (null unpins): a bare claim word claims it. */
	pin(itemNumber: number | null): Promise<ActionResult> {
		return this.#rpc(
			'pin_show_item',
			{ show_id: this.#showId, item_number: itemNumber },
			(data) => {
				const pin = showPinSchema.parse(data);
				this.#target.applyPin(pin.item_number);
				return pin.item_number === null
					? 'Unpinned: a bare “sold” now claims nothing.'
					: `Pinned #${pin.item_number}: a bare “sold” claims it.`;
			},
		);
	}

	/**
	 * Blocks the viewer in the workspace: their comments are then ignored. With releaseClaims, their
	 * open claims in this show are released too (the next waiters move up).
	 */
	block(viewer: Viewer, releaseClaims: boolean): Promise<ActionResult> {
		return this.#rpc(
			'block_viewer',
			{
				show_id: this.#showId,
				platform: viewer.platform,
				platform_user_id: viewer.platform_user_id,
				user_handle: viewer.user_handle,
				user_display_name: viewer.user_display_name,
				release_claims: releaseClaims,
			},
			(data) => {
				const result = blockResultSchema.parse(data);
				this.#target.applyBlocked(result.blocked);
				this.#target.applyRows({
					items: result.items,
					claims: [...result.claims, ...result.promoted],
					variantRequests: result.variant_requests,
				});
				const released =
					result.claims.length === 0
						? ''
						: `; released ${result.claims.length} ${result.claims.length === 1 ? 'claim' : 'claims'}`;
				const promoted = result.promoted.map((claim) => `; ${buyerName(claim)} moved up`).join('');
				return `Blocked ${buyerName(viewer)}: their comments are ignored${released}${promoted}.`;
			},
		);
	}

	unblock(viewer: BlockedViewer): Promise<ActionResult> {
		return this.#rpc('unblock_viewer', { blocked_viewer_id: viewer.id }, (data) => {
			this.#target.applyBlocked(blockedViewerSchema.parse(data), true);
			return `Unblocked ${buyerName(viewer)}: their next comments count again.`;
		});
	}

	/** A rehearsal comment through the engine, marked as a test; says what the engine made of it. */
	testComment(handle: string, text: string): Promise<ActionResult> {
		return this.#rpc(
			'emit_test_comment',
			{ show_id: this.#showId, text, user_handle: handle },
			(data) => {
				const result = commentResultSchema.parse(data);
				this.#target.applyRows({
					items: result.results.flatMap((entry) => entry.items ?? []),
					claims: result.results.flatMap((entry) => [
						...(entry.claims ?? []),
						...(entry.promoted_claims ?? []),
					]),
					variantRequests: result.results.flatMap((entry) =>
						entry.variant_request ? [entry.variant_request] : [],
					),
				});
				return describeCommentResult(handle, result);
			},
		);
	}

	/** Allocates a variant request's units on the variant the operator picked. */
	resolveVariant(requestId: string, item: ShowItem): Promise<ActionResult> {
		return this.#rpc(
			'resolve_variant_request',
			{ request_id: requestId, show_item_id: item.id },
			(data) => {
				const {
					variant_request,
					outcome,
					claims,
					item: updated,
				} = resolveVariantResultSchema.parse(data);
				this.#target.applyRows({
					items: [updated],
					claims,
					variantRequests: [variant_request],
				});
				const who = claims[0] ? buyerName(claims[0]) : buyerName(variant_request);
				const what = `#${updated.item_number} ${updated.variant_label}`;
				return outcome === 'duplicate'
					? `${who} already holds ${what}.`
					: `${who} ${outcome === 'winner' ? 'won' : 'waits for'} ${what}${claims.length > 1 ? ` (${claims.length} units)` : ''}.`;
			},
		);
	}

	/** Drops a variant request without allocating anything. */
	dismissVariant(requestId: string): Promise<ActionResult> {
		return this.#rpc('dismiss_variant_request', { request_id: requestId }, (data) => {
			const request = variantRequestSchema.parse(data);
			this.#target.applyRows({ variantRequests: [request] });
			return `Dismissed ${buyerName(request)}’s claim on #${request.item_number}.`;
		});
	}

	/** Ends every open test claim of the show; real waiters behind them move up. */
	clearTestClaims(): Promise<ActionResult> {
		return this.#rpc('clear_test_claims', { show_id: this.#showId }, (data) => {
			const { cleared, promoted, items } = clearTestClaimsResultSchema.parse(data);
			this.#target.applyRows({ items, claims: [...cleared, ...promoted] });
			return describeClearedTestClaims(cleared.length, promoted);
		});
	}

	#showAction(name: 'pause_show' | 'resume_show' | 'stop_show'): Promise<ActionResult> {
		return this.#rpc(name, { show_id: this.#showId }, (data) => {
			this.#target.applyShow(showSchema.parse(data));
			return undefined;
		});
	}

	async #rpc(
		name: string,
		args: Record<string, unknown>,
		apply: (data: unknown) => string | undefined,
	): Promise<ActionResult> {
		const { data, error, status } = await this.#supabase.rpc(name, args);
		if (error) return { ok: false, message: describeRpcError(error, status) };
		try {
			return { ok: true, message: apply(data) };
		} catch (parseError) {
			// The action happened; only its answer was unexpected. Catch up rather than guess.
			console.error(
				`live console: the answer of ${name} could not be read: ${(parseError as Error).message}`,
			);
			this.#target.catchUp();
			return { ok: true };
		}
	}
}

const intentOutcomes: Record<string, (itemNumber: string, claim: Claim | null) => string> = {
	winner: (item) => `won #${item}`,
	waitlist: (item, claim) => `is #${claim?.waitlist_position} on the waitlist for #${item}`,
	duplicate: (item) => `already holds #${item} (duplicate)`,
	passed: (item) => `passed on #${item}`,
	unknown_item: (item) => `named #${item}, which is not in this show`,
	needs_variant: (item) =>
		`claimed #${item} without naming one variant (pick it under Needs a variant)`,
	ignored: (item) => `passed on #${item} without holding it`,
	limit_reached: (item) => `is at the per-buyer limit: #${item} not claimed`,
};

function describeClearedTestClaims(cleared: number, promoted: Claim[]): string {
	const clearedText =
		cleared === 0
			? 'No test claims to clear.'
			: `Cleared ${cleared} test ${cleared === 1 ? 'claim' : 'claims'}.`;
	const promotedText = promoted
		.map((claim) => ` ${buyerName(claim)} now holds #${claim.item_number}.`)
		.join('');
	return clearedText + promotedText;
}

function describeCommentResult(
	handle: string,
	result: z.infer<typeof commentResultSchema>,
): string {
	const who = `@${handle.replace(/^@/, '')}`;
	if (result.outcome === 'ignored') {
		return result.reason === 'no_intent'
			? `Test comment from ${who} had no claim or pass.`
			: `Test comment from ${who} was ignored: ${ignoredReasonLabel(result.reason ?? 'unknown')}.`;
	}
	const parts = result.results.map((entry) => {
		// "#12 Blue / M" when the intent landed on one variant.
		const item = entry.item?.variant_label
			? `${entry.item_number} ${entry.item.variant_label}`
			: (entry.item_number ?? '');
		const outcome = (
			intentOutcomes[entry.outcome] ?? ((named: string) => `${entry.outcome} #${named}`)
		)(item, entry.claim);
		const units = entry.claims && entry.claims.length > 1 ? ` (${entry.claims.length} units)` : '';
		const capped = entry.capped
			? ` (asked for ${entry.requested_quantity}, capped at ${entry.quantity} per comment)`
			: '';
		const pinned = entry.pinned ? ' (the pinned item)' : '';
		const limited = entry.limited ? ' (fewer than asked: per-buyer limit)' : '';
		return outcome + pinned + units + capped + limited;
	});
	return `Test comment: ${who} ${parts.join(', ')}.`;
}
