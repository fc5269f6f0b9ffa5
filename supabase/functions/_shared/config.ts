// The functions' configuration: the only module that reads Deno.env. Each function asks for the
// names it needs; a missing or malformed secret is an answer naming it, not a crash at boot.
import { z } from 'npm:zod@4';
import { HttpError } from './http.ts';

const origins = z
	.string()
	.transform((value) =>
		value
			.split(',')
			.map((part) => part.trim())
			.filter(Boolean),
	)
	.pipe(z.array(z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)));

const schemas = {
	SUPABASE_URL: z.url(),
	SUPABASE_ANON_KEY: z.string().min(1),
	SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
	META_APP_ID: z
		.string()
		.regex(/^[0-9A-Za-z_-]+$/, 'must be the app id from the Meta app dashboard'),
	META_APP_SECRET: z.string().min(8, 'must be the app secret from the Meta app dashboard'),
	/** The Graph API base including the pinned version, e.g. https://graph.facebook.com/v24.0 */
	META_GRAPH_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
	META_DIALOG_URL: z.url({ protocol: /^https?$/ }),
	META_WEBHOOK_VERIFY_TOKEN: z
		.string()
		.min(8, 'must be a long random string (at least 8 characters)'),
	/**
	 * The project's JWT secret (Settings › API › JWT secret; legacy HS256): overlay-session signs
	 * the OBS overlay's short sessions with it, so PostgREST and Realtime take them.
	 */
	OVERLAY_JWT_SECRET: z
		.string()
		.min(32, 'must be the project’s JWT secret (32 characters or more)'),
	/** One or more base64 keys of 32 bytes, comma-separated; the first encrypts (see token-crypto.ts). */
	TOKEN_ENCRYPTION_KEY: z.string().min(1),
	DEV_HARNESS_ENABLED: z
		.enum(['true', 'false', ''])
		.default('false')
		.transform((value) => value === 'true'),
	/**
	 * Optional: another Stripe API server (the local simulator); unset, the client talks to
	 * api.stripe.com. Sellers' keys are per workspace (the integrations function saves them).
	 */
	STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
	/**
	 * Optional, together: Stripe Connect OAuth (Standard accounts). The platform's client id (ca_…)
	 * and secret key; with both set the Integrations page offers "Connect with Stripe".
	 */
	STRIPE_CLIENT_ID: z
		.string()
		.regex(/^ca_[A-Za-z0-9]{8,}$/)
		.optional(),
	STRIPE_SECRET_KEY: z
		.string()
		.regex(/^sk_(live|test)_[A-Za-z0-9]{8,}$/)
		.optional(),
	/** Where Connect's OAuth lives: connect.stripe.com, or the local simulator. */
	STRIPE_CONNECT_URL: z.url({ protocol: /^https?$/ }).default('https://connect.stripe.com'),
	/** Signing secret of the platform's Connect webhook endpoint (events of connected accounts). */
	STRIPE_CONNECT_WEBHOOK_SECRET: z
		.string()
		.regex(/^whsec_/)
		.optional(),
	/**
	 * Optional: the console's origins (comma-separated) the OAuth callback may send the browser
	 * back to. Unset, only loopback origins (local development) are allowed.
	 */
	CONSOLE_ORIGINS: origins.optional(),
};

type Schemas = typeof schemas;
export type ConfigName = keyof Schemas;
export type Config<K extends ConfigName> = { [P in K]: z.output<Schemas[P]> };

const cache = new Map<ConfigName, unknown>();

/** The named settings, validated; a 500 answer naming every missing or invalid one otherwise. */
export function config<K extends ConfigName>(...names: K[]): Config<K> {
	const problems: string[] = [];
	const values: Partial<Record<ConfigName, unknown>> = {};
	for (const name of names) {
		if (cache.has(name)) {
			values[name] = cache.get(name);
			continue;
		}
		const raw = Deno.env.get(name);
		const optional = schemas[name].safeParse(undefined).success;
		if ((raw === undefined || raw === '') && !optional) {
			problems.push(`${name} is not set`);
			continue;
		}
		const parsed = schemas[name].safeParse(raw === '' ? undefined : raw);
		if (!parsed.success) {
			problems.push(`${name} ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
			continue;
		}
		cache.set(name, parsed.data);
		values[name] = parsed.data;
	}
	if (problems.length > 0) {
		throw new HttpError(
			500,
			'function_not_configured',
			`${problems.join('; ')}. Set the function secrets with \`supabase secrets set NAME=value\` (locally in supabase/functions/.env; see .env.example).`,
		);
	}
	return values as Config<K>;
}
