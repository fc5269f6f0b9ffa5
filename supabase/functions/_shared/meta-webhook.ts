// What every Meta webhook callback does before reading a delivery (Graph API "Webhooks"
// getting started): answer the subscription handshake, and accept a POST only when
// X-Hub-Signature-256 is the HMAC-SHA256 of its raw body with the app secret, compared in
// constant time, before anything parses it. ig-webhook (object instagram) and meta-messaging
// (object page) share it.
import { config } from './config.ts';
import { HttpError, readBody } from './http.ts';
import { storableJson } from './pg-text.ts';
import { secretsEqual, verifyHubSignature } from './signatures.ts';
import { rpc } from './supabase.ts';
import type { SupabaseClient } from 'npm:@supabase/supabase-js@2';

const MAX_BODY_BYTES = 1024 * 1024;

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → 200 with the challenge, else 403. */
export async function verifySubscription(req: Request): Promise<Response> {
	const params = new URL(req.url).searchParams;
	const { META_WEBHOOK_VERIFY_TOKEN } = config('META_WEBHOOK_VERIFY_TOKEN');
	const challenge = params.get('hub.challenge') ?? '';
	const verified =
		params.get('hub.mode') === 'subscribe' &&
		(await secretsEqual(params.get('hub.verify_token') ?? '', META_WEBHOOK_VERIFY_TOKEN));
	if (!verified || challenge === '')
		return new Response('verification failed', {
			status: 403,
			headers: { 'Content-Type': 'text/plain' },
		});
	return new Response(challenge, { status: 200, headers: { 'Content-Type': 'text/plain' } });
}

/** The delivery's raw bytes once its signature checks out: over 1 MB → 413, unsigned or forged → 401. */
export async function readSignedDelivery(req: Request): Promise<Uint8Array> {
	const { META_APP_SECRET } = config('META_APP_SECRET');
	const body = await readBody(req, MAX_BODY_BYTES);
	if (!(await verifyHubSignature(body, req.headers.get('x-hub-signature-256'), META_APP_SECRET))) {
		throw new HttpError(
			401,
			'invalid_signature',
			'X-Hub-Signature-256 is missing or does not sign this body with the app secret',
		);
	}
	return body;
}

/** The delivery as JSON, with text PostgreSQL cannot hold replaced; an HttpError 400 when it is not a JSON object. */
export function parseDelivery(body: Uint8Array): Record<string, unknown> {
	try {
		// Broken UTF-8 becomes U+FFFD rather than refusing every event beside it.
		const parsed: unknown = JSON.parse(new TextDecoder('utf-8').decode(body));
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
			throw new Error('the delivery must be a JSON object');
		return storableJson(parsed) as Record<string, unknown>;
	} catch (error) {
		throw new HttpError(
			400,
			'invalid_json',
			`the delivery is not a JSON object: ${(error as Error).message}`,
		);
	}
}

/** Whether any entry of the delivery carries messaging events (Messenger / Instagram `messages`). */
export function hasMessagingEvents(payload: Record<string, unknown>): boolean {
	return (
		Array.isArray(payload.entry) &&
		payload.entry.some(
			(entry) =>
				typeof entry === 'object' &&
				entry !== null &&
				Array.isArray((entry as Record<string, unknown>).messaging),
		)
	);
}

export interface MessagingIngestion {
	status: 'processed' | 'ignored';
	results: { mid?: string; outcome: string; reason?: string }[];
}

/** Stores the delivery's messaging events in their conversations (idempotent by mid, so a redelivery is harmless). */
export function ingestMessagingEvents(
	service: SupabaseClient,
	payload: Record<string, unknown>,
): Promise<MessagingIngestion> {
	return rpc<MessagingIngestion>(service, 'ingest_messaging_events', { payload });
}
