// Claim and pass words stay apart: a word in both lists would turn every pass into a claim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	type TestUser,
} from '../support/db.ts';

let owner: pg.Pool;
let api: pg.Pool;
let seller: TestUser;

beforeAll(async () => {
	owner = ownerPool();
	api = authenticatorPool();
	seller = await createUser(owner);
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

async function setWords(claimWords: string[], passWords: string[]) {
	return queryAs(
		api,
		asUser(seller),
		'update public.workspaces set claim_words = $1, pass_words = $2 where id = $3 returning id',
		[claimWords, passWords, seller.workspaceId],
	);
}

describe('claim and pass words', () => {
	it('refuses a workspace whose pass word is also a claim word, as the parser reads words', async () => {
		await expect(setWords(['sold', 'pass'], ['pass'])).rejects.toMatchObject({
			code: '22023',
			message: expect.stringContaining('"pass" is both a claim word and a pass word'),
		});
		// Case, accents and punctuation fold as in the parser.
		await expect(setWords(['sold', 'Pásś!'], ['pass'])).rejects.toMatchObject({ code: '22023' });
		await expect(setWords(['sold', 'mine'], ['pass', 'skip'])).resolves.toBeDefined();
	});

	it("refuses a show's override that collides with the workspace's other list", async () => {
		await setWords(['sold'], ['pass']);
		const show = await rpc<{ id: string }>(api, asUser(seller), 'create_show', {
			workspace_id: seller.workspaceId,
			platform: 'facebook',
			name: 'Words',
		});
		await expect(
			rpc(api, asUser(seller), 'update_show', {
				show_id: show.id,
				changes: { claim_words: ['pass'] },
			}),
		).rejects.toMatchObject({ code: '22023' });
		await rpc(api, asUser(seller), 'update_show', {
			show_id: show.id,
			changes: { claim_words: ['mine'] },
		});
		// The workspace cannot then make "mine" a pass word under that show.
		await expect(setWords(['sold'], ['mine'])).rejects.toMatchObject({ code: '22023' });
	});
});
