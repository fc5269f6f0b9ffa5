// Rate limits as Meta reports them: usage headers on every Graph response (percent of the limit,
// rising with calls in a rolling window), throttling at 100 %, and injected faults: throttling,
// 5xx and slow responses for the next N calls or a time window.
import { graphErrors, type ThrottleCode } from './errors.ts';

export interface UsageSettings {
	baselinePercent: number;
	percentPerCall: number;
	windowMs: number;
}

export type FaultEffect =
	| { kind: 'throttle'; code: ThrottleCode; httpStatus: number | undefined; regainMinutes: number }
	| { kind: 'serverError'; status: number }
	| { kind: 'delay'; ms: number };

export interface FaultScope {
	path?: string;
	calls?: number;
	forMs?: number;
}

interface Fault {
	id: string;
	effect: FaultEffect;
	path: string | undefined;
	remainingCalls: number | null;
	until: number | null;
}

export interface UsageReport {
	call_count: number;
	total_cputime: number;
	total_time: number;
}

/** Who a call counts against: the app always, a Page when made with its Page token. */
export interface CallSubject {
	path: string;
	pageId: string | null;
}

export class RateLimiter {
	#usage: UsageSettings = { baselinePercent: 0, percentPerCall: 0.02, windowMs: 60 * 60 * 1000 };
	#appCalls: number[] = [];
	#pageCalls = new Map<string, number[]>();
	#faults: Fault[] = [];
	#nextFaultId = 1;
	/** The throttle answering the current call, for the usage headers. */
	#activeThrottle = new WeakMap<object, { regainMinutes: number; code: ThrottleCode }>();

	/** New settings; counting starts afresh. */
	setUsage(settings: UsageSettings): UsageSettings {
		this.#usage = { ...settings };
		this.#appCalls = [];
		this.#pageCalls.clear();
		return { ...this.#usage };
	}

	addFault(effect: FaultEffect, scope: FaultScope): string {
		const id = String(this.#nextFaultId++);
		const remainingCalls = scope.calls ?? (scope.forMs === undefined ? 1 : null);
		this.#faults.push({
			id,
			effect,
			path: scope.path,
			remainingCalls,
			until: scope.forMs === undefined ? null : Date.now() + scope.forMs,
		});
		return id;
	}

	clearFaults(): number {
		return this.#faults.splice(0).length;
	}

	/**
	 * Runs before a Graph call is answered: counts it, waits out injected delays, and throws the
	 * error object of an injected fault or of usage at the limit. `call` identifies this request.
	 */
	async admit(call: object, subject: CallSubject): Promise<void> {
		const now = Date.now();
		this.#record(now, subject.pageId);
		const effects = this.#takeEffects(subject.path, now);
		const delay = effects
			.filter((effect) => effect.kind === 'delay')
			.reduce((total, effect) => total + effect.ms, 0);
		if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
		const throttle = effects.find((effect) => effect.kind === 'throttle');
		if (throttle) {
			this.#activeThrottle.set(call, throttle);
			throw graphErrors.throttled(throttle.code, throttle.httpStatus);
		}
		const serverError = effects.find((effect) => effect.kind === 'serverError');
		if (serverError) throw graphErrors.serverError(serverError.status);
		// Past the limit, Meta throttles on its own: the Page's business-use-case limit first.
		const regainMinutes = Math.max(1, Math.ceil(this.#usage.windowMs / 60_000 / 10));
		if (
			subject.pageId !== null &&
			this.#percent(this.#pageCalls.get(subject.pageId) ?? [], now) >= 100
		) {
			this.#activeThrottle.set(call, { code: 80001, regainMinutes });
			throw graphErrors.throttled(80001);
		}
		if (this.#percent(this.#appCalls, now) >= 100) {
			this.#activeThrottle.set(call, { code: 4, regainMinutes });
			throw graphErrors.throttled(4);
		}
	}

	/** `X-App-Usage`, and `X-Business-Use-Case-Usage` for calls made with a Page token. */
	headers(call: object, pageId: string | null): Record<string, string> {
		const now = Date.now();
		const throttle = this.#activeThrottle.get(call);
		const appThrottled = throttle !== undefined && throttle.code !== 80001 && throttle.code !== 32;
		const headers: Record<string, string> = {
			'x-app-usage': JSON.stringify(this.#report(this.#appCalls, now, appThrottled)),
		};
		if (pageId !== null) {
			const pageThrottled =
				throttle !== undefined && (throttle.code === 80001 || throttle.code === 32);
			const usage = this.#report(this.#pageCalls.get(pageId) ?? [], now, pageThrottled);
			headers['x-business-use-case-usage'] = JSON.stringify({
				[pageId]: [
					{
						type: 'pages',
						...usage,
						estimated_time_to_regain_access: pageThrottled ? throttle.regainMinutes : 0,
					},
				],
			});
		}
		return headers;
	}

	#record(now: number, pageId: string | null): void {
		this.#appCalls.push(now);
		this.#prune(this.#appCalls, now);
		if (pageId !== null) {
			const calls = this.#pageCalls.get(pageId) ?? [];
			calls.push(now);
			this.#prune(calls, now);
			this.#pageCalls.set(pageId, calls);
		}
	}

	#prune(calls: number[], now: number): void {
		const start = now - this.#usage.windowMs;
		let expired = 0;
		while (expired < calls.length && calls[expired] <= start) expired += 1;
		if (expired > 0) calls.splice(0, expired);
	}

	#percent(calls: number[], now: number): number {
		this.#prune(calls, now);
		return this.#usage.baselinePercent + calls.length * this.#usage.percentPerCall;
	}

	#report(calls: number[], now: number, throttled: boolean): UsageReport {
		const percent = this.#percent(calls, now);
		const callCount = Math.floor(throttled ? Math.max(100, percent) : percent);
		// CPU and wall time track the call count loosely, as they do at Meta for light reads.
		return {
			call_count: callCount,
			total_cputime: Math.floor(callCount * 0.8),
			total_time: Math.floor(callCount * 0.9),
		};
	}

	#takeEffects(path: string, now: number): FaultEffect[] {
		this.#faults = this.#faults.filter(
			(fault) => (fault.until === null || fault.until > now) && fault.remainingCalls !== 0,
		);
		const effects: FaultEffect[] = [];
		for (const fault of this.#faults) {
			if (fault.path !== undefined && !path.includes(fault.path)) continue;
			if (fault.remainingCalls !== null) fault.remainingCalls -= 1;
			effects.push(fault.effect);
		}
		return effects;
	}
}
