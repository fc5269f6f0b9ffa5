// The reactive store end to end with a fake Supabase client: Realtime changes land in one batch per
// frame, the indicator says Live only after catching up, and a reconnect refetches what was missed
// (from the newest change held) and merges it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { FrameScheduler } from '$lib/live/frame-batcher';
import type { ShowSnapshot } from '$lib/live/live-data';
import type { SnapshotRequest } from '$lib/live/snapshot';
import type { Claim, LiveIngestion, Show, ShowItem, VariantRequest } from '$lib/rows';

const fetchShowSnapshot =
	vi.fn<(client: unknown, showId: string, request: SnapshotRequest) => Promise<ShowSnapshot>>();
const fetchShow = vi.fn<(client: unknown, showId: string) => Promise<Show>>();
vi.mock('$lib/live/snapshot', () => ({ fetchShowSnapshot, fetchShow }));
const { LiveConsole } = await import('$lib/live/live-console.svelte');

const showId = '00000000-0000-4000-8000-000000000001';
const at = (second: number) => `2026-11-22T10:00:${String(second).padStart(2, '0')}.000000+00:00`;
const show: Show = {
	id: showId,
	workspace_id: '00000000-0000-4000-8000-0000000000ff',
	name: 'Friday drop',
	status: 'active',
	platform: 'facebook',
	connection_id: null,
	live_id: 'live-1',
	live_url: null,
	claim_words: null,
	pass_words: null,
	currency: 'USD',
	pinned_item_number: null,
	max_units_per_buyer: null,
	max_units_per_buyer_item: null,
	started_at: at(0),
	ended_at: null,
	created_at: at(0),
	updated_at: at(0),
};
function item(number: number, updatedSecond = 0, overrides: Partial<ShowItem> = {}): ShowItem {
	return {
		id: `00000000-0000-4000-8000-${String(number).padStart(12, '0')}`,
		show_id: showId,
		item_number: String(number),
		title: null,
		description: null,
		quantity: 1,
		claimed_count: 0,
		waitlist_count: 0,
		status: 'unclaimed',
		product_variant_id: null,
		variant_label: '',
		price: null,
		image_url: null,
		created_at: at(0),
		updated_at: at(updatedSecond),
		...overrides,
	};
}
const snapshot = (
	items: ShowItem[],
	complete = true,
	ingestion: LiveIngestion | null = null,
): ShowSnapshot => ({
	show,
	ingestion,
	items,
	itemsComplete: true,
	claims: [],
	claimsComplete: complete,
	comments: [],
});

type StatusCallback = (status: string, error?: Error) => void;
type ChangeCallback = (payload: unknown) => void;

