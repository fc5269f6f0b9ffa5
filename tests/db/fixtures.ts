// Shows, items and comments for the claim-engine tests, built through the public API as an
// operator would.
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { Claim, Show, ShowItem, VariantRequest } from '../../src/lib/rows.ts';
import { asUser, queryAs, rpc, serviceRole, type TestUser } from '../support/db.ts';

// The rows as the console reads them; the engine's answers also carry who acted on a claim.
export type ShowRow = Show;
export type ItemRow = ShowItem;
export type ClaimRow = Claim & { operator_user_id: string | null };

export interface IntentResult {
	intent: 'claim' | 'pass';
	item_number: string;
	variant_words: string[];
	/** Units allocated for, after the workspace's cap; requested_quantity is what was asked. */
	quantity: number;
	requested_quantity: number;
	capped: boolean;
	outcome:
		'winner' | 'waitlist' | 'duplicate' | 'passed' | 'unknown_item' | 'ignored' | 'needs_variant';
	reason: string | null;
	/** The first of claims, items and promoted_claims. */
	claim: ClaimRow | null;
	claims: ClaimRow[];
	item: ItemRow | null;
	items: ItemRow[];
	promoted: ClaimRow | null;
	promoted_claims: ClaimRow[];
	variant_request: VariantRequest | null;
}

export interface IngestResult {
	comment_id: string | null;
	replayed: boolean;
	outcome: 'processed' | 'ignored';
	reason: string | null;
	results: IntentResult[];
}

export interface LiveShow {
	show: ShowRow;
	/** Item ids by item number. */
	items: Map<string, string>;
}

/**
 * A connection of the workspace to a Meta account and a live Meta confirmed as that account's,
 * written as the OAuth and meta-lives functions write them (service role).
 */
export async function ownedLive(
	db: pg.Pool,
	workspaceId: string,
	options: { platform?: 'facebook' | 'instagram'; account?: string; displayName?: string } = {},
): Promise<{ connectionId: string; liveId: string; account: string }> {
	const account = options.account ?? `account_${randomUUID().replaceAll('-', '')}`;
	const [connection] = await queryAs<{ id: string }>(
		db,
		serviceRole,
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name)
		values ($1, $2, $3, $4)
		on conflict (workspace_id, platform, external_account_id) do update set status = 'active'
		returning id`,
		[workspaceId, options.platform ?? 'facebook', account, options.displayName ?? account],
	);
	const liveId = `live_${randomUUID().replaceAll('-', '')}`;
	await rpc(db, serviceRole, 'meta_confirm_lives', {
		connection_id: connection.id,
		live_ids: `{${liveId}}`,
	});
	return { connectionId: connection.id, liveId, account };
}

/**
 * A show of the operator's workspace with the given items (add_show_items syntax), activated
 * unless `draft`: on a live its own connection owns when `owned`, else as a rehearsal.
 */
export async function createShow(
	db: pg.Pool,
	operator: TestUser,
	items: unknown[],
	options: {
		draft?: boolean;
		owned?: boolean;
		platform?: 'facebook' | 'instagram';
		workspaceId?: string;
	} = {},
): Promise<LiveShow> {
	const actor = asUser(operator);
	const workspaceId = options.workspaceId ?? operator.workspaceId;
	const platform = options.platform ?? 'facebook';
	const live = options.owned ? await ownedLive(db, workspaceId, { platform }) : null;
	let show = await rpc<ShowRow>(db, actor, 'create_show', {
		workspace_id: workspaceId,
		platform,
		name: 'Test show',
		connection_id: live?.connectionId ?? null,
	});
	const added = await rpc<{ added: ItemRow[] }>(db, actor, 'add_show_items', {
		show_id: show.id,
		items,
	});
	if (!options.draft)
		show = await rpc<ShowRow>(db, actor, 'activate_show', {
			show_id: show.id,
			live_id: live?.liveId ?? null,
		});
	return { show, items: new Map(added.added.map((item) => [item.item_number, item.id])) };
}

let commentSequence = 0;

/** A platform comment on the show's live, from user (a platform user id), with a fresh comment id. */
export function commentOn(
	show: ShowRow,
	user: string,
	text: string,
	overrides: Record<string, unknown> = {},
): Record<string, unknown> {
	commentSequence += 1;
	return {
		show_id: show.id,
		platform: show.platform,
		live_id: show.live_id,
		comment_id: `comment-${randomUUID()}`,
		platform_user_id: user,
		user_handle: `handle_${user}`,
		user_display_name: `User ${user}`,
		text,
		created_at: new Date(Date.UTC(2026, 10, 22, 20, 0, 0) + commentSequence).toISOString(),
		...overrides,
	};
}

export function ingest(db: pg.Pool, comment: Record<string, unknown>): Promise<IngestResult> {
	return rpc<IngestResult>(db, serviceRole, 'ingest_comment', { comment });
}

export function ingestBatch(
	db: pg.Pool,
	comments: Record<string, unknown>[],
): Promise<IngestResult[]> {
	return rpc<IngestResult[]>(db, serviceRole, 'ingest_comments', { comments });
}

/** The item's claims as stored, in claim order. */
export async function claimsOf(owner: pg.Pool, itemId: string): Promise<ClaimRow[]> {
	const { rows } = await owner.query<ClaimRow>(
		'select * from public.claims where show_item_id = $1 order by created_at, id',
		[itemId],
	);
	return rows;
}

export async function itemRow(owner: pg.Pool, itemId: string): Promise<ItemRow> {
	const { rows } = await owner.query<ItemRow>('select * from public.show_items where id = $1', [
		itemId,
	]);
	return rows[0];
}

/** Platform user ids of the item's waiters, first in line first. */
export async function waitlistOf(owner: pg.Pool, itemId: string): Promise<string[]> {
	const { rows } = await owner.query<{ platform_user_id: string }>(
		`select coalesce(platform_user_id, '@' || user_handle) as platform_user_id from public.claims
		 where show_item_id = $1 and status = 'waitlist' order by waitlist_position`,
		[itemId],
	);
	return rows.map((row) => row.platform_user_id);
}

/** Platform user ids (or '@handle') of the item's winners, sorted. */
export async function winnersOf(owner: pg.Pool, itemId: string): Promise<string[]> {
	const { rows } = await owner.query<{ buyer: string }>(
		`select coalesce(platform_user_id, '@' || user_handle) as buyer from public.claims
		 where show_item_id = $1 and status = 'winner' order by 1`,
		[itemId],
	);
	return rows.map((row) => row.buyer);
}

/**
 * Rows of item_number in the show, one per variant ("Blue / M"), as the catalog writes them: the
 * options are the label's parts, lower-cased. Returns their ids by label.
 */
export async function addVariants(
	owner: pg.Pool,
	showId: string,
	itemNumber: string,
	variants: { label: string; quantity?: number }[],
): Promise<Map<string, string>> {
	const { rows } = await owner.query<{ id: string; variant_label: string }>(
		`insert into public.show_items (show_id, item_number, title, quantity, variant_label, variant_options)
		select $1, $2, 'Item ' || $2, given.quantity, given.label,
			array(select lower(normalize(trim(part), nfkc)) from unnest(string_to_array(given.label, '/')) as part)
		from unnest($3::text[], $4::int[]) as given (label, quantity)
		returning id, variant_label`,
		[
			showId,
			itemNumber,
			variants.map((variant) => variant.label),
			variants.map((variant) => variant.quantity ?? 1),
		],
	);
	return new Map(rows.map((row) => [row.variant_label, row.id]));
}
