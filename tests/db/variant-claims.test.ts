// Claims on items with variants and claims for several units: the variant the words name, variant
// requests and their resolution, the per-comment cap, passes of every unit, concurrency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';
import {
	addVariants,
	claimsOf,
	commentOn,
	createShow,
	ingest,
	itemRow,
	waitlistOf,
	winnersOf,
	type ClaimRow,
	type ItemRow,
	type LiveShow,
} from './fixtures.ts';
import type { VariantRequest } from '../../src/lib/rows.ts';

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	operator = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

/** A live show whose item 12 comes in Blue / M, Blue / L and Red / M, one unit each. */
async function showWithVariants(
	variants = ['Blue / M', 'Blue / L', 'Red / M'],
	quantity = 1,
): Promise<LiveShow & { variants: Map<string, string> }> {
	const live = await createShow(api, operator, ['1']);
	const variantIds = await addVariants(
		owner,
		live.show.id,
		'12',
		variants.map((label) => ({ label, quantity })),
	);
	return { ...live, variants: variantIds };
}

async function setMaxUnits(units: number): Promise<void> {
	await queryAs(
		api,
		asUser(operator),
		'update public.workspaces set max_units_per_comment = $2 where id = $1',
		[operator.workspaceId, units],
	);
}

async function requestsOf(showId: string): Promise<VariantRequest[]> {
	const { rows } = await owner.query<VariantRequest>(
		'select * from public.variant_requests where show_id = $1 order by created_at, id',
		[showId],
	);
	return rows;
}

describe('variants', () => {
	it('allocates on the one variant the words name, however the size is spelled', async () => {
		const { show, variants } = await showWithVariants();
		const cases: [user: string, text: string, label: string][] = [
			['ann', 'sold 12 blue M', 'Blue / M'],
			['bob', '12 sold red/medium', 'Red / M'],
			['cat', 'sold 12 Blue-Large please', 'Blue / L'],
			['dan', 'SOLD 12 BLUE MED 😍', 'Blue / M'],
		];
		for (const [user, text, label] of cases) {
			const { results } = await ingest(api, commentOn(show, user, text));
			expect(results[0]).toMatchObject({
				intent: 'claim',
				outcome: user === 'dan' ? 'waitlist' : 'winner',
				claim: { show_item_id: variants.get(label), platform_user_id: user },
				item: { id: variants.get(label), variant_label: label },
			});
		}
		expect(await winnersOf(owner, variants.get('Blue / M')!)).toEqual(['ann']);
		expect(await waitlistOf(owner, variants.get('Blue / M')!)).toEqual(['dan']);
	});

	it('needs no word for an option every variant shares, and an item without variants needs none', async () => {
		const { show, items, variants } = await showWithVariants(['Blue / S', 'Blue / M', 'Blue / L']);
		expect((await ingest(api, commentOn(show, 'ann', 'sold 12 M'))).results[0]).toMatchObject({
			outcome: 'winner',
			claim: { show_item_id: variants.get('Blue / M') },
		});
		expect((await ingest(api, commentOn(show, 'ann', 'sold 1 blue M'))).results[0]).toMatchObject({
			outcome: 'winner',
			claim: { show_item_id: items.get('1') },
		});
	});

	it('reads option values as it reads comments: spelled-out sizes, accents, several words', async () => {
		const { show, variants } = await showWithVariants([
			'Small',
			'Medium',
			'Extra Large',
			'Crème / 2XL',
			'Navy Blue / 2XL',
		]);
		const asked: [text: string, label: string | null][] = [
			['sold 12 M', 'Medium'],
			['sold 12 xl', 'Extra Large'],
			['sold 12 small', 'Small'],
			['sold 12 creme xxl', 'Crème / 2XL'],
			['sold 12 navy blue XXL', 'Navy Blue / 2XL'],
			// "large" is L, which no variant is; "blue" alone is not "navy blue".
			['sold 12 large', null],
			['sold 12 blue 2xl', null],
		];
		for (const [index, [text, label]] of asked.entries()) {
			const { results } = await ingest(api, commentOn(show, `buyer-${index}`, text));
			expect(results[0], text).toMatchObject(
				label
					? { outcome: 'winner', claim: { show_item_id: variants.get(label) } }
					: { outcome: 'needs_variant' },
			);
		}
	});

	it('records a variant request, not a claim, when the words name no variant or several', async () => {
		const { show, variants } = await showWithVariants();
		const asked: [user: string, text: string][] = [
			['ann', 'sold 12'],
			['bob', 'sold 12 blue'],
			['cat', 'sold 12 green XL'],
			['dan', 'sold 12 blue red M'],
		];
		for (const [user, text] of asked) {
			const { results } = await ingest(api, commentOn(show, user, text));
			expect(results[0]).toMatchObject({
				outcome: 'needs_variant',
				claim: null,
				claims: [],
				variant_request: { item_number: '12', platform_user_id: user, status: 'open' },
			});
		}
		for (const id of variants.values()) expect(await claimsOf(owner, id)).toEqual([]);
		expect((await requestsOf(show.id)).map((request) => request.variant_words)).toEqual([
			[],
			['blue'],
			['green', 'xl'],
			['blue', 'red', 'm'],
		]);
		// Asking again while the request is open is a duplicate of it.
		const again = await ingest(api, commentOn(show, 'ann', 'sold 12 pls'));
		expect(again.results[0]).toMatchObject({
			outcome: 'duplicate',
			variant_request: { platform_user_id: 'ann', variant_words: [] },
		});
		expect(await requestsOf(show.id)).toHaveLength(4);
	});

	it('lets members read variant requests and nobody else', async () => {
		const { show } = await showWithVariants();
		await ingest(api, commentOn(show, 'ann', 'sold 12'));
		const read = (user: TestUser) =>
			queryAs(api, asUser(user), 'select id from public.variant_requests where show_id = $1', [
				show.id,
			]);
		expect(await read(operator)).toHaveLength(1);
		expect(await read(await createUser(owner))).toEqual([]);
	});

	it('resolves a request when the buyer names the variant in a later comment', async () => {
		const { show, variants } = await showWithVariants();
		await ingest(api, commentOn(show, 'ann', 'sold 12'));
		const named = await ingest(api, commentOn(show, 'ann', 'sold 12 red M'));
		expect(named.results[0]).toMatchObject({
			outcome: 'winner',
			variant_request: { status: 'resolved', resolved_show_item_id: variants.get('Red / M') },
		});
	});
});

