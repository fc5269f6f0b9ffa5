// The simulators' control APIs over HTTP: `<url>/_control/<operation>`, JSON in, JSON out. GET
// for read operations (input from the query string), POST for all; 400 for invalid input, and the
// simulator's own errors mapped to their status (404 unknown, 409 conflicting objects).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { PayloadTooLargeError, readBody, sendJson } from './http.ts';

export interface ControlApi {
	operations: readonly string[];
	readOperations: ReadonlySet<string>;
	run: (operation: string, input: unknown) => unknown;
	/** The status a simulator error answers with, or undefined to let it through. */
	statusOf: (error: unknown) => number | undefined;
}

export async function serveControlRequest(
	api: ControlApi,
	req: IncomingMessage,
	res: ServerResponse,
	operation: string,
	url: URL,
): Promise<void> {
	if (operation === '') return sendJson(res, 200, { operations: api.operations });
	if (!api.operations.includes(operation))
		return sendJson(res, 404, {
			error: `unknown control operation '${operation}'`,
			operations: api.operations,
		});
	let input: unknown;
	if (req.method === 'GET' && api.readOperations.has(operation))
		input = Object.fromEntries(url.searchParams);
	else if (req.method === 'POST') {
		try {
			const text = (await readBody(req, 1024 * 1024)).toString('utf8');
			input = text.trim() === '' ? {} : JSON.parse(text);
		} catch (error) {
			return sendJson(res, error instanceof PayloadTooLargeError ? 413 : 400, {
				error: `invalid JSON body: ${(error as Error).message}`,
			});
		}
	} else
		return sendJson(
			res,
			405,
			{ error: `use POST for ${operation}` },
			{ allow: api.readOperations.has(operation) ? 'GET, POST' : 'POST' },
		);
	try {
		sendJson(res, 200, await api.run(operation, input));
	} catch (error) {
		if (error instanceof z.ZodError)
			return sendJson(res, 400, { error: z.prettifyError(error), issues: error.issues });
		const status = api.statusOf(error);
		if (status === undefined) throw error;
		sendJson(res, status, { error: (error as Error).message });
	}
}
