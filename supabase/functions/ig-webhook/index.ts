// Meta's Instagram webhook, the callback URL of the app's `instagram` subscription (fields
// live_comments and messages: the App Dashboard keeps one callback URL per object, so Instagram
// messages come here too). verify_jwt is off: Meta signs its requests instead.
//   GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → 200 with the challenge, else 403
//   POST a delivery: over 1 MB → 413; X-Hub-Signature-256 missing or wrong → 401 (nothing stored);
//        else its bytes are stored in public.webhook_events first (an identical redelivery is
//        counted there, not stored again, and answered 200 duplicate); not a JSON object → 400
//        (kept as failed); else routed, with text PostgreSQL cannot hold replaced, to the running
//        show of each live media (public.webhook_route_event) → 200 {id, status, results}, a
//        comment the engine refuses ignored with its reason beside the others. A routing failure
//        answers 500 so that Meta delivers again (the engine makes that harmless). Messaging
//        events are stored in their conversations (public.ingest_messaging_events, idempotent by
//        mid, so they are ingested on a redelivery too) → `messaging` in the answer.
import type { SupabaseClient } from 'npm:@supabase/supabase-js@2';
import { toBase64 } from '../_shared/bytes.ts';
import { handle, HttpError, json } from '../_shared/http.ts';
import {
	hasMessagingEvents,
	ingestMessagingEvents,
	parseDelivery,
	readSignedDelivery,
	verifySubscription,
	type MessagingIngestion,
} from '../_shared/meta-webhook.ts';
import { storableText } from '../_shared/pg-text.ts';
import { rpc, serviceClient } from '../_shared/supabase.ts';

function instagramMessaging(
	service: SupabaseClient,
	payload: Record<string, unknown>,
): Promise<MessagingIngestion> | undefined {
	return hasMessagingEvents(payload) ? ingestMessagingEvents(service, payload) : undefined;
}

async function receive(req: Request): Promise<Response> {
	const body = await readSignedDelivery(req);
	// Stored as the bytes Meta signed before anything reads them, so nothing in them can lose the delivery.
	const service = serviceClient();
	const recorded = await rpc<{ id: string; duplicate: boolean }>(service, 'webhook_record_event', {
		source: 'instagram',
		raw_body_base64: toBase64(body),
	});
	if (recorded.duplicate) {
		let payload: Record<string, unknown> | undefined;
		try {
			payload = parseDelivery(body);
		} catch {
			// Kept as failed on its first delivery.
		}
		const messaging = payload && (await instagramMessaging(service, payload));
		return json({ id: recorded.id, status: 'duplicate', results: [], messaging });
	}
	let payload: Record<string, unknown>;
	let routed: Record<string, unknown>;
	try {
		payload = parseDelivery(body);
		routed = await rpc(service, 'webhook_route_event', { event_id: recorded.id, payload });
	} catch (error) {
		await rpc(service, 'webhook_fail_event', {
			event_id: recorded.id,
			error: storableText((error as Error).message ?? String(error)),
		});
		throw error;
	}
	return json({ ...routed, messaging: await instagramMessaging(service, payload) });
}

Deno.serve(
	handle('ig-webhook', (req) => {
		if (req.method === 'GET') return verifySubscription(req);
		if (req.method === 'POST') return receive(req);
		throw new HttpError(405, 'method_not_allowed', 'use GET (verification) or POST (deliveries)');
	}),
);
