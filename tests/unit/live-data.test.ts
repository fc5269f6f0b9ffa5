// The live console's local state: rows keyed by id, stale updates ignored, deletes final, and a
// catch-up refetch that merges without undoing newer live events.
import { describe, expect, it } from 'vitest';
import {
	LiveData,
	claimsByItem,
	claimsByLatestEvent,
	commentsNewestFirst,
	itemsInOrder,
	lastCommentAt,
	liveStats,
	maxCommentsKept,
	newestFirst,
	openVariantRequests,
	type ShowSnapshot,
} from '$lib/live/live-data';
import type { Claim, Comment, Show, ShowItem, VariantRequest } from '$lib/rows';

const showId = '00000000-0000-4000-8000-000000000001';
let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const at = (second: number, micros = 0) =>
	`2026-11-22T10:00:${String(second).padStart(2, '0')}.${String(micros).padStart(6, '0')}+00:00`;

function show(overrides: Partial<Show> = {}): Show {
	return {
		id: showId,
		workspace_id: uuid(),
		name: 'Friday drop',
		status: 'active',
		platform: 'facebook',
		connection_id: null,
		live_id: 'live-1',
		live_url: null,
		claim_words: null,
		pass_words: null,
		currency: 'USD',
		pinned_item_number: null,
		max_units_per_buyer: null,
		max_units_per_buyer_item: null,
		started_at: at(0),
		ended_at: null,
		created_at: at(0),
		updated_at: at(0),
		...overrides,
	};
}

function item(number: number, overrides: Partial<ShowItem> = {}): ShowItem {
	return {
		id: uuid(),
		show_id: showId,
		item_number: String(number),
		title: null,
		description: null,
		quantity: 1,
		claimed_count: 0,
		waitlist_count: 0,
		status: 'unclaimed',
		product_variant_id: null,
		variant_label: '',
		price: null,
		image_url: null,
		created_at: at(0),
		updated_at: at(0),
		...overrides,
	};
}

function claim(forItem: ShowItem, handle: string, overrides: Partial<Claim> = {}): Claim {
	return {
		id: uuid(),
		show_id: showId,
		show_item_id: forItem.id,
		item_number: forItem.item_number,
		platform: 'facebook',
		platform_user_id: `fb:${handle}`,
		user_handle: handle,
		user_display_name: handle,
		raw_text: `sold ${forItem.item_number}`,
		status: 'winner',
		waitlist_position: null,
		promoted_at: null,
		ended_at: null,
		operator_action: false,
		operator_notes: null,
		read_late: false,
		is_test: false,
		buyer_unit: 1,
		created_at: at(1),
		updated_at: at(1),
		...overrides,
	};
}

function comment(second: number, overrides: Partial<Comment> = {}): Comment {
	return {
		id: uuid(),
		show_id: showId,
		platform: 'facebook',
		platform_user_id: 'fb:someone',
		user_handle: 'someone',
		user_display_name: 'Someone',
		raw_text: 'hello',
		commented_at: at(second),
		intents: [],
		intent_outcomes: [],
		outcome: 'ignored',
		ignored_reason: 'no_intent',
		is_test: false,
		created_at: at(second),
		...overrides,
	};
}

function snapshot(overrides: Partial<ShowSnapshot> = {}): ShowSnapshot {
	return {
		show: show(),
		ingestion: null,
		items: [],
		itemsComplete: true,
		claims: [],
		claimsComplete: true,
		comments: [],
		...overrides,
	};
}

