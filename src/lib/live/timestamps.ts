// Postgres timestamps to the microsecond. Date.parse keeps only milliseconds, but two updates of a
// row a few hundred microseconds apart must still order correctly; PostgREST writes
// `2026-11-22T10:00:00.123456+00:00`, Realtime may write `2026-11-22 10:00:00.123456+00`.

const timestampPattern =
	/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Microseconds since the epoch (exact: today's values stay far below 2^53). */
export function timestampMicros(timestamp: string): number {
	const match = timestampPattern.exec(timestamp.trim());
	if (!match) throw new RangeError(`Not a Postgres timestamp: ${timestamp}`);
	const [, date, time, fraction = '', zone = 'Z'] = match;
	const offset =
		zone === 'Z'
			? 'Z'
			: zone.length === 3
				? `${zone}:00`
				: zone.includes(':')
					? zone
					: `${zone.slice(0, 3)}:${zone.slice(3)}`;
	const seconds = Date.parse(`${date}T${time}${offset}`);
	if (Number.isNaN(seconds)) throw new RangeError(`Not a Postgres timestamp: ${timestamp}`);
	return seconds * 1000 + Number(fraction.padEnd(6, '0'));
}

/** Negative when `a` is earlier than `b`, zero when equal, positive when later. */
export function compareTimestamps(a: string, b: string): number {
	return timestampMicros(a) - timestampMicros(b);
}
