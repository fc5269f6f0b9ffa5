// Who sees and changes what: the sign-up workspace, tenant isolation for every table and API
// function, anon, the secret tokens, and Realtime's publication.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	anon,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type LiveShow } from './fixtures.ts';

let owner: pg.Pool;
let api: pg.Pool;
let alice: TestUser;
let mallory: TestUser;
let aliceShow: LiveShow;
let claimId: string;
let connectionId: string;

const tables = [
	'workspaces',
	'workspace_members',
	'social_connections',
	'shows',
	'show_items',
	'claims',
	'comments',
	'audit_log',
	'buyer_rollups',
];

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	alice = await createUser(owner, { workspace_name: 'Alice Boutique' });
	mallory = await createUser(owner);
	aliceShow = await createShow(api, alice, ['1', '2']);
	claimId = (await ingest(api, commentOn(aliceShow.show, 'buyer', 'sold 1'))).results[0].claim!.id;
	const { rows } = await owner.query(
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name) values ($1, 'facebook', 'page-1', 'Alice Page') returning id`,
		[alice.workspaceId],
	);
	connectionId = rows[0].id;
	await owner.query(
		`insert into private.social_connection_tokens (connection_id, encrypted_access_token) values ($1, 'ciphertext')`,
		[connectionId],
	);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

describe('sign-up', () => {
	it('gives every new user a workspace of their own, as its owner', async () => {
		const workspaces = await queryAs(
			api,
			asUser(alice),
			'select name, owner_user_id, claim_words, pass_words from public.workspaces',
		);
		expect(workspaces).toEqual([
			{
				name: 'Alice Boutique',
				owner_user_id: alice.id,
				claim_words: ['sold'],
				pass_words: ['pass'],
			},
		]);
		const members = await queryAs(
			api,
			asUser(mallory),
			'select user_id, role from public.workspace_members',
		);
		expect(members).toEqual([{ user_id: mallory.id, role: 'owner' }]);
		const named = await queryAs(api, asUser(mallory), 'select name from public.workspaces');
		expect(named).toEqual([{ name: `${mallory.email.split('@')[0]}'s workspace` }]);
	});
});

