// One WebSocket: Phoenix's socket and Supabase's RealtimeChannel behaviour for its channels —
// heartbeat, phx_join (token check, postgres_changes subscriptions, the join reply with binding
// ids, then the "Subscribed to PostgreSQL" system message), access_token refresh, token expiry,
// phx_leave, and public broadcast.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import WebSocket from 'ws';
import type {
	ChangeData,
	Dispatcher,
	Subscriber,
	SubscriberAuth,
	Subscription,
} from './dispatcher.ts';
import { parseSubscriptionParams, type SubscriptionParams } from './filters.ts';
import {
	decodeBinary,
	decodeText,
	encode,
	encodeBroadcast,
	ProtocolError,
	type Message,
	type UserBroadcast,
	type Vsn,
} from './protocol.ts';
import { resolveSubscriptions } from './subscriptions.ts';
import { confirmToken } from './tokens.ts';

/** Realtime re-checks a token at its expiry, at least hourly. */
const MAX_TOKEN_CHECK_INTERVAL_MS = 60 * 60 * 1000;
const TOPIC_PREFIX = 'realtime:';

/** Public channels by sub-topic, across all connections, for broadcast. */
export type BroadcastHub = Map<string, Set<Channel>>;

export interface ConnectionContext {
	jwtSecret: string;
	db: pg.Pool;
	dispatcher: Dispatcher;
	broadcasts: BroadcastHub;
	log: (line: string) => void;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as Json)
		: {};
}

/** Keys sorted, so equal parameters give equal ids however the client ordered them. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

/** Like Realtime's `:erlang.phash2(params)`: a number in [0, 2^27) that only the parameters decide. */
function bindingId(params: Json): number {
	return createHash('sha1').update(canonicalJson(params)).digest().readUInt32BE(0) & 0x7ffffff;
}

class Channel implements Subscriber {
	auth: SubscriberAuth;
	subscriptions: Subscription[] = [];
	expiryTimer: NodeJS.Timeout | undefined;
	/** False once left or closed: a batch already under way must not reach it. */
	active = true;

	constructor(
		readonly connection: Connection,
		readonly topic: string,
		readonly joinRef: string | null,
		public accessToken: string,
		claims: Json & { role: string },
		/** The postgres_changes bindings as the client sent them, each with its id. */
		readonly bindings: { raw: Json; id: number }[],
		readonly broadcastSelf: boolean,
		readonly broadcastAck: boolean,
	) {
		this.auth = { role: claims.role, claims: JSON.stringify(claims) };
	}

	get subTopic(): string {
		return this.topic.slice(TOPIC_PREFIX.length);
	}

	deliver(ids: number[], data: ChangeData): void {
		if (!this.active) return;
		this.connection.send({
			joinRef: null,
			ref: null,
			topic: this.topic,
			event: 'postgres_changes',
			payload: { ids, data },
		});
	}

	push(event: string, payload: unknown): void {
		this.connection.send({ joinRef: this.joinRef, ref: null, topic: this.topic, event, payload });
	}

	system(extension: 'system' | 'postgres_changes', status: 'ok' | 'error', message: string): void {
		this.push('system', { extension, status, message, channel: this.subTopic });
	}
}

export class Connection {
	private readonly channels = new Map<string, Channel>();
	/** Frames are handled one at a time, in order, though joins wait on the database. */
	private work: Promise<void> = Promise.resolve();

