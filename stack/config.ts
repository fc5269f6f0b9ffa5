// Settings of the local stack: read from supabase/config.toml (the Supabase CLI's own file)
// with the CLI's local defaults, overridable by environment variables.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { signJwt } from './jwt.ts';

export const projectRoot = resolve(import.meta.dirname, '..');
export const supabaseDir = join(projectRoot, 'supabase');

/** The Supabase CLI's well-known local JWT secret; never used by a hosted project. */
export const LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
/** Expiry of the CLI's local API keys (2032-10-31), so the keys equal the CLI's byte for byte. */
const LOCAL_KEY_EXPIRY = 1983812996;

export interface FunctionSettings {
	verifyJwt: boolean;
}

export interface StackConfig {
	apiPort: number;
	dbPort: number;
	apiUrl: string;
	dbUrl: string;
	/** The role PostgREST and Realtime log in as before switching to the JWT's role. */
	authenticatorUrl: string;
	jwtSecret: string;
	jwtExpiry: number;
	anonKey: string;
	serviceRoleKey: string;
	exposedSchemas: string[];
	maxRows: number;
	minimumPasswordLength: number;
	siteUrl: string;
	dataDir: string;
	functionsDir: string;
	functionsEnvFile: string;
	/** Secrets the stack itself supplies (e.g. the Meta simulator's URLs); the env file overrides them. */
	functionSecretDefaults: Record<string, string>;
	functions: Record<string, FunctionSettings>;
}

interface ConfigToml {
	api?: { port?: number; schemas?: string[]; max_rows?: number };
	db?: { port?: number };
	auth?: { jwt_expiry?: number; site_url?: string; minimum_password_length?: number };
	functions?: Record<string, { verify_jwt?: boolean }>;
}

function portFromEnv(name: string, fallback: number): number {
	const value = process.env[name];
	if (value === undefined || value === '') return fallback;
	const port = Number(value);
	if (!Number.isInteger(port) || port < 1 || port > 65535)
		throw new Error(`${name} must be a TCP port, got "${value}"`);
	return port;
}

export async function loadConfig(overrides: { dataDir?: string } = {}): Promise<StackConfig> {
	const toml = parse(readFileSync(join(supabaseDir, 'config.toml'), 'utf8')) as ConfigToml;
	const apiPort = portFromEnv('SUPABASE_API_PORT', toml.api?.port ?? 54321);
	const dbPort = portFromEnv('SUPABASE_DB_PORT', toml.db?.port ?? 54322);
	const jwtSecret = process.env.SUPABASE_JWT_SECRET || LOCAL_JWT_SECRET;
	const apiKey = (role: string) =>
		signJwt({ iss: 'supabase-demo', role, exp: LOCAL_KEY_EXPIRY }, jwtSecret, { noIssuedAt: true });
	const functions: Record<string, FunctionSettings> = {};
	for (const [name, settings] of Object.entries(toml.functions ?? {})) {
		functions[name] = { verifyJwt: settings.verify_jwt ?? true };
	}
	return {
		apiPort,
		dbPort,
		apiUrl: `http://127.0.0.1:${apiPort}`,
		dbUrl: `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`,
		authenticatorUrl: `postgresql://authenticator:postgres@127.0.0.1:${dbPort}/postgres`,
		jwtSecret,
		jwtExpiry: toml.auth?.jwt_expiry ?? 3600,
		anonKey: await apiKey('anon'),
		serviceRoleKey: await apiKey('service_role'),
		exposedSchemas: toml.api?.schemas ?? ['public'],
		maxRows: toml.api?.max_rows ?? 1000,
		minimumPasswordLength: toml.auth?.minimum_password_length ?? 6,
		siteUrl: toml.auth?.site_url ?? 'http://127.0.0.1:3000',
		dataDir: resolve(
			overrides.dataDir ?? process.env.STACK_DATA_DIR ?? join(projectRoot, 'stack', '.data'),
		),
		functionsDir: join(supabaseDir, 'functions'),
		functionsEnvFile: join(supabaseDir, 'functions', '.env'),
		functionSecretDefaults: {},
		functions,
	};
}

/** Function secrets from supabase/functions/.env (the CLI's convention), as KEY=value lines. */
export function readFunctionSecrets(config: StackConfig): Record<string, string> {
	if (!existsSync(config.functionsEnvFile)) return {};
	const secrets: Record<string, string> = {};
	for (const line of readFileSync(config.functionsEnvFile, 'utf8').split(/\r?\n/)) {
		const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
		if (!match) continue;
		const value = match[2].replace(/^(['"])(.*)\1$/, '$2');
		// A blank value (as in a copied .env.example) leaves the stack's default in place.
		if (value !== '') secrets[match[1]] = value;
	}
	return secrets;
}

/** The same variables, in the same form, as `supabase status -o env`. */
export function statusEnv(config: StackConfig): Record<string, string> {
	return {
		API_URL: config.apiUrl,
		REST_URL: `${config.apiUrl}/rest/v1`,
		FUNCTIONS_URL: `${config.apiUrl}/functions/v1`,
		DB_URL: config.dbUrl,
		JWT_SECRET: config.jwtSecret,
		ANON_KEY: config.anonKey,
		SERVICE_ROLE_KEY: config.serviceRoleKey,
	};
}
