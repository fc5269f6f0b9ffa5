// The OBS overlay end to end through supabase-js, as an attacker holding an overlay link would try
// it: the overlay-session Edge Function trades the link's token for a short anon session; with it
// the show's overlay feed is read and followed over Realtime (changes arrive within a second),
// and nothing else: no other show or workspace, no other table, no write, no function. A revoked
// or replaced link stops at once, its open Realtime subscription included.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../stack/jwt.ts';
import { clientOptions, ownerPool, signedInUser, stack } from '../support/clients.ts';

interface Seller {
	client: SupabaseClient;
	showId: string;
	token: string;
}

interface FeedRow {
	show_id: string;
	pinned: { item_number: number; units_left: number } | null;
	sold: { buyer: string; item_number: string }[];
	waiting: number;
}

const owner = ownerPool();
const opened: SupabaseClient[] = [];

afterAll(async () => {
	for (const client of opened) await client.removeAllChannels();
	await owner.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function data<T>(
	call: PromiseLike<{ data: T | null; error: { message: string } | null }>,
): Promise<T> {
	const { data: value, error } = await call;
	if (error) throw new Error(error.message);
	return value as T;
}

/** A seller with a running rehearsal show of items 1-5 and an overlay link for it. */
async function seller(): Promise<Seller> {
	const { client, userId } = await signedInUser();
	const { rows } = await owner.query<{ workspace_id: string }>(
		'select workspace_id from public.workspace_members where user_id = $1',
		[userId],
	);
	const show = await data<{ id: string }>(
		client.rpc('create_show', {
			workspace_id: rows[0].workspace_id,
			platform: 'facebook',
			name: 'Overlay test',
		}),
	);
	await data(client.rpc('add_show_items', { show_id: show.id, items: ['1-5'] }));
	await data(client.rpc('activate_show', { show_id: show.id }));
	const link = await data<{ token: string }>(
		client.rpc('create_overlay_link', { show_id: show.id }),
	);
	return { client, showId: show.id, token: link.token };
}

function openSession(token: string) {
	return fetch(`${stack.SUPABASE_URL}/functions/v1/overlay-session`, {
		method: 'POST',
		headers: { apikey: stack.SUPABASE_ANON_KEY, 'content-type': 'application/json' },
		body: JSON.stringify({ token }),
	});
}

/** A client as the overlay page makes one: the anon key and the session's JWT. */
async function overlayClient(token: string): Promise<{ client: SupabaseClient; showId: string }> {
	const response = await openSession(token);
	expect(response.status).toBe(200);
	const session = (await response.json()) as { access_token: string; show_id: string };
	const client = createClient(stack.SUPABASE_URL, stack.SUPABASE_ANON_KEY, {
		...clientOptions,
		accessToken: async () => session.access_token,
	});
	opened.push(client);
	// As the overlay page does: Realtime joins with the session, not the anon key.
	await client.realtime.setAuth(session.access_token);
	return { client, showId: session.show_id };
}

/** Every overlay_feeds change the client receives, with when it came (no filter: all it may see). */
async function follow(client: SupabaseClient): Promise<{ at: number; row: FeedRow }[]> {
	const received: { at: number; row: FeedRow }[] = [];
	await new Promise<void>((resolve, reject) => {
		client
			.channel(`overlay-test-${Math.random()}`)
			.on(
				'postgres_changes',
				{ event: '*', schema: 'public', table: 'overlay_feeds' },
				(change) => {
					received.push({ at: Date.now(), row: change.new as FeedRow });
				},
			)
			// Changes flow once the server says so, a moment after SUBSCRIBED.
			.on('system', {}, (message: { extension?: string; status?: string }) => {
				if (message.extension === 'postgres_changes' && message.status === 'ok') resolve();
			})
			.subscribe((status, error) => {
				if (error) reject(error);
			});
	});
	return received;
}

async function arrival(
	received: { at: number; row: FeedRow }[],
	matches: (row: FeedRow) => boolean,
	since: number,
): Promise<number> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const hit = received.find((change) => change.at >= since && matches(change.row));
		if (hit) return hit.at - since;
		if (Date.now() > deadline)
			throw new Error(`the overlay change never arrived: ${JSON.stringify(received)}`);
		await sleep(10);
	}
}

