// The buyer's side: a hosted invoice page (`hosted_invoice_url`) and a Checkout page (the
// session's `url`), each with the amount due, the lines, and Pay / Decline buttons. Pay settles it
// (invoice.paid / checkout.session.completed, delivered by webhook); Decline is a declined card
// (invoice.payment_failed), as is Pay while a decline is armed with the control API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http.ts';
import { StripeApiError } from './errors.ts';
import { zeroDecimalCurrencies, type World } from './world.ts';

/** Currencies whose amounts are in thousandths (Stripe's three-decimal list). */
const threeDecimalCurrencies = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** An amount in the currency's smallest unit, for people: 1500 jpy → ¥1,500; 1500 usd → $15.00. */
export function formatAmount(amount: number, currency: string): string {
	const digits = zeroDecimalCurrencies.has(currency)
		? 0
		: threeDecimalCurrencies.has(currency)
			? 3
			: 2;
	return new Intl.NumberFormat('en', {
		style: 'currency',
		currency: currency.toUpperCase(),
		minimumFractionDigits: digits,
		maximumFractionDigits: digits,
	}).format(amount / 10 ** digits);
}

export const escape = (value: string) =>
	value.replace(
		/[&<>"']/g,
		(char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
	);

export function page(title: string, body: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}table{width:100%;border-collapse:collapse}td{padding:.3rem 0;border-bottom:1px solid #e3e8ee}td:last-child{text-align:right}.total{font-size:1.6rem;font-weight:600}.status{padding:.2rem .5rem;border-radius:.3rem;background:#e3e8ee}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}.note{color:#697386}</style></head>
<body><p class="note">Stripe simulator (test mode)</p>${body}</body></html>`;
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
	res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
	res.end(html);
}

const buttons = (action: string) =>
	`<form method="post" action="${escape(action)}"><button name="decision" value="pay">Pay</button><button name="decision" value="decline">Decline</button></form>`;

/** GET or POST /i/<account>/<invoice> and /c/pay/<account>/<session>; false for other paths. */
export async function handlePage(
	world: World,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<boolean> {
	const invoiceMatch = /^\/i\/(acct_[A-Za-z0-9]+)\/(in_[A-Za-z0-9]+)$/.exec(url.pathname);
	const sessionMatch = /^\/c\/pay\/(acct_[A-Za-z0-9]+)\/(cs_test_[A-Za-z0-9]+)$/.exec(url.pathname);
	if (!invoiceMatch && !sessionMatch) return false;
	const [, accountId, objectId] = (invoiceMatch ?? sessionMatch)!;
	const account = world.accounts.get(accountId);
	if (!account) {
		sendHtml(res, 404, page('Not found', '<h1>This link is not valid.</h1>'));
		return true;
	}
	const outcome = url.searchParams.get('outcome');
	try {
		if (req.method === 'POST') {
			const decision = new URLSearchParams((await readBody(req, 4096)).toString('utf8')).get(
				'decision',
			);
			const decline = decision !== 'pay';
			const paid = invoiceMatch
				? world.payInvoice(account, world.invoice(account, objectId), decline)
				: world.payCheckoutSession(account, world.checkoutSession(account, objectId), decline);
			const session = sessionMatch ? world.checkoutSession(account, objectId) : undefined;
			const next =
				paid && session?.success_url
					? session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id)
					: `${url.pathname}?outcome=${paid ? 'paid' : 'declined'}`;
			res.writeHead(303, { location: next });
			res.end();
			return true;
		}
	} catch (error) {
		if (!(error instanceof StripeApiError)) throw error;
		sendHtml(res, 409, page('Not payable', `<h1>${escape(error.message)}</h1>`));
		return true;
	}
	const notice =
		outcome === 'declined'
			? '<p role="alert"><strong>Your card was declined.</strong> Try again.</p>'
			: outcome === 'paid'
				? '<p role="status"><strong>Payment successful.</strong> Thank you!</p>'
				: '';
	if (invoiceMatch) {
		const invoice = account.invoices.get(objectId);
		if (!invoice || invoice.status === 'draft') {
			sendHtml(res, 404, page('Not found', '<h1>This invoice is not available.</h1>'));
			return true;
		}
		const lines = invoice.lines.data
			.map(
				(line) =>
					`<tr><td>${escape(String(line.description ?? ''))}</td><td>${formatAmount(Number(line.amount), invoice.currency)}</td></tr>`,
			)
			.join('');
		sendHtml(
			res,
			200,
			page(
				`Invoice ${invoice.number ?? invoice.id}`,
				`<h1>${escape(account.name)}</h1><p>Invoice ${escape(invoice.number ?? '')} for ${escape(invoice.customer_name ?? '')}</p>
<p class="total">${formatAmount(invoice.amount_remaining || invoice.total, invoice.currency)}</p>
<p>Status: <span class="status" data-status="${invoice.status}">${invoice.status}</span></p>${notice}
<table>${lines}<tr><td><strong>Total</strong></td><td><strong>${formatAmount(invoice.total, invoice.currency)}</strong></td></tr></table>
${invoice.status === 'open' ? buttons(url.pathname) : ''}`,
			),
		);
		return true;
	}
	world.expireDueSessions(account);
	const session = account.checkoutSessions.get(objectId);
	if (!session) {
		sendHtml(res, 404, page('Not found', '<h1>This checkout link is not valid.</h1>'));
		return true;
	}
	const lines = session.lineItems
		.map(
			(line) =>
				`<tr><td>${escape(line.name)} × ${line.quantity}</td><td>${formatAmount(line.unit_amount * line.quantity, session.currency)}</td></tr>`,
		)
		.join('');
	sendHtml(
		res,
		200,
		page(
			`Pay ${account.name}`,
			`<h1>${escape(account.name)}</h1><p class="total">${formatAmount(session.amount_total, session.currency)}</p>
<p>Status: <span class="status" data-status="${session.status}">${session.status}</span></p>${notice}
<table>${lines}</table>${session.status === 'open' ? buttons(url.pathname) : ''}`,
		),
	);
	return true;
}
