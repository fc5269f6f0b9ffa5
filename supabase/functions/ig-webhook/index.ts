// Meta's Instagram webhook, the callback URL of the app's `instagram` subscription
// (field live_comments). verify_jwt is off: Meta signs its requests instead.
//   GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → 200 with the challenge, else 403
//   POST a delivery: over 1 MB → 413; X-Hub-Signature-256 missing or wrong → 401 (nothing stored);
//        else its bytes are stored in public.webhook_events first (an identical redelivery is
//        counted there, not stored again, and answered 200 duplicate); not a JSON object → 400
//        (kept as failed); else routed, with text PostgreSQL cannot hold replaced, to the running
//        show of each live media (public.webhook_route_event) → 200 {id, status, results}, a
//        comment the engine refuses ignored with its reason beside the others. A routing failure
//        answers 500 so that Meta delivers again (the engine makes that harmless).
import { toBase64 } from '../_shared/bytes.ts';
import { config } from '../_shared/config.ts';
import { handle, HttpError, json, readBody } from '../_shared/http.ts';
import { storableJson, storableText } from '../_shared/pg-text.ts';
import { secretsEqual, verifyHubSignature } from '../_shared/signatures.ts';
import { rpc, serviceClient } from '../_shared/supabase.ts';

const MAX_BODY_BYTES = 1024 * 1024;

async function verifySubscription(req: Request): Promise<Response> {
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

/** The delivery as JSON, with text PostgreSQL cannot hold replaced; an HttpError 400 when it is not a JSON object. */
function parseDelivery(body: Uint8Array): unknown {
	try {
		// Broken UTF-8 becomes U+FFFD rather than refusing every comment beside it.
		const parsed: unknown = JSON.parse(new TextDecoder('utf-8').decode(body));
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
			throw new Error('the delivery must be a JSON object');
		return storableJson(parsed);
	} catch (error) {
		throw new HttpError(
			400,
			'invalid_json',
			`the delivery is not a JSON object: ${(error as Error).message}`,
		);
	}
}

async function receive(req: Request): Promise<Response> {
	const { META_APP_SECRET } = config('META_APP_SECRET');
	const body = await readBody(req, MAX_BODY_BYTES);
	if (!(await verifyHubSignature(body, req.headers.get('x-hub-signature-256'), META_APP_SECRET))) {
		throw new HttpError(
			401,
			'invalid_signature',
			'X-Hub-Signature-256 is missing or does not sign this body with the app secret',
		);
	}
	// Stored as the bytes Meta signed before anything reads them, so nothing in them can lose the delivery.
	const service = serviceClient();
	const recorded = await rpc<{ id: string; duplicate: boolean }>(service, 'webhook_record_event', {
		source: 'instagram',
		raw_body_base64: toBase64(body),
	});
	if (recorded.duplicate) return json({ id: recorded.id, status: 'duplicate', results: [] });
	try {
		const payload = parseDelivery(body);
		return json(await rpc(service, 'webhook_route_event', { event_id: recorded.id, payload }));
	} catch (error) {
		await rpc(service, 'webhook_fail_event', {
			event_id: recorded.id,
			error: storableText((error as Error).message ?? String(error)),
		});
		throw error;
	}
}

Deno.serve(
	handle('ig-webhook', (req) => {
		if (req.method === 'GET') return verifySubscription(req);
		if (req.method === 'POST') return receive(req);
		throw new HttpError(405, 'method_not_allowed', 'use GET (verification) or POST (deliveries)');
	}),
);
