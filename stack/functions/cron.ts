// pg_cron's schedule syntax, the subset private.function_schedules accepts: '[1-59] seconds', or
// five cron fields (minute hour day-of-month month day-of-week) made of *, n, a-b, */s, a-b/s
// and comma lists. Times are UTC, as pg_cron's default cron.timezone (GMT) on Supabase.

export type Schedule =
	| { kind: 'interval'; seconds: number }
	| {
			kind: 'cron';
			minutes: Set<number>;
			hours: Set<number>;
			daysOfMonth: Set<number>;
			months: Set<number>;
			daysOfWeek: Set<number>;
			/** Vixie cron, which pg_cron uses: a day matches both day fields when either starts with `*`, else either one. */
			dayFieldsStarred: boolean;
	  };

const FIELDS = [
	{ name: 'minute', min: 0, max: 59 },
	{ name: 'hour', min: 0, max: 23 },
	{ name: 'day of month', min: 1, max: 31 },
	{ name: 'month', min: 1, max: 12 },
	{ name: 'day of week', min: 0, max: 7 },
] as const;

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
	const values = new Set<number>();
	for (const item of text.split(',')) {
		const match = /^(?:(\*)|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(item);
		if (!match) throw new Error(`bad ${field.name} field "${text}"`);
		const [, star, from, to, step] = match;
		if (step !== undefined && !star && to === undefined)
			throw new Error(`bad ${field.name} field "${text}": a step needs * or a range`);
		const low = star ? field.min : Number(from);
		const high = star ? field.max : to === undefined ? low : Number(to);
		const stride = step === undefined ? 1 : Number(step);
		if (low < field.min || high > field.max || low > high || stride < 1) {
			throw new Error(
				`bad ${field.name} field "${text}": values run from ${field.min} to ${field.max}`,
			);
		}
		for (let value = low; value <= high; value += stride) values.add(value);
	}
	return values;
}

/** Parses a schedule as pg_cron would accept it; throws with the reason otherwise. */
export function parseSchedule(text: string): Schedule {
	const interval = /^([1-9]|[1-5][0-9]) seconds$/.exec(text);
	if (interval) return { kind: 'interval', seconds: Number(interval[1]) };
	const parts = text.trim().split(/\s+/);
	if (parts.length !== 5)
		throw new Error(`"${text}" is neither '[1-59] seconds' nor five cron fields`);
	const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, index) =>
		parseField(part, FIELDS[index]),
	);
	// Day of week 7 is Sunday, like 0.
	if (daysOfWeek.delete(7)) daysOfWeek.add(0);
	return {
		kind: 'cron',
		minutes,
		hours,
		daysOfMonth,
		months,
		daysOfWeek,
		dayFieldsStarred: parts[2].startsWith('*') || parts[4].startsWith('*'),
	};
}

/** The first minute strictly after `after` that a cron schedule matches; undefined if none within 5 years. */
export function nextCronRun(
	schedule: Extract<Schedule, { kind: 'cron' }>,
	after: Date,
): Date | undefined {
	const time = new Date(after.getTime());
	time.setUTCSeconds(0, 0);
	time.setUTCMinutes(time.getUTCMinutes() + 1);
	const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
	while (time.getTime() <= limit) {
		if (!schedule.months.has(time.getUTCMonth() + 1)) {
			time.setUTCMonth(time.getUTCMonth() + 1, 1);
			time.setUTCHours(0, 0);
			continue;
		}
		const dayOfMonth = schedule.daysOfMonth.has(time.getUTCDate());
		const dayOfWeek = schedule.daysOfWeek.has(time.getUTCDay());
		if (schedule.dayFieldsStarred ? !(dayOfMonth && dayOfWeek) : !(dayOfMonth || dayOfWeek)) {
			time.setUTCDate(time.getUTCDate() + 1);
			time.setUTCHours(0, 0);
			continue;
		}
		if (!schedule.hours.has(time.getUTCHours())) {
			time.setUTCHours(time.getUTCHours() + 1, 0);
			continue;
		}
		if (!schedule.minutes.has(time.getUTCMinutes())) {
			time.setUTCMinutes(time.getUTCMinutes() + 1);
			continue;
		}
		return time;
	}
	return undefined;
}