/** Just enough of supabase-js for the store: channels, auth events, rpc and the blocked viewers. */
function fakeSupabase() {
	const channels: {
		name: string;
		handlers: { table: string; handler: ChangeCallback }[];
		system: ChangeCallback[];
		status: StatusCallback | null;
		removed: boolean;
	}[] = [];
	const client = {
		channel(name: string) {
			const entry = {
				name,
				handlers: [] as { table: string; handler: ChangeCallback }[],
				system: [] as ChangeCallback[],
				status: null as StatusCallback | null,
				removed: false,
			};
			channels.push(entry);
			const channel = {
				on(type: string, filter: { table?: string }, handler: ChangeCallback) {
					if (type === 'system') entry.system.push(handler);
					else entry.handlers.push({ table: filter.table ?? '', handler });
					return channel;
				},
				subscribe(callback: StatusCallback) {
					entry.status = callback;
					return channel;
				},
				entry,
			};
			return channel;
		},
		async removeChannel(channel: { entry: { removed: boolean } }) {
			channel.entry.removed = true;
			return 'ok';
		},
		auth: { onAuthStateChange: () => ({ data: { subscription: { unsubscribe() {} } } }) },
		realtime: { setAuth: async () => {} },
		rpc: vi.fn(),
		from: () => ({ select: () => ({ eq: async () => ({ data: [], error: null }) }) }),
	};
	const emit = (table: string, eventType: string, row: object) => {
		for (const binding of channels.at(-1)?.handlers ?? []) {
			if (binding.table === table)
				binding.handler({ table, eventType, new: row, old: eventType === 'DELETE' ? row : {} });
		}
	};
	/** The join, then Realtime's word that the subscriptions exist (or why they do not). */
	const join = (
		index: number,
		system = { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL' },
	) => {
		channels[index].status?.('SUBSCRIBED');
		for (const handler of channels[index].system) handler(system);
	};
	return { client: client as unknown as SupabaseClient, channels, emit, join, rpc: client.rpc };
}

function manualFrames() {
	const pending: (() => void)[] = [];
	const scheduler: FrameScheduler = {
		request(callback) {
			pending.push(callback);
			return () => pending.splice(pending.indexOf(callback), 1);
		},
	};
	return {
		scheduler,
		pending,
		runFrame: () => pending.splice(0).forEach((callback) => callback()),
	};
}

/** Starts the console and lets it hand Realtime the session and join. */
async function started(live: InstanceType<typeof LiveConsole>): Promise<() => void> {
	const stop = live.start();
	await vi.advanceTimersByTimeAsync(0);
	return stop;
}

beforeEach(() => {
	vi.useFakeTimers();
	vi.stubGlobal('window', new EventTarget());
	vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }));
	vi.stubGlobal('navigator', { onLine: true });
	fetchShowSnapshot.mockReset();
	fetchShow.mockReset();
	fetchShow.mockResolvedValue(show);
});
afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

