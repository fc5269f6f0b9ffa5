// Edge Functions (/functions/v1) and the schedules that stand in for pg_cron + pg_net, on a stack
// of their own whose functions directory holds fixtures written here. Called through the
// unmodified supabase-js (functions.invoke) and plain fetch for what the client hides.
import { createClient, FunctionsHttpError, type SupabaseClient } from '@supabase/supabase-js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCronRun, parseSchedule } from '../../stack/functions/cron.ts';
import { signJwt } from '../../stack/jwt.ts';
import { clientOptions } from '../support/clients.ts';
import { startTestStack } from '../support/start-test-stack.ts';

const ECHO = `import { greeting } from '../_shared/greeting.ts';
Deno.serve(async (req) => Response.json({
	greeting,
	url: req.url,
	method: req.method,
	headers: Object.fromEntries(req.headers),
	body: await req.text(),
	env: Deno.env.toObject(),
}));
`;

const FIXTURES: Record<string, string> = {
	'_shared/greeting.ts': `export const greeting = 'hello from _shared';\n`,
	'echo/index.ts': ECHO,
	'public-echo/index.ts': ECHO,
	'throws/index.ts': `Deno.serve(() => { throw new Error('fixture failure 42'); });\n`,
	'crash/index.ts': `Deno.serve((req) => {
	if (new URL(req.url).pathname === '/crash/exit') Deno.exit(7);
	return Response.json({ pid: Deno.pid });
});
`,
	'broken/index.ts': `throw new Error('broken at boot');\n`,
	'hangs/index.ts': `Deno.serve(() => new Promise<Response>(() => {}));\n`,
	'stream/index.ts': `Deno.serve((req) => {
	if (req.method === 'POST') return new Response(req.body, { headers: { 'content-type': 'application/octet-stream' } });
	const encoder = new TextEncoder();
	return new Response(new ReadableStream({
		async start(controller) {
			controller.enqueue(encoder.encode('first;'));
			await new Promise((resolve) => setTimeout(resolve, 1000));
			controller.enqueue(encoder.encode('second'));
			controller.close();
		},
	}), { headers: { 'content-type': 'text/plain' } });
});
`,
	'html/index.ts': `Deno.serve(() => new Response('<h1>hi</h1>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));\n`,
	'cors/index.ts': `Deno.serve(() => new Response('ok', { headers: { 'access-control-allow-origin': 'https://shop.example' } }));\n`,
	'default-export/index.ts': `export default { fetch: (req: Request) => new Response('default export saw ' + new URL(req.url).pathname) };\n`,
	'editable/index.ts': `Deno.serve(() => new Response('version 1'));\n`,
	// Reports each call to the test's HTTP server, then answers after body.delayMs.
	'record/index.ts': `Deno.serve(async (req) => {
	const body = await req.json();
	const call = { authorization: req.headers.get('authorization'), contentType: req.headers.get('content-type'), body };
	await fetch(body.callback + '/start', { method: 'POST', body: JSON.stringify(call) });
	await new Promise((resolve) => setTimeout(resolve, body.delayMs ?? 0));
	await fetch(body.callback + '/end', { method: 'POST', body: '{}' });
	return new Response('recorded');
});
`,
};

const root = mkdtempSync(join(tmpdir(), 'lsl-functions-'));
const functionsDir = join(root, 'functions');
const stackLog: string[] = [];
let stack: Awaited<ReturnType<typeof startTestStack>>;
let db: pg.Pool;
let anon: SupabaseClient;

