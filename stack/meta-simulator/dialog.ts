// The OAuth login dialog: `GET <dialogUrl>?client_id&redirect_uri&state&scope&response_type=code`
// shows "Continue as <name>" for the person logged in to (simulated) Facebook; continuing
// redirects to redirect_uri with `code` and `state`, cancelling with Meta's access_denied error.
// A bad client_id, redirect_uri or scope gets an error page and never a redirect, as at Meta.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, readBody } from '../http.ts';
import type { GraphContext } from './graph.ts';
import { isKnownScope } from './scopes.ts';

interface DialogRequest {
	clientId: string;
	redirectUri: string;
	state: string | null;
	scopes: string[];
	responseType: string;
}

class DialogError extends Error {
	constructor(
		readonly title: string,
		message: string,
	) {
		super(message);
	}
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function validate(graph: GraphContext, params: URLSearchParams): DialogRequest {
	const clientId = params.get('client_id') ?? '';
	if (clientId !== graph.app.id)
		throw new DialogError(
			'Invalid App ID',
			'The provided app ID does not look like a valid app ID.',
		);
	const redirectUri = params.get('redirect_uri') ?? '';
	let parsed: URL | undefined;
	try {
		parsed = new URL(redirectUri);
	} catch {
		parsed = undefined;
	}
	const allowed = graph.core.dialog.allowedRedirectUris;
	if (
		!parsed ||
		!['http:', 'https:'].includes(parsed.protocol) ||
		parsed.hash !== '' ||
		(allowed !== null && !allowed.includes(redirectUri))
	) {
		throw new DialogError(
			'URL blocked',
			"This redirect failed because the redirect URI is not white-listed in the app's client OAuth settings. Make sure that the client and web OAuth logins are on and add all your app domains as valid OAuth redirect URIs.",
		);
	}
	const responseType = params.get('response_type') ?? 'code';
	if (responseType !== 'code')
		throw new DialogError(
			'Unsupported response_type',
			`The simulator answers response_type=code only, got '${responseType}'.`,
		);
	const scopes = [...new Set((params.get('scope') ?? '').split(/[,\s]+/).filter(Boolean))];
	const invalid = scopes.filter((scope) => !isKnownScope(scope));
	if (invalid.length > 0) {
		throw new DialogError(
			'Invalid Scopes',
			`Invalid Scopes: ${invalid.join(', ')}. This message is only shown to developers. Users of your app will ignore these permissions if present. Please read the documentation for valid permissions at: https://developers.facebook.com/docs/facebook-login/permissions`,
		);
	}
	return {
		clientId,
		redirectUri,
		state: params.get('state'),
		scopes: scopes.length > 0 ? scopes : ['public_profile'],
		responseType,
	};
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f0f2f5; margin: 0; display: grid; place-items: center; min-height: 100vh; color: #1c1e21; }
main { background: #fff; border-radius: 8px; box-shadow: 0 2px 12px rgb(0 0 0 / 0.15); padding: 2rem; max-width: 26rem; }
h1 { font-size: 1.25rem; }
ul { padding-left: 1.25rem; color: #444; }
.actions { display: grid; gap: 0.75rem; margin-top: 1.5rem; }
button { font: inherit; font-weight: 600; padding: 0.75rem; border-radius: 6px; border: 1px solid #ccd0d5; background: #e4e6eb; cursor: pointer; }
button.primary { background: #0866ff; border-color: #0866ff; color: #fff; }
button:focus-visible { outline: 3px solid #1c1e21; outline-offset: 2px; }
</style></head>
<body><main>${body}</main></body>
</html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
	res.writeHead(status, {
		'content-type': 'text/html; charset=utf-8',
		'cache-control': 'no-store',
		'x-frame-options': 'DENY',
	});
	res.end(html);
}

/** `redirect_uri` with these parameters added and Facebook's `#_=_` fragment. */
function redirectTarget(redirectUri: string, parameters: Record<string, string | null>): string {
	const target = new URL(redirectUri);
	for (const [name, value] of Object.entries(parameters))
		if (value !== null) target.searchParams.set(name, value);
	return `${target.toString()}#_=_`;
}

export async function handleDialog(
	graph: GraphContext,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	confirming: boolean,
): Promise<void> {
	const started = performance.now();
	let status = 200;
	let params = url.searchParams;
	try {
		if (confirming) {
			if (req.method !== 'POST')
				throw new DialogError('Method not allowed', 'Use the buttons of the login dialog.');
			params = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
		} else if (req.method !== 'GET')
			throw new DialogError('Method not allowed', 'Open the login dialog with GET.');
		const request = validate(graph, params);
		const { world, dialog } = graph.core;
		const user = world.user(dialog.userId);
		if (confirming) {
			status = 302;
			const location =
				params.get('decision') === 'continue'
					? redirectTarget(request.redirectUri, {
							code: world.issueCode({
								userId: user.id,
								redirectUri: request.redirectUri,
								scopes: request.scopes,
							}).value,
							state: request.state,
						})
					: redirectTarget(request.redirectUri, {
							error: 'access_denied',
							error_code: '200',
							error_description: 'Permissions error',
							error_reason: 'user_denied',
							state: request.state,
						});
			if (params.get('decision') === 'continue')
				user.grantedScopes = [...new Set([...user.grantedScopes, ...request.scopes])];
			res.writeHead(302, { location, 'cache-control': 'no-store' });
			res.end();
			return;
		}
		const hidden = ['client_id', 'redirect_uri', 'state', 'scope', 'response_type']
			.map((name) => [name, params.get(name)] as const)
			.filter((entry): entry is readonly [string, string] => entry[1] !== null)
			.map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
			.join('');
		sendHtml(
			res,
			200,
			page(
				`Log in with Facebook — ${graph.app.name}`,
				`<h1>${escapeHtml(graph.app.name)} is requesting access to:</h1>
<ul>${request.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('')}</ul>
<p>Logged in as <strong>${escapeHtml(user.name)}</strong>.</p>
<form method="post" action="${escapeHtml(url.pathname)}/confirm">${hidden}
<div class="actions">
<button class="primary" type="submit" name="decision" value="continue">Continue as ${escapeHtml(user.name)}</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</div>
</form>`,
			),
		);
	} catch (error) {
		const failure =
			error instanceof PayloadTooLargeError
				? new DialogError('Request too large', error.message)
				: error;
		if (!(failure instanceof DialogError)) throw failure;
		status = 400;
		sendHtml(
			res,
			status,
			page(
				failure.title,
				`<h1>${escapeHtml(failure.title)}</h1><p role="alert">${escapeHtml(failure.message)}</p>`,
			),
		);
	} finally {
		const path = url.pathname.replace(/^\/v[0-9]+\.[0-9]+/, '');
		graph.core.requestLog.add({
			at: new Date().toISOString(),
			method: req.method ?? 'GET',
			path,
			query: Object.fromEntries(params),
			status,
			durationMs: Math.round(performance.now() - started),
		});
	}
}
