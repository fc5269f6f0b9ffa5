// One Deno process per Edge Function: started on its first request, kept warm, started again
// on the next request after it dies, and replaced when files under the functions directory change.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const READY_PREFIX = '\u0000edge-function-listening:';
const BOOTSTRAP = join(import.meta.dirname, 'deno-bootstrap.js');
/** Long enough for a first start that downloads npm packages into the cache. */
const BOOT_TIMEOUT_MS = 60_000;
/** The hosted runtime's memory limit per worker. */
const MEMORY_LIMIT_MB = 256;
const KILL_GRACE_MS = 2_000;
/** A proxy the machine needs is the function's way out too. */
const PROXY_VARIABLES = [
	'HTTP_PROXY',
	'HTTPS_PROXY',
	'NO_PROXY',
	'http_proxy',
	'https_proxy',
	'no_proxy',
];
/** Where the machine names extra certificate authorities (e.g. of a TLS-inspecting proxy). */
const CA_FILE_VARIABLES = ['DENO_CERT', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE'];

/** The function could not start: syntax error, failing import, top-level throw, no Deno.serve. */
export class BootError extends Error {}

export interface Worker {
	name: string;
	port: number;
	/** Call around each forwarded request, so a replaced worker is stopped only once idle. */
	track<T>(request: Promise<T>): Promise<T>;
}

export interface WorkerOptions {
	functionsDir: string;
	/** Deno's cache (npm packages, transpiled modules). */
	denoDir: string;
	/** The environment the function sees, read anew for every start. */
	environment: () => Record<string, string>;
	log: (line: string) => void;
}

/** Deno's own settings, which deno-bootstrap.js removes before the function runs, and the machine's proxy. */
function denoEnvironment(denoDir: string): Record<string, string> {
	const environment: Record<string, string> = { DENO_DIR: denoDir, NO_COLOR: '1' };
	for (const name of PROXY_VARIABLES) {
		const value = process.env[name];
		if (value) environment[name] = value;
	}
	return environment;
}

/** Trusted for npm downloads and the function's fetch(), as Node trusts it for the stack. */
function caFileFlag(): string[] {
	const file = CA_FILE_VARIABLES.map((name) => process.env[name]).find(
		(value) => value && existsSync(value),
	);
	return file ? [`--cert=${file}`] : [];
}

function denoExecutable(): string {
	// The deno npm package's own lookup of its platform binary.
	const install = createRequire(import.meta.url)('deno/install_api.cjs') as {
		runInstall(): string;
	};
	return install.runInstall();
}

class DenoWorker implements Worker {
	port = 0;
	readonly ready: Promise<void>;
	readonly exited: Promise<void>;
	private readonly child: ChildProcess;
	private inFlight = 0;
	private retired = false;
	private stopping = false;

	constructor(
		readonly name: string,
		options: WorkerOptions,
		onExit: (worker: DenoWorker) => void,
	) {
		const functionDir = join(options.functionsDir, name);
		const denoConfig = join(functionDir, 'deno.json');
		const started = performance.now();
		this.child = spawn(
			denoExecutable(),
			[
				'run',
				'--no-prompt',
				existsSync(denoConfig) ? `--config=${denoConfig}` : '--no-config',
				'--allow-net',
				'--allow-env',
				`--allow-read=${options.functionsDir},${options.denoDir}`,
				`--v8-flags=--max-old-space-size=${MEMORY_LIMIT_MB}`,
				...caFileFlag(),
				BOOTSTRAP,
				pathToFileURL(join(functionDir, 'index.ts')).href,
			],
			{
				cwd: functionDir,
				// Only what Supabase gives a function: nothing of the stack's own environment.
				env: { ...options.environment(), ...denoEnvironment(options.denoDir) },
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		const prefix = `functions/${name}[${this.child.pid}]`;
		const exited = new Promise<string>((resolve) => {
			this.child.once('error', (error) => resolve(`could not be started: ${error.message}`));
			this.child.once('exit', (code, signal) =>
				resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`),
			);
		});
		this.ready = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(
					new BootError(`${prefix}: did not start serving within ${BOOT_TIMEOUT_MS / 1000} s`),
				);
				this.stop();
			}, BOOT_TIMEOUT_MS);
			createInterface({ input: this.child.stdout! }).on('line', (line) => {
				if (this.port === 0 && line.startsWith(READY_PREFIX)) {
					this.port = Number(line.slice(READY_PREFIX.length));
					clearTimeout(timer);
					options.log(`${prefix}: serving after ${Math.round(performance.now() - started)} ms`);
					resolve();
				} else options.log(`${prefix}: ${line}`);
			});
			void exited.then((description) => {
				clearTimeout(timer);
				reject(
					new BootError(
						`${prefix}: failed to boot: it ${description} (its output is logged above)`,
					),
				);
			});
		});
		this.ready.catch(() => {});
		createInterface({ input: this.child.stderr! }).on('line', (line) =>
			options.log(`${prefix}: ${line}`),
		);
		this.exited = exited.then((description) => {
			if (this.port !== 0 && !this.stopping) {
				options.log(
					`${prefix}: ${description} unexpectedly; it is started again on its next request`,
				);
			}
			onExit(this);
		});
	}

	async track<T>(request: Promise<T>): Promise<T> {
		this.inFlight += 1;
		try {
			return await request;
		} finally {
			this.inFlight -= 1;
			if (this.retired && this.inFlight === 0) this.stop();
		}
	}

	/** Stops the worker once its requests have finished (its files changed). */
	retire(): void {
		this.retired = true;
		if (this.inFlight === 0) this.stop();
	}

	stop(): Promise<void> {
		if (!this.stopping && this.child.exitCode === null && this.child.signalCode === null) {
			this.stopping = true;
			this.child.kill('SIGTERM');
			const kill = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
			void this.exited.then(() => clearTimeout(kill));
		}
		return this.exited;
	}
}

export class FunctionWorkers {
	/** The worker new requests of each function go to. */
	private readonly workers = new Map<string, DenoWorker>();
	/** Every process still running, including replaced ones finishing their last requests. */
	private readonly running = new Set<DenoWorker>();
	private readonly watcher: FSWatcher | undefined;
	private closed = false;

	constructor(private readonly options: WorkerOptions) {
		// As `supabase functions serve` does: an edit takes effect on the next request.
		this.watcher = existsSync(options.functionsDir)
			? watch(options.functionsDir, { recursive: true }, () => this.retireAll())
			: undefined;
		this.watcher?.on('error', (error) =>
			options.log(`functions: watching ${options.functionsDir} failed: ${error.message}`),
		);
	}

	/** The running worker of a function, started if needed; rejects with BootError. */
	async get(name: string): Promise<Worker> {
		if (this.closed) throw new Error('the functions service is closed');
		let worker = this.workers.get(name);
		if (!worker) {
			worker = new DenoWorker(name, this.options, (exited) => {
				this.running.delete(exited);
				if (this.workers.get(name) === exited) this.workers.delete(name);
			});
			this.workers.set(name, worker);
			this.running.add(worker);
		}
		await worker.ready;
		return worker;
	}

	private retireAll(): void {
		for (const worker of this.workers.values()) worker.retire();
		this.workers.clear();
	}

	async close(): Promise<void> {
		this.closed = true;
		this.watcher?.close();
		this.workers.clear();
		await Promise.all([...this.running].map((worker) => worker.stop()));
	}
}