describe('applying live changes', () => {
	it('inserts, updates and deletes rows by id', () => {
		const first = item(1);
		const data = new LiveData(snapshot({ items: [first] }));
		const second = item(2);

		expect(data.apply([{ table: 'show_items', kind: 'upsert', row: second }])).toEqual(
			new Set(['show_items']),
		);
		expect([...data.items.rows.keys()]).toEqual([first.id, second.id]);

		const claimed = { ...first, claimed_count: 1, status: 'sold_out' as const, updated_at: at(2) };
		data.apply([{ table: 'show_items', kind: 'upsert', row: claimed }]);
		expect(data.items.rows.get(first.id)).toBe(claimed);
		expect(data.items.rows.size).toBe(2);

		expect(data.apply([{ table: 'show_items', kind: 'delete', id: second.id }])).toEqual(
			new Set(['show_items']),
		);
		expect(data.items.rows.has(second.id)).toBe(false);
	});

	it('ignores an update older than the row it holds, to the microsecond', () => {
		const original = item(1, { updated_at: at(5, 200) });
		const data = new LiveData(snapshot({ items: [original] }));
		const late = {
			...original,
			claimed_count: 1,
			status: 'sold_out' as const,
			updated_at: at(5, 199),
		};

		expect(data.apply([{ table: 'show_items', kind: 'upsert', row: late }])).toEqual(new Set());
		expect(data.items.rows.get(original.id)).toBe(original);
	});

	it('compares timestamps written differently by PostgREST and Realtime', () => {
		const original = item(1, { updated_at: '2026-11-22T10:00:05.5+00:00' });
		const data = new LiveData(snapshot({ items: [original] }));
		const older = { ...original, quantity: 2, updated_at: '2026-11-22 10:00:05.49999+00' };
		const newer = { ...original, quantity: 3, updated_at: '2026-11-22 11:00:05.5+01' }; // the same instant: applies
		data.apply([{ table: 'show_items', kind: 'upsert', row: older }]);
		expect(data.items.rows.get(original.id)?.quantity).toBe(1);
		data.apply([{ table: 'show_items', kind: 'upsert', row: newer }]);
		expect(data.items.rows.get(original.id)?.quantity).toBe(3);
	});

	it('applies a second update with the same timestamp (two updates in one transaction)', () => {
		const original = item(1, { quantity: 1, claimed_count: 1, status: 'sold_out' });
		const data = new LiveData(snapshot({ items: [original] }));
		const released = {
			...original,
			claimed_count: 0,
			status: 'unclaimed' as const,
			updated_at: at(9),
		};
		const promoted = {
			...released,
			claimed_count: 1,
			waitlist_count: 0,
			status: 'sold_out' as const,
		};
		data.apply([
			{ table: 'show_items', kind: 'upsert', row: released },
			{ table: 'show_items', kind: 'upsert', row: promoted },
		]);
		expect(data.items.rows.get(original.id)).toBe(promoted);
	});

	it('never brings back a deleted row', () => {
		const removed = item(7);
		const data = new LiveData(snapshot({ items: [removed] }));
		data.apply([{ table: 'show_items', kind: 'delete', id: removed.id }]);
		data.apply([{ table: 'show_items', kind: 'upsert', row: { ...removed, updated_at: at(30) } }]);
		expect(data.items.rows.has(removed.id)).toBe(false);
	});

	it('keeps only the newest comments', () => {
		const data = new LiveData(snapshot());
		const changes = Array.from({ length: maxCommentsKept + 5 }, (_, index) => ({
			table: 'comments' as const,
			kind: 'upsert' as const,
			row: comment(0, {
				created_at: new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + index).toISOString(),
			}),
		}));
		data.apply(changes);
		expect(data.comments.rows.size).toBe(maxCommentsKept);
		const kept = newestFirst(data.comments.rows.values());
		expect(kept[0].id).toBe(changes.at(-1)?.row.id);
		expect(data.comments.rows.has(changes[4].row.id)).toBe(false);
		expect(data.comments.rows.has(changes[5].row.id)).toBe(true);
	});

	it('ignores a show row older than the one it holds', () => {
		const data = new LiveData(snapshot({ show: show({ status: 'paused', updated_at: at(10) }) }));
		expect(data.applyShow(show({ status: 'active', updated_at: at(9) }))).toBe(false);
		expect(data.show.status).toBe('paused');
		expect(data.applyShow(show({ status: 'ended', updated_at: at(11) }))).toBe(true);
		expect(data.show.status).toBe('ended');
	});
});

describe('variant requests', () => {
	function request(second: number, overrides: Partial<VariantRequest> = {}): VariantRequest {
		return {
			id: uuid(),
			show_id: showId,
			item_number: '12',
			platform: 'facebook',
			platform_user_id: `fb:${second}`,
			user_handle: `buyer${second}`,
			user_display_name: null,
			raw_text: 'sold 12',
			variant_words: [],
			quantity: 1,
			status: 'open',
			resolved_show_item_id: null,
			resolved_at: null,
			is_test: false,
			created_at: at(second),
			updated_at: at(second),
			...overrides,
		};
	}

	it('lists the open ones oldest first, and one leaves the list once answered', () => {
		const later = request(5);
		const earlier = request(2);
		const data = new LiveData(snapshot({ variantRequests: [later, earlier] }));
		expect(openVariantRequests(data.variantRequests.rows.values())).toEqual([earlier, later]);

		const resolved = { ...earlier, status: 'resolved' as const, updated_at: at(9) };
		expect(data.apply([{ table: 'variant_requests', kind: 'upsert', row: resolved }])).toEqual(
			new Set(['variant_requests']),
		);
		expect(openVariantRequests(data.variantRequests.rows.values())).toEqual([later]);
		// A stale copy from a refetch does not reopen it.
		data.beginSync();
		expect(data.finishSync(snapshot({ variantRequests: [earlier] }))).toEqual(new Set());
		expect(openVariantRequests(data.variantRequests.rows.values())).toEqual([later]);
	});
});