beforeAll(async () => {
	for (const [path, source] of Object.entries(FIXTURES)) {
		mkdirSync(join(functionsDir, path, '..'), { recursive: true });
		writeFileSync(join(functionsDir, path), source);
	}
	writeFileSync(
		join(functionsDir, '.env'),
		'FIXTURE_SECRET="s3cret value"\n# a comment\nSUPABASE_URL=http://not-allowed.example\n',
	);
	// Something of the test runner's environment that must not reach a function.
	process.env.LSL_LEAK_CANARY = 'leaked';
	process.env.FUNCTIONS_WALL_CLOCK_LIMIT_SEC = '3';
	try {
		stack = await startTestStack((line) => stackLog.push(line), {
			functionsDir,
			functionsEnvFile: join(functionsDir, '.env'),
			functionSecretDefaults: {
				FIXTURE_DEFAULT: 'from the stack',
				FIXTURE_SECRET: 'overridden by the env file',
			},
			functions: {
				'public-echo': { verifyJwt: false },
				html: { verifyJwt: false },
				cors: { verifyJwt: false },
				'default-export': { verifyJwt: false },
			},
		});
	} finally {
		delete process.env.LSL_LEAK_CANARY;
		delete process.env.FUNCTIONS_WALL_CLOCK_LIMIT_SEC;
	}
	db = new pg.Pool({ connectionString: stack.env.SUPABASE_DB_URL, max: 2 });
	anon = client();
});

afterAll(async () => {
	await db?.end();
	await stack?.stop();
	rmSync(root, { recursive: true, force: true });
});

function client(accessToken?: string): SupabaseClient {
	return createClient(stack.env.SUPABASE_URL, stack.env.SUPABASE_ANON_KEY, {
		...clientOptions,
		...(accessToken ? { accessToken: async () => accessToken } : {}),
	});
}

const functionUrl = (path: string) => `${stack.env.SUPABASE_URL}/functions/v1/${path}`;

interface Echo {
	greeting: string;
	url: string;
	method: string;
	headers: Record<string, string>;
	body: string;
	env: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
}

