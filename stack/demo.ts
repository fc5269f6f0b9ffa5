// The demo `npm start` runs so a newcomer sees claims flow, through the product's real path: the
// demo seller connects the simulator's Facebook Page with the meta-oauth function (clicking
// "Continue" in the simulator's dialog on their behalf), a show is bound to the Page's live video,
// and fb-poll, on its 2-second schedule, brings the simulated viewers' comments to the engine.
// The seller's Stripe is the Stripe simulator's demo account, connected through integrations;
// invoices go out when the show stops (Stop in the live console) and the demo's buyers pay two in
// three of them on the simulator a few seconds later, so the summary shows paid and unpaid buyers.
// Local only; it never runs against a hosted project.
import type { SupabaseClient } from '@supabase/supabase-js';
import { createHash, randomBytes } from 'node:crypto';
import { apiClient, rpc } from './api-client.ts';
import type { StackConfig } from './config.ts';
import { startSimulatorDemo } from './meta-simulator/demo.ts';
import type { MetaSimulator } from './meta-simulator/index.ts';
import type { StripeSimulator } from './stripe-simulator/index.ts';
import { localDemoStripeKey } from './local-stripe.ts';

export const demoSeller = { email: 'demo@example.test', password: 'demo password' };
const itemCount = 30;

async function signedInSeller(config: StackConfig): Promise<SupabaseClient> {
	const seller = apiClient(config.apiUrl, config.anonKey);
	let signIn = await seller.auth.signInWithPassword(demoSeller);
	if (signIn.error?.code === 'invalid_credentials') {
		const signUp = await seller.auth.signUp(demoSeller);
		if (signUp.error) throw new Error(`demo: sign-up failed: ${signUp.error.message}`);
		signIn = await seller.auth.signInWithPassword(demoSeller);
	}
	if (signIn.error) throw new Error(`demo: sign-in failed: ${signIn.error.message}`);
	return seller;
}

async function invoke<T>(
	seller: SupabaseClient,
	path: string,
	body: Record<string, unknown>,
): Promise<T> {
	const { data, error } = await seller.functions.invoke<T>(path, { body });
	if (error) throw new Error(`demo: ${path} failed: ${error.message}`);
	return data as T;
}

/**
 * The seller's connection to a simulator account, made (or renewed) by Meta sign-in as the
 * dialog's user: the demo Page unless another account is named.
 */
export async function connectDemoPage(
	seller: SupabaseClient,
	workspaceId: string,
	consoleUrl: string,
	simulator: MetaSimulator,
	account: { platform: 'facebook' | 'instagram'; externalAccountId: string } = {
		platform: 'facebook',
		externalAccountId: simulator.demo.page.id,
	},
): Promise<string> {
	// The demo plays the browser: it keeps the sign-in's nonce as the console's cookie would.
	const browserNonce = randomBytes(32).toString('base64url');
	const { url } = await invoke<{ url: string }>(seller, 'meta-oauth/start', {
		workspace_id: workspaceId,
		platform: account.platform,
		return_to: `${consoleUrl}/connections`,
		browser_binding: createHash('sha256').update(browserNonce).digest('base64url'),
	});
	const dialog = new URL(url);
	const consent = new URLSearchParams(dialog.searchParams);
	consent.set('decision', 'continue');
	const confirmed = await fetch(`${dialog.origin}${dialog.pathname}/confirm`, {
		method: 'POST',
		body: consent,
		redirect: 'manual',
	});
	const callback = await fetch(confirmed.headers.get('location') ?? '', { redirect: 'manual' });
	const back = new URL(callback.headers.get('location') ?? '', consoleUrl);
	const code = back.searchParams.get('code');
	if (!code)
		throw new Error(
			`demo: Meta sign-in did not complete: ${back.searchParams.get('message') ?? callback.status}`,
		);
	const { pending_id: pendingId } = await invoke<{ pending_id: string }>(
		seller,
		'meta-oauth/complete',
		{ code, state: back.searchParams.get('state'), browser_nonce: browserNonce },
	);
	const { connections } = await invoke<{ connections: { id: string }[] }>(
		seller,
		'meta-oauth/connect',
		{
			pending_id: pendingId,
			accounts: [{ platform: account.platform, external_account_id: account.externalAccountId }],
		},
	);
	return connections[0].id;
}

