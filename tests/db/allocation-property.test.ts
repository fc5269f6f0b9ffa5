// Property: whatever mix of claims (of one or several units, naming a variant or not), bare
// claims on the pinned item, passes, releases, awards and quantity changes many users throw at a
// show concurrently, over real connections, the database ends where a simple sequential model
// ends when fed the same operations in the order the database serialised them, every operation
// answers as the model says, and the invariants hold, per variant row, with variant requests where
// the model has them. Each show may limit a buyer's units per item, may have a blocked buyer, and
// has a pin history set up front: bare claims carry platform times around its changes, arriving
// in any order.
//
// (The show-wide limit is left to tests/db/buyer-limits.test.ts: a release by the operator takes
// no lock on the buyer, so its order against the buyer's claims on other items is not the one the
// sequence below records, though the limit holds.)
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
	addVariants,
	commentOn,
	createShow,
	type ClaimRow,
	type IngestResult,
	type ShowRow,
} from './fixtures.ts';

const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
// Item 1 has no variants; item 2 comes in Red and Blue, one row each.
const rows = ['1', '2 red', '2 blue'] as const;
type Row = (typeof rows)[number];
const variantLabels: Record<Exclude<Row, '1'>, string> = { '2 red': 'Red', '2 blue': 'Blue' };
/** What a comment names: a row, or item 2 without a variant. */
type Named = Row | '2';
const lanes = 6;
/** The workspace's max_units_per_comment: comments ask for 1 to 3 units. */
const maxUnits = 2;

/** A bare claim's variant words: none, or one of item 2's. */
type BareVariant = '' | 'red' | 'blue';
/** Platform times of the pin changes and of bare claims: seconds after this. */
const pinEpoch = Date.UTC(2026, 10, 22, 19, 0, 0);

type Operation =
	| { kind: 'claim'; user: string; named: Named; units: number }
	| { kind: 'bare'; user: string; variant: BareVariant; second: number }
	| { kind: 'pass'; user: string; named: Named }
	| { kind: 'release'; user: string; row: Row }
	| { kind: 'award'; user: string; row: Row }
	| { kind: 'quantity'; row: Row; quantity: number };

/** What an operation did, as the database answered it; promoted buyers sorted. */
type Effect =
	| { kind: 'comment'; outcome: string; reason: string | null; claims: number; promoted: string[] }
	| { kind: 'release'; promoted: string[] }
	| { kind: 'award' }
	| { kind: 'quantity'; promoted: string[] };

interface Done {
	operation: Operation;
	order: number;
	effect: Effect;
	/** For a release: the buyer_unit of the claim it ended. */
	unit?: number;
}

const handleOf = (user: string) => `handle_${user}`;
/** Buyers as the model names them: awards are by handle, comments by platform user id. */
function buyerOf(claim: Pick<ClaimRow, 'platform_user_id' | 'user_handle'>): string {
	return claim.platform_user_id ?? claim.user_handle!.replace(/^handle_/, '');
}

/** One unit a buyer holds or waits for. */
interface Unit {
	user: string;
	unit: number;
}

/** One item row (one variant): its winners and its line, a unit each. */
class RowModel {
	winners: Unit[] = [];
	waitlist: Unit[] = [];
	constructor(public quantity: number) {}

	held(user: string): Unit[] {
		return [...this.winners, ...this.waitlist].filter((each) => each.user === user);
	}

	private promote(): string | null {
		if (this.winners.length >= this.quantity || this.waitlist.length === 0) return null;
		const next = this.waitlist.shift()!;
		this.winners.push(next);
		return next.user;
	}

	/** Up to `units` units for user: the number placed, and whether one won. */
	claim(user: string, units: number): { placed: number; won: boolean; held: number } {
		const held = this.held(user);
		const last = Math.max(0, ...held.map((each) => each.unit));
		let won = false;
		for (let unit = last + 1; unit <= last + units - held.length; unit++) {
			if (this.winners.length < this.quantity) {
				this.winners.push({ user, unit });
				won = true;
			} else this.waitlist.push({ user, unit });
		}
		return { placed: Math.max(0, units - held.length), won, held: held.length };
	}

	/** Ends one unit; returns who was promoted, or undefined when it is not held. */
	end(user: string, unit: number): { promoted: string | null } | undefined {
		const won = this.winners.findIndex((each) => each.user === user && each.unit === unit);
		if (won >= 0) {
			this.winners.splice(won, 1);
			return { promoted: this.promote() };
		}
		const waiting = this.waitlist.findIndex((each) => each.user === user && each.unit === unit);
		if (waiting < 0) return undefined;
		this.waitlist.splice(waiting, 1);
		return { promoted: null };
	}

