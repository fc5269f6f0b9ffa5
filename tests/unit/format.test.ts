import { describe, expect, it } from 'vitest';
import {
	durationBetween,
	formatClockTime,
	formatCount,
	formatDate,
	formatDateTime,
	formatDuration,
	formatElapsed,
	formatIsoDay,
	formatRelativeTime,
	pluralize,
} from '../../src/lib/format.ts';

const utc = { timeZone: 'UTC' };

describe('dates', () => {
	const instant = '2025-03-12T14:05:09.400Z';

	it('writes the date, date and time, and a 24-hour feed clock', () => {
		expect(formatDate(instant, utc)).toBe('Mar 12, 2025');
		expect(formatDateTime(instant, utc)).toBe('Mar 12, 2025, 2:05 PM');
		expect(formatClockTime(instant, utc)).toBe('14:05:09');
		expect(formatClockTime('2025-03-12T00:00:00Z', utc)).toBe('00:00:00');
	});

	it('follows the time zone it is given', () => {
		expect(formatClockTime(instant, { timeZone: 'America/New_York' })).toBe('10:05:09');
		expect(formatIsoDay('2025-03-12T02:00:00Z', { timeZone: 'America/Los_Angeles' })).toBe(
			'2025-03-11',
		);
		expect(formatIsoDay('2025-03-12T02:00:00Z', utc)).toBe('2025-03-12');
	});

	it('accepts Date objects and epoch milliseconds', () => {
		expect(formatDate(new Date(instant), utc)).toBe('Mar 12, 2025');
		expect(formatDate(Date.parse(instant), utc)).toBe('Mar 12, 2025');
	});

	it('refuses what is not a date instead of printing "Invalid Date"', () => {
		expect(() => formatDate('yesterday-ish', utc)).toThrow(/Not a date: yesterday-ish/);
	});

	it('writes relative times, falling back to the date after a week', () => {
		const now = '2025-03-12T12:00:00Z';
		expect(formatRelativeTime('2025-03-12T11:59:30Z', now, utc)).toBe('just now');
		expect(formatRelativeTime('2025-03-12T12:00:05Z', now, utc)).toBe('just now');
		expect(formatRelativeTime('2025-03-12T11:55:00Z', now, utc)).toBe('5 minutes ago');
		expect(formatRelativeTime('2025-03-12T11:00:00Z', now, utc)).toBe('1 hour ago');
		expect(formatRelativeTime('2025-03-11T11:00:00Z', now, utc)).toBe('yesterday');
		expect(formatRelativeTime('2025-03-08T12:00:00Z', now, utc)).toBe('4 days ago');
		expect(formatRelativeTime('2025-03-01T12:00:00Z', now, utc)).toBe('Mar 1, 2025');
	});
});

describe('durations', () => {
	it('runs an elapsed clock that gains an hour field only when needed', () => {
		expect(formatElapsed(0)).toBe('0:00');
		expect(formatElapsed(7_999)).toBe('0:07');
		expect(formatElapsed(12 * 60_000 + 34_000)).toBe('12:34');
		expect(formatElapsed(3_723_000)).toBe('1:02:03');
		expect(formatElapsed(-5_000)).toBe('0:00');
	});

	it('writes a duration in words to its two largest units', () => {
		expect(formatDuration(45_000)).toBe('45 s');
		expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
		expect(formatDuration(3_600_000)).toBe('1 h');
		expect(formatDuration(3_900_000)).toBe('1 h 5 min');
		expect(formatDuration(-1)).toBe('0 s');
	});

	it('measures between two instants, or up to now while running', () => {
		expect(durationBetween('2025-03-12T12:00:00Z', '2025-03-12T13:30:00Z')).toBe(5_400_000);
		expect(durationBetween('2025-03-12T12:00:00Z', null, '2025-03-12T12:00:42Z')).toBe(42_000);
	});
});

describe('counts', () => {
	it('groups thousands and pluralises', () => {
		expect(formatCount(0)).toBe('0');
		expect(formatCount(1234567)).toBe('1,234,567');
		expect(pluralize(1, 'item')).toBe('1 item');
		expect(pluralize(0, 'item')).toBe('0 items');
		expect(pluralize(5000, 'claim')).toBe('5,000 claims');
		expect(pluralize(2, 'person', 'people')).toBe('2 people');
	});

	it('follows the locale it is given', () => {
		expect(formatCount(1234567, { locale: 'de-DE' })).toBe('1.234.567');
	});
});
