// Meta's Messenger webhook, the callback URL of the app's `page` subscription (Page fields
// messages and message_echoes). Instagram messages arrive at ig-webhook, the callback of the
// `instagram` object: the App Dashboard keeps one callback URL per object. verify_jwt is off: Meta
// signs its requests instead.
//   GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → 200 with the challenge, else 403
//   POST a delivery: over 1 MB → 413; X-Hub-Signature-256 missing or wrong → 401 (nothing
//        stored); not a JSON object → 400; else each messaging event is stored in its
//        conversation (public.ingest_messaging_events: idempotent by mid, a bad event reported
//        beside the others) → 200 {status, results}. A database failure answers 500 so that Meta
//        delivers again, which stores nothing twice.
import { handle, HttpError, json } from '../_shared/http.ts';
import {
	ingestMessagingEvents,
	parseDelivery,
	readSignedDelivery,
	verifySubscription,
} from '../_shared/meta-webhook.ts';
import { serviceClient } from '../_shared/supabase.ts';

async function receive(req: Request): Promise<Response> {
	const payload = parseDelivery(await readSignedDelivery(req));
	return json(await ingestMessagingEvents(serviceClient(), payload));
}

Deno.serve(
	handle('meta-messaging', (req) => {
		if (req.method === 'GET') return verifySubscription(req);
		if (req.method === 'POST') return receive(req);
		throw new HttpError(405, 'method_not_allowed', 'use GET (verification) or POST (deliveries)');
	}),
);
