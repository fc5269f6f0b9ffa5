// The buyer-message outbox in the database: messages queued by claim events in the claim's own
// transaction (none for test claims or shows without a connection), the workspace's templates and
// switches, and what the sender's lease does: Meta's rules skip messages before any attempt, and
// a buyer who just got a private message waits so the next ones go out combined.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerPool } from '../support/clients.ts';
import {
	actAs,
	asUser,
	authenticatorPool,
	createUser,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';
import { commentOn, createShow, ingest, type ShowRow } from './fixtures.ts';

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

interface MessageRow {
	id: string;
	claim_id: string;
	comment_id: string;
	event: string;
	channel: string;
	text: string;
	status: string;
	reason_code: string | null;
	reason: string | null;
	buyer_key: string;
}

async function messagesOf(show: ShowRow): Promise<MessageRow[]> {
	const { rows } = await owner.query<MessageRow>(
		`select * from public.buyer_messages where show_id = $1 order by created_at, event, channel`,
		[show.id],
	);
	return rows;
}

interface LeasedRow {
	id: string;
	show_id: string;
	channel: string;
	lease_token: string;
}

/** The sender's lease (as the service role), narrowed to the show's rows. */
async function lease(show: ShowRow): Promise<LeasedRow[]> {
	const rows = await rpc<LeasedRow[]>(api, serviceRole, 'meta_outbox_lease', {
		max_rows: 1000,
		lease_seconds: 30,
	});
	return rows.filter((row) => row.show_id === show.id);
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('queued with the claim', () => {
	it('writes a public and a private reply in the claim transaction, and nothing when it rolls back', async () => {
		const { show } = await createShow(api, operator, ['7'], { owned: true });
		await owner.query(`update public.show_items set title = 'Silk scarf' where show_id = $1`, [
			show.id,
		]);
		// Facebook names its commenters without a handle.
		const comment = commentOn(show, 'ann', 'sold 7', {
			user_handle: null,
			user_display_name: 'Ann Lee',
		});
		// The claim's transaction, seen from inside before it rolls back.
		let inside: MessageRow[] = [];
		const rollback = new Error('roll back');
		await expect(
			actAs(api, serviceRole, async (client) => {
				await client.query('select public.ingest_comment($1)', [JSON.stringify(comment)]);
				inside = (
					await client.query<MessageRow>(
						'select * from public.buyer_messages where show_id = $1 order by channel',
						[show.id],
					)
				).rows;
				throw rollback;
			}),
		).rejects.toBe(rollback);
		expect(inside.map((row) => [row.event, row.channel, row.status, row.comment_id])).toEqual([
			['won', 'private_reply', 'queued', comment.comment_id],
			['won', 'public_reply', 'queued', comment.comment_id],
		]);
		expect(inside[0].text).toBe(
			'Hi Ann Lee, you got #7 Silk scarf. We will send your total and how to pay soon.',
		);
		expect(inside[1].text).toBe('Ann Lee you got #7! Check your messages.');
		// The claim was rolled back, and its messages with it.
		expect(await messagesOf(show)).toEqual([]);

		await ingest(api, comment);
		expect((await messagesOf(show)).map((row) => row.channel).sort()).toEqual([
			'private_reply',
			'public_reply',
		]);
		// A replayed comment queues nothing more (idempotency per event, comment and channel).
		await ingest(api, comment);
		expect(await messagesOf(show)).toHaveLength(2);
	});

	it('queues nothing for test claims or a show without a connection', async () => {
		const owned = await createShow(api, operator, ['1-3'], { owned: true });
		await rpc(api, asUser(operator), 'emit_test_comment', {
			show_id: owned.show.id,
			text: 'sold 1',
			user_handle: 'tester',
		});
		expect(await messagesOf(owned.show)).toEqual([]);

		const rehearsal = await createShow(api, operator, ['1-3']);
		await rpc(api, asUser(operator), 'emit_test_comment', {
			show_id: rehearsal.show.id,
			text: 'sold 2',
			user_handle: 'tester',
		});
		expect(await messagesOf(rehearsal.show)).toEqual([]);
	});

	it('tells a waiter their place publicly, then tells them privately when they move up', async () => {
		const { show } = await createShow(api, operator, ['5'], { owned: true });
		await ingest(api, commentOn(show, 'ann', 'sold 5'));
		await ingest(
			api,
			commentOn(show, 'bob', 'sold 5', { user_handle: 'bob.b', user_display_name: 'Bob' }),
		);
		const waiting = (await messagesOf(show)).filter((row) => row.event === 'waitlisted');
		expect(waiting.map((row) => [row.channel, row.text])).toEqual([
			['public_reply', '@bob.b you are #1 in line for #5. We will tell you if it becomes yours.'],
		]);
		await ingest(api, commentOn(show, 'ann', 'pass 5'));
		const promoted = (await messagesOf(show)).filter((row) => row.event === 'promoted');
		expect(promoted.map((row) => [row.channel, row.buyer_key]).sort()).toEqual([
			['private_reply', 'bob'],
			['public_reply', 'bob'],
		]);
	});

	it('follows the workspace templates and switches, and the show switch', async () => {
		const seller = await createUser(owner);
		const actor = asUser(seller);
		await rpc(api, actor, 'set_buyer_message_settings', {
			workspace_id: seller.workspaceId,
			settings: {
				won: { channel: 'private', private_template: '{name}: #{item} {variant} = {price}!' },
				waitlisted: { enabled: false },
			},
		});
		const { show } = await createShow(api, seller, ['3-4'], { owned: true });
		await owner.query(`update public.show_items set price = 1250 where show_id = $1`, [show.id]);
		await ingest(api, commentOn(show, 'cy', 'sold 3', { user_display_name: 'Cy' }));
		await ingest(api, commentOn(show, 'di', 'sold 3'));
		expect((await messagesOf(show)).map((row) => [row.event, row.channel, row.text])).toEqual([
			['won', 'private_reply', 'Cy: #3 = 12.50 USD!'],
		]);

		await rpc(api, actor, 'set_show_buyer_messages', { show_id: show.id, enabled: false });
		await ingest(api, commentOn(show, 'ed', 'sold 4'));
		expect(await messagesOf(show)).toHaveLength(1);
		const { rows: audit } = await owner.query(
			`select action from public.audit_log where show_id = $1 and action = 'show.set_buyer_messages'`,
			[show.id],
		);
		expect(audit).toHaveLength(1);

		const settings = await rpc<{ events: Record<string, Record<string, unknown>> }>(
			api,
			actor,
			'buyer_message_settings',
			{ workspace_id: seller.workspaceId },
		);
		expect(settings.events.won).toMatchObject({ enabled: true, channel: 'private' });
		expect(settings.events.waitlisted).toMatchObject({ enabled: false, channel: 'public' });
	});

	it('refuses templates with unknown placeholders, bad channels and empty text', async () => {
		const seller = await createUser(owner);
		const save = (settings: unknown) =>
			rpc(api, asUser(seller), 'set_buyer_message_settings', {
				workspace_id: seller.workspaceId,
				settings,
			});
		await expect(save({ won: { public_template: 'hi {buyer}' } })).rejects.toMatchObject({
			code: '22023',
			message: expect.stringContaining('{buyer}'),
		});
		await expect(save({ won: { channel: 'email' } })).rejects.toMatchObject({ code: '22023' });
		await expect(save({ won: { private_template: '   ' } })).rejects.toMatchObject({
			code: '22023',
		});
		await expect(save({ paid: { enabled: true } })).rejects.toMatchObject({ code: '22023' });
		// Assistants read the settings but do not change them.
		const assistant = await createUser(owner);
		await owner.query(
			`insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, 'assistant')`,
			[seller.workspaceId, assistant.id],
		);
		await expect(
			rpc(api, asUser(assistant), 'set_buyer_message_settings', {
				workspace_id: seller.workspaceId,
				settings: { won: { enabled: false } },
			}),
		).rejects.toMatchObject({ code: 'PT403' });
	});
});

describe("the sender's lease", () => {
	it("skips what Meta's rules forbid, with the reason, before any attempt", async () => {
		const facebook = await createShow(api, operator, ['1-3'], { owned: true });
		await ingest(api, commentOn(facebook.show, 'old', 'sold 1', { created_at: daysAgo(8) }));
		await ingest(
			api,
			commentOn(facebook.show, 'hidden:123_456', 'sold 2', {
				user_handle: null,
				user_display_name: 'Hidden viewer',
			}),
		);
		const instagram = await createShow(api, operator, ['1'], {
			owned: true,
			platform: 'instagram',
		});
		await ingest(api, commentOn(instagram.show, 'ig_user', 'sold 1'));
		await rpc(api, asUser(operator), 'stop_show', { show_id: instagram.show.id });

		const leased = [...(await lease(facebook.show)), ...(await lease(instagram.show))];
		const outcome = async (show: ShowRow) =>
			(await messagesOf(show)).map((row) => [
				row.buyer_key,
				row.channel,
				row.status,
				row.reason_code,
			]);
		expect(await outcome(facebook.show)).toEqual(
			expect.arrayContaining([
				['old', 'private_reply', 'skipped', 'window_closed'],
				['old', 'public_reply', 'queued', null],
				['hidden:123_456', 'private_reply', 'skipped', 'buyer_hidden'],
				['hidden:123_456', 'public_reply', 'skipped', 'buyer_hidden'],
			]),
		);
		expect(await outcome(instagram.show)).toEqual(
			expect.arrayContaining([
				['ig_user', 'private_reply', 'skipped', 'instagram_live_ended'],
				['ig_user', 'public_reply', 'skipped', 'public_reply_unavailable'],
			]),
		);
		// Only the old comment's public reply is left to send.
		expect(leased.map((row) => row.channel)).toEqual(['public_reply']);
	});

	it('holds a buyer’s private messages for a minute after one went out, public replies not', async () => {
		const { show } = await createShow(api, operator, ['1-5'], { owned: true });
		await ingest(api, commentOn(show, 'fay', 'sold 1', { created_at: daysAgo(0) }));
		const [first] = (await messagesOf(show)).filter((row) => row.channel === 'private_reply');
		// The first private message went out a moment ago.
		await owner.query(
			`update public.buyer_messages set status = 'sent', sent_at = now(), carrier_id = id, sent_text = text where id = $1`,
			[first.id],
		);
		await owner.query(
			`update public.buyer_messages set status = 'sent', sent_at = now() where show_id = $1 and channel = 'public_reply'`,
			[show.id],
		);
		await ingest(api, commentOn(show, 'fay', 'sold 2', { created_at: daysAgo(0) }));
		await ingest(api, commentOn(show, 'fay', 'sold 3', { created_at: daysAgo(0) }));
		const held = await lease(show);
		expect(held.map((row) => row.channel)).toEqual(['public_reply', 'public_reply']);

		// A minute later both wait no longer, and are leased together to go out as one.
		await owner.query(
			`update public.buyer_messages set sent_at = now() - interval '61 seconds' where id = $1`,
			[first.id],
		);
		await owner.query(
			`update public.buyer_messages set lease_until = now() - interval '1 second' where show_id = $1 and status = 'queued'`,
			[show.id],
		);
		const due = await lease(show);
		expect(due.filter((row) => row.channel === 'private_reply')).toHaveLength(2);
	});

	it('lets an operator resend a skipped message or copy its text, audited; the rules skip it again', async () => {
		const { show } = await createShow(api, operator, ['1'], { owned: true });
		await ingest(api, commentOn(show, 'gus', 'sold 1', { created_at: daysAgo(9) }));
		await lease(show);
		const skipped = (await messagesOf(show)).find((row) => row.status === 'skipped')!;
		const resent = await rpc<MessageRow>(api, asUser(operator), 'resend_buyer_message', {
			message_id: skipped.id,
		});
		expect(resent).toMatchObject({ status: 'queued', reason: null });
		await lease(show);
		expect((await messagesOf(show)).find((row) => row.id === skipped.id)).toMatchObject({
			status: 'skipped',
			reason_code: 'window_closed',
		});
		const { rows } = await owner.query(
			`select actor_user_id from public.audit_log where entity_id = $1 and action = 'buyer_message.resend'`,
			[skipped.id],
		);
		expect(rows).toEqual([{ actor_user_id: operator.id }]);
		await expect(
			rpc(api, asUser(operator), 'resend_buyer_message', { message_id: skipped.id }),
		).resolves.toMatchObject({ status: 'queued' });
		// Copying the text to send by hand is recorded too.
		await rpc(api, asUser(operator), 'note_buyer_message_copied', { message_id: skipped.id });
		const { rows: copies } = await owner.query(
			`select actor_user_id from public.audit_log where entity_id = $1 and action = 'buyer_message.copy'`,
			[skipped.id],
		);
		expect(copies).toEqual([{ actor_user_id: operator.id }]);
		const stranger = await createUser(owner);
		await expect(
			rpc(api, asUser(stranger), 'resend_buyer_message', { message_id: skipped.id }),
		).rejects.toMatchObject({ code: 'PT404' });
	});
});