describe('invoking functions', () => {
	it('runs the function under Deno with the request as Supabase passes it', async () => {
		const { data, error } = await anon.functions.invoke<Echo>('echo', {
			body: { item: 'blue mug' },
			headers: { 'x-custom': 'kept' },
		});
		expect(error).toBeNull();
		expect(data!.greeting).toBe('hello from _shared');
		expect(data!.method).toBe('POST');
		expect(data!.url).toBe(`${stack.env.SUPABASE_URL}/echo`);
		expect(JSON.parse(data!.body)).toEqual({ item: 'blue mug' });
		expect(data!.headers).toMatchObject({
			'content-type': 'application/json',
			'x-custom': 'kept',
			apikey: stack.env.SUPABASE_ANON_KEY,
			authorization: `Bearer ${stack.env.SUPABASE_ANON_KEY}`,
		});
		expect(data!.headers['x-client-info']).toMatch(/^supabase-js/);
	});

	it('passes sub-paths, query strings and every supported method through', async () => {
		const response = await fetch(functionUrl('echo/orders/7?expand=items&x=%20'), {
			headers: { authorization: `Bearer ${stack.env.SUPABASE_ANON_KEY}` },
		});
		expect(response.status).toBe(200);
		expect(((await response.json()) as Echo).url).toBe(
			`${stack.env.SUPABASE_URL}/echo/orders/7?expand=items&x=%20`,
		);
		for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
			const { data, error } = await anon.functions.invoke<Echo>('echo', { method });
			expect(error).toBeNull();
			expect(data!.method).toBe(method);
		}
	});

	it('answers methods the hosted runtime does not serve with 405', async () => {
		const response = await fetch(functionUrl('echo'), {
			method: 'HEAD',
			headers: { authorization: `Bearer ${stack.env.SUPABASE_ANON_KEY}` },
		});
		expect(response.status).toBe(405);
	});

	it('serves a module whose default export has a fetch handler', async () => {
		const { data, error } = await anon.functions.invoke('default-export/x');
		expect(error).toBeNull();
		expect(data).toBe('default export saw /default-export/x');
	});

	it('streams request and response bodies', async () => {
		const started = performance.now();
		const response = await fetch(functionUrl('stream'), {
			headers: { authorization: `Bearer ${stack.env.SUPABASE_ANON_KEY}` },
		});
		const reader = response.body!.getReader();
		const first = await reader.read();
		const firstAfter = performance.now() - started;
		expect(new TextDecoder().decode(first.value)).toBe('first;');
		let rest = '';
		for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
			rest += new TextDecoder().decode(chunk.value);
		expect(rest).toBe('second');
		// The first chunk arrived before the function finished its one-second pause.
		expect(performance.now() - started - firstAfter).toBeGreaterThan(700);

		const upload = Buffer.alloc(5 * 1024 * 1024, 'live sale ');
		const { data, error } = await anon.functions.invoke('stream', {
			body: new Blob([upload], { type: 'application/octet-stream' }),
		});
		expect(error).toBeNull();
		// Buffer.equals: comparing megabytes element by element with toEqual takes many seconds.
		expect(Buffer.from(await (data as Blob).arrayBuffer()).equals(upload)).toBe(true);
	});

	it('rewrites GET responses of text/html to text/plain, as the hosted runtime does', async () => {
		const response = await fetch(functionUrl('html'));
		expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
		expect(await response.text()).toBe('<h1>hi</h1>');
	});

	it('leaves CORS headers to the function, as Supabase does', async () => {
		const own = await fetch(functionUrl('cors'), { headers: { origin: 'https://shop.example' } });
		expect(own.headers.get('access-control-allow-origin')).toBe('https://shop.example');
		const none = await fetch(functionUrl('public-echo'), {
			headers: { origin: 'https://shop.example' },
		});
		expect(none.status).toBe(200);
		expect([...none.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual(
			[],
		);
	});

	it('answers an unknown function, or a folder that is not one, with 404 NOT_FOUND', async () => {
		for (const name of ['no-such-function', '_shared', '']) {
			const response = await fetch(functionUrl(name), {
				method: 'POST',
				headers: { authorization: `Bearer ${stack.env.SUPABASE_ANON_KEY}` },
			});
			expect(response.status).toBe(404);
			expect(await response.json()).toEqual({
				code: 'NOT_FOUND',
				message: 'Requested function was not found',
			});
		}
		const { error } = await anon.functions.invoke('no-such-function');
		expect(error).toBeInstanceOf(FunctionsHttpError);
		expect((error as FunctionsHttpError).context.status).toBe(404);
	});
});

describe('verify_jwt', () => {
	it('rejects a request without Authorization with the gateway’s 401', async () => {
		const response = await fetch(functionUrl('echo'), {
			method: 'POST',
			headers: { apikey: stack.env.SUPABASE_ANON_KEY },
		});
		expect(response.status).toBe(401);
		expect(await response.json()).toEqual({ code: 401, message: 'Missing authorization header' });
	});

	it('rejects a JWT not signed with the project secret, an expired one and a non-bearer header', async () => {
		const now = Math.floor(Date.now() / 1000);
		const forged = await signJwt(
			{ role: 'service_role' },
			'another-secret-of-at-least-thirty-two-characters',
		);
		const expired = await signJwt(
			{ role: 'authenticated', sub: crypto.randomUUID(), exp: now - 10 },
			stack.env.SUPABASE_JWT_SECRET,
		);
		for (const authorization of [
			`Bearer ${forged}`,
			`Bearer ${expired}`,
			'Bearer not-a-jwt',
			`Basic ${btoa('a:b')}`,
		]) {
			const response = await fetch(functionUrl('echo'), {
				method: 'POST',
				headers: { authorization },
			});
			expect(response.status, authorization).toBe(401);
			expect(await response.json()).toEqual({ code: 401, message: 'Invalid JWT' });
		}
		const { error } = await client(forged).functions.invoke('echo');
		expect((error as FunctionsHttpError).context.status).toBe(401);
	});

	it('accepts any valid JWT: a user’s access token or the anon key', async () => {
		const now = Math.floor(Date.now() / 1000);
		const userToken = await signJwt(
			{ sub: crypto.randomUUID(), role: 'authenticated', aud: 'authenticated', exp: now + 600 },
			stack.env.SUPABASE_JWT_SECRET,
		);
		const { data, error } = await client(userToken).functions.invoke<Echo>('echo');
		expect(error).toBeNull();
		expect(data!.headers.authorization).toBe(`Bearer ${userToken}`);
	});

	it('lets anything through to a function with verify_jwt = false', async () => {
		const response = await fetch(functionUrl('public-echo'), {
			method: 'POST',
			body: 'webhook payload',
		});
		expect(response.status).toBe(200);
		expect(((await response.json()) as Echo).body).toBe('webhook payload');
	});
});

describe('environment', () => {
	it('gives exactly Supabase’s variables, the stack’s defaults and the secrets of supabase/functions/.env', async () => {
		const { data } = await anon.functions.invoke<Echo>('echo');
		expect(data!.env).toEqual({
			SUPABASE_URL: stack.env.SUPABASE_URL,
			SUPABASE_ANON_KEY: stack.env.SUPABASE_ANON_KEY,
			SUPABASE_SERVICE_ROLE_KEY: stack.env.SUPABASE_SERVICE_ROLE_KEY,
			SUPABASE_DB_URL: stack.env.SUPABASE_DB_URL,
			FIXTURE_SECRET: 's3cret value',
			FIXTURE_DEFAULT: 'from the stack',
			// What a deployment sets with `supabase secrets set`: the stack's own JWT secret.
			OVERLAY_JWT_SECRET: stack.config.jwtSecret,
		});
		expect(stackLog.some((line) => line.includes('ignoring SUPABASE_URL'))).toBe(true);
	});

	it('shows the service-role key only in the environment, never in a caller’s request', async () => {
		const { data } = await anon.functions.invoke<Echo>('echo', { body: { hello: 'world' } });
		const seen = JSON.stringify({ url: data!.url, headers: data!.headers, body: data!.body });
		expect(seen).not.toContain(stack.env.SUPABASE_SERVICE_ROLE_KEY);
	});
});

describe('failures', () => {
	it('turns an exception in the handler into 500 WORKER_ERROR and logs it', async () => {
		const { error } = await anon.functions.invoke('throws');
		expect(error).toBeInstanceOf(FunctionsHttpError);
		const response = (error as FunctionsHttpError).context as Response;
		expect(response.status).toBe(500);
		expect(response.headers.get('sb-error-code')).toBe('EDGE_FUNCTION_ERROR');
		expect(await response.json()).toEqual({
			code: 'WORKER_ERROR',
			message: 'Function exited due to an error (please check logs)',
		});
		expect(
			stackLog.some(
				(line) => line.startsWith('functions/throws[') && line.includes('fixture failure 42'),
			),
		).toBe(true);
	});

	it('answers 500 when the process dies mid-request and starts it again on the next one', async () => {
		const before = await anon.functions.invoke<{ pid: number }>('crash');
		expect(before.error).toBeNull();
		const { error } = await anon.functions.invoke('crash/exit');
		expect((error as FunctionsHttpError).context.status).toBe(500);
		await waitFor(
			() => stackLog.some((line) => line.includes('exited with code 7 unexpectedly')),
			5000,
			'the exit to be logged',
		);
		const after = await anon.functions.invoke<{ pid: number }>('crash');
		expect(after.error).toBeNull();
		expect(after.data!.pid).not.toBe(before.data!.pid);
	});

	it('answers 503 BOOT_ERROR when the function cannot start, and logs why', async () => {
		const { error } = await anon.functions.invoke('broken');
		const response = (error as FunctionsHttpError).context as Response;
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({
			code: 'BOOT_ERROR',
			message: 'Worker failed to boot (please check logs)',
		});
		expect(
			stackLog.some(
				(line) => line.startsWith('functions/broken[') && line.includes('broken at boot'),
			),
		).toBe(true);
	});

	it('cancels a request past the wall-clock limit with 504', async () => {
		const started = performance.now();
		const { error } = await anon.functions.invoke('hangs');
		const response = (error as FunctionsHttpError).context as Response;
		expect(response.status).toBe(504);
		expect(response.headers.get('sb-error-code')).toBe('IDLE_TIMEOUT');
		expect(performance.now() - started).toBeGreaterThan(2900);
	});
});

describe('workers', () => {
	it('keeps a function warm and restarts it when its files change', async () => {
		const cold = performance.now();
		expect((await anon.functions.invoke('editable')).data).toBe('version 1');
		const coldMs = performance.now() - cold;
		const warmTimes: number[] = [];
		for (let index = 0; index < 20; index += 1) {
			const started = performance.now();
			await anon.functions.invoke('editable');
			warmTimes.push(performance.now() - started);
		}
		const warmMedian = warmTimes.sort((a, b) => a - b)[10];
		console.log(
			`edge function latency: cold start ${coldMs.toFixed(0)} ms, warm median ${warmMedian.toFixed(1)} ms`,
		);
		expect(warmMedian).toBeLessThan(coldMs);

		writeFileSync(
			join(functionsDir, 'editable/index.ts'),
			`Deno.serve(() => new Response('version 2'));\n`,
		);
		await sleep(300); // for the file watcher
		expect((await anon.functions.invoke('editable')).data).toBe('version 2');
	});
});

describe('schedules', () => {
	interface Call {
		authorization: string;
		contentType: string;
		body: { callback: string; run: string; delayMs?: number };
		startedAt: number;
	}
	const calls: Call[] = [];
	let running = 0;
	let mostRunning = 0;
	let callback: Server;
	let callbackUrl: string;

	beforeAll(async () => {
		callback = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk) => (text += chunk));
			req.on('end', () => {
				if (req.url === '/start') {
					calls.push({ ...(JSON.parse(text) as Omit<Call, 'startedAt'>), startedAt: Date.now() });
					running += 1;
					mostRunning = Math.max(mostRunning, running);
				} else running -= 1;
				res.end();
			});
		});
		await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
		callbackUrl = `http://127.0.0.1:${(callback.address() as { port: number }).port}`;
	});
	afterAll(async () => {
		await db.query('delete from private.function_schedules');
		callback.closeAllConnections();
		await new Promise((resolve) => callback.close(resolve));
	});

	const callsOf = (run: string) => calls.filter((call) => call.body.run === run);

	it('calls the function every second with the service-role key and the body, until disabled', async () => {
		await db.query(
			`insert into private.function_schedules (name, function_name, schedule, body) values ('every-second', 'record', '1 seconds', $1)`,
			[{ callback: callbackUrl, run: 'every-second' }],
		);
		await waitFor(() => callsOf('every-second').length >= 3, 6000, 'three scheduled calls');
		const [first, second, third] = callsOf('every-second');
		expect(first).toMatchObject({
			authorization: `Bearer ${stack.env.SUPABASE_SERVICE_ROLE_KEY}`,
			contentType: 'application/json',
			body: { callback: callbackUrl, run: 'every-second' },
		});
		expect(second.startedAt - first.startedAt).toBeGreaterThan(700);
		expect(third.startedAt - second.startedAt).toBeLessThan(1800);

		await db.query(
			`update private.function_schedules set enabled = false where name = 'every-second'`,
		);
		await sleep(300);
		const countWhenDisabled = callsOf('every-second').length;
		await sleep(2000);
		expect(callsOf('every-second').length).toBe(countWhenDisabled);
	});

	it('skips a tick while the previous call is still running, and logs it', async () => {
		await db.query(
			`insert into private.function_schedules (name, function_name, schedule, body, timeout_milliseconds) values ('slow', 'record', '1 seconds', $1, 10000)`,
			[{ callback: callbackUrl, run: 'slow', delayMs: 2500 }],
		);
		await waitFor(() => callsOf('slow').length >= 2, 9000, 'two slow calls');
		await db.query(`delete from private.function_schedules where name = 'slow'`);
		expect(mostRunning).toBe(1);
		expect(
			stackLog.some((line) =>
				line.includes('slow: skipped a run, the previous call of record is still running'),
			),
		).toBe(true);
	});

	it('accepts exactly the schedules pg_cron accepts, in SQL as in the local scheduler', async () => {
		const valid = [
			'1 seconds',
			'59 seconds',
			'* * * * *',
			'*/5 * * * *',
			'0 9 * * 1-5',
			'0,30 8-18/2 1 1,6,12 0',
			'15 3 * * 7',
			'0 0 13 * 5',
		];
		const invalid = [
			'0 seconds',
			'60 seconds',
			'2 second',
			'60 * * * *',
			'5/15 * * * *',
			'*/0 * * * *',
			'5-1 * * * *',
			'* * * *',
			'* * * * * *',
			'0 0 0 * *',
			'@daily',
			'0 0 * JAN *',
		];
		for (const schedule of [...valid, ...invalid]) {
			const { rows } = await db.query<{ ok: boolean }>(
				'select private.is_pg_cron_schedule($1) as ok',
				[schedule],
			);
			const parses = (() => {
				try {
					parseSchedule(schedule);
					return true;
				} catch {
					return false;
				}
			})();
			expect({ schedule, sql: rows[0].ok, local: parses }).toEqual({
				schedule,
				sql: valid.includes(schedule),
				local: valid.includes(schedule),
			});
		}
		await expect(
			db.query(
				`insert into private.function_schedules (name, function_name, schedule) values ('bad', 'record', '61 * * * *')`,
			),
		).rejects.toMatchObject({ code: '23514' });
	});

	it('keeps the table away from anon and authenticated', async () => {
		const url = new URL(stack.env.SUPABASE_DB_URL);
		url.username = 'authenticator';
		const authenticator = new pg.Client({ connectionString: url.toString() });
		await authenticator.connect();
		try {
			for (const role of ['anon', 'authenticated']) {
				await authenticator.query(`set role ${role}`);
				await expect(
					authenticator.query('select * from private.function_schedules'),
				).rejects.toMatchObject({ code: '42501' });
				await authenticator.query('reset role');
			}
		} finally {
			await authenticator.end();
		}
	});
});

