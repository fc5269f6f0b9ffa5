// The one Graph API client: the base URL (META_GRAPH_URL, version included) is given once, every
// call carries appsecret_proof, Meta's error objects become typed GraphApiErrors, and the usage
// headers are read on every answer so callers can slow down before Meta throttles them.
import { appSecretProof } from './signatures.ts';

export type GraphErrorKind =
	/** Rate limited (codes 4, 17, 32, 613, 80000-80014): wait, at least until the regain time. */
	| 'throttled'
	/** The access token is expired, revoked or invalid (190): the user must reconnect. */
	| 'token'
	/** The token lacks a permission (10, 200-299). */
	| 'permission'
	/** Meta's fault or the network's (5xx, codes 1 and 2, is_transient, timeouts): retry with back-off. */
	| 'transient'
	/** Anything else: our request is wrong (unknown id, bad parameter); retrying will not help. */
	| 'request';

export interface GraphUsage {
	/** The highest percentage of any limit in X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage. */
	percent?: number;
	/** From estimated_time_to_regain_access (minutes) when Meta gives one above zero. */
	regainAfterMs?: number;
}

export interface MetaErrorObject {
	message?: string;
	type?: string;
	code?: number;
	error_subcode?: number;
	is_transient?: boolean;
	fbtrace_id?: string;
}

export class GraphApiError extends Error {
	constructor(
		readonly kind: GraphErrorKind,
		message: string,
		readonly status: number,
		readonly meta: MetaErrorObject = {},
		readonly usage: GraphUsage = {},
	) {
		super(message);
		this.name = 'GraphApiError';
	}

	get code(): number | undefined {
		return this.meta.code;
	}

	get subcode(): number | undefined {
		return this.meta.error_subcode;
	}

	/** What a token error means for the connection: 458 (app removed) is revoked, the rest need a new sign-in. */
	get connectionStatus(): 'expired' | 'revoked' | undefined {
		if (this.kind !== 'token') return undefined;
		return this.subcode === 458 ? 'revoked' : 'expired';
	}

	/** A summary to store and show: kind, Meta's code and message, trace id. */
	toJSON(): Record<string, unknown> {
		return { kind: this.kind, status: this.status, message: this.message, ...this.meta };
	}
}

const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const isThrottleCode = (code: number) =>
	THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80014);

function percentages(value: unknown): number[] {
	if (typeof value !== 'object' || value === null) return [];
	const record = value as Record<string, unknown>;
	return ['call_count', 'total_time', 'total_cputime']
		.map((key) => record[key])
		.filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
}

function parseJsonHeader(headers: Headers, name: string): unknown {
	const value = headers.get(name);
	if (!value) return undefined;
	try {
		return JSON.parse(value);
	} catch {
		return undefined;
	}
}

/** Reads X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage. */
export function parseUsage(headers: Headers): GraphUsage {
	const found = [
		...percentages(parseJsonHeader(headers, 'x-app-usage')),
		...percentages(parseJsonHeader(headers, 'x-page-usage')),
	];
	let regainMinutes = 0;
	const business = parseJsonHeader(headers, 'x-business-use-case-usage');
	if (typeof business === 'object' && business !== null) {
		for (const entries of Object.values(business)) {
			for (const entry of Array.isArray(entries) ? entries : []) {
				found.push(...percentages(entry));
				const regain = (entry as { estimated_time_to_regain_access?: unknown })
					.estimated_time_to_regain_access;
				if (typeof regain === 'number' && regain > regainMinutes) regainMinutes = regain;
			}
		}
	}
	const usage: GraphUsage = {};
	if (found.length > 0) usage.percent = Math.max(...found);
	if (regainMinutes > 0) usage.regainAfterMs = regainMinutes * 60_000;
	return usage;
}

/** Turns a failed Graph answer into a GraphApiError of the right kind. */
export function classifyGraphError(
	status: number,
	body: unknown,
	usage: GraphUsage = {},
): GraphApiError {
	const meta = (
		typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
	) as MetaErrorObject | undefined;
	if (!meta || typeof meta !== 'object' || typeof meta.code !== 'number') {
		const kind: GraphErrorKind =
			status === 429 ? 'throttled' : status >= 500 ? 'transient' : 'request';
		return new GraphApiError(
			kind,
			`Meta answered HTTP ${status} without an error object`,
			status,
			{},
			usage,
		);
	}
	const message = `Meta error ${meta.code}${meta.error_subcode ? `/${meta.error_subcode}` : ''}: ${meta.message ?? 'no message'}`;
	const code = meta.code;
	const kind: GraphErrorKind = isThrottleCode(code)
		? 'throttled'
		: code === 190 || code === 102
			? 'token'
			: code === 10 || (code >= 200 && code <= 299)
				? 'permission'
				: code === 1 || code === 2 || meta.is_transient === true || status >= 500
					? 'transient'
					: 'request';
	return new GraphApiError(kind, message, status, meta, usage);
}

