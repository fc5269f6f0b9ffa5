// The reporting views and role, as a SQL user meets them: a login made with the README's
// statements, the README's example queries run as that login, and nothing else within its reach,
// least of all another workspace's rows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ownerPool, stack } from '../support/clients.ts';
import {
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type LiveShow } from './fixtures.ts';

/** The sql blocks of the README's "Reporting with SQL" section, in order. */
function readBlocks(): string[] {
	const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
	const section = readme.split('\n## Reporting with SQL\n')[1]?.split('\n## ')[0];
	if (!section) throw new Error('README has no section "Reporting with SQL"');
	return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]);
}

const [loginSetup, ...exampleQueries] = readBlocks();

function fill(sql: string, values: Record<string, string>): string {
	for (const [name, value] of Object.entries(values)) sql = sql.replaceAll(`<${name}>`, value);
	expect(sql).not.toMatch(/<[a-z ]+>/);
	return sql;
}

interface Login {
	name: string;
	pool: pg.Pool;
}

let owner: pg.Pool;
let api: pg.Pool;
let sellerA: TestUser;
let sellerB: TestUser;
let showA: LiveShow;
let showA2: LiveShow;
let showB: LiveShow;
const logins: Login[] = [];

/** A reporting login made by the README's statements, mapped to workspaceId (or to none). */
async function reportingLogin(workspaceId: string | null): Promise<Login> {
	const name = `reporting_test_${randomBytes(6).toString('hex')}`;
	const password = randomBytes(12).toString('hex');
	const statements = fill(loginSetup, {
		login: name,
		password,
		'workspace id': workspaceId ?? '00000000-0000-0000-0000-000000000000',
	});
	if (workspaceId) await owner.query(statements);
	else await owner.query(statements.split('\n')[0]);
	const url = new URL(stack.SUPABASE_DB_URL);
	url.username = name;
	url.password = password;
	const login = { name, pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) };
	logins.push(login);
	return login;
}

async function rowsAs(login: Login, sql: string): Promise<Record<string, unknown>[]> {
	return (await login.pool.query(sql)).rows;
}

/** A comment on the show at minute:second past 20:00 on the show's day. */
function commentAt(live: LiveShow, user: string, text: string, minute: number, second: number) {
	return commentOn(live.show, user, text, {
		created_at: new Date(Date.UTC(2026, 10, 22, 20, minute, second)).toISOString(),
	});
}

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool(2);
	sellerA = await createUser(owner);
	sellerB = await createUser(owner);
	showA = await createShow(
		owner,
		sellerA,
		[{ item_number: '1' }, { item_number: '2', quantity: 2 }, { item_number: '3' }],
		{ owned: true },
	);
	showA2 = await createShow(owner, sellerA, [{ item_number: '5' }], { owned: true });
	showB = await createShow(owner, sellerB, [{ item_number: '1' }], { owned: true });
	for (const [live, number, price] of [
		[showA, '1', 1500],
		[showA, '2', 2500],
		[showA2, '5', 1000],
		[showB, '1', 99_900],
	] as const)
		await owner.query('update public.show_items set price = $2 where id = $1', [
			live.items.get(number),
			price,
		]);
	for (const [user, text, minute, second] of [
		['ana', 'sold 1', 0, 5],
		['ben', 'sold 1', 0, 30],
		['ben', 'sold 2', 1, 10],
		['cy', 'sold 2', 1, 20],
		['cy', 'sold 3', 1, 40],
		['dan', 'lovely colour', 2, 0],
	] as const)
		await ingest(owner, commentAt(showA, user, text, minute, second));
	await ingest(owner, commentAt(showA2, 'ana', 'sold 5', 0, 0));
	await ingest(owner, commentAt(showB, 'zoe', 'sold 1', 0, 0));
	// A rehearsal comment: its claim stays out of every view.
	await rpc(api, asUser(sellerA), 'emit_test_comment', {
		show_id: showA.show.id,
		text: 'sold 3',
		user_handle: 'tester',
	});
});

afterAll(async () => {
	for (const login of logins) {
		await login.pool.end();
		await owner.query(`drop role ${login.name}`);
		await owner.query('delete from private.reporting_workspaces where login_role = $1', [
			login.name,
		]);
	}
	await api.end();
	await owner.end();
});