describe('cron schedules', () => {
	const at = (iso: string) => new Date(iso);
	const next = (schedule: string, after: string) => {
		const parsed = parseSchedule(schedule);
		if (parsed.kind !== 'cron') throw new Error('not a cron schedule');
		return nextCronRun(parsed, at(after))?.toISOString();
	};

	it('finds the next matching minute in UTC', () => {
		expect(parseSchedule('2 seconds')).toEqual({ kind: 'interval', seconds: 2 });
		expect(next('*/15 * * * *', '2026-03-10T10:07:30Z')).toBe('2026-03-10T10:15:00.000Z');
		expect(next('*/15 * * * *', '2026-03-10T10:15:00Z')).toBe('2026-03-10T10:30:00.000Z');
		expect(next('0 9 * * 1', '2026-03-08T12:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
		expect(next('30 23 31 12 *', '2026-03-08T12:00:00Z')).toBe('2026-12-31T23:30:00.000Z');
		expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
		expect(next('0 0 31 2 *', '2026-03-01T00:00:00Z')).toBeUndefined();
	});

	it('matches either day field when both are restricted, both when one is *', () => {
		// 2026-03-13 is a Friday; the 1st of April 2026 is a Wednesday.
		expect(next('0 0 1 * 5', '2026-03-10T00:00:00Z')).toBe('2026-03-13T00:00:00.000Z');
		expect(next('0 0 1 * 5', '2026-03-28T00:00:00Z')).toBe('2026-04-01T00:00:00.000Z');
		expect(next('0 0 * * 5', '2026-03-10T00:00:00Z')).toBe('2026-03-13T00:00:00.000Z');
		expect(next('0 0 */10 * *', '2026-03-10T00:00:00Z')).toBe('2026-03-11T00:00:00.000Z');
	});
});
