// Stripe Connect OAuth for Standard accounts, as the platform (STRIPE_CLIENT_ID, STRIPE_SECRET_KEY):
// the authorize URL the seller is sent to, the code exchange and the deauthorization. These live on
// connect.stripe.com (STRIPE_CONNECT_URL), not the API host, and answer errors in OAuth's shape
// {error, error_description} (https://docs.stripe.com/connect/oauth-reference), so they are plain
// form POSTs authenticated with the platform's secret key. (The platform's settings: connectPlatform
// in integration.ts.)
export class StripeOAuthError extends Error {
	constructor(
		/** Stripe's OAuth error code: invalid_grant, invalid_client, access_denied, … */
		readonly code: string,
		message: string,
		readonly status: number | null,
	) {
		super(message);
	}
}

export interface ConnectPlatform {
	clientId: string;
	secretKey: string;
	connectUrl: string;
}

/** read_write: the platform acts on the account (customers, invoices) with the Stripe-Account header. */
export function authorizeUrl(
	platform: ConnectPlatform,
	state: string,
	redirectUri: string,
): string {
	const url = new URL(`${platform.connectUrl}/oauth/authorize`);
	url.searchParams.set('response_type', 'code');
	url.searchParams.set('client_id', platform.clientId);
	url.searchParams.set('scope', 'read_write');
	url.searchParams.set('state', state);
	url.searchParams.set('redirect_uri', redirectUri);
	return url.href;
}

export interface ConnectedAccount {
	stripeUserId: string;
	accessToken: string;
	refreshToken: string | null;
	livemode: boolean;
}

async function post(
	platform: ConnectPlatform,
	path: string,
	params: Record<string, string>,
): Promise<Record<string, unknown>> {
	let response: Response;
	try {
		response = await fetch(`${platform.connectUrl}${path}`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${platform.secretKey}`,
				'content-type': 'application/x-www-form-urlencoded',
			},
			body: new URLSearchParams(params),
			signal: AbortSignal.timeout(15_000),
		});
	} catch (error) {
		throw new StripeOAuthError(
			'unavailable',
			`Stripe could not be reached: ${String(error)}`,
			null,
		);
	}
	const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
	if (!response.ok || typeof body.error === 'string') {
		const error = body.error as unknown;
		// OAuth errors are {error: code, error_description}; API-style ones {error: {message}}.
		const code =
			typeof error === 'string'
				? error
				: response.status >= 500
					? 'unavailable'
					: 'invalid_request';
		const description =
			typeof body.error_description === 'string'
				? body.error_description
				: ((error as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`);
		throw new StripeOAuthError(code, description, response.status);
	}
	return body;
}

/** Exchanges the authorization code (single use, valid 5 minutes) for the connected account. */
export async function exchangeCode(
	platform: ConnectPlatform,
	code: string,
): Promise<ConnectedAccount> {
	const body = await post(platform, '/oauth/token', { grant_type: 'authorization_code', code });
	if (typeof body.stripe_user_id !== 'string' || typeof body.access_token !== 'string')
		throw new StripeOAuthError(
			'invalid_response',
			'Stripe answered without a connected account',
			null,
		);
	return {
		stripeUserId: body.stripe_user_id,
		accessToken: body.access_token,
		refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
		livemode: body.livemode === true,
	};
}

/** Revokes the platform's access to the account; an account already disconnected is done. */
export async function deauthorize(platform: ConnectPlatform, stripeUserId: string): Promise<void> {
	try {
		await post(platform, '/oauth/deauthorize', {
			client_id: platform.clientId,
			stripe_user_id: stripeUserId,
		});
	} catch (error) {
		// "This application is not connected to stripe account acct_…": the seller revoked it.
		if (error instanceof StripeOAuthError && error.code === 'invalid_client') return;
		throw error;
	}
}
