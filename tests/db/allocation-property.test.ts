// Property: whatever mix of claims, passes, releases, awards and quantity changes many users
// throw at a show concurrently, over real connections, the database ends where a simple
// sequential model ends when fed the same operations in the order the database serialised them,
// every operation answers as the model says, and the invariants hold.
//
// Serialisation order: operations on one item are serialised by the item's row lock, held to
// commit. Each operation draws from a sequence just before committing, still holding that lock,
// so sorting successful operations by the number drawn gives the order they took effect per
// item. Refused operations roll back and change nothing; they must be refused for a business
// reason (PT409), never for a deadlock or a broken invariant.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	actAs,
	asUser,
	authenticatorPool,
	createUser,
	serviceRole,
	type Actor,
	type TestUser,
} from '../support/db.ts';
import {
	commentOn,
	createShow,
	type ClaimRow,
	type IngestResult,
	type ShowRow,
} from './fixtures.ts';

const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const itemNumbers = ['1', '2'];
const lanes = 6;

type Operation =
	| { kind: 'claim'; user: string; item: string }
	| { kind: 'pass'; user: string; item: string }
	| { kind: 'release'; user: string; item: string }
	| { kind: 'award'; user: string; item: string }
	| { kind: 'quantity'; item: string; quantity: number };

/** What an operation did, as the database answered it. */
type Effect =
	| { kind: 'comment'; outcome: string; promoted: string | null }
	| { kind: 'release'; promoted: string | null }
	| { kind: 'award' }
	| { kind: 'quantity'; promoted: string[] };

interface Done {
	operation: Operation;
	order: number;
	effect: Effect;
}

const handleOf = (user: string) => `handle_${user}`;
/** Buyers as the model names them: awards are by handle, comments by platform user id. */
function buyerOf(claim: Pick<ClaimRow, 'platform_user_id' | 'user_handle'>): string {
	return claim.platform_user_id ?? claim.user_handle!.replace(/^handle_/, '');
}

class ItemModel {
	winners = new Set<string>();
	waitlist: string[] = [];
	constructor(public quantity: number) {}

	private promote(): string | null {
		if (this.winners.size >= this.quantity || this.waitlist.length === 0) return null;
		const next = this.waitlist.shift()!;
		this.winners.add(next);
		return next;
	}

	claim(user: string): Effect {
		if (this.winners.has(user) || this.waitlist.includes(user))
			return { kind: 'comment', outcome: 'duplicate', promoted: null };
		if (this.winners.size < this.quantity) {
			this.winners.add(user);
			return { kind: 'comment', outcome: 'winner', promoted: null };
		}
		this.waitlist.push(user);
		return { kind: 'comment', outcome: 'waitlist', promoted: null };
	}

	/** A pass or a release: null when the user holds nothing. */
	end(user: string): { promoted: string | null } | null {
		if (this.winners.delete(user)) return { promoted: this.promote() };
		const place = this.waitlist.indexOf(user);
		if (place < 0) return null;
		this.waitlist.splice(place, 1);
		return { promoted: null };
	}

	award(user: string): Effect | null {
		if (
			this.winners.size >= this.quantity ||
			this.winners.has(user) ||
			this.waitlist.includes(user)
		)
			return null;
		this.winners.add(user);
		return { kind: 'award' };
	}

	setQuantity(quantity: number): Effect | null {
		if (quantity < this.winners.size) return null;
		this.quantity = quantity;
		const promoted = [];
		for (let next = this.promote(); next !== null; next = this.promote()) promoted.push(next);
		return { kind: 'quantity', promoted };
	}
}

/** What the model says op does; null where the model would refuse it. */
function expectedEffect(model: ItemModel, op: Operation): Effect | null {
	switch (op.kind) {
		case 'claim':
			return model.claim(op.user);
		case 'pass': {
			const ended = model.end(op.user);
			return {
				kind: 'comment',
				outcome: ended ? 'passed' : 'ignored',
				promoted: ended?.promoted ?? null,
			};
		}
		case 'release': {
			const ended = model.end(op.user);
			return ended && { kind: 'release', promoted: ended.promoted };
		}
		case 'award':
			return model.award(op.user);
		case 'quantity':
			return model.setQuantity(op.quantity);
	}
}

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool(lanes);
	operator = await createUser(owner);
	await owner.query(`
		create schema if not exists test_support;
		create sequence if not exists test_support.operation_order;
		grant usage on schema test_support to authenticated, service_role;
		grant usage on sequence test_support.operation_order to authenticated, service_role;`);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

