// Telling the buyer end to end, on a stack of its own whose functions talk to the Meta simulator:
// a viewer's comment is polled into a claim (fb-poll), the claim queues its messages, and
// meta-outbox delivers them to the simulator: quickly, combined per buyer, never a second private
// reply to one comment, and never twice after a run dies mid-send.
import { createClient } from '@supabase/supabase-js';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	startMetaSimulator,
	type AccountInfo,
	type MetaSimulator,
} from '../../stack/meta-simulator/index.ts';
import { createTokenCipher } from '../../supabase/functions/_shared/token-crypto.ts';
import { clientOptions } from '../support/clients.ts';
import { startTestStack } from '../support/start-test-stack.ts';

const APP_ID = '987654321012399';
const APP_SECRET = randomBytes(16).toString('hex');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

const root = mkdtempSync(join(tmpdir(), 'lsl-outbox-'));
let simulator: MetaSimulator;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;

beforeAll(async () => {
	simulator = await startMetaSimulator({ appId: APP_ID, appSecret: APP_SECRET });
	const envFile = join(root, '.env');
	writeFileSync(
		envFile,
		[
			`META_APP_ID=${APP_ID}`,
			`META_APP_SECRET=${APP_SECRET}`,
			`META_GRAPH_URL=${simulator.graphUrl}`,
			`META_DIALOG_URL=${simulator.dialogUrl}`,
			`META_WEBHOOK_VERIFY_TOKEN=${randomBytes(12).toString('hex')}`,
			`TOKEN_ENCRYPTION_KEY=${ENCRYPTION_KEY}`,
		].join('\n'),
	);
	stack = await startTestStack(() => {}, { functionsEnvFile: envFile });
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 4 });
}, 120_000);

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	await simulator?.stop();
	rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
	timeoutMs = 10_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(50);
	}
}

interface Shop {
	account: AccountInfo;
	showId: string;
	liveId: string;
	workspaceId: string;
}

/**
 * A seller whose workspace is connected to a new simulated Page (its token stored encrypted, as
 * meta-oauth stores it) and runs a show on that Page's live, items 1-30.
 */
async function shop(name: string): Promise<Shop> {
	const account = simulator.createAccount({ userName: `${name} Seller`, pageName: `${name} Shop` });
	const client = createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, clientOptions);
	const { data, error } = await client.auth.signUp({
		email: `seller-${randomUUID()}@example.test`,
		password: 'correct horse battery staple',
	});
	if (error || !data.user) throw error ?? new Error('no user');
	const {
		rows: [{ workspace_id: workspaceId }],
	} = await db.query('select workspace_id from public.workspace_members where user_id = $1', [
		data.user.id,
	]);
	const pageToken = simulator.issuePageToken({ pageId: account.page.id }).accessToken;
	const encrypted = await (await createTokenCipher(ENCRYPTION_KEY)).encrypt(pageToken);
	const {
		rows: [{ id: connectionId }],
	} = await db.query(
		`insert into public.social_connections (workspace_id, platform, external_account_id, display_name)
		values ($1, 'facebook', $2, $3) returning id`,
		[workspaceId, account.page.id, account.page.name],
	);
	await db.query(
		'insert into private.social_connection_tokens (connection_id, encrypted_access_token) values ($1, $2)',
		[connectionId, encrypted],
	);
	const live = simulator.startFacebookLive({ pageId: account.page.id, title: `${name} live` });
	await db.query('select public.meta_confirm_lives($1, $2)', [connectionId, [live.id]]);
	const show = await client.rpc('create_show', {
		workspace_id: workspaceId,
		platform: 'facebook',
		name: `${name} show`,
		connection_id: connectionId,
	});
	if (show.error) throw show.error;
	const items = await client.rpc('add_show_items', { show_id: show.data.id, items: ['1-30'] });
	if (items.error) throw items.error;
	const active = await client.rpc('activate_show', { show_id: show.data.id, live_id: live.id });
	if (active.error) throw active.error;
	return { account, showId: show.data.id, liveId: live.id, workspaceId };
}