describe('resolving a variant request', () => {
	it('allocates on the picked variant as it stands then, audited, and only once', async () => {
		const { show, variants } = await showWithVariants();
		const assistant = await createUser(owner);
		await addMember(owner, operator.workspaceId, assistant.id, 'assistant');
		const request = (await ingest(api, commentOn(show, 'ann', 'sold 12 blue'))).results[0]
			.variant_request!;
		await ingest(api, commentOn(show, 'bob', 'sold 12 blue M'));

		const resolved = await rpc<{
			outcome: string;
			claims: ClaimRow[];
			item: ItemRow;
			variant_request: VariantRequest;
		}>(api, asUser(assistant), 'resolve_variant_request', {
			request_id: request.id,
			show_item_id: variants.get('Blue / M'),
		});
		expect(resolved).toMatchObject({
			outcome: 'waitlist',
			claims: [{ platform_user_id: 'ann', status: 'waitlist', waitlist_position: 1 }],
			item: { id: variants.get('Blue / M'), claimed_count: 1, waitlist_count: 1 },
			variant_request: { status: 'resolved', resolved_show_item_id: variants.get('Blue / M') },
		});
		expect(resolved.claims[0]).toMatchObject({
			operator_action: true,
			operator_user_id: assistant.id,
			raw_text: 'sold 12 blue',
		});
		const { rows: audit } = await owner.query(
			'select action, actor_user_id from public.audit_log where entity_id = $1',
			[request.id],
		);
		expect(audit).toEqual([{ action: 'variant_request.resolve', actor_user_id: assistant.id }]);

		await expect(
			rpc(api, asUser(assistant), 'resolve_variant_request', {
				request_id: request.id,
				show_item_id: variants.get('Red / M'),
			}),
		).rejects.toMatchObject({ code: 'PT409' });
	});

	it('refuses a row of another item, and callers outside the workspace', async () => {
		const { show, items } = await showWithVariants();
		const request = (await ingest(api, commentOn(show, 'ann', 'sold 12'))).results[0]
			.variant_request!;
		await expect(
			rpc(api, asUser(operator), 'resolve_variant_request', {
				request_id: request.id,
				show_item_id: items.get('1'),
			}),
		).rejects.toMatchObject({ code: '22023' });
		const stranger = await createUser(owner);
		const { items: theirItems } = await createShow(api, stranger, ['12']);
		await expect(
			rpc(api, asUser(stranger), 'resolve_variant_request', {
				request_id: request.id,
				show_item_id: theirItems.get('12'),
			}),
		).rejects.toMatchObject({ code: 'PT404' });
		await expect(
			rpc(api, asUser(stranger), 'dismiss_variant_request', { request_id: request.id }),
		).rejects.toMatchObject({ code: 'PT404' });
	});

	it('dismisses a request, audited; a pass withdraws it', async () => {
		const { show } = await showWithVariants();
		const first = (await ingest(api, commentOn(show, 'ann', 'sold 12'))).results[0]
			.variant_request!;
		const dismissed = await rpc<VariantRequest>(api, asUser(operator), 'dismiss_variant_request', {
			request_id: first.id,
		});
		expect(dismissed).toMatchObject({ status: 'dismissed' });
		await ingest(api, commentOn(show, 'ann', 'sold 12 please'));
		const pass = await ingest(api, commentOn(show, 'ann', 'pass 12'));
		expect(pass.results[0]).toMatchObject({
			outcome: 'passed',
			claims: [],
			variant_request: { status: 'passed' },
		});
		expect((await requestsOf(show.id)).map((request) => request.status)).toEqual([
			'dismissed',
			'passed',
		]);
	});

	it('dismisses the open requests of an item number once its last variant row is removed', async () => {
		const { show, variants } = await showWithVariants(['Blue / M', 'Red / M']);
		const request = (await ingest(api, commentOn(show, 'ann', 'sold 12'))).results[0]
			.variant_request!;
		await rpc(api, asUser(operator), 'remove_show_item', { item_id: variants.get('Blue / M') });
		expect((await requestsOf(show.id)).map((open) => open.status)).toEqual(['open']);
		await rpc(api, asUser(operator), 'remove_show_item', { item_id: variants.get('Red / M') });
		expect(await requestsOf(show.id)).toMatchObject([
			{ id: request.id, status: 'dismissed', resolved_by: operator.id },
		]);
		const { rows } = await owner.query(
			`select details from public.audit_log where show_id = $1 and action = 'item.remove' order by created_at`,
			[show.id],
		);
		expect(rows.map((row) => row.details)).toEqual([
			{},
			{ dismissed_variant_requests: [request.id] },
		]);
	});
});