/** Runs one operation in its own transaction; null when the database refused it. */
async function perform(
	show: ShowRow,
	items: Map<string, string>,
	operation: Operation,
): Promise<Done | null> {
	const run = async (actor: Actor, sql: string, params: unknown[]) =>
		actAs(api, actor, async (client) => {
			const { rows } = await client.query(sql, params);
			const order = await client.query<{ n: string }>(
				`select nextval('test_support.operation_order') as n`,
			);
			return { result: rows[0].result, order: Number(order.rows[0].n) };
		});
	const itemId = items.get(operation.item)!;
	try {
		switch (operation.kind) {
			case 'claim':
			case 'pass': {
				const comment = commentOn(
					show,
					operation.user,
					`${operation.kind === 'claim' ? 'sold' : 'pass'} ${operation.item}`,
				);
				const { result, order } = await run(
					serviceRole,
					'select public.ingest_comment($1) as result',
					[comment],
				);
				const intent = (result as IngestResult).results[0];
				return {
					operation,
					order,
					effect: {
						kind: 'comment',
						outcome: intent.outcome,
						promoted: intent.promoted && buyerOf(intent.promoted),
					},
				};
			}
			case 'release': {
				const { rows } = await owner.query<{ id: string }>(
					`select id from public.claims where show_item_id = $1 and status in ('winner', 'waitlist')
					 and coalesce(platform_user_id, user_handle) in ($2, $3)`,
					[itemId, operation.user, handleOf(operation.user)],
				);
				if (rows.length === 0) return null;
				const { result, order } = await run(
					asUser(operator),
					'select public.release_claim($1) as result',
					[rows[0].id],
				);
				const promoted = (result as { promoted: ClaimRow | null }).promoted;
				return {
					operation,
					order,
					effect: { kind: 'release', promoted: promoted && buyerOf(promoted) },
				};
			}
			case 'award': {
				const { order } = await run(
					asUser(operator),
					'select public.award_item($1, $2) as result',
					[itemId, handleOf(operation.user)],
				);
				return { operation, order, effect: { kind: 'award' } };
			}
			case 'quantity': {
				const { result, order } = await run(
					asUser(operator),
					'select public.update_show_item($1, $2) as result',
					[itemId, JSON.stringify({ quantity: operation.quantity })],
				);
				return {
					operation,
					order,
					effect: {
						kind: 'quantity',
						promoted: (result as { promoted: ClaimRow[] }).promoted.map(buyerOf),
					},
				};
			}
		}
	} catch (error) {
		// Refused for a business reason (sold out, already released, below the winners): fine.
		if ((error as { code?: string }).code === 'PT409') return null;
		throw error;
	}
}

const operation: fc.Arbitrary<Operation> = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant('claim' as const),
			user: fc.constantFrom(...users),
			item: fc.constantFrom(...itemNumbers),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant('pass' as const),
			user: fc.constantFrom(...users),
			item: fc.constantFrom(...itemNumbers),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant('release' as const),
			user: fc.constantFrom(...users),
			item: fc.constantFrom(...itemNumbers),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('award' as const),
			user: fc.constantFrom(...users),
			item: fc.constantFrom(...itemNumbers),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('quantity' as const),
			item: fc.constantFrom(...itemNumbers),
			quantity: fc.integer({ min: 1, max: 4 }),
		}),
	},
);

it('matches a sequential model and keeps the invariants under concurrent operations', async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(fc.integer({ min: 1, max: 3 }), {
				minLength: itemNumbers.length,
				maxLength: itemNumbers.length,
			}),
			fc.array(fc.array(operation, { maxLength: 12 }), { minLength: lanes, maxLength: lanes }),
			async (quantities, laneOperations) => {
				const { show, items } = await createShow(
					api,
					operator,
					itemNumbers.map((item_number, index) => ({ item_number, quantity: quantities[index] })),
				);
				const done = (
					await Promise.all(
						laneOperations.map(async (lane) => {
							const finished: (Done | null)[] = [];
							for (const each of lane) finished.push(await perform(show, items, each));
							return finished;
						}),
					)
				)
					.flat()
					.filter((each): each is Done => each !== null)
					.sort((a, b) => a.order - b.order);

				const models = new Map(
					itemNumbers.map((item, index) => [item, new ItemModel(quantities[index])]),
				);
				for (const { operation: op, effect } of done) {
					expect(effect, JSON.stringify(op)).toEqual(expectedEffect(models.get(op.item)!, op));
				}

				for (const [itemNumber, model] of models) {
					const itemId = items.get(itemNumber)!;
					const { rows: claims } = await owner.query<ClaimRow>(
						`select * from public.claims where show_item_id = $1 and status in ('winner', 'waitlist') order by waitlist_position nulls first`,
						[itemId],
					);
					expect(new Set(claims.filter((claim) => claim.status === 'winner').map(buyerOf))).toEqual(
						model.winners,
					);
					const waiters = claims.filter((claim) => claim.status === 'waitlist');
					expect(waiters.map(buyerOf)).toEqual(model.waitlist);
					expect(waiters.map((claim) => claim.waitlist_position)).toEqual(
						model.waitlist.map((_, index) => index + 1),
					);
					const {
						rows: [item],
					} = await owner.query(
						'select quantity, claimed_count, waitlist_count, status from public.show_items where id = $1',
						[itemId],
					);
					expect(item).toEqual({
						quantity: model.quantity,
						claimed_count: model.winners.size,
						waitlist_count: model.waitlist.length,
						status:
							model.winners.size === 0
								? 'unclaimed'
								: model.winners.size < model.quantity
									? 'partial'
									: 'sold_out',
					});
				}
			},
		),
		{ numRuns: 100 },
	);
}, 240_000);