describe('tenant isolation', () => {
	it('shows a member every table of their workspace and another tenant none of it', async () => {
		for (const table of tables) {
			const mine = await queryAs(api, asUser(alice), `select * from public.${table}`);
			expect(mine.length, `alice reads ${table}`).toBeGreaterThan(0);
			const theirs = await queryAs(
				api,
				asUser(mallory),
				`select * from public.${table} where to_jsonb(${table}) ->> 'workspace_id' = $1 or to_jsonb(${table}) ->> 'show_id' = $2 or to_jsonb(${table}) ->> 'id' = $1`,
				[alice.workspaceId, aliceShow.show.id],
			);
			expect(theirs, `mallory reads ${table}`).toEqual([]);
		}
	});

	it('lets nobody write the engine tables directly, whatever their workspace', async () => {
		for (const actor of [asUser(alice), asUser(mallory)]) {
			for (const table of ['shows', 'show_items', 'claims', 'comments', 'audit_log']) {
				await expect(
					queryAs(api, actor, `delete from public.${table}`),
					`delete ${table}`,
				).rejects.toMatchObject({ code: '42501' });
			}
			await expect(
				queryAs(api, actor, `update public.show_items set claimed_count = 0`),
			).rejects.toMatchObject({ code: '42501' });
		}
	});

	it('keeps other tenants from changing workspaces, members and connections', async () => {
		const mine = asUser(mallory);
		expect(
			await queryAs(
				api,
				mine,
				`update public.workspaces set name = 'pwned' where id = $1 returning id`,
				[alice.workspaceId],
			),
		).toEqual([]);
		// Workspaces and members change only through functions (members.test.ts).
		await expect(
			queryAs(api, mine, 'delete from public.workspaces where id = $1 returning id', [
				alice.workspaceId,
			]),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(
				api,
				mine,
				'delete from public.workspace_members where workspace_id = $1 returning id',
				[alice.workspaceId],
			),
		).rejects.toMatchObject({ code: '42501' });
		expect(
			await queryAs(api, mine, 'delete from public.social_connections where id = $1 returning id', [
				connectionId,
			]),
		).toEqual([]);
		await expect(
			queryAs(
				api,
				mine,
				'update public.social_connections set status = $2 where id = $1 returning id',
				[connectionId, 'revoked'],
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(
				api,
				mine,
				`insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'owner')`,
				[alice.workspaceId, mallory.id],
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(
				api,
				mine,
				`insert into public.social_connections (workspace_id, platform, external_account_id) values ($1, 'facebook', 'x')`,
				[alice.workspaceId],
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			queryAs(api, mine, 'update public.workspaces set owner_user_id = $2 where id = $1', [
				mallory.workspaceId,
				alice.id,
			]),
		).rejects.toMatchObject({ code: '42501' });
	});

	it("answers every API function called on another tenant's rows as not found", async () => {
		const show = aliceShow.show.id;
		const item = aliceShow.items.get('2')!;
		const calls: [string, Record<string, unknown>][] = [
			['create_show', { workspace_id: alice.workspaceId, platform: 'facebook' }],
			['update_show', { show_id: show, changes: { name: 'x' } }],
			['delete_show', { show_id: show }],
			['add_show_items', { show_id: show, items: ['9'] }],
			['update_show_item', { item_id: item, changes: { quantity: 5 } }],
			['remove_show_item', { item_id: item }],
			['activate_show', { show_id: show, live_id: 'x' }],
			['pause_show', { show_id: show }],
			['resume_show', { show_id: show }],
			['stop_show', { show_id: show }],
			['release_claim', { claim_id: claimId }],
			['award_item', { item_id: item, user_handle: 'mallory' }],
			['move_waiter_to_front', { claim_id: claimId }],
			['emit_test_comment', { show_id: show, text: 'sold 2' }],
			['clear_test_claims', { show_id: show }],
		];
		for (const [fn, args] of calls) {
			await expect(rpc(api, asUser(mallory), fn, args), fn).rejects.toMatchObject({
				code: 'PT404',
				message: expect.stringMatching(/not found$/),
			});
			await expect(rpc(api, anon, fn, args), `${fn} as anon`).rejects.toMatchObject({
				code: '42501',
			});
		}
		const { rows } = await owner.query('select status from public.shows where id = $1', [show]);
		expect(rows).toEqual([{ status: 'active' }]);
	});
});

describe('function privileges', () => {
	it('grants each claim-engine function to exactly the roles that call it', async () => {
		const { rows } = await owner.query<{ fn: string; roles: string[] }>(`
			select n.nspname || '.' || p.proname as fn, array_agg(r.rolname order by r.rolname) filter (where has_function_privilege(r.rolname, p.oid, 'execute')) as roles
			from pg_proc p
			join pg_namespace n on n.oid = p.pronamespace
			cross join (values ('anon'), ('authenticated'), ('service_role')) as r (rolname)
			where n.nspname in ('public', 'private') and p.proname <> 'parse_comment'
			group by 1`);
		const callers = Object.fromEntries(rows.map((row) => [row.fn, row.roles ?? []]));
		expect(callers['public.ingest_comment']).toEqual(['service_role']);
		expect(callers['public.ingest_comments']).toEqual(['service_role']);
		for (const fn of [
			'create_show',
			'update_show',
			'delete_show',
			'add_show_items',
			'update_show_item',
			'remove_show_item',
			'activate_show',
			'pause_show',
			'resume_show',
			'stop_show',
			'release_claim',
			'award_item',
			'move_waiter_to_front',
			'emit_test_comment',
			'clear_test_claims',
		]) {
			expect(callers[`public.${fn}`], fn).toEqual(['authenticated']);
		}
		expect(callers['private.allocate_comment']).toEqual([]);
		expect(callers['private.end_claim']).toEqual([]);
		expect(callers['private.make_way_for_real_claim']).toEqual([]);
		expect(callers['private.is_workspace_member']).toEqual(['authenticated']);
	});
});

describe('anon', () => {
	it('is refused every table', async () => {
		for (const table of tables) {
			await expect(
				queryAs(api, anon, `select * from public.${table}`),
				table,
			).rejects.toMatchObject({ code: '42501' });
		}
	});
});

describe('connection tokens', () => {
	it('are out of reach of anon and authenticated, even for the workspace owner', async () => {
		for (const actor of [anon, asUser(alice)]) {
			await expect(
				queryAs(api, actor, 'select * from private.social_connection_tokens'),
			).rejects.toMatchObject({ code: '42501' });
		}
		const visible = await queryAs(api, asUser(alice), 'select * from public.social_connections');
		expect(
			Object.keys(visible[0]).some(
				(column) => column.includes('token') && !column.includes('expires'),
			),
		).toBe(false);
		expect(
			await queryAs(
				api,
				serviceRole,
				'select encrypted_access_token from private.social_connection_tokens where connection_id = $1',
				[connectionId],
			),
		).toEqual([{ encrypted_access_token: 'ciphertext' }]);
	});
});

describe('realtime', () => {
	it('publishes claims, show items and comments', async () => {
		const { rows } = await owner.query(
			`select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by tablename`,
		);
		expect(rows.map((row) => row.tablename)).toEqual(
			expect.arrayContaining(['claims', 'comments', 'show_items']),
		);
	});
});
