// The local stand-in for pg_cron + pg_net: runs the enabled rows of private.function_schedules
// (supabase/migrations/20261122000100_function_schedules.sql) by POSTing to
// /functions/v1/<function_name> with the service-role key, as the pg_cron job that table's
// trigger creates on Supabase does. Changes arrive by NOTIFY from the same trigger.
import pg from 'pg';
import type { ServiceContext } from '../index.ts';
import { nextCronRun, parseSchedule, type Schedule } from './cron.ts';

const CHANNEL = 'function_schedules';
const RECONNECT_DELAY_MS = 2_000;
/** setTimeout's ceiling is about 24 days; far-off runs are re-armed on the way. */
const MAX_TIMER_MS = 24 * 3600 * 1000;

interface ScheduleRow {
	name: string;
	function_name: string;
	schedule: string;
	body: unknown;
	timeout_milliseconds: number;
}

interface Job {
	row: ScheduleRow;
	schedule: Schedule;
	/** The run the timer is set for; intervals count from here so they do not drift. */
	nextRun: number;
	timer?: NodeJS.Timeout;
	running?: Promise<void>;
}

export function startScheduler(context: ServiceContext): { stop(): Promise<void> } {
	const { config, log } = context;
	const jobs = new Map<string, Job>();
	const cancelCalls = new AbortController();
	let client: pg.Client | undefined;
	let reconnectTimer: NodeJS.Timeout | undefined;
	let stopped = false;
	/** Reloads run one at a time; a NOTIFY during a reload asks for one more. */
	let reloading: Promise<void> | undefined;
	let reloadAgain = false;

	async function call(job: Job): Promise<void> {
		const { name, function_name: functionName, body, timeout_milliseconds: timeoutMs } = job.row;
		const url = `${config.apiUrl}/functions/v1/${functionName}`;
		try {
			// The request of the pg_cron job's net.http_post, header for header.
			const response = await fetch(url, {
				method: 'POST',
				headers: {
					'Content-Type': 'application/json',
					Authorization: `Bearer ${config.serviceRoleKey}`,
				},
				body: JSON.stringify(body),
				signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancelCalls.signal]),
			});
			const text = await response.text();
			if (!response.ok)
				log(
					`scheduler: ${name}: ${functionName} answered ${response.status}: ${text.slice(0, 500)}`,
				);
		} catch (error) {
			if (cancelCalls.signal.aborted) return;
			const reason =
				(error as Error).name === 'TimeoutError'
					? `no answer within ${timeoutMs} ms (timeout_milliseconds)`
					: String(error);
			log(`scheduler: ${name}: calling ${functionName} failed: ${reason}`);
		}
	}

	function fire(job: Job): void {
		arm(job);
		if (job.running) {
			log(
				`scheduler: ${job.row.name}: skipped a run, the previous call of ${job.row.function_name} is still running`,
			);
			return;
		}
		job.running = call(job).finally(() => (job.running = undefined));
	}

	function arm(job: Job): void {
		const now = Date.now();
		if (job.schedule.kind === 'interval') {
			const period = job.schedule.seconds * 1000;
			job.nextRun = Math.max(job.nextRun + period, now);
		} else if (job.nextRun <= now) {
			// From the run just due, not the clock: a timer a millisecond early must not run it twice.
			const next = nextCronRun(job.schedule, new Date(Math.max(now, job.nextRun)));
			if (!next) {
				log(
					`scheduler: ${job.row.name}: "${job.row.schedule}" never matches a date; not scheduled`,
				);
				return;
			}
			job.nextRun = next.getTime();
		}
		const delay = job.nextRun - now;
		job.timer =
			delay > MAX_TIMER_MS
				? setTimeout(() => arm(job), MAX_TIMER_MS)
				: setTimeout(() => fire(job), delay);
	}

	function unschedule(job: Job): void {
		clearTimeout(job.timer);
		jobs.delete(job.row.name);
	}

	async function reload(): Promise<void> {
		if (!client) return;
		const { rows } = await client.query<ScheduleRow>(
			'select name, function_name, schedule, body, timeout_milliseconds from private.function_schedules where enabled order by name',
		);
		const wanted = new Map(rows.map((row) => [row.name, row]));
		for (const job of [...jobs.values()]) {
			const row = wanted.get(job.row.name);
			if (!row || JSON.stringify(row) !== JSON.stringify(job.row)) unschedule(job);
		}
		for (const row of rows) {
			if (jobs.has(row.name)) continue;
			let schedule: Schedule;
			try {
				schedule = parseSchedule(row.schedule);
			} catch (error) {
				log(`scheduler: ${row.name}: ${(error as Error).message}; not scheduled`);
				continue;
			}
			// An interval job's first run is one period from now, as pg_cron's.
			const job: Job = { row, schedule, nextRun: schedule.kind === 'interval' ? Date.now() : 0 };
			jobs.set(row.name, job);
			arm(job);
		}
	}

	function requestReload(): void {
		if (reloading) {
			reloadAgain = true;
			return;
		}
		reloading = reload()
			.catch((error: unknown) =>
				log(`scheduler: reading private.function_schedules failed: ${(error as Error).message}`),
			)
			.finally(() => {
				reloading = undefined;
				if (reloadAgain && !stopped) {
					reloadAgain = false;
					requestReload();
				}
			});
	}

	function reconnectLater(): void {
		if (stopped || reconnectTimer) return;
		reconnectTimer = setTimeout(() => {
			reconnectTimer = undefined;
			void connect();
		}, RECONNECT_DELAY_MS);
	}

	async function connect(): Promise<void> {
		const connection = new pg.Client({
			connectionString: context.adminUrl,
			application_name: 'function scheduler',
		});
		connection.on('notification', () => requestReload());
		connection.on('error', (error) => {
			log(`scheduler: database connection lost: ${error.message}; reconnecting`);
			if (client === connection) client = undefined;
			void connection.end().catch(() => {});
			reconnectLater();
		});
		try {
			await connection.connect();
			await connection.query(`listen ${CHANNEL}`);
		} catch (error) {
			log(`scheduler: cannot connect to the database: ${(error as Error).message}; retrying`);
			void connection.end().catch(() => {});
			reconnectLater();
			return;
		}
		if (stopped) {
			await connection.end();
			return;
		}
		client = connection;
		requestReload();
	}

	void connect();

	return {
		async stop() {
			stopped = true;
			clearTimeout(reconnectTimer);
			const calls = [...jobs.values()].map((job) => job.running);
			for (const job of [...jobs.values()]) unschedule(job);
			cancelCalls.abort();
			await Promise.all([...calls, reloading]);
			await client?.end().catch(() => {});
			client = undefined;
		},
	};
}
