// The consoles of the lives benchmark, in a worker thread of their own so their work does not
// slow the stack's event loop in the main thread: per show, Realtime clients each with a
// member's token, subscribed as the live console subscribes (its live tables filtered by show,
// RLS deciding what reaches them), noting when each claim arrives.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { everyLiveTable } from '../../src/lib/live/live-data.ts';

export interface SubscriberShow {
	showId: string;
	/** One member's access token per subscriber. */
	tokens: string[];
}

export type ToSubscribers =
	{ type: 'subscribe'; shows: SubscriberShow[] } | { type: 'collect' } | { type: 'close' };

export type FromSubscribers =
	| { type: 'subscribed'; subscribers: number; ms: number }
	| {
			type: 'arrivals';
			/** The platform comment id of each claim INSERT received, and when (epoch ms). */
			commentIds: string[];
			receivedAt: number[];
			/** Changes of any kind received. */
			changes: number;
	  }
	| { type: 'closed' }
	| { type: 'error'; message: string };

const { apiUrl, anonKey } = workerData as { apiUrl: string; anonKey: string };
const port = parentPort!;
let clients: SupabaseClient[] = [];
let commentIds: string[] = [];
let receivedAt: number[] = [];
let changes = 0;

async function subscriber(showId: string, token: string): Promise<SupabaseClient> {
	const client = createClient(apiUrl, anonKey, {
		accessToken: async () => token,
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
	});
	const channel = client.channel(`bench:${showId}`);
	const filter = `show_id=eq.${showId}`;
	for (const table of everyLiveTable)
		channel.on('postgres_changes', { event: '*', schema: 'public', table, filter }, (payload) => {
			changes += 1;
			if (table === 'claims' && payload.eventType === 'INSERT') {
				commentIds.push(String(payload.new.comment_id));
				receivedAt.push(Date.now());
			}
		});
	channel.on(
		'postgres_changes',
		{ event: 'UPDATE', schema: 'public', table: 'shows', filter: `id=eq.${showId}` },
		() => (changes += 1),
	);
	channel.on(
		'postgres_changes',
		{ event: '*', schema: 'public', table: 'live_ingestion', filter },
		() => {
			changes += 1;
		},
	);
	// As the console does: Realtime gets the member's token before the join, not the anon key.
	await client.realtime.setAuth(token);
	return new Promise((resolve, reject) => {
		const timeout = setTimeout(
			() => reject(new Error(`show ${showId}: no subscription in 60 s`)),
			60_000,
		);
		// Subscribed once Realtime says the postgres_changes subscriptions exist, as the console waits.
		channel.on(
			'system',
			{},
			(message: { extension?: string; status?: string; message?: string }) => {
				if (message.extension !== 'postgres_changes') return;
				clearTimeout(timeout);
				if (message.status === 'ok') resolve(client);
				else reject(new Error(`show ${showId}: ${message.message ?? 'subscription refused'}`));
			},
		);
		channel.subscribe((status, error) => {
			if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') {
				clearTimeout(timeout);
				reject(error ?? new Error(`show ${showId}: ${status}`));
			}
		});
	});
}

async function closeAll(): Promise<void> {
	await Promise.all(clients.map((client) => client.removeAllChannels()));
	for (const client of clients) client.realtime.disconnect();
	clients = [];
}

port.on('message', async (message: ToSubscribers) => {
	try {
		if (message.type === 'subscribe') {
			await closeAll();
			const started = performance.now();
			// A few at a time, as consoles open over a minute rather than in one instant.
			const wanted = message.shows.flatMap((show) =>
				show.tokens.map((token) => () => subscriber(show.showId, token)),
			);
			for (let index = 0; index < wanted.length; index += 50)
				clients.push(...(await Promise.all(wanted.slice(index, index + 50).map((open) => open()))));
			commentIds = [];
			receivedAt = [];
			changes = 0;
			port.postMessage({
				type: 'subscribed',
				subscribers: clients.length,
				ms: performance.now() - started,
			} satisfies FromSubscribers);
		} else if (message.type === 'collect') {
			port.postMessage({
				type: 'arrivals',
				commentIds,
				receivedAt,
				changes,
			} satisfies FromSubscribers);
		} else {
			await closeAll();
			port.postMessage({ type: 'closed' } satisfies FromSubscribers);
		}
	} catch (error) {
		port.postMessage({
			type: 'error',
			message: (error as Error).message,
		} satisfies FromSubscribers);
	}
});
