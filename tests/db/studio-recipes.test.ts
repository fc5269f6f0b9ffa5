// The README's "Manual fixes in Supabase Studio" recipes, run as Studio runs them: the block as
// written, values in angle brackets filled in, as `postgres` in one connection. Reading them from
// the README keeps the documentation and what is tested one text.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import {
	commentOn,
	createShow,
	ingest,
	itemRow,
	waitlistOf,
	winnersOf,
	type LiveShow,
} from './fixtures.ts';

/** The sql blocks of the README section, by their ### heading. */
function readRecipes(): Map<string, string> {
	const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
	const section = readme.split('\n## Manual fixes in Supabase Studio\n')[1]?.split('\n## ')[0];
	if (!section) throw new Error('README has no section "Manual fixes in Supabase Studio"');
	const recipes = new Map<string, string>();
	for (const part of section.split('\n### ').slice(1)) {
		const title = part.slice(0, part.indexOf('\n'));
		const block = /```sql\n([\s\S]*?)```/.exec(part);
		if (block) recipes.set(title, block[1]);
	}
	return recipes;
}

const recipes = readRecipes();

let owner: pg.Pool;
let api: pg.Pool;
let seller: TestUser;
let assistant: TestUser;
let outsider: TestUser;
let live: LiveShow;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool(2);
	seller = await createUser(owner);
	const helper = await createUser(owner);
	await addMember(owner, seller.workspaceId, helper.id, 'assistant');
	assistant = { ...helper, workspaceId: seller.workspaceId };
	outsider = await createUser(owner);
	live = await createShow(
		owner,
		seller,
		['12', '15', '20', '30', '40', '41'].map((number) => ({ item_number: number })),
		{ owned: true },
	);
	// 12: ana wins, ben waits. 20: ana wins, ben then cy wait. 40 and 41: dee and eve win, fay
	// waits for 41; then dee and eve pass by mistake.
	for (const [user, text] of [
		['ana', 'sold 12'],
		['ben', 'sold 12'],
		['ana', 'sold 20'],
		['ben', 'sold 20'],
		['cy', 'sold 20'],
		['dee', 'sold 40'],
		['eve', 'sold 41'],
		['fay', 'sold 41'],
		['dee', 'pass 40'],
		['eve', 'pass 41'],
	])
		await ingest(owner, commentOn(live.show, user, text));
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

function item(number: string): string {
	const id = live.items.get(number);
	if (!id) throw new Error(`no item ${number}`);
	return id;
}

/**
 * Runs a README recipe as Studio would, as `postgres`, with its placeholders filled; returns the
 * rows of its statements. A failed recipe is rolled back, as Studio ends a failed run.
 */
async function runRecipe(
	title: string,
	values: Record<string, string>,
): Promise<Record<string, unknown>[][]> {
	let sql = recipes.get(title);
	if (!sql) throw new Error(`README has no recipe "${title}"`);
	for (const [name, value] of Object.entries(values)) {
		expect(sql, `recipe "${title}" has no <${name}>`).toContain(`<${name}>`);
		sql = sql.replaceAll(`<${name}>`, value);
	}
	expect(sql).not.toMatch(/<[a-z ]+>/);
	const client = await owner.connect();
	try {
		// One statement answers one result, several an array of them.
		const results: pg.QueryResult | pg.QueryResult[] = await client.query(sql);
		return (Array.isArray(results) ? results : [results]).map((result) => result.rows);
	} catch (error) {
		await client.query('rollback');
		throw error;
	} finally {
		client.release();
	}
}

function studioValues(extra: Record<string, string>): Record<string, string> {
	return {
		'show id': live.show.id,
		'member email': assistant.email,
		reason: 'Ticket 481: the buyer asked by message',
		...extra,
	};
}

async function studioAudit(entityId: string) {
	const { rows } = await owner.query(
		`select action, actor_user_id, via, reason from public.audit_log
		 where entity_id = $1 and via = 'studio' order by created_at desc, id`,
		[entityId],
	);
	return rows;
}