	/** A pass: waiters leave first, then each winner's unit goes to the first waiter. */
	passAll(user: string): { ended: number; promoted: string[] } {
		const waiting = this.waitlist.filter((each) => each.user === user);
		const winning = this.winners.filter((each) => each.user === user);
		const promoted: string[] = [];
		for (const each of [...waiting, ...winning]) {
			const next = this.end(user, each.unit)!.promoted;
			if (next) promoted.push(next);
		}
		return { ended: waiting.length + winning.length, promoted };
	}

	award(user: string): Effect | null {
		if (this.winners.length >= this.quantity || this.held(user).length > 0) return null;
		this.winners.push({ user, unit: 1 });
		return { kind: 'award' };
	}

	setQuantity(quantity: number): Effect | null {
		if (quantity < this.winners.length) return null;
		this.quantity = quantity;
		const promoted = [];
		for (let next = this.promote(); next !== null; next = this.promote()) promoted.push(next);
		return { kind: 'quantity', promoted: promoted.sort() };
	}
}

/** The show's setup: a per-item limit, a blocked buyer and the pin history, each perhaps none. */
interface Rules {
	unitsPerItem: number | null;
	blocked: string | null;
	/** Pin changes, oldest first: the second after pinEpoch, and the item pinned (null: none). */
	pins: { second: number; item: 1 | 2 | null }[];
}

/** The show: its rows, and who has an open variant request on item 2. */
class ShowModel {
	rows: Map<Row, RowModel>;
	openRequests = new Set<string>();
	constructor(
		quantities: number[],
		private rules: Rules,
	) {
		this.rows = new Map(rows.map((row, index) => [row, new RowModel(quantities[index])]));
	}

	/** Units the user holds or waits for, over every row of the item. */
	private itemUnits(user: string, named: Named): number {
		const itemRows: Row[] = named === '1' ? ['1'] : ['2 red', '2 blue'];
		return itemRows.reduce((sum, each) => sum + this.rows.get(each)!.held(user).length, 0);
	}

	private claim(user: string, named: Named, asked: number): Effect {
		const comment = (outcome: string, claims = 0, reason: string | null = null): Effect => ({
			kind: 'comment',
			outcome,
			reason,
			claims,
			promoted: [],
		});
		const units = Math.min(asked, maxUnits);
		const heldOnRow = named === '2' ? 0 : this.rows.get(named)!.held(user).length;
		const room =
			this.rules.unitsPerItem === null
				? null
				: this.rules.unitsPerItem - this.itemUnits(user, named);
		if (room !== null && room <= 0 && units > heldOnRow)
			return comment('limit_reached', 0, 'units_per_item');
		if (named === '2') {
			const open = this.openRequests.has(user);
			this.openRequests.add(user);
			return comment(open ? 'duplicate' : 'needs_variant');
		}
		if (named !== '1') this.openRequests.delete(user);
		const wanted = room === null ? units : Math.min(units, heldOnRow + room);
		const { placed, won, held } = this.rows.get(named)!.claim(user, wanted);
		return comment(
			placed === 0 ? 'duplicate' : won ? 'winner' : 'waitlist',
			placed === 0 ? held : placed,
		);
	}

	/** What op does; null where the database would refuse it. */
	apply(op: Operation, done: Done): Effect | null {
		if (
			(op.kind === 'claim' || op.kind === 'bare' || op.kind === 'pass') &&
			op.user === this.rules.blocked
		)
			return { kind: 'comment', outcome: 'ignored', reason: 'blocked', claims: 0, promoted: [] };
		switch (op.kind) {
			case 'claim':
				return this.claim(op.user, op.named, op.units);
			case 'bare': {
				// The item pinned at the comment's platform time, whenever it was processed.
				const pinned = this.rules.pins.findLast((pin) => pin.second <= op.second)?.item ?? null;
				if (pinned === null)
					return {
						kind: 'comment',
						outcome: 'ignored',
						reason: 'nothing_pinned',
						claims: 0,
						promoted: [],
					};
				return this.claim(op.user, pinned === 1 ? '1' : op.variant ? `2 ${op.variant}` : '2', 1);
			}
			case 'pass': {
				const passed: Row[] = op.named === '2' ? ['2 red', '2 blue'] : [op.named];
				const withdrawn = op.named !== '1' && this.openRequests.delete(op.user);
				let ended = 0;
				const promoted: string[] = [];
				for (const row of passed) {
					const result = this.rows.get(row)!.passAll(op.user);
					ended += result.ended;
					promoted.push(...result.promoted);
				}
				return {
					kind: 'comment',
					outcome: ended > 0 || withdrawn ? 'passed' : 'ignored',
					reason: ended > 0 || withdrawn ? null : 'not_claimed',
					claims: ended,
					promoted: promoted.sort(),
				};
			}
			case 'release': {
				const ended = this.rows.get(op.row)!.end(op.user, done.unit!);
				return ended ? { kind: 'release', promoted: ended.promoted ? [ended.promoted] : [] } : null;
			}
			case 'award':
				return this.rows.get(op.row)!.award(op.user);
			case 'quantity':
				return this.rows.get(op.row)!.setQuantity(op.quantity);
		}
	}
}

