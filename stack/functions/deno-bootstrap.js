// Runs one Edge Function inside Deno the way Supabase's edge runtime hosts it: the function's
// `Deno.serve(handler)` (or `export default { fetch }`) is served on 127.0.0.1 at a port Deno
// picks, announced on stdout for stack/functions/workers.ts. Plain JavaScript on purpose: this
// file runs under Deno, not Node, so it stays out of the project's TypeScript check.
// Usage: deno run <permissions> deno-bootstrap.js <file URL of the function's index.ts>

const READY_PREFIX = '\u0000edge-function-listening:';
const [entrypoint] = Deno.args;

// Set for Deno itself (by workers.ts, or by Deno); read at its start, so the function sees only
// Supabase's variables and its secrets.
for (const name of ['DENO_DIR', 'NO_COLOR', 'PATH', 'DENO_NODE_SHIM_ACTIVE']) Deno.env.delete(name);

/** The hosted runtime's answer when a handler throws (see stack/functions/index.ts). */
function workerError(error) {
	console.error(error);
	return Response.json(
		{ code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' },
		{ status: 500, headers: { 'sb-error-code': 'EDGE_FUNCTION_ERROR' } },
	);
}

const serve = Deno.serve.bind(Deno);
let served = false;

// Whatever address the function asks for, it listens where the stack forwards requests to.
Deno.serve = (first, second) => {
	if (served)
		throw new Error('Deno.serve was called twice: an Edge Function serves exactly one handler');
	served = true;
	const options = typeof first === 'function' ? {} : { ...first };
	const handler = typeof first === 'function' ? first : (second ?? options.handler);
	if (typeof handler !== 'function') throw new TypeError('Deno.serve needs a handler function');
	return serve({
		signal: options.signal,
		onError: options.onError ?? workerError,
		hostname: '127.0.0.1',
		port: 0,
		onListen: ({ port }) => console.log(`${READY_PREFIX}${port}`),
		handler,
	});
};

// The edge runtime's global for work that outlives the response; this process stays up anyway.
globalThis.EdgeRuntime = {
	waitUntil(promise) {
		return Promise.resolve(promise).catch((error) =>
			console.error('EdgeRuntime.waitUntil task failed:', error),
		);
	},
};

const module = await import(entrypoint);
if (!served) {
	const fetchHandler = module.default?.fetch;
	if (typeof fetchHandler !== 'function') {
		console.error(
			'the function neither called Deno.serve(handler) nor exported a default { fetch } handler',
		);
		Deno.exit(1);
	}
	Deno.serve((request, info) => fetchHandler.call(module.default, request, info));
}