describe('an overlay link', () => {
	let ana: Seller;
	let bob: Seller;

	beforeAll(async () => {
		[ana, bob] = await Promise.all([seller(), seller()]);
	});

	it('follows its show over Realtime within a second, and sees no other show', async () => {
		const { client, showId } = await overlayClient(ana.token);
		expect(showId).toBe(ana.showId);
		const rows = await data<FeedRow[]>(client.from('overlay_feeds').select('*'));
		expect(rows.map((row) => row.show_id)).toEqual([ana.showId]);
		const received = await follow(client);

		const pinnedAt = Date.now();
		await data(ana.client.rpc('pin_show_item', { show_id: ana.showId, item_number: 2 }));
		const pinLatency = await arrival(received, (row) => row.pinned?.item_number === 2, pinnedAt);
		const wonAt = Date.now();
		await data(
			ana.client.rpc('emit_test_comment', {
				show_id: ana.showId,
				text: 'sold 2',
				user_handle: 'rita',
			}),
		);
		const winLatency = await arrival(received, (row) => row.sold[0]?.buyer === '@rita', wonAt);
		console.log(
			`overlay over Realtime: pin → overlay ${pinLatency} ms, win → overlay ${winLatency} ms`,
		);
		expect(pinLatency).toBeLessThan(1_000);
		expect(winLatency).toBeLessThan(1_000);

		// Another workspace's show changes: this session hears nothing of it.
		const before = received.length;
		await data(bob.client.rpc('pin_show_item', { show_id: bob.showId, item_number: 4 }));
		await data(
			bob.client.rpc('emit_test_comment', {
				show_id: bob.showId,
				text: 'sold 4',
				user_handle: 'sam',
			}),
		);
		await sleep(1_500);
		expect(received.slice(before)).toEqual([]);
		expect(received.every((change) => change.row.show_id === ana.showId)).toBe(true);
	});

	it('reads nothing else and writes nothing', async () => {
		const { client } = await overlayClient(ana.token);
		expect(
			await data(client.from('overlay_feeds').select('show_id').eq('show_id', bob.showId)),
		).toEqual([]);
		for (const table of [
			'shows',
			'show_items',
			'claims',
			'comments',
			'show_overlays',
			'workspaces',
		]) {
			const { error } = await client.from(table).select('*').limit(1);
			expect(error?.code, table).toBe('42501');
		}
		const update = await client
			.from('overlay_feeds')
			.update({ waiting: 99 })
			.eq('show_id', ana.showId);
		expect(update.error?.code).toBe('42501');
		for (const [fn, args] of [
			['create_overlay_link', { show_id: ana.showId }],
			['pin_show_item', { show_id: ana.showId, item_number: 1 }],
			['emit_test_comment', { show_id: ana.showId, text: 'sold 1' }],
			['open_overlay_session', { token: ana.token }],
		] as const) {
			const { error } = await client.rpc(fn, args);
			expect(error?.code, fn).toBe('42501');
		}
		// A session signed with any other secret is refused outright.
		const forged = await signJwt(
			{
				role: 'anon',
				overlay_link_id: crypto.randomUUID(),
				exp: Math.floor(Date.now() / 1000) + 60,
			},
			'a-secret-that-is-not-the-projects-at-all-0123456789',
		);
		const response = await fetch(`${stack.SUPABASE_URL}/rest/v1/overlay_feeds?select=show_id`, {
			headers: { apikey: stack.SUPABASE_ANON_KEY, authorization: `Bearer ${forged}` },
		});
		expect(response.status).toBe(401);
		// Tokens that are not a current link: 404, whatever their shape.
		const altered = `${ana.token.slice(0, 42)}${ana.token.endsWith('A') ? 'B' : 'A'}`;
		for (const token of ['', 'x'.repeat(43), altered, 'a'.repeat(500)])
			expect((await openSession(token)).status).toBe(404);
	});

	it('stops at once when revoked, its open subscription included, and when replaced', async () => {
		const { client } = await overlayClient(ana.token);
		const received = await follow(client);
		await data(ana.client.rpc('revoke_overlay_link', { show_id: ana.showId }));
		await data(ana.client.rpc('pin_show_item', { show_id: ana.showId, item_number: 3 }));
		await sleep(1_500);
		expect(received).toEqual([]);
		expect(await data(client.from('overlay_feeds').select('show_id'))).toEqual([]);
		const refused = await openSession(ana.token);
		expect(refused.status).toBe(404);
		expect(await refused.json()).toMatchObject({ error: 'overlay_link_revoked' });

		// A new link works; the one before it no longer does.
		const first = await data<{ token: string }>(
			ana.client.rpc('create_overlay_link', { show_id: ana.showId }),
		);
		const firstSession = await overlayClient(first.token);
		await data(ana.client.rpc('create_overlay_link', { show_id: ana.showId }));
		expect((await openSession(first.token)).status).toBe(404);
		expect(await data(firstSession.client.from('overlay_feeds').select('show_id'))).toEqual([]);
	});
});