	constructor(
		private readonly ws: WebSocket,
		private readonly vsn: Vsn,
		/** The API key the socket connected with: the token of channels that send none. */
		private readonly tenantToken: string,
		private readonly context: ConnectionContext,
	) {
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			let message: Message | undefined;
			let broadcast: ReturnType<typeof decodeBinary> | undefined;
			try {
				if (isBinary) broadcast = decodeBinary(data);
				else message = decodeText(vsn, data.toString('utf8'));
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				this.context.log(`realtime: closing a socket that sent an invalid frame: ${error.message}`);
				ws.close(1007, error.message);
				return;
			}
			this.work = this.work
				.then(() =>
					message
						? this.handle(message)
						: this.broadcast(broadcast!.topic, broadcast!.ref, broadcast!.broadcast),
				)
				.catch((error: unknown) =>
					this.context.log(
						`realtime: handling a frame failed: ${(error as Error).stack ?? String(error)}`,
					),
				);
		});
		ws.on('close', () => {
			for (const channel of this.channels.values()) this.dispose(channel);
		});
	}

	send(message: Message): void {
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(this.vsn, message));
	}

	sendBroadcast(topic: string, broadcast: UserBroadcast): void {
		const frame = encodeBroadcast(this.vsn, topic, broadcast);
		if (frame !== undefined && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
	}

	/** Drops the socket at once, as a server going away does; the client reconnects. */
	terminate(): void {
		this.ws.terminate();
	}

	private reply(
		message: Message,
		status: 'ok' | 'error',
		response: unknown,
		joinRef = message.joinRef,
	): void {
		this.send({
			joinRef,
			ref: message.ref,
			topic: message.topic,
			event: 'phx_reply',
			payload: { status, response },
		});
	}

	private async handle(message: Message): Promise<void> {
		if (message.topic === 'phoenix' && message.event === 'heartbeat')
			return this.reply(message, 'ok', {});
		if (message.event === 'phx_join') return this.join(message);
		const channel = this.channels.get(message.topic);
		if (!channel) return this.reply(message, 'error', { reason: 'unmatched topic' });
		switch (message.event) {
			case 'phx_leave':
				this.reply(message, 'ok', {}, channel.joinRef);
				return this.closeChannel(channel);
			case 'access_token':
				return this.refreshToken(channel, asObject(message.payload).access_token);
			case 'broadcast': {
				const payload = asObject(message.payload);
				if (typeof payload.event !== 'string') return;
				return this.broadcast(message.topic, message.ref, {
					event: payload.event,
					payload: payload.payload,
					binary: false,
				});
			}
			case 'presence':
				return this.reply(
					message,
					'error',
					{ reason: 'Presence is not supported by the local Realtime' },
					channel.joinRef,
				);
		}
	}

	private async join(message: Message): Promise<void> {
		const { topic } = message;
		if (!topic.startsWith(TOPIC_PREFIX))
			return this.reply(message, 'error', { reason: 'unmatched topic' });
		// A second join of a topic replaces the first, as in Phoenix.
		const previous = this.channels.get(topic);
		if (previous) this.dispose(previous);
		const fail = (reason: string) => this.reply(message, 'error', { reason });
		if (topic === TOPIC_PREFIX) return fail('TopicNameRequired: You must provide a topic name');

		const payload = asObject(message.payload);
		const config = asObject(payload.config);
		const given =
			typeof payload.access_token === 'string' ? payload.access_token : payload.user_token;
		// New-style `sb_` keys are not JWTs: the socket's key stands in for them.
		const token = typeof given === 'string' && !given.startsWith('sb_') ? given : this.tenantToken;
		const check = await confirmToken(token, this.context.jwtSecret);
		if (!check.ok) return fail(`${check.code}: ${check.message}`);
		if (config.private === true) {
			// Private channels need realtime.messages policies, which this stack does not provide.
			return fail(
				`Unauthorized: You do not have permissions to read from this Channel topic: ${topic.slice(TOPIC_PREFIX.length)}`,
			);
		}

		const rawBindings = Array.isArray(config.postgres_changes)
			? config.postgres_changes.filter((item) => item !== null && item !== undefined)
			: [];
		const bindings = rawBindings.map((raw) => ({
			raw: asObject(raw),
			id: bindingId(asObject(raw)),
		}));
		const broadcastConfig = asObject(config.broadcast);
		const channel = new Channel(
			this,
			topic,
			message.joinRef,
			token,
			check.claims,
			bindings,
			broadcastConfig.self === true,
			broadcastConfig.ack === true,
		);
		this.channels.set(topic, channel);
		this.scheduleTokenCheck(channel, check.claims.exp);
		let hub = this.context.broadcasts.get(channel.subTopic);
		if (!hub) this.context.broadcasts.set(channel.subTopic, (hub = new Set()));
		hub.add(channel);

		const joinReply = { postgres_changes: bindings.map(({ raw, id }) => ({ ...raw, id })) };
		if (bindings.length === 0) return this.reply(message, 'ok', joinReply);
		// With `wait`, the reply waits for the subscription and fails with it.
		if (asObject(config.postgres_changes_options).wait === true) {
			const error = await this.subscribe(channel);
			if (error !== undefined) {
				this.dispose(channel);
				return fail(`RealtimeDisabledForConfiguration: ${error}`);
			}
			this.reply(message, 'ok', joinReply);
			channel.system('postgres_changes', 'ok', 'Subscribed to PostgreSQL');
			return;
		}
		this.reply(message, 'ok', joinReply);
		const error = await this.subscribe(channel);
		channel.system(
			'postgres_changes',
			error === undefined ? 'ok' : 'error',
			error ?? 'Subscribed to PostgreSQL',
		);
	}

	/** (Re)creates the channel's subscriptions under its current role; the error, if any. */
	private async subscribe(channel: Channel): Promise<string | undefined> {
		const params: SubscriptionParams[] = [];
		for (const { raw } of channel.bindings) {
			const parsed = parseSubscriptionParams(raw);
			if (!parsed.ok) return this.replaceSubscriptions(channel, [], parsed.error);
			params.push(parsed.params);
		}
		const resolution = await resolveSubscriptions(this.context.db, channel.auth.role, params);
		if (!resolution.ok) return this.replaceSubscriptions(channel, [], resolution.error);
		const subscriptions = params.map((item, index) => ({
			id: channel.bindings[index].id,
			subscriber: channel,
			params: item,
			relations: resolution.relations[index],
		}));
		return this.replaceSubscriptions(channel, subscriptions);
	}

	private replaceSubscriptions(
		channel: Channel,
		subscriptions: Subscription[],
		error?: string,
	): string | undefined {
		this.context.dispatcher.remove(channel.subscriptions);
		channel.subscriptions = [];
		// The channel may have been left while the database was asked.
		if (this.channels.get(channel.topic) !== channel) return error;
		channel.subscriptions = subscriptions;
		this.context.dispatcher.add(subscriptions);
		return error;
	}

	private async refreshToken(channel: Channel, token: unknown): Promise<void> {
		if (typeof token !== 'string' || token.startsWith('sb_') || token === channel.accessToken)
			return;
		const check = await confirmToken(token, this.context.jwtSecret);
		if (!check.ok) return this.shutdown(channel, check.refreshMessage);
		channel.accessToken = token;
		channel.auth = { role: check.claims.role, claims: JSON.stringify(check.claims) };
		this.scheduleTokenCheck(channel, check.claims.exp);
		if (channel.bindings.length === 0) return;
		const error = await this.subscribe(channel);
		channel.system(
			'postgres_changes',
			error === undefined ? 'ok' : 'error',
			error ?? 'Subscribed to PostgreSQL',
		);
	}

	private scheduleTokenCheck(channel: Channel, exp: number): void {
		clearTimeout(channel.expiryTimer);
		const delay = Math.min(MAX_TOKEN_CHECK_INTERVAL_MS, Math.max(0, exp * 1000 - Date.now()));
		channel.expiryTimer = setTimeout(() => {
			this.work = this.work.then(async () => {
				if (this.channels.get(channel.topic) !== channel) return;
				const check = await confirmToken(channel.accessToken, this.context.jwtSecret);
				if (check.ok) this.scheduleTokenCheck(channel, check.claims.exp);
				else this.shutdown(channel, check.refreshMessage);
			});
		}, delay);
	}

	private broadcast(topic: string, ref: string | null, broadcast: UserBroadcast): void {
		const channel = this.channels.get(topic);
		if (!channel) return;
		for (const member of this.context.broadcasts.get(channel.subTopic) ?? []) {
			if (member !== channel || channel.broadcastSelf)
				member.connection.sendBroadcast(member.topic, broadcast);
		}
		if (channel.broadcastAck)
			this.send({
				joinRef: channel.joinRef,
				ref,
				topic,
				event: 'phx_reply',
				payload: { status: 'ok', response: {} },
			});
	}

	/** Realtime's shutdown_response: a system error, then the channel closes. */
	private shutdown(channel: Channel, reason: string): void {
		channel.system('system', 'error', reason);
		this.closeChannel(channel);
	}

	private closeChannel(channel: Channel): void {
		this.dispose(channel);
		this.send({
			joinRef: channel.joinRef,
			ref: channel.joinRef,
			topic: channel.topic,
			event: 'phx_close',
			payload: {},
		});
	}

	/** Forgets a channel without telling the client. */
	private dispose(channel: Channel): void {
		channel.active = false;
		if (this.channels.get(channel.topic) === channel) this.channels.delete(channel.topic);
		clearTimeout(channel.expiryTimer);
		this.context.dispatcher.remove(channel.subscriptions);
		channel.subscriptions = [];
		const hub = this.context.broadcasts.get(channel.subTopic);
		hub?.delete(channel);
		if (hub?.size === 0) this.context.broadcasts.delete(channel.subTopic);
	}
}