let owner: pg.Pool;
let api: pg.Pool;
let operator: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool(lanes);
	operator = await createUser(owner);
	await owner.query('update public.workspaces set max_units_per_comment = $2 where id = $1', [
		operator.workspaceId,
		maxUnits,
	]);
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
	rowIds: Map<Row, string>,
	operation: Operation,
): Promise<Done | null> {
	const run = async (actor: Actor, sql: string, params: unknown[]) =>
		actAs(api, actor, async (client) => {
			const { rows: answer } = await client.query(sql, params);
			const order = await client.query<{ n: string }>(
				`select nextval('test_support.operation_order') as n`,
			);
			return { result: answer[0].result, order: Number(order.rows[0].n) };
		});
	const sortedBuyers = (claims: ClaimRow[]) => claims.map(buyerOf).sort();
	try {
		switch (operation.kind) {
			case 'claim':
			case 'bare':
			case 'pass': {
				const [item, variant = ''] = operation.kind === 'bare' ? [] : operation.named.split(' ');
				const text =
					operation.kind === 'bare'
						? `sold ${operation.variant}`
						: operation.kind === 'claim'
							? `sold ${item} ${variant} x${operation.units}`
							: `pass ${item} ${variant}`;
				const at =
					operation.kind === 'bare'
						? { created_at: new Date(pinEpoch + operation.second * 1000).toISOString() }
						: {};
				const { result, order } = await run(
					serviceRole,
					'select public.ingest_comment($1) as result',
					[commentOn(show, operation.user, text, at)],
				);
				// An ignored comment's results name no claims.
				const intent = (result as IngestResult).results[0];
				return {
					operation,
					order,
					effect: {
						kind: 'comment',
						outcome: intent.outcome,
						reason: intent.reason,
						claims: intent.claims?.length ?? 0,
						promoted: sortedBuyers(intent.promoted_claims ?? []),
					},
				};
			}
			case 'release': {
				// The buyer's latest unit on the row.
				const { rows: held } = await owner.query<{ id: string; buyer_unit: number }>(
					`select id, buyer_unit from public.claims where show_item_id = $1 and status in ('winner', 'waitlist')
					 and coalesce(platform_user_id, user_handle) in ($2, $3) order by buyer_unit desc limit 1`,
					[rowIds.get(operation.row), operation.user, handleOf(operation.user)],
				);
				if (held.length === 0) return null;
				const { result, order } = await run(
					asUser(operator),
					'select public.release_claim($1) as result',
					[held[0].id],
				);
				const promoted = (result as { promoted: ClaimRow | null }).promoted;
				return {
					operation,
					order,
					unit: held[0].buyer_unit,
					effect: { kind: 'release', promoted: promoted ? [buyerOf(promoted)] : [] },
				};
			}
			case 'award': {
				const { order } = await run(
					asUser(operator),
					'select public.award_item($1, $2) as result',
					[rowIds.get(operation.row), handleOf(operation.user)],
				);
				return { operation, order, effect: { kind: 'award' } };
			}
			case 'quantity': {
				const { result, order } = await run(
					asUser(operator),
					'select public.update_show_item($1, $2) as result',
					[rowIds.get(operation.row), JSON.stringify({ quantity: operation.quantity })],
				);
				return {
					operation,
					order,
					effect: {
						kind: 'quantity',
						promoted: sortedBuyers((result as { promoted: ClaimRow[] }).promoted),
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

const user = fc.constantFrom(...users);
const row = fc.constantFrom(...rows);
const named = fc.constantFrom<Named>(...rows, '2');
const pinSeconds = 40;
const operation: fc.Arbitrary<Operation> = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant('claim' as const),
			user,
			named,
			units: fc.integer({ min: 1, max: 3 }),
		}),
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('bare' as const),
			user,
			variant: fc.constantFrom<BareVariant>('', 'red', 'blue'),
			second: fc.integer({ min: 0, max: pinSeconds }),
		}),
	},
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant('pass' as const), user, named }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), user, row }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('award' as const), user, row }) },
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('quantity' as const),
			row,
			quantity: fc.integer({ min: 1, max: 4 }),
		}),
	},
);

