// workspace_member_directory: members see their own workspace's members with emails, nobody else's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import { addMember, anon, asUser, authenticatorPool, createUser, queryAs } from '../support/db.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool(2);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

const directory = 'select user_id, email, role from public.workspace_member_directory($1)';

it("lists a workspace's members with their emails, highest role first, to its members only", async () => {
	const seller = await createUser(owner);
	const assistant = await createUser(owner);
	const stranger = await createUser(owner);
	await addMember(owner, seller.workspaceId, assistant.id, 'assistant');

	const expected = [
		{ user_id: seller.id, email: seller.email, role: 'owner' },
		{ user_id: assistant.id, email: assistant.email, role: 'assistant' },
	];
	expect(await queryAs(api, asUser(seller), directory, [seller.workspaceId])).toEqual(expected);
	expect(await queryAs(api, asUser(assistant), directory, [seller.workspaceId])).toEqual(expected);
	await expect(
		queryAs(api, asUser(stranger), directory, [seller.workspaceId]),
	).rejects.toMatchObject({ code: 'PT404' });
	await expect(queryAs(api, anon, directory, [seller.workspaceId])).rejects.toMatchObject({
		code: '42501',
	});
});