describe('test comments', () => {
	it('makes test variant requests that clearing the test claims dismisses, real ones stay', async () => {
		const { show } = await showWithVariants();
		const tester = await rpc<{ results: { outcome: string }[] }>(
			api,
			asUser(operator),
			'emit_test_comment',
			{ show_id: show.id, text: 'sold 12', user_handle: 'tess' },
		);
		expect(tester.results[0].outcome).toBe('needs_variant');
		await ingest(api, commentOn(show, 'ann', 'sold 12'));
		await rpc(api, asUser(operator), 'clear_test_claims', { show_id: show.id });
		expect(
			(await requestsOf(show.id)).map((request) => [request.platform_user_id, request.status]),
		).toEqual([
			['test:tess', 'dismissed'],
			['ann', 'open'],
		]);
	});
});

describe('quantities', () => {
	it('caps a comment at the workspace’s max units, and says so', async () => {
		await setMaxUnits(1);
		const { show, items } = await createShow(api, operator, [{ item_number: '5', quantity: 5 }]);
		const capped = await ingest(api, commentOn(show, 'ann', 'sold 5 x3'));
		expect(capped.results[0]).toMatchObject({
			outcome: 'winner',
			quantity: 1,
			requested_quantity: 3,
			capped: true,
		});
		expect(await claimsOf(owner, items.get('5')!)).toHaveLength(1);
		await expect(setMaxUnits(31)).rejects.toMatchObject({ code: '23514' });
	});

	it('holds up to the asked units, one claim per unit; asking again for no more is a duplicate', async () => {
		await setMaxUnits(3);
		const { show, items } = await createShow(api, operator, [{ item_number: '5', quantity: 3 }]);
		const id = items.get('5')!;
		const two = await ingest(api, commentOn(show, 'ann', 'sold 5 2pcs'));
		expect(two.results[0]).toMatchObject({ outcome: 'winner', quantity: 2, capped: false });
		expect(two.results[0].claims.map((claim) => [claim.status, claim.buyer_unit])).toEqual([
			['winner', 1],
			['winner', 2],
		]);
		expect((await ingest(api, commentOn(show, 'ann', 'sold 5 qty 2'))).results[0]).toMatchObject({
			outcome: 'duplicate',
			claims: [{ buyer_unit: 1 }, { buyer_unit: 2 }],
		});
		expect((await ingest(api, commentOn(show, 'ann', 'sold 5'))).results[0].outcome).toBe(
			'duplicate',
		);
		// Three asked, two held: one more, and the item is then sold out.
		const three = await ingest(api, commentOn(show, 'ann', 'sold 5 x 3'));
		expect(three.results[0].claims.map((claim) => claim.buyer_unit)).toEqual([3]);
		const bob = await ingest(api, commentOn(show, 'bob', 'sold 5 x3'));
		expect(bob.results[0]).toMatchObject({ outcome: 'waitlist', quantity: 3 });
		expect(await waitlistOf(owner, id)).toEqual(['bob', 'bob', 'bob']);
		expect(await itemRow(owner, id)).toMatchObject({
			claimed_count: 3,
			waitlist_count: 3,
			status: 'sold_out',
		});

		// A pass ends all of ann's units; bob's units move up in order.
		const pass = await ingest(api, commentOn(show, 'ann', 'pass 5'));
		expect(pass.results[0]).toMatchObject({ outcome: 'passed' });
		expect(pass.results[0].claims.map((claim) => claim.status)).toEqual([
			'passed',
			'passed',
			'passed',
		]);
		expect(pass.results[0].promoted_claims).toHaveLength(3);
		expect(await winnersOf(owner, id)).toEqual(['bob', 'bob', 'bob']);
		expect(await waitlistOf(owner, id)).toEqual([]);
		await setMaxUnits(1);
	});

	it('passes every variant of the item unless the pass names one', async () => {
		const { show, variants } = await showWithVariants();
		await ingest(api, commentOn(show, 'ann', 'sold 12 blue M'));
		await ingest(api, commentOn(show, 'ann', 'sold 12 red M'));
		await ingest(api, commentOn(show, 'ann', 'sold 12 blue L'));
		const one = await ingest(api, commentOn(show, 'ann', 'pass 12 red M'));
		expect(one.results[0].claims.map((claim) => claim.show_item_id)).toEqual([
			variants.get('Red / M'),
		]);
		const rest = await ingest(api, commentOn(show, 'ann', 'pass 12'));
		expect(rest.results[0].claims.map((claim) => claim.show_item_id).sort()).toEqual(
			[variants.get('Blue / M'), variants.get('Blue / L')].sort(),
		);
		for (const id of variants.values()) expect(await winnersOf(owner, id)).toEqual([]);
	});

	it('keeps every invariant per variant under concurrent multi-unit claims', async () => {
		await setMaxUnits(3);
		const { show, variants } = await showWithVariants(['Blue / M', 'Red / M'], 4);
		const buyers = Array.from({ length: 10 }, (_, index) => `buyer-${index}`);
		const results = await Promise.all(
			buyers.flatMap((buyer, index) => [
				ingest(api, commentOn(show, buyer, `sold 12 ${index % 2 ? 'red' : 'blue'} M x2`)),
				ingest(api, commentOn(show, buyer, 'sold 12 blue m qty 3')),
			]),
		);
		expect(results.every((result) => result.outcome === 'processed')).toBe(true);
		const blue = await itemRow(owner, variants.get('Blue / M')!);
		const red = await itemRow(owner, variants.get('Red / M')!);
		// Blue: 3 units for each of 10 buyers; red: 2 for each of the 5 odd buyers.
		expect(blue).toMatchObject({ claimed_count: 4, waitlist_count: 26, status: 'sold_out' });
		expect(red).toMatchObject({ claimed_count: 4, waitlist_count: 6, status: 'sold_out' });
		const positions = (await claimsOf(owner, blue.id))
			.filter((claim) => claim.status === 'waitlist')
			.map((claim) => claim.waitlist_position)
			.sort((a, b) => a! - b!);
		expect(positions).toEqual(Array.from({ length: 26 }, (_, index) => index + 1));
		await setMaxUnits(1);
	});
});
