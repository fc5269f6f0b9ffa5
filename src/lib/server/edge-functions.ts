// The console's calls to the Edge Functions with the operator's session: answers checked with zod,
// failures ({error, message}) turned into an EdgeFunctionError saying what went wrong in words.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';

export class EdgeFunctionError extends Error {
	constructor(
		message: string,
		readonly status: number,
	) {
		super(message);
		this.name = 'EdgeFunctionError';
	}
}

/** What a function's failure says, as a sentence: its own message, else what went wrong. */
export function describeFunctionFailure(status: number, body: unknown): string {
	const message = z.object({ message: z.string().min(1) }).safeParse(body);
	if (message.success)
		return message.data.message.charAt(0).toUpperCase() + message.data.message.slice(1);
	if (status === 401) return 'Your session has expired. Reload the page and sign in again.';
	if (status === 0) return 'Could not reach the server. Check your connection and try again.';
	return `The server answered HTTP ${status}.`;
}

export async function callFunction<T>(
	supabase: SupabaseClient,
	path: string,
	schema: z.ZodType<T>,
	init: { method: 'GET' } | { method: 'POST'; body: Record<string, unknown> },
): Promise<T> {
	const { data, error, response } = await supabase.functions.invoke(path, init);
	if (error) {
		const status = response?.status ?? 0;
		const body = response ? await response.json().catch(() => null) : null;
		throw new EdgeFunctionError(describeFunctionFailure(status, body), status);
	}
	const parsed = schema.safeParse(data);
	if (!parsed.success)
		throw new EdgeFunctionError(
			`${path.split('?')[0]} answered in a shape the console does not know: ${parsed.error.message}`,
			502,
		);
	return parsed.data;
}
