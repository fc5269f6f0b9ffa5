// The simulator on its own: `node --import tsx stack/meta-simulator/main.ts [--port 54330] [--demo]`.
// App id and secret come from META_APP_ID and META_APP_SECRET (local defaults otherwise); --demo
// puts the demo Page and Instagram account on air with viewers commenting.
import { parseArgs } from 'node:util';
import { startSimulatorDemo } from './demo.ts';
import { startMetaSimulator } from './index.ts';

const { values } = parseArgs({
	options: {
		port: { type: 'string', default: process.env.META_SIMULATOR_PORT ?? '54330' },
		demo: { type: 'boolean', default: false },
	},
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
	throw new Error(`--port must be a TCP port, got "${values.port}"`);

const simulator = await startMetaSimulator({
	port,
	appId: process.env.META_APP_ID || '1234567890123456',
	appSecret: process.env.META_APP_SECRET || 'local-meta-app-secret',
	log: console.log,
});
const demo = values.demo ? await startSimulatorDemo(simulator) : undefined;
console.log(`META_GRAPH_URL="${simulator.graphUrl}"`);
console.log(`META_DIALOG_URL="${simulator.dialogUrl}"`);
if (demo)
	console.log(
		`meta-simulator: Facebook live ${demo.facebookLive.id} and Instagram live ${demo.instagramLive?.id ?? '(none)'} on air with viewers commenting`,
	);
console.log('Press Ctrl-C to stop.');

const shutdown = async () => {
	demo?.stop();
	await simulator.stop();
	process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
