// Graph and OAuth requests the simulator answered, for tests that assert call counts and back-off.
export interface RequestLogEntry {
	/** When the request arrived (ISO 8601). */
	at: string;
	method: string;
	/** The path after the version, e.g. `/1029384756473829/comments`. */
	path: string;
	/** Query parameters; secrets (tokens, client_secret, codes) shortened to their first characters. */
	query: Record<string, string>;
	status: number;
	durationMs: number;
}

const secretParameters = new Set([
	'access_token',
	'client_secret',
	'code',
	'fb_exchange_token',
	'input_token',
]);
const capacity = 10_000;

export class RequestLog {
	#entries: RequestLogEntry[] = [];

	add(entry: RequestLogEntry): void {
		this.#entries.push({
			...entry,
			query: Object.fromEntries(
				Object.entries(entry.query).map(([name, value]) => [
					name,
					secretParameters.has(name) && value.length > 10 ? `${value.slice(0, 10)}…` : value,
				]),
			),
		});
		if (this.#entries.length > capacity) this.#entries.splice(0, this.#entries.length - capacity);
	}

	list(pathContains?: string): RequestLogEntry[] {
		return this.#entries.filter(
			(entry) => pathContains === undefined || entry.path.includes(pathContains),
		);
	}

	clear(): number {
		return this.#entries.splice(0).length;
	}
}