describe('the README recipes, run as Studio runs them', () => {
	it('documents each recipe', () => {
		expect([...recipes.keys()]).toEqual([
			'Release a claim',
			'Award an item',
			'Move a waiter to the front',
			'Fix a quantity',
			'Undo a wrong pass',
			'What was fixed from Studio',
		]);
	});

	it('releases a claim: the first waiter wins, audited as from Studio with the reason', async () => {
		await runRecipe(
			'Release a claim',
			studioValues({ 'item number': '12', 'buyer handle': 'handle_ana' }),
		);
		expect(await winnersOf(owner, item('12'))).toEqual(['ben']);
		const { rows } = await owner.query(
			`select id, status, ended_by from public.claims where show_item_id = $1 and platform_user_id = 'ana'`,
			[item('12')],
		);
		expect(rows).toEqual([expect.objectContaining({ status: 'released', ended_by: assistant.id })]);
		expect(await studioAudit(rows[0].id)).toEqual([
			{
				action: 'claim.release',
				actor_user_id: assistant.id,
				via: 'studio',
				reason: 'Ticket 481: the buyer asked by message',
			},
		]);
	});

	it('awards an item to a buyer by handle', async () => {
		const [, , [result]] = await runRecipe(
			'Award an item',
			studioValues({ 'item number': '15', 'buyer handle': 'gus' }),
		);
		expect(result.award_item).toMatchObject({
			claim: { user_handle: 'gus', status: 'winner', operator_user_id: assistant.id },
		});
		expect((await itemRow(owner, item('15'))).claimed_count).toBe(1);
	});

	it('moves a waiter to the front', async () => {
		await runRecipe(
			'Move a waiter to the front',
			studioValues({ 'item number': '20', 'buyer handle': 'handle_cy' }),
		);
		expect(await waitlistOf(owner, item('20'))).toEqual(['cy', 'ben']);
	});

	it('fixes a quantity: the new unit goes to the first waiter', async () => {
		await runRecipe('Fix a quantity', studioValues({ 'item number': '20', 'new quantity': '2' }));
		expect(await itemRow(owner, item('20'))).toMatchObject({ quantity: 2, claimed_count: 2 });
		expect(await winnersOf(owner, item('20'))).toEqual(['ana', 'cy']);
	});

	it('undoes a wrong pass: the buyer holds the item again under their platform id', async () => {
		await runRecipe(
			'Undo a wrong pass',
			studioValues({ 'item number': '40', 'buyer handle': 'handle_dee' }),
		);
		expect(await winnersOf(owner, item('40'))).toEqual(['dee']);
	});

	it('refuses to undo a pass whose unit went to the next waiter, and changes nothing', async () => {
		await expect(
			runRecipe(
				'Undo a wrong pass',
				studioValues({ 'item number': '41', 'buyer handle': 'handle_eve' }),
			),
		).rejects.toThrow('item 41 is sold out (1 of 1)');
		expect(await winnersOf(owner, item('41'))).toEqual(['fay']);
	});

	it('lists what was fixed from Studio, with who and why', async () => {
		const [rows] = await runRecipe('What was fixed from Studio', { 'show id': live.show.id });
		// The fixes, beside what they set off (a won item opens its buyer's order), all from Studio.
		const fixes = rows.filter((row) => !String(row.action).startsWith('order.'));
		expect(fixes.map((row) => row.action).sort()).toEqual([
			'claim.award',
			'claim.award',
			'claim.move_to_front',
			'claim.release',
			'item.update',
		]);
		expect(new Set(rows.map((row) => `${row.acting_member} ${row.reason}`))).toEqual(
			new Set([`${assistant.email} Ticket 481: the buyer asked by message`]),
		);
	});
});

describe('acting from Studio', () => {
	async function actAndRun(workspaceId: string, userId: string, reason: string, then = 'select 1') {
		const client = await owner.connect();
		try {
			await client.query('begin');
			await client.query('select private.studio_act_as($1, $2, $3)', [workspaceId, userId, reason]);
			return (await client.query(then)).rows;
		} finally {
			await client.query('rollback');
			client.release();
		}
	}

	it('needs a reason', async () => {
		for (const reason of ['', '   '])
			await expect(actAndRun(seller.workspaceId, assistant.id, reason)).rejects.toThrow(
				'studio_act_as needs a reason',
			);
	});

	it('acts only as a member of the workspace', async () => {
		await expect(actAndRun(seller.workspaceId, outsider.id, 'a reason')).rejects.toThrow(
			`user ${outsider.id} is not a member of workspace ${seller.workspaceId}`,
		);
	});

	it("applies the member's role", async () => {
		await expect(
			actAndRun(
				seller.workspaceId,
				assistant.id,
				'rename',
				`select public.update_show('${live.show.id}', '{"name": "Renamed"}')`,
			),
		).rejects.toThrow('this needs the admin role in the workspace; you are assistant');
	});

	it('makes auth.uid() the member for that transaction only', async () => {
		expect(
			await actAndRun(seller.workspaceId, assistant.id, 'check', 'select auth.uid() as uid'),
		).toEqual([{ uid: assistant.id }]);
		const { rows } = await owner.query('select auth.uid() as uid');
		expect(rows).toEqual([{ uid: null }]);
	});

	it('refuses a change to another workspace than the one named', async () => {
		await addMember(owner, outsider.workspaceId, seller.id, 'admin');
		const other = await createShow(owner, outsider, [{ item_number: '1' }]);
		await expect(
			actAndRun(
				seller.workspaceId,
				seller.id,
				'wrong workspace',
				`select public.award_item('${other.items.get('1')}', 'zed')`,
			),
		).rejects.toThrow(`this Studio transaction acts in workspace ${seller.workspaceId}`);
	});

	it('is not for the API roles', async () => {
		for (const actor of [asUser(assistant), serviceRole])
			await expect(
				queryAs(api, actor, 'select private.studio_act_as($1, $2, $3)', [
					seller.workspaceId,
					assistant.id,
					'a reason',
				]),
			).rejects.toThrow('permission denied');
	});

	it('leaves audit entries made otherwise as from the app, without a reason', async () => {
		const { rows } = await owner.query(
			`select distinct via, reason from public.audit_log where show_id = $1 and action = 'show.activate'`,
			[live.show.id],
		);
		expect(rows).toEqual([{ via: 'app', reason: null }]);
	});
});

describe('a direct edit in Studio', () => {
	it('that breaks the allocation rules is refused at commit with its reason', async () => {
		const client = await owner.connect();
		try {
			await expect(
				client.query(
					`begin; update public.show_items set claimed_count = 0, status = 'unclaimed' where id = '${item('40')}'; commit;`,
				),
			).rejects.toThrow(/item 40 of show .*: claimed_count is 0 but 1 claims are winners/);
		} finally {
			await client.query('rollback');
			client.release();
		}
		expect((await itemRow(owner, item('40'))).claimed_count).toBe(1);
	});
});
