// The pieces between Realtime and the screen: per-frame batching, reading change payloads,
// timestamps to the microsecond, the connection indicator's rules, and action error wording.
import { describe, expect, it } from 'vitest';
import { parseChange } from '$lib/live/changes';
import { connectionState, resubscribeDelayMs } from '$lib/live/connection';
import { FrameBatcher, type FrameScheduler } from '$lib/live/frame-batcher';
import { describeRpcError } from '$lib/rpc-error';
import { compareTimestamps, timestampMicros } from '$lib/live/timestamps';

/** A scheduler whose "frames" run when the test says so. */
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

describe('FrameBatcher', () => {
	it('delivers everything pushed before a frame in one batch, in order', () => {
		const frames = manualFrames();
		const batches: number[][] = [];
		const batcher = new FrameBatcher<number>((events) => batches.push(events), frames.scheduler);
		for (let event = 1; event <= 50; event++) batcher.push(event);
		expect(frames.pending).toHaveLength(1); // one frame requested, not fifty
		expect(batches).toEqual([]);
		frames.runFrame();
		expect(batches).toEqual([Array.from({ length: 50 }, (_, index) => index + 1)]);
		batcher.push(51);
		frames.runFrame();
		expect(batches).toEqual([expect.any(Array), [51]]);
	});

	it('flushes on demand and cancels the pending frame; dispose drops the queue', () => {
		const frames = manualFrames();
		const batches: string[][] = [];
		const batcher = new FrameBatcher<string>((events) => batches.push(events), frames.scheduler);
		batcher.push('a');
		batcher.flush();
		expect(batches).toEqual([['a']]);
		expect(frames.pending).toHaveLength(0);
		batcher.push('b');
		batcher.dispose();
		frames.runFrame();
		expect(batches).toEqual([['a']]);
	});
});

describe('parseChange', () => {
	const item = {
		id: '00000000-0000-4000-8000-000000000010',
		show_id: '00000000-0000-4000-8000-000000000001',
		item_number: '12',
		title: 'Blue scarf',
		description: null,
		quantity: 1,
		claimed_count: 1,
		waitlist_count: 0,
		status: 'sold_out',
		product_variant_id: null,
		variant_label: '',
		price: null,
		image_url: null,
		created_at: '2026-11-22 10:00:00+00',
		updated_at: '2026-11-22 10:00:01.5+00',
	};

	it('reads inserts and updates as upserts, and deletes by the old row’s id', () => {
		expect(parseChange({ table: 'show_items', eventType: 'UPDATE', new: item, old: {} })).toEqual({
			table: 'show_items',
			kind: 'upsert',
			row: item,
		});
		expect(
			parseChange({ table: 'show_items', eventType: 'DELETE', new: {}, old: { id: item.id } }),
		).toEqual({
			table: 'show_items',
			kind: 'delete',
			id: item.id,
		});
	});

	it('refuses rows it cannot read and tables it does not follow', () => {
		expect(() =>
			parseChange({
				table: 'show_items',
				eventType: 'INSERT',
				new: { ...item, quantity: 'one' },
				old: {},
			}),
		).toThrow(/cannot read/);
		expect(() => parseChange({ table: 'shows', eventType: 'INSERT', new: {}, old: {} })).toThrow(
			/does not follow/,
		);
		expect(() => parseChange({ table: 'claims', eventType: 'DELETE', new: {}, old: {} })).toThrow(
			/without the row's id/,
		);
	});
});

describe('timestamps', () => {
	it('keeps microseconds and reads both spellings and offsets', () => {
		expect(timestampMicros('1970-01-01T00:00:01.000001Z')).toBe(1_000_001);
		expect(timestampMicros('1970-01-01 00:00:01.5+00')).toBe(1_500_000);
		expect(timestampMicros('1970-01-01T05:30:00+05:30')).toBe(0);
		expect(timestampMicros('1970-01-01T05:30:00+0530')).toBe(0);
		expect(
			compareTimestamps('2026-11-22T10:00:00.000002+00:00', '2026-11-22T10:00:00.000001+00:00'),
		).toBe(1);
		expect(() => timestampMicros('yesterday')).toThrow(RangeError);
	});
});

describe('connection indicator', () => {
	const facts = { online: true, subscribed: true, caughtUp: true, everLive: true };

	it('is Live only when subscribed and caught up', () => {
		expect(connectionState(facts)).toBe('live');
		expect(connectionState({ ...facts, caughtUp: false })).toBe('reconnecting');
		expect(connectionState({ ...facts, subscribed: false })).toBe('reconnecting');
	});

	it('says connecting before the first success and offline whenever the browser is', () => {
		expect(
			connectionState({ online: true, subscribed: true, caughtUp: false, everLive: false }),
		).toBe('connecting');
		expect(connectionState({ ...facts, online: false })).toBe('offline');
	});

	it('backs off rebuilding a dead channel up to 30 s', () => {
		expect([0, 1, 2, 3, 10].map(resubscribeDelayMs)).toEqual([
			5_000, 10_000, 20_000, 30_000, 30_000,
		]);
	});
});

describe('describeRpcError', () => {
	it('passes the engine’s own message through as a sentence', () => {
		expect(
			describeRpcError(
				{
					message: 'item 12 is sold out (1 of 1): release a claim before awarding it',
					code: 'PT409',
				},
				409,
			),
		).toBe('Item 12 is sold out (1 of 1): release a claim before awarding it.');
	});

	it('names transport and session failures', () => {
		expect(describeRpcError({ message: 'TypeError: Failed to fetch' }, 0)).toMatch(
			/Could not reach the server/,
		);
		expect(describeRpcError({ message: 'JWT expired', code: 'PGRST301' }, 401)).toMatch(
			/session has expired/,
		);
		expect(
			describeRpcError({ message: 'permission denied for function', code: '42501' }, 403),
		).toMatch(/not allowed/);
	});
});
