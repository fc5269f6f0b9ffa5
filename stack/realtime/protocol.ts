// Phoenix channel frames as realtime-js speaks them. vsn 1.0.0: JSON objects. vsn 2.0.0 (the
// client's default): JSON arrays [join_ref, ref, topic, event, payload], plus binary frames for
// user broadcasts (client → server kind 3 "user broadcast push", server → client kind 4).

export type Vsn = '1.0.0' | '2.0.0';

export const SUPPORTED_VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

export interface Message {
	joinRef: string | null;
	ref: string | null;
	topic: string;
	event: string;
	payload: unknown;
}

/** A user broadcast: `payload` is parsed JSON, or raw bytes when the sender sent binary. */
export interface UserBroadcast {
	event: string;
	payload: unknown;
	binary: boolean;
}

/** A broadcast a client pushed as a binary frame. */
export interface BroadcastPush {
	joinRef: string | null;
	ref: string | null;
	topic: string;
	broadcast: UserBroadcast;
}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;

export class ProtocolError extends Error {}

function asRef(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return String(value);
	throw new ProtocolError('ref and join_ref must be strings');
}

function checkedMessage(
	joinRef: unknown,
	ref: unknown,
	topic: unknown,
	event: unknown,
	payload: unknown,
): Message {
	if (typeof topic !== 'string' || typeof event !== 'string')
		throw new ProtocolError('topic and event must be strings');
	return { joinRef: asRef(joinRef), ref: asRef(ref), topic, event, payload: payload ?? {} };
}

export function decodeText(vsn: Vsn, text: string): Message {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new ProtocolError('frame is not JSON');
	}
	if (vsn === '2.0.0') {
		if (!Array.isArray(parsed) || parsed.length !== 5)
			throw new ProtocolError('a vsn 2.0.0 frame is a JSON array of 5 elements');
		const [joinRef, ref, topic, event, payload] = parsed as unknown[];
		return checkedMessage(joinRef, ref, topic, event, payload);
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
		throw new ProtocolError('a vsn 1.0.0 frame is a JSON object');
	const { join_ref, ref, topic, event, payload } = parsed as Record<string, unknown>;
	return checkedMessage(join_ref, ref, topic, event, payload);
}

/** Decodes realtime-js's binary user broadcast push (its metadata only matters to stored broadcasts). */
export function decodeBinary(frame: Buffer): BroadcastPush {
	if (frame.length < 7 || frame[0] !== KIND_USER_BROADCAST_PUSH)
		throw new ProtocolError('unknown binary frame kind');
	const lengths = [frame[1], frame[2], frame[3], frame[4], frame[5]];
	const encoding = frame[6];
	let offset = 7;
	const [joinRef, ref, topic, userEvent] = lengths.map((length) => {
		if (offset + length > frame.length) throw new ProtocolError('binary frame is truncated');
		const text = frame.toString('utf8', offset, offset + length);
		offset += length;
		return text;
	});
	const body = frame.subarray(offset);
	let userPayload: unknown = Buffer.from(body);
	if (encoding === ENCODING_JSON) {
		try {
			userPayload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
		} catch {
			throw new ProtocolError('binary frame carries invalid JSON');
		}
	} else if (encoding !== ENCODING_BINARY) {
		throw new ProtocolError('unknown payload encoding');
	}
	return {
		joinRef: joinRef || null,
		ref: ref || null,
		topic,
		broadcast: { event: userEvent, payload: userPayload, binary: encoding === ENCODING_BINARY },
	};
}

export function encode(vsn: Vsn, message: Message): string {
	if (vsn === '2.0.0')
		return JSON.stringify([
			message.joinRef,
			message.ref,
			message.topic,
			message.event,
			message.payload,
		]);
	// Phoenix's V1 serializer has no join_ref.
	return JSON.stringify({
		topic: message.topic,
		event: message.event,
		payload: message.payload,
		ref: message.ref,
	});
}

/**
 * A user broadcast for one subscriber: a binary kind-4 frame on vsn 2.0.0, a JSON `broadcast`
 * message on vsn 1.0.0 (which cannot carry binary payloads: those are not delivered, as on Supabase).
 */
export function encodeBroadcast(
	vsn: Vsn,
	topic: string,
	broadcast: UserBroadcast,
): string | Buffer | undefined {
	if (vsn === '1.0.0') {
		if (broadcast.binary) return undefined;
		const payload = { type: 'broadcast', event: broadcast.event, payload: broadcast.payload };
		return encode(vsn, { joinRef: null, ref: null, topic, event: 'broadcast', payload });
	}
	const topicBytes = Buffer.from(topic, 'utf8');
	const eventBytes = Buffer.from(broadcast.event, 'utf8');
	if (topicBytes.length > 255 || eventBytes.length > 255) return undefined;
	const body = broadcast.binary
		? (broadcast.payload as Buffer)
		: Buffer.from(JSON.stringify(broadcast.payload), 'utf8');
	const header = Buffer.from([
		KIND_USER_BROADCAST,
		topicBytes.length,
		eventBytes.length,
		0,
		broadcast.binary ? ENCODING_BINARY : ENCODING_JSON,
	]);
	return Buffer.concat([header, topicBytes, eventBytes, body]);
}
