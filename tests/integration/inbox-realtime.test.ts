// The inbox over Realtime: a buyer's message reaches the console of the workspace whose Page it
// was written to (its conversation and the message), and no other workspace's subscriber sees it.
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerPool, serviceClient, signedInUser } from '../support/clients.ts';

const db = ownerPool();
const channels: [SupabaseClient, RealtimeChannel][] = [];

afterAll(async () => {
	for (const [client, channel] of channels) await client.removeChannel(channel);
	await db.end();
});

/** A signed-in member's subscription to the inbox tables, collecting what arrives. */
async function follow(
	client: SupabaseClient,
): Promise<{ table: string; row: Record<string, unknown> }[]> {
	const received: { table: string; row: Record<string, unknown> }[] = [];
	await client.realtime.setAuth();
	const channel = client.channel(`inbox-${randomUUID()}`);
	for (const table of ['conversations', 'conversation_messages'])
		channel.on('postgres_changes', { event: '*', schema: 'public', table }, (change) =>
			received.push({ table, row: change.new as Record<string, unknown> }),
		);
	await new Promise<void>((resolve, reject) =>
		channel.subscribe((status, error) => {
			if (status === 'SUBSCRIBED') resolve();
			if (status === 'CHANNEL_ERROR') reject(error);
		}),
	);
	channels.push([client, channel]);
	return received;
}

async function workspaceOf(userId: string): Promise<string> {
	const { rows } = await db.query(
		'select workspace_id from public.workspace_members where user_id = $1',
		[userId],
	);
	return rows[0].workspace_id;
}

describe('inbox Realtime', () => {
	it('brings a buyer message to its workspace only', async () => {
		const seller = await signedInUser();
		const stranger = await signedInUser();
		const pageId = `page-${randomUUID()}`;
		await db.query(
			`insert into public.social_connections (workspace_id, platform, external_account_id) values ($1, 'facebook', $2)`,
			[await workspaceOf(seller.userId), pageId],
		);
		const sellerSees = await follow(seller.client);
		const strangerSees = await follow(stranger.client);
		await new Promise((resolve) => setTimeout(resolve, 300));

		const mid = `m_${randomUUID()}`;
		const { error } = await serviceClient().rpc('ingest_messaging_events', {
			payload: {
				object: 'page',
				entry: [
					{
						id: pageId,
						time: Date.now(),
						messaging: [
							{
								sender: { id: 'psid-realtime' },
								recipient: { id: pageId },
								timestamp: Date.now(),
								message: { mid, text: 'is #3 still there?' },
							},
						],
					},
				],
			},
		});
		expect(error).toBeNull();
		await expect
			.poll(() => sellerSees.map((change) => change.table).sort(), { timeout: 5000 })
			.toEqual(expect.arrayContaining(['conversation_messages', 'conversations']));
		expect(
			sellerSees.find((change) => change.table === 'conversation_messages')?.row,
		).toMatchObject({
			external_message_id: mid,
			text: 'is #3 still there?',
		});
		// The stranger's socket got the same commits; give them time to (not) arrive.
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(strangerSees).toEqual([]);
	});
});
