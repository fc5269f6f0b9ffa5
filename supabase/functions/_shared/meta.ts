// The Meta pieces built from configuration once per worker: the Graph client, the token cipher,
// and the connection a function acts for, with its token decrypted (the only place tokens are).
import type { SupabaseClient } from 'npm:@supabase/supabase-js@2';
import { config } from './config.ts';
import { GraphApiError, GraphClient } from './graph.ts';
import { HttpError } from './http.ts';
import { rpc, serviceClient } from './supabase.ts';
import { createTokenCipher, type TokenCipher } from './token-crypto.ts';

let graph: GraphClient | undefined;
let cipher: Promise<TokenCipher> | undefined;

export function graphClient(): GraphClient {
	const { META_GRAPH_URL, META_APP_SECRET } = config('META_GRAPH_URL', 'META_APP_SECRET');
	graph ??= new GraphClient({ baseUrl: META_GRAPH_URL, appSecret: META_APP_SECRET });
	return graph;
}

export function tokenCipher(): Promise<TokenCipher> {
	const { TOKEN_ENCRYPTION_KEY } = config('TOKEN_ENCRYPTION_KEY');
	cipher ??= createTokenCipher(TOKEN_ENCRYPTION_KEY).catch((error: Error) => {
		cipher = undefined;
		throw new HttpError(500, 'function_not_configured', error.message);
	});
	return cipher;
}

export interface ConnectionCredentials {
	id: string;
	workspace_id: string;
	platform: 'facebook' | 'instagram';
	external_account_id: string;
	display_name: string | null;
	status: 'active' | 'expired' | 'revoked';
	meta_user_id: string | null;
	encrypted_access_token: string | null;
	encrypted_user_access_token: string | null;
	/** Other connections holding a token Meta granted to the same Meta user. */
	connections_sharing_meta_user: number;
}

export async function connectionCredentials(connectionId: string): Promise<ConnectionCredentials> {
	const found = await rpc<ConnectionCredentials | null>(
		serviceClient(),
		'meta_connection_credentials',
		{ connection_id: connectionId },
	);
	if (!found) throw new HttpError(404, 'not_found', 'connection not found');
	return found;
}

/** The connection's access token in clear, or 409 when it has none usable (reconnect). */
export async function accessToken(connection: ConnectionCredentials): Promise<string> {
	if (connection.status !== 'active' || !connection.encrypted_access_token) {
		throw new HttpError(
			409,
			'reconnect_required',
			`the ${connection.platform} connection is ${connection.status}: reconnect it`,
			{
				connection_id: connection.id,
				status: connection.status,
			},
		);
	}
	return (await tokenCipher()).decrypt(connection.encrypted_access_token);
}

/** Records what a token error means for the connection (expired or revoked), for the console. */
export async function recordTokenProblem(
	client: SupabaseClient,
	connectionId: string,
	error: GraphApiError,
): Promise<void> {
	const status = error.connectionStatus;
	if (!status) return;
	await rpc(client, 'meta_set_connection_status', {
		connection_id: connectionId,
		status,
		detail: error.message,
	});
}

/** A Graph failure as the function's answer: token problems ask for a reconnect. */
export function graphFailure(error: GraphApiError, connectionId: string): HttpError {
	if (error.kind === 'token') {
		return new HttpError(
			409,
			'reconnect_required',
			`Meta no longer accepts this connection's token: ${error.message}`,
			{
				connection_id: connectionId,
				status: error.connectionStatus,
			},
		);
	}
	const status = error.kind === 'throttled' ? 429 : error.kind === 'permission' ? 403 : 502;
	return new HttpError(status, `meta_${error.kind}`, error.message, { meta: error.toJSON() });
}
