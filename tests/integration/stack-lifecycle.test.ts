// The local stack as a developer runs it (`npm run stack`): when PostgreSQL dies it exits promptly
// and says why, the next start recovers the same data directory, and Ctrl-C stops it quietly.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../support/start-test-stack.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lsl-lifecycle-'));
chmodSync(dataDir, 0o755);
const running = new Set<ChildProcess>();

afterAll(() => {
	for (const child of running) child.kill('SIGKILL');
	rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
	child: ChildProcess;
	output: () => string;
	exited: Promise<{ code: number | null; afterMs: number }>;
}

async function startCli(): Promise<Started> {
	const env = {
		...process.env,
		STACK_DATA_DIR: dataDir,
		SUPABASE_API_PORT: String(await freePort()),
		SUPABASE_DB_PORT: String(await freePort()),
		META_SIMULATOR_PORT: String(await freePort()),
		STRIPE_SIMULATOR_PORT: String(await freePort()),
	};
	const child = spawn('node', ['--import', 'tsx', 'stack/cli.ts', 'start'], { env });
	running.add(child);
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	let signalledAt = 0;
	const kill = child.kill.bind(child);
	child.kill = (signal) => ((signalledAt = Date.now()), kill(signal));
	const exited = new Promise<{ code: number | null; afterMs: number }>((resolve) =>
		child.once('exit', (code) => {
			running.delete(child);
			resolve({ code, afterMs: Date.now() - signalledAt });
		}),
	);
	const deadline = Date.now() + 60_000;
	while (!output.includes('stack: ready')) {
		if (Date.now() > deadline || child.exitCode !== null)
			throw new Error(`the stack did not start:\n${output}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return { child, output: () => output, exited };
}

it('exits promptly with a clear message when PostgreSQL is killed, and starts cleanly again', async () => {
	const first = await startCli();
	const postmasterPid = Number(
		readFileSync(join(dataDir, 'db', 'postmaster.pid'), 'utf8').split('\n')[0],
	);
	const killedAt = Date.now();
	process.kill(postmasterPid, 'SIGKILL');
	const { code } = await first.exited;
	expect(Date.now() - killedAt).toBeLessThan(10_000);
	expect(code).not.toBe(0);
	expect(first.output()).toMatch(/stack: .*(postgres|replication).*; stopping/);

	const second = await startCli();
	const readyAt = second.output().length;
	second.child.kill('SIGINT');
	const stopped = await second.exited;
	expect(stopped.afterMs).toBeLessThan(10_000);
	// After Ctrl-C the stack says only that it stopped.
	expect(
		second
			.output()
			.slice(readyAt)
			.replace(/^.*Download .*\n/gm, '')
			.trim(),
	).toMatch(/^(.*\n)*stack: stopped$/);
	expect(second.output().slice(readyAt)).not.toMatch(/failed|unexpected|error/i);
}, 120_000);