describe('catching up after a reconnect', () => {
	it('merges missed changes and drops items removed while away', () => {
		const kept = item(1);
		const removed = item(2);
		const data = new LiveData(snapshot({ items: [kept, removed] }));
		const keptClaim = claim(kept, 'alice');
		const orphan = claim(removed, 'bob');
		data.apply([
			{ table: 'claims', kind: 'upsert', row: keptClaim },
			{ table: 'claims', kind: 'upsert', row: orphan },
		]);

		data.beginSync();
		const missedItem = item(3, { updated_at: at(20) });
		const soldOut = { ...kept, claimed_count: 1, status: 'sold_out' as const, updated_at: at(20) };
		const missedClaim = claim(missedItem, 'carol', { created_at: at(20), updated_at: at(20) });
		const changed = data.finishSync(
			snapshot({
				items: [soldOut, missedItem],
				claims: [missedClaim],
				claimsComplete: false,
				comments: [comment(20)],
			}),
		);

		expect(changed).toEqual(new Set(['show_items', 'claims', 'comments']));
		expect(itemsInOrder(data.items.rows.values()).map((row) => row.item_number)).toEqual([
			'1',
			'3',
		]);
		expect(data.items.rows.get(kept.id)).toBe(soldOut);
		// Claims of the removed item go with it; the rest stay though the refetch held only new ones.
		expect([...data.claims.rows.keys()].sort()).toEqual([keptClaim.id, missedClaim.id].sort());
		expect(data.comments.rows.size).toBe(1);
	});

	it('does not let a refetch undo a live event that arrived while it ran', () => {
		const original = item(1);
		const data = new LiveData(snapshot({ items: [original] }));
		data.beginSync();
		// While the refetch is in flight: an item is added and the first one is claimed.
		const added = item(2, { updated_at: at(30) });
		const claimed = {
			...original,
			claimed_count: 1,
			status: 'sold_out' as const,
			updated_at: at(31),
		};
		data.apply([
			{ table: 'show_items', kind: 'upsert', row: added },
			{ table: 'show_items', kind: 'upsert', row: claimed },
		]);
		// The refetch was read before both: it lacks the new item and holds the old version.
		data.finishSync(snapshot({ items: [original], claimsComplete: false }));

		expect(data.items.rows.get(original.id)).toBe(claimed);
		expect(data.items.rows.has(added.id)).toBe(true);
	});

	it('does not resurrect a row deleted while the refetch ran', () => {
		const doomed = item(1);
		const data = new LiveData(snapshot({ items: [doomed] }));
		data.beginSync();
		data.apply([{ table: 'show_items', kind: 'delete', id: doomed.id }]);
		data.finishSync(snapshot({ items: [doomed], claimsComplete: false }));
		expect(data.items.rows.has(doomed.id)).toBe(false);
	});

	it('merges nothing when the refetch failed and is abandoned', () => {
		const kept = item(1);
		const data = new LiveData(snapshot({ items: [kept] }));
		data.beginSync();
		data.abandonSync();
		// A later complete sync with no live events in between treats nothing as recently touched.
		data.beginSync();
		data.finishSync(snapshot({ items: [], claimsComplete: false }));
		expect(data.items.rows.size).toBe(0);
	});

	it('keeps items a partial refetch does not mention', () => {
		const kept = item(1);
		const data = new LiveData(snapshot({ items: [kept] }));
		data.beginSync();
		data.finishSync(
			snapshot({
				items: [item(2, { updated_at: at(20) })],
				itemsComplete: false,
				claimsComplete: false,
			}),
		);
		expect(itemsInOrder(data.items.rows.values()).map((row) => row.item_number)).toEqual([
			'1',
			'2',
		]);
	});

	it('learns of a removed item from the ids alone, keeping the changed items read beside them', () => {
		const kept = item(1);
		const removed = item(2);
		const data = new LiveData(snapshot({ items: [kept, removed] }));
		data.beginSync();
		// Item 3 was added after the ids were read, before the changed items were.
		const added = item(3, { updated_at: at(20) });
		data.finishSync(
			snapshot({
				items: [added],
				itemsComplete: false,
				itemIds: [kept.id],
				claimsComplete: false,
			}),
		);
		expect(itemsInOrder(data.items.rows.values()).map((row) => row.item_number)).toEqual([
			'1',
			'3',
		]);
	});

	it('knows every claim once the claims the opening left out are read', () => {
		const data = new LiveData(snapshot({ claimsComplete: false, missingClaimsUpTo: at(5) }));
		expect(data.hasAllClaims).toBe(false);
		expect(data.missingClaimsUpTo).toBe(at(5));
		data.beginSync();
		data.finishSync(snapshot({ claimsComplete: false, missingClaimsRead: true }));
		expect(data.hasAllClaims).toBe(true);
		expect(data.missingClaimsUpTo).toBeNull();
	});

	it('starts the next refetch from the newest change held', () => {
		const data = new LiveData(
			snapshot({ items: [item(1, { updated_at: at(12, 345_678) })], comments: [comment(40)] }),
		);
		expect(data.newestChange()).toBe('2026-11-22T10:00:40.000Z');
		expect(new LiveData(snapshot()).newestChange()).toBeNull();
	});
});