export interface GraphClientOptions {
	/** META_GRAPH_URL: e.g. https://graph.facebook.com/v24.0 */
	baseUrl: string;
	/** Adds appsecret_proof to every call made with an access token. */
	appSecret?: string;
	timeoutMs?: number;
	fetch?: typeof fetch;
}

export interface GraphResponse<T> {
	body: T;
	usage: GraphUsage;
	/** Meta's clock when it answered (its Date header, to the second), if it sent one. */
	serverTime?: number;
}

export type GraphParams = Record<string, string | number | boolean | string[] | undefined>;

const PATH = /^\/[A-Za-z0-9_.\-/]+$/;

export class GraphClient {
	private readonly base: URL;
	private readonly timeoutMs: number;
	private readonly fetch: typeof fetch;

	constructor(private readonly options: GraphClientOptions) {
		this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
		this.timeoutMs = options.timeoutMs ?? 10_000;
		this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
	}

	/** The URL of a Graph path (`/me/accounts`) under the base URL. */
	url(path: string, params: GraphParams = {}): URL {
		if (!PATH.test(path) || path.includes('..')) throw new Error(`not a Graph API path: ${path}`);
		const url = new URL(this.base.href + path);
		for (const [name, value] of Object.entries(params)) {
			if (value !== undefined)
				url.searchParams.set(name, Array.isArray(value) ? JSON.stringify(value) : String(value));
		}
		return url;
	}

	get<T>(path: string, params: GraphParams, accessToken?: string): Promise<GraphResponse<T>> {
		return this.send<T>('GET', this.url(path, params), accessToken);
	}

	/** Parameters go in the query string, as Meta's own examples send them. */
	post<T>(path: string, params: GraphParams, accessToken?: string): Promise<GraphResponse<T>> {
		return this.send<T>('POST', this.url(path, params), accessToken);
	}

	delete<T>(path: string, params: GraphParams, accessToken?: string): Promise<GraphResponse<T>> {
		return this.send<T>('DELETE', this.url(path, params), accessToken);
	}

	/** Follows a `paging.next` URL; only ever to the Graph API's own origin, so a token never leaves it. */
	next<T>(nextUrl: string, accessToken: string): Promise<GraphResponse<T>> {
		const url = new URL(nextUrl);
		if (url.origin !== this.base.origin)
			throw new Error(
				`refusing to follow paging.next to ${url.origin}: not the Graph API (${this.base.origin})`,
			);
		return this.send<T>('GET', url, accessToken);
	}

	private async send<T>(method: string, url: URL, accessToken?: string): Promise<GraphResponse<T>> {
		if (accessToken !== undefined) {
			url.searchParams.set('access_token', accessToken);
			if (this.options.appSecret)
				url.searchParams.set(
					'appsecret_proof',
					await appSecretProof(accessToken, this.options.appSecret),
				);
		}
		let response: Response;
		try {
			response = await this.fetch(url, { method, signal: AbortSignal.timeout(this.timeoutMs) });
		} catch (error) {
			const reason =
				(error as Error).name === 'TimeoutError'
					? `no answer within ${this.timeoutMs} ms`
					: String((error as Error).message ?? error);
			throw new GraphApiError(
				'transient',
				`Graph API ${method} ${url.pathname} failed: ${reason}`,
				0,
			);
		}
		const usage = parseUsage(response.headers);
		const text = await response.text();
		let body: unknown;
		try {
			body = text === '' ? undefined : JSON.parse(text);
		} catch {
			body = undefined;
		}
		if (!response.ok) throw classifyGraphError(response.status, body, usage);
		if (body === undefined) {
			throw new GraphApiError(
				'transient',
				`Graph API ${method} ${url.pathname} answered ${response.status} with a body that is not JSON`,
				response.status,
				{},
				usage,
			);
		}
		const serverTime = Date.parse(response.headers.get('date') ?? '');
		return { body: body as T, usage, ...(Number.isNaN(serverTime) ? {} : { serverTime }) };
	}
}