describe('LiveConsole', () => {
	it('is Live only once subscribed and caught up; applies a frame’s changes in one go', async () => {
		const supabase = fakeSupabase();
		const frames = manualFrames();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1), item(2)]),
			Date.now(),
			frames.scheduler,
		);
		const stop = await started(live);
		expect(live.connection).toBe('connecting');

		fetchShowSnapshot.mockResolvedValueOnce(snapshot([item(1), item(2)], false));
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(fetchShowSnapshot).toHaveBeenCalledWith(supabase.client, showId, {
			changedSince: '2026-11-22T10:00:00.000Z',
			allItems: true,
			missingClaims: null,
		});

		const itemsBefore = live.items;
		supabase.emit('show_items', 'UPDATE', item(1, 5, { claimed_count: 1, status: 'sold_out' }));
		supabase.emit('show_items', 'INSERT', item(3, 5));
		expect(live.items).toBe(itemsBefore); // nothing drawn until the frame
		frames.runFrame();
		expect(live.items.map((row) => `${row.item_number}:${row.status}`)).toEqual([
			'1:sold_out',
			'2:unclaimed',
			'3:unclaimed',
		]);
		expect(live.stats).toMatchObject({ itemsTotal: 3, itemsClaimed: 1 });
		stop();
	});

	it('waits for Realtime to confirm the subscriptions before catching up; a refused subscription rebuilds the channel', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValue(snapshot([item(1)], false));
		supabase.channels[0].status?.('SUBSCRIBED');
		await vi.advanceTimersByTimeAsync(100);
		expect(fetchShowSnapshot).not.toHaveBeenCalled(); // a catch-up now could miss a change made before the subscription exists
		expect(live.connection).toBe('connecting');

		supabase.join(0, {
			extension: 'postgres_changes',
			status: 'error',
			message: 'Unable to subscribe to changes with given parameters.',
		});
		expect(live.connection).toBe('connecting');
		await vi.advanceTimersByTimeAsync(5_000);
		expect(supabase.channels).toHaveLength(2);
		expect(supabase.channels[0].removed).toBe(true);
		supabase.join(1);
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(fetchShowSnapshot).toHaveBeenCalledTimes(1);
		stop();
	});

	it('follows the show row and its ingestion health over Realtime, older versions ignored', async () => {
		const supabase = fakeSupabase();
		const listening: LiveIngestion = {
			show_id: showId,
			platform: 'facebook',
			live_id: 'live-1',
			status: 'listening',
			status_detail: null,
			last_success_at: at(4),
			last_comment_at: at(3),
			comments_received: 12,
			backoff_until: null,
			live_ended_at: null,
			replay_until: null,
			viewer_count: null,
			viewer_count_at: null,
			gaps: [],
			updated_at: at(4),
		};
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)], true, listening),
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		expect(live.ingestion?.status).toBe('listening');

		supabase.emit('live_ingestion', 'UPDATE', {
			...listening,
			status: 'delayed',
			status_detail: 'Meta is throttling',
			updated_at: at(9),
		});
		expect(live.ingestion).toMatchObject({
			status: 'delayed',
			status_detail: 'Meta is throttling',
		});
		supabase.emit('live_ingestion', 'UPDATE', { ...listening, updated_at: at(5) }); // arrived late
		expect(live.ingestion?.status).toBe('delayed');

		supabase.emit('shows', 'UPDATE', { ...show, status: 'paused', updated_at: at(10) });
		expect(live.show.status).toBe('paused');
		stop();
	});

	it('says Reconnecting… when the channel drops and catches up from the newest change when it is back', async () => {
		const supabase = fakeSupabase();
		const frames = manualFrames();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			frames.scheduler,
		);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValue(snapshot([item(1)], false));
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));

		supabase.emit('show_items', 'UPDATE', item(1, 7, { quantity: 2 }));
		frames.runFrame();
		supabase.channels[0].status?.('CHANNEL_ERROR', new Error('socket closed'));
		expect(live.connection).toBe('reconnecting');

		// While away, item 1 sold out and item 2 was added; the refetch brings both.
		fetchShowSnapshot.mockResolvedValueOnce(
			snapshot(
				[item(1, 9, { quantity: 2, claimed_count: 2, status: 'sold_out' }), item(2, 9)],
				false,
			),
		);
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(fetchShowSnapshot).toHaveBeenLastCalledWith(supabase.client, showId, {
			changedSince: '2026-11-22T10:00:07.000Z',
			allItems: true,
			missingClaims: null,
		});
		expect(live.items.map((row) => `${row.item_number}:${row.status}`)).toEqual([
			'1:sold_out',
			'2:unclaimed',
		]);
		stop();
	});

	it('rebuilds a channel that stays down, and stays Reconnecting… while a catch-up fails', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		supabase.channels[0].status?.('TIMED_OUT');
		await vi.advanceTimersByTimeAsync(5_000);
		expect(supabase.channels).toHaveLength(2);
		expect(supabase.channels[0].removed).toBe(true);

		fetchShowSnapshot.mockRejectedValueOnce(
			new Error('Reading the show failed: connection refused'),
		);
		supabase.join(1);
		await vi.waitFor(() => expect(live.syncError).toMatch(/connection refused/));
		expect(live.connection).toBe('connecting');

		fetchShowSnapshot.mockResolvedValueOnce(snapshot([item(1)], false));
		await vi.advanceTimersByTimeAsync(5_000); // the retry
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(live.syncError).toBeNull();
		stop();
	});

	it('catches up every few seconds while subscribed, so a change Realtime lost still shows', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValueOnce(snapshot([item(1)], false));
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));

		// Item 2 was added but its event never came; only the items changed lately are asked for.
		fetchShowSnapshot.mockResolvedValueOnce({
			...snapshot([item(2, 3)], false),
			itemsComplete: false,
		});
		await vi.advanceTimersByTimeAsync(8_000);
		expect(fetchShowSnapshot).toHaveBeenLastCalledWith(supabase.client, showId, {
			changedSince: expect.any(String),
			allItems: false,
			missingClaims: null,
		});
		expect(live.items.map((row) => row.item_number)).toEqual(['1', '2']);
		stop();
	});

	it('goes Offline with the browser and catches up when it is back', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValue(snapshot([item(1)], false));
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));

		window.dispatchEvent(new Event('offline'));
		expect(live.connection).toBe('offline');
		window.dispatchEvent(new Event('online'));
		await vi.waitFor(() => expect(fetchShowSnapshot).toHaveBeenCalledTimes(2));
		stop();
	});

	it('opens with some claims and reads them all on its first catch-up', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)], false),
			Date.now(),
			manualFrames().scheduler,
		);
		expect(live.hasAllClaims).toBe(false);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValueOnce(snapshot([item(1)], true));
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(fetchShowSnapshot).toHaveBeenCalledWith(
			supabase.client,
			showId,
			expect.objectContaining({ missingClaims: 'all' }),
		);
		expect(live.hasAllClaims).toBe(true);
		stop();
	});

	it('starts from the rendered show: its first catch-up asks only for changes and the claims left out', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			{ ...snapshot([item(1, 30)], false), missingClaimsUpTo: at(10) },
			Date.now(),
			manualFrames().scheduler,
		);
		const stop = await started(live);
		fetchShowSnapshot.mockResolvedValueOnce({
			...snapshot([], false),
			itemsComplete: false,
			itemIds: [item(1).id],
			missingClaimsRead: true,
		});
		supabase.join(0);
		await vi.waitFor(() => expect(live.connection).toBe('live'));
		expect(fetchShowSnapshot).toHaveBeenCalledWith(supabase.client, showId, {
			changedSince: '2026-11-22T10:00:30.000Z',
			allItems: true,
			missingClaims: { createdUpTo: at(10) },
		});
		expect(live.hasAllClaims).toBe(true);
		expect(live.items.map((row) => row.item_number)).toEqual(['1']);
		stop();
	});

	it('applies an action’s answer at once and reports the engine’s refusal in its words', async () => {
		const supabase = fakeSupabase();
		const live = new LiveConsole(
			supabase.client,
			snapshot([item(1)]),
			Date.now(),
			manualFrames().scheduler,
		);
		supabase.rpc.mockResolvedValueOnce({
			data: { item: item(1, 4, { quantity: 3 }), promoted: [] },
			error: null,
			status: 200,
		});
		await expect(live.actions.setQuantity(item(1).id, 3)).resolves.toEqual({
			ok: true,
			message: 'Quantity is now 3.',
		});
		expect(live.items[0].quantity).toBe(3);
		expect(supabase.rpc).toHaveBeenCalledWith('update_show_item', {
			item_id: item(1).id,
			changes: { quantity: 3 },
		});

		supabase.rpc.mockResolvedValueOnce({
			data: null,
			error: {
				message: 'item 1 has 2 winners: release claims before lowering its quantity to 1',
				code: 'PT409',
			},
			status: 409,
		});
		await expect(live.actions.setQuantity(item(1).id, 1)).resolves.toEqual({
			ok: false,
			message: 'Item 1 has 2 winners: release claims before lowering its quantity to 1.',
		});
	});

	it('clears the test claims at once and says who moved up', async () => {
		const supabase = fakeSupabase();
		const claim = (suffix: number, handle: string, overrides: Partial<Claim>): Claim => ({
			id: `00000000-0000-4000-8000-1000000000${String(suffix).padStart(2, '0')}`,
			show_id: showId,
			show_item_id: item(1).id,
			item_number: '1',
			platform: 'facebook',
			platform_user_id: handle,
			user_handle: handle,
			user_display_name: null,
			raw_text: 'sold 1',
			status: 'winner',
			waitlist_position: null,
			promoted_at: null,
			ended_at: null,
			operator_action: false,
			operator_notes: null,
			is_test: false,
			buyer_unit: 1,
			read_late: false,
			created_at: at(1),
			updated_at: at(1),
			...overrides,
		});
		const testWinner = claim(1, 'tess', {
			platform: 'test',
			platform_user_id: 'test:tess',
			is_test: true,
		});
		const realWaiter = claim(2, 'ana', {
			status: 'waitlist',
			waitlist_position: 1,
			created_at: at(2),
		});
		const live = new LiveConsole(
			supabase.client,
			{
				...snapshot([item(1, 1, { claimed_count: 1, waitlist_count: 1, status: 'sold_out' })]),
				claims: [testWinner, realWaiter],
			},
			Date.now(),
			manualFrames().scheduler,
		);
		supabase.rpc.mockResolvedValueOnce({
			data: {
				cleared: [{ ...testWinner, status: 'released', ended_at: at(5), updated_at: at(5) }],
				promoted: [
					{
						...realWaiter,
						status: 'winner',
						waitlist_position: null,
						promoted_at: at(5),
						updated_at: at(5),
					},
				],
				items: [item(1, 5, { claimed_count: 1, status: 'sold_out' })],
			},
			error: null,
			status: 200,
		});
		await expect(live.actions.clearTestClaims()).resolves.toEqual({
			ok: true,
			message: 'Cleared 1 test claim. @ana now holds #1.',
		});
		expect(supabase.rpc).toHaveBeenCalledWith('clear_test_claims', { show_id: showId });
		expect(
			Object.fromEntries(live.claims.map((entry) => [entry.user_handle, entry.status])),
		).toEqual({ ana: 'winner', tess: 'released' });
		expect(live.items[0].waitlist_count).toBe(0);
	});

	it('says which variant and how many units a test comment got, and shows a variant request at once', async () => {
		const supabase = fakeSupabase();
		const blueM = item(12, 1, { variant_label: 'Blue / M', quantity: 3 });
		const live = new LiveConsole(
			supabase.client,
			snapshot([blueM]),
			Date.now(),
			manualFrames().scheduler,
		);
		const unit = (buyerUnit: number): Claim => ({
			id: `00000000-0000-4000-8000-2000000000${String(buyerUnit).padStart(2, '0')}`,
			show_id: showId,
			show_item_id: blueM.id,
			item_number: '12',
			platform: 'test',
			platform_user_id: 'test:tess',
			user_handle: 'tess',
			user_display_name: 'tess',
			raw_text: 'sold 12 blue M x5',
			status: 'winner',
			waitlist_position: null,
			promoted_at: null,
			ended_at: null,
			operator_action: false,
			operator_notes: null,
			is_test: true,
			buyer_unit: buyerUnit,
			read_late: false,
			created_at: at(2),
			updated_at: at(2),
		});
		const request: VariantRequest = {
			id: '00000000-0000-4000-8000-300000000001',
			show_id: showId,
			item_number: '14',
			platform: 'test',
			platform_user_id: 'test:tess',
			user_handle: 'tess',
			user_display_name: 'tess',
			raw_text: 'sold 12 blue M x5 sold 14',
			variant_words: [],
			quantity: 1,
			status: 'open',
			resolved_show_item_id: null,
			resolved_at: null,
			is_test: true,
			created_at: at(2),
			updated_at: at(2),
		};
		const intent = {
			promoted: null,
			promoted_claims: [],
			reason: null,
			variant_request: null,
			capped: false,
			quantity: 1,
			requested_quantity: 1,
			claim: null,
			claims: [],
			item: null,
			items: [],
		};
		const updated = { ...blueM, claimed_count: 2, status: 'partial' as const, updated_at: at(2) };
		supabase.rpc.mockResolvedValueOnce({
			data: {
				outcome: 'processed',
				reason: null,
				results: [
					{
						...intent,
						intent: 'claim',
						item_number: '12',
						outcome: 'winner',
						claim: unit(1),
						claims: [unit(1), unit(2)],
						item: updated,
						items: [updated],
						capped: true,
						quantity: 2,
						requested_quantity: 5,
					},
					{
						...intent,
						intent: 'claim',
						item_number: '14',
						outcome: 'needs_variant',
						variant_request: request,
					},
				],
			},
			error: null,
			status: 200,
		});
		await expect(live.actions.testComment('tess', 'sold 12 blue M x5 sold 14')).resolves.toEqual({
			ok: true,
			message:
				'Test comment: @tess won #12 Blue / M (2 units) (asked for 5, capped at 2 per comment), ' +
				'claimed #14 without naming one variant (pick it under Needs a variant).',
		});
		expect(live.claims.map((claim) => claim.buyer_unit).sort()).toEqual([1, 2]);
		expect(live.items[0].claimed_count).toBe(2);
		expect(live.variantRequests).toEqual([request]);
	});
});
