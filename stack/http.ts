// Small HTTP helpers shared by the gateway's services.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class PayloadTooLargeError extends Error {}

/** Reads the whole request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > limit) throw new PayloadTooLargeError(`request body exceeds ${limit} bytes`);
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const text = body === undefined ? '' : JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
	res.end(text);
}

/** The bearer token of a request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
	const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
	return match?.[1].trim();
}

/** A service mounted under one path prefix of the gateway (`/auth/v1`, `/rest/v1`, …). */
export interface Service {
	/** `path` is the part of the URL path after the service's prefix, always starting with `/`. */
	handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void>;
	close(): Promise<void>;
}
