// Stripe for the local stack: the simulator, and the function secret that points the Edge
// Functions at it. Sellers connect with a restricted key on the Integrations page as they would
// with Stripe; the demo account's key is fixed (below) so a connection saved by an earlier run still
// works. A developer who sets STRIPE_API_URL in supabase/functions/.env talks to that server instead.
// The simulator is also a Stripe Connect platform, so the page offers "Connect with Stripe" too.
import { startStripeSimulator } from './stripe-simulator/index.ts';

/** The simulator demo account's restricted key: well known and local only, like the CLI's JWT secret. */
export const localDemoStripeKey = 'rk_test_localDemoBoutiqueRestrictedKey';

export async function startLocalStripe(options: {
	port: number;
	/** The local API gateway, where the platform's Connect webhook endpoint delivers (absent: none). */
	apiUrl?: string;
	log: (line: string) => void;
}) {
	const simulator = await startStripeSimulator({
		port: options.port,
		demoRestrictedKey: localDemoStripeKey,
		...(options.apiUrl
			? { connectWebhookUrl: `${options.apiUrl}/functions/v1/stripe-webhook/connect` }
			: {}),
		log: (line) =>
			options.log(line.startsWith('stripe-simulator: ') ? line : `stripe-simulator: ${line}`),
	});
	return {
		simulator,
		functionSecrets: {
			STRIPE_API_URL: simulator.url,
			STRIPE_CONNECT_URL: simulator.url,
			STRIPE_CLIENT_ID: simulator.platform.clientId,
			STRIPE_SECRET_KEY: simulator.platform.secretKey,
			...(simulator.platform.connectWebhookSecret
				? { STRIPE_CONNECT_WEBHOOK_SECRET: simulator.platform.connectWebhookSecret }
				: {}),
		},
	};
}