describe('a reporting login of workspace A', () => {
	let login: Login;
	beforeAll(async () => {
		login = await reportingLogin(sellerA.workspaceId);
	});

	it("sees its shows' sales: winners only, test claims left out, revenue from unit prices", async () => {
		expect(await rowsAs(login, 'select * from reporting.show_sales order by show_id')).toEqual(
			[
				{
					show_id: showA.show.id,
					units_sold: '4',
					buyers: '3',
					revenue_minor: '6500',
					revenue: '65.00',
					unpriced_units: '1',
				},
				{
					show_id: showA2.show.id,
					units_sold: '1',
					buyers: '1',
					revenue_minor: '1000',
					revenue: '10.00',
					unpriced_units: '0',
				},
			]
				.sort((a, b) => a.show_id.localeCompare(b.show_id))
				.map((row) =>
					expect.objectContaining({
						...row,
						workspace_id: sellerA.workspaceId,
						currency: 'USD',
						status: 'active',
					}),
				),
		);
	});

	it('sees each buyer across its shows', async () => {
		const rows = await rowsAs(
			login,
			`select buyer_id, user_handle, shows, units_bought, spent_minor, spent, unpriced_units
			 from reporting.buyer_sales order by buyer_id`,
		);
		expect(rows).toEqual([
			{
				buyer_id: 'ana',
				user_handle: 'handle_ana',
				shows: '2',
				units_bought: '2',
				spent_minor: '2500',
				spent: '25.00',
				unpriced_units: '0',
			},
			{
				buyer_id: 'ben',
				user_handle: 'handle_ben',
				shows: '1',
				units_bought: '1',
				spent_minor: '2500',
				spent: '25.00',
				unpriced_units: '0',
			},
			{
				buyer_id: 'cy',
				user_handle: 'handle_cy',
				shows: '1',
				units_bought: '2',
				spent_minor: '2500',
				spent: '25.00',
				unpriced_units: '1',
			},
		]);
	});

	it('sees comments and the claims they made per minute of the live', async () => {
		const rows = await rowsAs(
			login,
			`select to_char(minute at time zone 'UTC', 'HH24:MI') as minute, comments, claims
			 from reporting.show_minutes where show_id = '${showA.show.id}' order by minute`,
		);
		expect(rows).toEqual([
			{ minute: '20:00', comments: '2', claims: '2' },
			{ minute: '20:01', comments: '3', claims: '3' },
			{ minute: '20:02', comments: '1', claims: '0' },
		]);
	});

	it("answers the README's example queries", async () => {
		const [thisMonth, bestBuyers, repeatBuyers, minutes] = exampleQueries.map((sql) =>
			fill(sql, { 'show id': showA.show.id }),
		);
		expect((await rowsAs(login, thisMonth)).map((row) => row.revenue)).toEqual(
			expect.arrayContaining(['65.00', '10.00']),
		);
		expect((await rowsAs(login, bestBuyers)).map((row) => row.user_handle)).toEqual([
			'handle_ana',
			'handle_cy',
			'handle_ben',
		]);
		expect(await rowsAs(login, repeatBuyers)).toEqual([{ repeat_buyers: '1', buyers: '3' }]);
		expect((await rowsAs(login, minutes)).map((row) => row.claims)).toEqual(['2', '3', '0']);
		expect(exampleQueries).toHaveLength(4);
	});

	it("never sees workspace B's rows", async () => {
		for (const view of ['show_sales', 'buyer_sales', 'show_minutes'])
			expect(
				await rowsAs(
					login,
					`select distinct workspace_id from reporting.${view} where workspace_id <> '${sellerA.workspaceId}'`,
				),
			).toEqual([]);
	});

	it('reads no table, no other schema and calls no app function', async () => {
		for (const sql of [
			'select * from public.claims',
			'select * from public.shows',
			'select * from public.audit_log',
			'select * from private.reporting_workspaces',
			'select * from auth.users',
			`select public.release_claim('${showA.show.id}')`,
			`insert into reporting.show_sales (show_id) values ('${showA.show.id}')`,
			'create table reporting.mine (id int)',
			'create table public.mine (id int)',
		])
			await expect(rowsAs(login, sql), sql).rejects.toThrow(
				/permission denied|cannot insert into view/,
			);
	});

	it('sees nothing as the bare group role', async () => {
		const client = await login.pool.connect();
		try {
			await client.query('set role reporting_reader');
			expect((await client.query('select * from reporting.show_sales')).rows).toEqual([]);
		} finally {
			await client.query('reset role');
			client.release();
		}
	});
});

describe('other logins', () => {
	it("workspace B's login sees workspace B's show only", async () => {
		const login = await reportingLogin(sellerB.workspaceId);
		expect(await rowsAs(login, 'select show_id, revenue_minor from reporting.show_sales')).toEqual([
			{ show_id: showB.show.id, revenue_minor: '99900' },
		]);
		expect(await rowsAs(login, 'select buyer_id from reporting.buyer_sales')).toEqual([
			{ buyer_id: 'zoe' },
		]);
	});

	it('a login mapped to no workspace sees empty views', async () => {
		const login = await reportingLogin(null);
		for (const view of ['show_sales', 'buyer_sales', 'show_minutes'])
			expect(await rowsAs(login, `select * from reporting.${view}`)).toEqual([]);
	});

	it("the app's members cannot reach the reporting schema", async () => {
		await expect(
			queryAs(api, asUser(sellerA), 'select * from reporting.show_sales'),
		).rejects.toThrow('permission denied for schema reporting');
	});
});
