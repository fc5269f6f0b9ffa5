// Which comments of an oldest-first poll are new, in what order they go to the engine, and how the
// cursor moves, including comments Meta lists late, comments without `from` and text PostgreSQL
// cannot hold.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	advanceCursor,
	LATE_WINDOW_MS,
	parseMetaTime,
	selectNewComments,
	sinceSeconds,
	storableText,
	toEngineComment,
	type GraphComment,
	type PollCursor,
} from '../../supabase/functions/_shared/facebook-comments.ts';

const sample = JSON.parse(
	readFileSync(new URL('../fixtures/meta/fb-live-comments-page.json', import.meta.url), 'utf8'),
) as { data: GraphComment[] };
const start = parseMetaTime('2026-11-20T19:12:00+0000');
const fresh: PollCursor = { newestAt: null, recent: {}, floorAt: start };
const comment = (id: string, second: number, message = `comment ${id}`): GraphComment => ({
	id,
	message,
	created_time: new Date(start + second * 1000).toISOString().replace('.000Z', '+0000'),
	from: { id: `user-${id}`, name: `User ${id}` },
});

describe('selectNewComments', () => {
	it('sends a page in time order whatever order it came in, hidden commenters included', () => {
		expect(selectNewComments(sample.data, fresh).map((c) => c.message)).toEqual([
			'what size is 14?',
			'14 sold',
			'SOLD 14 💕',
		]);
	});

	it('keeps Meta’s order for comments stamped the same second, and drops repeats across pages', () => {
		const oldestFirst = [comment('a', 5), comment('b', 5), comment('c', 5), comment('b', 5)];
		expect(selectNewComments(oldestFirst, fresh).map((c) => c.id)).toEqual(['a', 'b', 'c']);
	});

	it('skips comments from before the show and comments already sent', () => {
		const cursor = advanceCursor(fresh, [comment('a', 10), comment('b', 11)]);
		const oldestFirst = [
			comment('old', -5),
			comment('a', 10),
			comment('b', 11),
			comment('c', 11),
			comment('d', 12),
		];
		expect(selectNewComments(oldestFirst, cursor).map((c) => c.id)).toEqual(['c', 'd']);
	});

	it('still takes a comment Meta lists late within the window, and not one beyond it', () => {
		const cursor = advanceCursor(fresh, [comment('a', 60)]);
		const late = comment('late', 60 - LATE_WINDOW_MS / 1000 + 1);
		const tooLate = comment('too-late', 60 - LATE_WINDOW_MS / 1000 - 1);
		expect(selectNewComments([comment('a', 60), late, tooLate], cursor).map((c) => c.id)).toEqual([
			'late',
		]);
	});
});

describe('the cursor', () => {
	it('moves to the newest comment sent and remembers only the ids within the window', () => {
		let cursor = advanceCursor(fresh, [comment('a', 1), comment('b', 2)]);
		expect(cursor).toEqual({
			newestAt: start + 2000,
			recent: { a: start + 1000, b: start + 2000 },
			floorAt: start,
		});
		cursor = advanceCursor(cursor, [comment('c', 100)]);
		expect(cursor).toEqual({
			newestAt: start + 100_000,
			recent: { c: start + 100_000 },
			floorAt: start,
		});
	});

	it('does not move back when nothing, or only late comments, were sent', () => {
		const cursor = advanceCursor(fresh, [comment('a', 50)]);
		expect(advanceCursor(cursor, [])).toEqual(cursor);
		expect(advanceCursor(cursor, [comment('late', 40)]).newestAt).toBe(start + 50_000);
	});

	it('asks Meta for comments since the boundary', () => {
		const cursor = advanceCursor(fresh, [comment('a', 100)]);
		expect(sinceSeconds(fresh)).toBe(start / 1000);
		expect(sinceSeconds(cursor)).toBe(start / 1000 + 100 - LATE_WINDOW_MS / 1000);
	});
});

describe('toEngineComment', () => {
	const show = { showId: '11111111-2222-4333-8444-555555555555', liveId: '1029384756473829' };

	it('maps a comment to the engine’s fields', () => {
		expect(toEngineComment(sample.data[1], show)).toEqual({
			show_id: show.showId,
			platform: 'facebook',
			live_id: show.liveId,
			comment_id: '1029384756473829_998877665544331',
			platform_user_id: '7301122334455668',
			user_handle: null,
			user_display_name: 'Kim Lee',
			text: '14 sold',
			created_at: '2026-11-20T19:12:40.000Z',
		});
	});

	it('gives a comment without `from` a placeholder user of its own and a note, never dropping it', () => {
		expect(toEngineComment(sample.data[2], show)).toMatchObject({
			platform_user_id: 'hidden:1029384756473829_998877665544330',
			user_handle: null,
			user_display_name: 'Hidden viewer …544330',
			text: 'what size is 14?',
		});
	});

	it('drops NUL and replaces lone surrogates, so PostgreSQL takes every comment', () => {
		const odd = {
			...comment('odd', 3, 'sold\u0000 12 \uD83D'),
			from: { id: 'u', name: 'Ann\u0000 \uDE00' },
		};
		expect(toEngineComment(odd, show)).toMatchObject({
			text: 'sold 12 \uFFFD',
			user_display_name: 'Ann \uFFFD',
		});
		expect(storableText('ok 😍')).toBe('ok 😍');
	});
});