/**
 * Puts the simulator's demo Page on air with viewers and gives the demo seller a live show bound
 * to it. Returns a function that stops the viewers.
 */
export async function startDemo(
	config: StackConfig,
	consoleUrl: string,
	simulator: MetaSimulator,
	stripe: StripeSimulator,
	log: (line: string) => void,
): Promise<() => void> {
	const seller = await signedInSeller(config);
	const { data: workspace, error } = await seller.from('workspaces').select('id').limit(1).single();
	if (error) throw new Error(`demo: reading the workspace failed: ${error.message}`);
	const connectionId = await connectDemoPage(seller, workspace.id, consoleUrl, simulator);
	// Stripe (the simulator's demo account) as a seller connects it: each start has a new
	// simulator, whose webhook endpoint connecting makes anew.
	await invoke(seller, 'integrations/connect', {
		workspace_id: workspace.id,
		api_key: localDemoStripeKey,
	});
	const { error: settingsError } = await seller
		.from('workspaces')
		.update({ invoicing_mode: 'show_stop', pay_within_hours: 24 })
		.eq('id', workspace.id);
	if (settingsError) throw new Error(`demo: order settings failed: ${settingsError.message}`);

	// Each start has a new simulator, so a new live: shows of earlier demos end.
	const { data: earlier } = await seller
		.from('shows')
		.select('id')
		.eq('connection_id', connectionId)
		.in('status', ['active', 'paused']);
	for (const show of earlier ?? []) await rpc(seller, 'stop_show', { show_id: show.id });

	const onAir = await startSimulatorDemo(simulator);
	const show = await rpc<{ id: string }>(seller, 'create_show', {
		workspace_id: workspace.id,
		platform: 'facebook',
		name: `Demo live: ${onAir.facebookLive.title}`,
		connection_id: connectionId,
	});
	await rpc(seller, 'add_show_items', {
		show_id: show.id,
		items: Array.from({ length: itemCount }, (_, index) => ({
			item_number: String(index + 1),
			title: `Look ${index + 1}`,
			quantity: index % 5 === 0 ? 3 : 1,
			// 15.00 to 50.00 in the workspace's currency, in minor units.
			price: 1500 + (index % 8) * 500,
		})),
	});
	// As the console does: the live, picked from what Meta says the Page is broadcasting (which
	// records Meta's confirmation that it is the Page's), is what activation binds.
	const { lives } = await invoke<{ lives: { live_id: string }[] }>(seller, 'meta-lives', {
		connection_id: connectionId,
	});
	const live = lives.find((candidate) => candidate.live_id === onAir.facebookLive.id);
	if (!live) throw new Error('demo: Meta does not list the demo Page’s live video');
	await rpc(seller, 'activate_show', { show_id: show.id, live_id: live.live_id });
	const stopPaying = payDemoInvoices(stripe);
	log(
		`demo: log in as ${demoSeller.email} / ${demoSeller.password}; "Demo Boutique" is live on the Meta simulator and its viewers are commenting; Stripe (the simulator's demo account) is connected on Integrations; stop the show to send invoices, which two in three buyers pay`,
	);
	return () => {
		onAir.stop();
		stopPaying();
	};
}

/** The demo's buyers: each open invoice is paid a few seconds after it is sent, or never (one in three). */
function payDemoInvoices(stripe: StripeSimulator): () => void {
	const seen = new Set<string>();
	const timer = setInterval(() => {
		for (const invoice of stripe.invoices()) {
			if (invoice.status !== 'open' || seen.has(invoice.id)) continue;
			seen.add(invoice.id);
			if (createHash('sha256').update(invoice.id).digest()[0] % 3 !== 0)
				stripe.payInvoice({ invoiceId: invoice.id });
		}
	}, 3000);
	return () => clearInterval(timer);
}
