// How the console writes dates, durations and counts, shared by every page and the live console.
// Formatters are built once per locale/time zone: the live feed formats thousands of timestamps.

export interface FormatOptions {
	/** BCP 47 locale; the console's default is English (US). */
	locale?: string;
	/** IANA time zone; the runtime's own when left out (the browser's, or the server's during SSR). */
	timeZone?: string;
}

const defaultLocale = 'en-US';

type DateInput = Date | string | number;

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(
	style: string,
	fields: Intl.DateTimeFormatOptions,
	options: FormatOptions,
): Intl.DateTimeFormat {
	const locale = options.locale ?? defaultLocale;
	const key = `${style}|${locale}|${options.timeZone ?? ''}`;
	let format = dateTimeFormats.get(key);
	if (!format) {
		format = new Intl.DateTimeFormat(locale, { ...fields, timeZone: options.timeZone });
		dateTimeFormats.set(key, format);
	}
	return format;
}

function toDate(value: DateInput): Date {
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime())) throw new RangeError(`Not a date: ${String(value)}`);
	return date;
}

/** "Mar 12, 2025" */
export function formatDate(value: DateInput, options: FormatOptions = {}): string {
	return dateTimeFormat(
		'date',
		{ year: 'numeric', month: 'short', day: 'numeric' },
		options,
	).format(toDate(value));
}

/** "Mar 12, 2025, 2:05 PM" */
export function formatDateTime(value: DateInput, options: FormatOptions = {}): string {
	return dateTimeFormat(
		'date-time',
		{ year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' },
		options,
	).format(toDate(value));
}

/** "14:05:09": a feed timestamp, 24-hour so entries line up and seconds tell bursts apart. */
export function formatClockTime(value: DateInput, options: FormatOptions = {}): string {
	return dateTimeFormat(
		'clock',
		{ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
		options,
	).format(toDate(value));
}

/** "14:05": a time of day to the minute, 24-hour. */
export function formatHourMinute(value: DateInput, options: FormatOptions = {}): string {
	return dateTimeFormat(
		'hour-minute',
		{ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
		options,
	).format(toDate(value));
}

/** "2025-03-12": the calendar day in the given time zone, for file names and grouping. */
export function formatIsoDay(
	value: DateInput,
	options: Pick<FormatOptions, 'timeZone'> = {},
): string {
	const parts = dateTimeFormat(
		'iso-day',
		{ year: 'numeric', month: '2-digit', day: '2-digit' },
		{ locale: 'en-US', ...options },
	).formatToParts(toDate(value));
	const part = (type: Intl.DateTimeFormatPartTypes) =>
		parts.find((p) => p.type === type)?.value ?? '';
	return `${part('year')}-${part('month')}-${part('day')}`;
}

const secondMs = 1000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/**
 * "just now", "5 minutes ago", "3 hours ago", "yesterday"; past a week, the date itself.
 * A time slightly in the future (clock skew between database and browser) counts as "just now".
 */
export function formatRelativeTime(
	value: DateInput,
	now: DateInput = new Date(),
	options: FormatOptions = {},
): string {
	const elapsed = toDate(now).getTime() - toDate(value).getTime();
	if (elapsed < minuteMs) return 'just now';
	const relative = new Intl.RelativeTimeFormat(options.locale ?? defaultLocale, {
		numeric: 'auto',
	});
	if (elapsed < hourMs) return relative.format(-Math.floor(elapsed / minuteMs), 'minute');
	if (elapsed < dayMs) return relative.format(-Math.floor(elapsed / hourMs), 'hour');
	if (elapsed < 7 * dayMs) return relative.format(-Math.floor(elapsed / dayMs), 'day');
	return formatDate(value, options);
}

/** An elapsed clock: "0:07", "12:34", "1:02:03". Negative durations (clock skew) show as "0:00". */
export function formatElapsed(milliseconds: number): string {
	const totalSeconds = Math.max(0, Math.floor(milliseconds / secondMs));
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds % 60;
	const twoDigits = (n: number) => String(n).padStart(2, '0');
	return hours > 0
		? `${hours}:${twoDigits(minutes)}:${twoDigits(seconds)}`
		: `${minutes}:${twoDigits(seconds)}`;
}

/** A duration in words, to the two largest units: "45 s", "12 min", "1 h 5 min", "2 h". */
export function formatDuration(milliseconds: number): string {
	const totalSeconds = Math.max(0, Math.floor(milliseconds / secondMs));
	if (totalSeconds < 60) return `${totalSeconds} s`;
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	if (hours === 0) return `${minutes} min`;
	return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** Milliseconds between two instants, or from `start` to now while it is still running. */
export function durationBetween(
	start: DateInput,
	end: DateInput | null = null,
	now: DateInput = new Date(),
): number {
	return toDate(end ?? now).getTime() - toDate(start).getTime();
}

const countFormats = new Map<string, Intl.NumberFormat>();

/** "1,234" */
export function formatCount(count: number, options: Pick<FormatOptions, 'locale'> = {}): string {
	const locale = options.locale ?? defaultLocale;
	let format = countFormats.get(locale);
	if (!format) {
		format = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
		countFormats.set(locale, format);
	}
	return format.format(count);
}

/** "1 item", "0 items", "1,234 items"; irregular plurals are passed in: pluralize(2, 'person', 'people'). */
export function pluralize(
	count: number,
	singular: string,
	plural = `${singular}s`,
	options: Pick<FormatOptions, 'locale'> = {},
): string {
	return `${formatCount(count, options)} ${count === 1 ? singular : plural}`;
}