describe('derived views', () => {
	it('counts items claimed, sold out and unique buyers holding something', () => {
		const one = item(1, { quantity: 2, claimed_count: 2, status: 'sold_out', waitlist_count: 1 });
		const two = item(2, { quantity: 3, claimed_count: 1, status: 'partial' });
		const three = item(3);
		const claims = [
			claim(one, 'alice'),
			claim(one, 'bob'),
			claim(one, 'carol', { status: 'waitlist', waitlist_position: 1 }),
			claim(two, 'Alice', { platform_user_id: 'fb:alice' }), // the same buyer on another item
			claim(three, 'dave', { status: 'released', ended_at: at(3) }),
		];
		expect(liveStats([one, two, three], claims)).toEqual({
			itemsTotal: 3,
			itemsClaimed: 2,
			itemsSoldOut: 1,
			uniqueBuyers: 2,
			winners: 3,
			waiting: 1,
		});
	});

	it('orders items by number, claims newest first, and an item’s waitlist by place', () => {
		const items = [item(10), item(9), item(100)];
		expect(itemsInOrder(items).map((row) => row.item_number)).toEqual(['9', '10', '100']);
		// The variant rows of one number in the order they were added, to the microsecond.
		const variants = [
			item(4, { variant_label: 'Red / S', created_at: at(1, 3) }),
			item(4, { variant_label: 'Blue / S', created_at: at(1, 1) }),
			item(4, { variant_label: 'Blue / M', created_at: at(1, 2) }),
		];
		expect(itemsInOrder([item(5), ...variants]).map((row) => row.variant_label)).toEqual([
			'Blue / S',
			'Blue / M',
			'Red / S',
			'',
		]);

		const target = items[0];
		const early = claim(target, 'a', { created_at: at(1) });
		const late = claim(target, 'b', {
			status: 'waitlist',
			waitlist_position: 2,
			created_at: at(3),
		});
		const middle = claim(target, 'c', {
			status: 'waitlist',
			waitlist_position: 1,
			created_at: at(2),
		});
		const released = claim(target, 'd', { status: 'released', created_at: at(0) });
		expect(newestFirst([early, late, middle]).map((row) => row.user_handle)).toEqual([
			'b',
			'c',
			'a',
		]);

		const grouped = claimsByItem([early, late, middle, released]).get(target.id);
		expect(grouped?.winners.map((row) => row.user_handle)).toEqual(['a']);
		expect(grouped?.waitlist.map((row) => row.user_handle)).toEqual(['c', 'b']);
		expect(grouped?.ended.map((row) => row.user_handle)).toEqual(['d']);
	});

	it('puts the newest outcome first in the claim feed: a pass or promotion rises, a renumbering does not', () => {
		const target = item(1);
		const passed = claim(target, 'alice', {
			status: 'passed',
			created_at: at(1),
			ended_at: at(4),
			updated_at: at(4),
		});
		const promoted = claim(target, 'bob', {
			created_at: at(2),
			promoted_at: at(4, 1),
			updated_at: at(4, 1),
		});
		const renumbered = claim(target, 'carol', {
			status: 'waitlist',
			waitlist_position: 1,
			created_at: at(3),
			updated_at: at(4, 1),
		});
		const fresh = claim(item(2), 'dave', { created_at: at(3, 500) });
		expect(
			claimsByLatestEvent([passed, renumbered, fresh, promoted]).map((row) => row.user_handle),
		).toEqual(['bob', 'alice', 'dave', 'carol']);
	});

	it('orders comments that arrived together by when they were written', () => {
		const first = comment(5, { raw_text: 'first', commented_at: at(3) });
		const second = comment(5, { raw_text: 'second', commented_at: at(4) });
		const later = comment(6, { raw_text: 'later', commented_at: at(1) });
		expect(commentsNewestFirst([first, later, second]).map((row) => row.raw_text)).toEqual([
			'later',
			'second',
			'first',
		]);
	});

	it('knows when the last comment arrived', () => {
		expect(lastCommentAt([])).toBeNull();
		expect(lastCommentAt([comment(3), comment(9), comment(5)])).toBe(at(9));
	});
});
