// Meta for the local stack: the simulator, and the function secrets that point the Edge Functions
// at it. A developer who puts real values in supabase/functions/.env talks to Meta instead (the
// env file overrides these). The values are well known and local only, like the CLI's JWT secret.
import type { StackConfig } from './config.ts';
import { startMetaSimulator, type MetaSimulator } from './meta-simulator/index.ts';

const localApp = { appId: '1234567890123456', appSecret: 'local-meta-app-secret' };

/** The simulator, and the function secrets that point at it (StackConfig.functionSecretDefaults). */
export async function startLocalMeta(options: {
	port: number;
	consoleUrl: string;
	log: (line: string) => void;
}) {
	const simulator = await startMetaSimulator({
		...localApp,
		appName: 'Live Sale Listener (local)',
		port: options.port,
		log: (line) =>
			options.log(line.startsWith('meta-simulator: ') ? line : `meta-simulator: ${line}`),
	});
	const functionSecrets: Record<string, string> = {
		META_APP_ID: localApp.appId,
		META_APP_SECRET: localApp.appSecret,
		META_GRAPH_URL: simulator.graphUrl,
		META_DIALOG_URL: simulator.dialogUrl,
		META_WEBHOOK_VERIFY_TOKEN: 'local-webhook-verify-token',
		// base64 of "local-only-token-key-not-secret!": stable, so stored tokens decrypt after a restart.
		TOKEN_ENCRYPTION_KEY: 'bG9jYWwtb25seS10b2tlbi1rZXktbm90LXNlY3JldCE=',
		DEV_HARNESS_ENABLED: 'true',
		CONSOLE_ORIGINS: new URL(options.consoleUrl).origin,
	};
	return { simulator, functionSecrets };
}

/**
 * Once the stack serves functions: the `instagram` object (live comments, Instagram messages) is
 * delivered to ig-webhook, the `page` object (Messenger messages) to meta-messaging.
 */
export function deliverWebhooksTo(simulator: MetaSimulator, config: StackConfig): void {
	simulator.setWebhook({ callbackUrl: `${config.apiUrl}/functions/v1/ig-webhook` });
	simulator.setWebhook({
		object: 'page',
		callbackUrl: `${config.apiUrl}/functions/v1/meta-messaging`,
	});
}
