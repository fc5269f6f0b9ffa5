// The simulator on its own: `node --import tsx stack/stripe-simulator/main.ts [--port 54331]`.
import { parseArgs } from 'node:util';
import { startStripeSimulator } from './index.ts';

const { values } = parseArgs({
	options: { port: { type: 'string', default: process.env.STRIPE_SIMULATOR_PORT ?? '54331' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
	throw new Error(`--port must be a TCP port, got "${values.port}"`);

const simulator = await startStripeSimulator({ port, log: console.log });
console.log(`STRIPE_API_URL="${simulator.url}"`);
console.log(
	`stripe-simulator: demo account ${simulator.demo.accountId}, restricted key ${simulator.demo.restrictedKey}`,
);
console.log('Press Ctrl-C to stop.');

const shutdown = async () => {
	await simulator.stop();
	process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