interface MessageRow {
	id: string;
	claim_id: string;
	comment_id: string;
	event: string;
	channel: string;
	status: string;
	reason_code: string | null;
	reason: string | null;
	external_message_id: string | null;
	carrier_id: string | null;
	sent_at: Date | null;
	attempts: number;
}

async function messages(showId: string): Promise<MessageRow[]> {
	const { rows } = await db.query<MessageRow>(
		'select * from public.buyer_messages where show_id = $1 order by created_at, channel',
		[showId],
	);
	return rows;
}

/** The claim made from the simulator comment, once fb-poll brought it in. */
async function claimOf(
	commentId: string,
): Promise<{ id: string; created_at: Date; status: string }> {
	return waitFor(`the claim of comment ${commentId}`, async () => {
		const { rows } = await db.query(
			'select id, created_at, status from public.claims where comment_id = $1 order by created_at limit 1',
			[commentId],
		);
		return rows[0];
	});
}

const privateRepliesTo = (commentId: string) =>
	simulator
		.viewerMessages()
		.flatMap((thread) => thread.messages)
		.filter((message) => message.commentId === commentId);

describe('meta-outbox', () => {
	it('delivers the public and the private reply within 3 s of the claim', async () => {
		const { liveId, showId } = await shop('Quick');
		const comment = simulator.postComment({
			liveId,
			text: 'sold 12',
			viewer: { name: 'Ana Quick' },
		});
		const claim = await claimOf(comment.id);
		await waitFor(
			'both replies at the simulator',
			() =>
				simulator.commentReplies({ commentId: comment.id }).length === 1 &&
				privateRepliesTo(comment.id).length === 1,
		);
		const elapsedMs = Date.now() - claim.created_at.getTime();
		console.log(`meta-outbox: claim to both replies at the simulator in ${elapsedMs} ms`);
		expect(elapsedMs).toBeLessThan(3_000);
		expect(simulator.commentReplies({ commentId: comment.id })[0].message).toBe(
			'Ana Quick you got #12! Check your messages.',
		);
		expect(privateRepliesTo(comment.id)[0].text).toContain('you got #12');
		const rows = await waitFor('the messages recorded as sent', async () => {
			const found = await messages(showId);
			return found.length === 2 && found.every((row) => row.status === 'sent') && found;
		});
		const [privateRow, publicRow] = rows;
		expect(privateRow).toMatchObject({
			channel: 'private_reply',
			external_message_id: expect.stringMatching(/^m_/),
		});
		expect(publicRow).toMatchObject({
			channel: 'public_reply',
			external_message_id: simulator.commentReplies({ commentId: comment.id })[0].id,
		});
	});

	it("combines a buyer's later claims within the minute into one private message", async () => {
		const { liveId, showId } = await shop('Combine');
		const viewer = { name: 'Bea Combine' };
		const first = simulator.postComment({ liveId, text: 'sold 1', viewer });
		await waitFor('the first private reply', () => privateRepliesTo(first.id).length === 1);
		const second = simulator.postComment({ liveId, text: 'sold 2', viewer });
		const third = simulator.postComment({ liveId, text: 'sold 3', viewer });
		await waitFor('their public replies', () =>
			[second, third].every(
				(comment) => simulator.commentReplies({ commentId: comment.id }).length === 1,
			),
		);
		// Public replies went out; the private ones wait for the minute to pass.
		const waiting = (await messages(showId)).filter(
			(row) => row.channel === 'private_reply' && row.status === 'queued',
		);
		expect(waiting).toHaveLength(2);
		await db.query(
			`update public.buyer_messages set sent_at = now() - interval '61 seconds' where show_id = $1 and status = 'sent'`,
			[showId],
		);
		const thread = await waitFor('the combined private message', () => {
			const [found] = simulator
				.viewerMessages()
				.filter((candidate) => candidate.viewer.name === viewer.name);
			return found?.messages.length === 2 && found;
		});
		expect(thread.messages[1].commentId).toBe(third.id);
		expect(thread.messages[1].text).toMatch(/#2[\s\S]*\n[\s\S]*#3/);
		await sleep(1_500);
		expect(
			simulator.viewerMessages().find((found) => found.viewer.name === viewer.name)?.messages,
		).toHaveLength(2);
		const rows = (await messages(showId)).filter((row) => row.channel === 'private_reply');
		expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
		expect(rows.filter((row) => row.reason_code === 'combined')).toHaveLength(1);
	});

	it('never attempts a second private reply to one comment', async () => {
		const { liveId, showId, workspaceId } = await shop('Second');
		await db.query(
			`update public.workspaces set settings = jsonb_set(settings, '{buyer_messages}', '{"waitlisted": {"channel": "both"}}') where id = $1`,
			[workspaceId],
		);
		const winner = simulator.postComment({
			liveId,
			text: 'sold 5',
			viewer: { name: 'Cid Second' },
		});
		await claimOf(winner.id);
		const waiter = simulator.postComment({
			liveId,
			text: 'sold 5',
			viewer: { name: 'Dot Second' },
		});
		await waitFor('the waiter’s private reply', () => privateRepliesTo(waiter.id).length === 1);
		simulator.postComment({ liveId, text: 'pass 5', viewer: { name: 'Cid Second' } });
		const promoted = await waitFor('the promotion’s messages', async () => {
			const rows = (await messages(showId)).filter((row) => row.event === 'promoted');
			return rows.length === 2 && rows;
		});
		await db.query(
			`update public.buyer_messages set sent_at = now() - interval '61 seconds' where show_id = $1 and status = 'sent'`,
			[showId],
		);
		const skipped = await waitFor('the second private reply skipped', async () => {
			const row = (await messages(showId)).find(
				(candidate) => candidate.id === promoted.find((p) => p.channel === 'private_reply')!.id,
			);
			return row?.status === 'skipped' && row;
		});
		expect(skipped.reason_code).toBe('already_replied');
		expect(privateRepliesTo(waiter.id)).toHaveLength(1);
		const attempts = simulator
			.requests({ path: '/messages' })
			.filter((request) => request.query.recipient?.includes(waiter.id));
		expect(attempts).toHaveLength(1);
	});

	it('retries after a 5xx and a throttle, and delivers once', async () => {
		const { liveId, showId } = await shop('Retry');
		simulator.injectServerErrors({ status: 502, path: '/messages', calls: 1 });
		const comment = simulator.postComment({
			liveId,
			text: 'sold 4',
			viewer: { name: 'Fox Retry' },
		});
		const sentAt = Date.now();
		const callsFor = () =>
			simulator
				.requests({ path: '/messages' })
				.filter((request) => request.query.recipient?.includes(comment.id));
		// The retry after the 502 (about a second later) is throttled next.
		await waitFor('the 502', () => callsFor().length === 1);
		simulator.throttle({ code: 80001, regainMinutes: 0, path: '/messages', calls: 1 });
		const row = await waitFor(
			'the private reply sent after its retries',
			async () => {
				const found = (await messages(showId)).find(
					(message) => message.channel === 'private_reply',
				);
				return found?.status === 'sent' && found;
			},
			30_000,
		);
		console.log(
			`meta-outbox: private reply sent after a 502 and a throttle in ${Date.now() - sentAt} ms`,
		);
		expect(callsFor().map((call) => call.status)).toEqual([502, 429, 200]);
		expect(row).toMatchObject({ attempts: 3 });
		expect(privateRepliesTo(comment.id)).toHaveLength(1);
	});

	it('does not send twice when a run dies mid-send', async () => {
		const { liveId, showId, account } = await shop('Crash');
		await db.query(
			`update private.function_schedules set enabled = false where name = 'meta-outbox'`,
		);
		// A run under way when the schedule stopped finishes first.
		await sleep(1_500);
		try {
			const comment = simulator.postComment({
				liveId,
				text: 'sold 7',
				viewer: { name: 'Eve Crash' },
			});
			await claimOf(comment.id);
			// The run that dies: it leased, marked each message sending, and Meta took both calls.
			const leased: {
				id: string;
				lease_token: string;
				channel: string;
				text: string;
				show_id: string;
			}[] = (
				await db.query('select public.meta_outbox_lease(100, 30) as rows')
			).rows[0].rows.filter((row: { show_id: string }) => row.show_id === showId);
			expect(leased).toHaveLength(2);
			const token = simulator.issuePageToken({ pageId: account.page.id }).accessToken;
			for (const row of leased) {
				await db.query('select public.meta_outbox_mark_sending($1, $2, $3, $4)', [
					row.lease_token,
					[row.id],
					row.id,
					row.text,
				]);
				const path = row.channel === 'private_reply' ? `/me/messages` : `/${comment.id}/comments`;
				const body =
					row.channel === 'private_reply'
						? { recipient: { comment_id: comment.id }, message: { text: row.text } }
						: { message: row.text };
				const answer = await fetch(`${simulator.graphUrl}${path}?access_token=${token}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
				expect(answer.status).toBe(200);
			}
			// It died before recording the answers; its lease runs out.
			await db.query(
				`update public.buyer_messages set lease_until = now() - interval '1 second' where show_id = $1`,
				[showId],
			);
		} finally {
			await db.query(
				`update private.function_schedules set enabled = true where name = 'meta-outbox'`,
			);
		}
		const rows = await waitFor('the interrupted messages settled', async () => {
			const found = await messages(showId);
			return found.every((row) => row.status === 'sent') && found;
		});
		expect(rows.map((row) => row.reason_code).sort()).toEqual(['confirmed', 'confirmed']);
		expect(simulator.commentReplies({ commentId: rows[0].comment_id })).toHaveLength(1);
		expect(privateRepliesTo(rows[0].comment_id)).toHaveLength(1);
	});

	it('sends a win and its payment link as one private reply, within 3 s of the invoice', async () => {
		const { liveId, showId, workspaceId } = await shop('Invoice');
		await db.query(
			`update public.workspaces set invoicing_mode = 'each_win', pay_within_hours = 24 where id = $1`,
			[workspaceId],
		);
		await db.query('update public.show_items set price = 1250 where show_id = $1', [showId]);
		const comment = simulator.postComment({
			liveId,
			text: 'sold 7',
			viewer: { name: 'Gia Invoice' },
		});
		await claimOf(comment.id);
		// The invoicing worker's two steps, as it takes them once the provider made the invoice.
		const [{ order }] = (
			await db.query<{ taken: { order: { id: string } }[] }>(
				'select public.take_invoice_requests(10, 120, $1) as taken',
				[[workspaceId]],
			)
		).rows[0].taken;
		await db.query(
			"select public.mark_order_invoiced($1, 'stripe', $2, 'https://pay.example.test/i/gia')",
			[order.id, `in_${order.id}`],
		);
		const invoicedAt = Date.now();
		const [reply] = await waitFor('the private reply', () => {
			const found = privateRepliesTo(comment.id);
			return found.length === 1 && found;
		});
		const elapsedMs = Date.now() - invoicedAt;
		console.log(`meta-outbox: invoice to the private reply with its link in ${elapsedMs} ms`);
		expect(elapsedMs).toBeLessThan(3_000);
		expect(reply.text).toMatch(
			/you got #7[\s\S]*\nYour total is 12\.50 USD\. Pay here: https:\/\/pay\.example\.test\/i\/gia /,
		);
		const rows = await waitFor('both recorded as sent', async () => {
			const found = (await messages(showId)).filter((row) => row.channel === 'private_reply');
			return found.length === 2 && found.every((row) => row.status === 'sent') && found;
		});
		expect(rows.map((row) => row.event).sort()).toEqual(['invoice_ready', 'won']);
		// Meta answered with the buyer's id in the conversation the reply opened.
		const { rows: recipients } = await db.query(
			'select distinct recipient_id from public.buyer_messages where show_id = $1 and channel = $2',
			[showId, 'private_reply'],
		);
		expect(recipients).toEqual([{ recipient_id: expect.any(String) }]);
	});

	it('sends a later payment link as a normal message to a buyer who wrote within 24 hours, else skips it', async () => {
		const { account, liveId, showId, workspaceId } = await shop('Window');
		await db.query('update public.workspaces set pay_within_hours = 24 where id = $1', [
			workspaceId,
		]);
		await db.query('update public.show_items set price = 900 where show_id = $1', [showId]);
		const viewer = { name: 'Hal Window' };
		const comment = simulator.postComment({ liveId, text: 'sold 8', viewer });
		await waitFor('the private reply of the win', () => privateRepliesTo(comment.id).length === 1);
		const won = await waitFor('the recipient id Meta answered with', async () => {
			const { rows } = await db.query<{ recipient_id: string | null; connection_id: string }>(
				"select recipient_id, connection_id from public.buyer_messages where show_id = $1 and channel = 'private_reply' and status = 'sent'",
				[showId],
			);
			return rows[0]?.recipient_id ? rows[0] : null;
		});
		// The buyer answers in Messenger: Meta opens the 24-hour window; the inbox keeps the conversation.
		simulator.sendViewerMessage({
			senderId: won.recipient_id!,
			pageId: account.page.id,
			text: 'how do I pay?',
		});
		await db.query(
			`insert into public.conversations (workspace_id, connection_id, platform, buyer_platform_id, last_inbound_at, last_message_at)
			values ($1, $2, 'facebook', $3, now(), now())
			on conflict (connection_id, buyer_platform_id) do update set last_inbound_at = now()`,
			[workspaceId, won.connection_id, won.recipient_id],
		);
		await db.query(
			'update public.orders set invoice_requested_at = now() where workspace_id = $1',
			[workspaceId],
		);
		const [{ order }] = (
			await db.query<{ taken: { order: { id: string } }[] }>(
				'select public.take_invoice_requests(10, 120, $1) as taken',
				[[workspaceId]],
			)
		).rows[0].taken;
		await db.query(
			"select public.mark_order_invoiced($1, 'stripe', $2, 'https://pay.example.test/i/hal')",
			[order.id, `in_${order.id}`],
		);
		const invoicedAt = Date.now();
		const outbound = () =>
			simulator
				.viewerMessages()
				.filter((thread) => thread.viewer.name === viewer.name)
				.flatMap((thread) => thread.messages)
				.filter((message) => message.direction === 'outbound' && message.commentId === null);
		const [link] = await waitFor(
			'the payment link in Messenger',
			() => outbound().length === 1 && outbound(),
		);
		console.log(
			`meta-outbox: invoice to the payment link as a normal message in ${Date.now() - invoicedAt} ms`,
		);
		expect(link.text).toContain('https://pay.example.test/i/hal');
		const request = simulator
			.requests({ path: '/messages' })
			.find((candidate) => candidate.query.messaging_type !== undefined);
		expect(request?.query).toMatchObject({
			messaging_type: 'RESPONSE',
			recipient: JSON.stringify({ id: won.recipient_id }),
		});

		// A day later the buyer pays; they have not written since: nothing can reach them.
		await db.query(
			"update public.conversations set last_inbound_at = now() - interval '25 hours' where connection_id = $1 and buyer_platform_id = $2",
			[won.connection_id, won.recipient_id],
		);
		await db.query("select public.record_payment_event($1, 'stripe', $2, 'paid', 900, now())", [
			workspaceId,
			`in_${order.id}`,
		]);
		const { rows: paid } = await db.query(
			"select channel, status, reason from public.buyer_messages where order_id = $1 and event = 'payment_received'",
			[order.id],
		);
		expect(paid).toEqual([
			{
				channel: 'message',
				status: 'skipped',
				reason: 'window closed: the buyer has not written in 24 hours; tell them yourself',
			},
		]);
		await sleep(1_500);
		expect(outbound()).toHaveLength(1);
	});
});