it('matches a sequential model and keeps the invariants under concurrent operations', async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(fc.integer({ min: 1, max: 3 }), { minLength: rows.length, maxLength: rows.length }),
			fc.array(fc.array(operation, { maxLength: 12 }), { minLength: lanes, maxLength: lanes }),
			fc.record({
				unitsPerItem: fc.constantFrom(null, 1, 2, 3),
				blocked: fc.constantFrom(null, 'u6'),
				pins: fc.uniqueArray(
					fc.record({
						second: fc.integer({ min: 1, max: pinSeconds }),
						item: fc.constantFrom<1 | 2 | null>(1, 2, null),
					}),
					{ maxLength: 4, selector: (pin) => pin.second },
				),
			}),
			async (quantities, laneOperations, rules) => {
				const { show, items } = await createShow(api, operator, [
					{ item_number: '1', quantity: quantities[0] },
				]);
				const variants = await addVariants(owner, show.id, '2', [
					{ label: variantLabels['2 red'], quantity: quantities[1] },
					{ label: variantLabels['2 blue'], quantity: quantities[2] },
				]);
				const actor = asUser(operator);
				await actAs(api, actor, (client) =>
					client.query('select public.set_show_buyer_limits($1, null, $2)', [
						show.id,
						rules.unitsPerItem,
					]),
				);
				// Blocks are the workspace's: none left from an earlier run.
				await owner.query('delete from public.blocked_viewers where workspace_id = $1', [
					operator.workspaceId,
				]);
				if (rules.blocked)
					await actAs(api, actor, (client) =>
						client.query(`select public.block_viewer($1, 'facebook', $2)`, [
							show.id,
							rules.blocked,
						]),
					);
				// The pin history at its platform times; pinning the item already pinned adds no row.
				const ordered = [...rules.pins].sort((a, b) => a.second - b.second);
				const setup: Rules = {
					...rules,
					pins: ordered.filter(
						(pin, index) => pin.item !== (index === 0 ? null : ordered[index - 1].item),
					),
				};
				for (const pin of setup.pins) {
					const {
						rows: [pinned],
					} = await actAs(api, actor, (client) =>
						client.query<{ id: string }>(`select public.pin_show_item($1, $2) ->> 'id' as id`, [
							show.id,
							pin.item,
						]),
					);
					await owner.query('update public.show_pins set pinned_at = $2 where id = $1', [
						pinned.id,
						new Date(pinEpoch + pin.second * 1000).toISOString(),
					]);
				}
				const rowIds = new Map<Row, string>([
					['1', items.get('1')!],
					['2 red', variants.get(variantLabels['2 red'])!],
					['2 blue', variants.get(variantLabels['2 blue'])!],
				]);
				const done = (
					await Promise.all(
						laneOperations.map(async (lane) => {
							const finished: (Done | null)[] = [];
							for (const each of lane) finished.push(await perform(show, rowIds, each));
							return finished;
						}),
					)
				)
					.flat()
					.filter((each): each is Done => each !== null)
					.sort((a, b) => a.order - b.order);

				const model = new ShowModel(quantities, setup);
				for (const each of done) {
					expect(each.effect, JSON.stringify(each.operation)).toEqual(
						model.apply(each.operation, each),
					);
				}

				for (const [rowName, rowModel] of model.rows) {
					const rowId = rowIds.get(rowName)!;
					const { rows: claims } = await owner.query<ClaimRow>(
						`select * from public.claims where show_item_id = $1 and status in ('winner', 'waitlist') order by waitlist_position nulls first, buyer_unit`,
						[rowId],
					);
					const unitsOf = (units: Unit[]) => units.map((each) => `${each.user}#${each.unit}`);
					expect(
						claims
							.filter((claim) => claim.status === 'winner')
							.map((claim) => `${buyerOf(claim)}#${claim.buyer_unit}`)
							.sort(),
					).toEqual(unitsOf(rowModel.winners).sort());
					const waiters = claims.filter((claim) => claim.status === 'waitlist');
					expect(waiters.map((claim) => `${buyerOf(claim)}#${claim.buyer_unit}`)).toEqual(
						unitsOf(rowModel.waitlist),
					);
					expect(waiters.map((claim) => claim.waitlist_position)).toEqual(
						rowModel.waitlist.map((_, index) => index + 1),
					);
					const {
						rows: [item],
					} = await owner.query(
						'select quantity, claimed_count, waitlist_count, status from public.show_items where id = $1',
						[rowId],
					);
					expect(item).toEqual({
						quantity: rowModel.quantity,
						claimed_count: rowModel.winners.length,
						waitlist_count: rowModel.waitlist.length,
						status:
							rowModel.winners.length === 0
								? 'unclaimed'
								: rowModel.winners.length < rowModel.quantity
									? 'partial'
									: 'sold_out',
					});
				}
				const { rows: open } = await owner.query<{ platform_user_id: string }>(
					`select platform_user_id from public.variant_requests where show_id = $1 and status = 'open' order by 1`,
					[show.id],
				);
				expect(open.map((request) => request.platform_user_id)).toEqual(
					[...model.openRequests].sort(),
				);
			},
		),
		{ numRuns: 100 },
	);
}, 240_000);
