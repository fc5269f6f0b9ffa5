// Amounts between the product and Stripe. Both count in integers of the currency's smallest unit,
// but Stripe's unit is not always ISO 4217's: Stripe's zero-decimal currencies include MGA (ISO: 2
// decimals), ISK is zero-decimal at ISO but sent to Stripe with two decimals that are always 00,
// and three-decimal amounts (BHD, JOD, KWD, OMR, TND) must end in 0.
// https://docs.stripe.com/currencies#zero-decimal, #three-decimal, #special-cases
// Integer arithmetic only: a conversion that would need a fraction is refused, never rounded.

export class MoneyError extends Error {}

const STRIPE_ZERO_DECIMAL = new Set([
	'BIF',
	'CLP',
	'DJF',
	'GNF',
	'JPY',
	'KMF',
	'KRW',
	'MGA',
	'PYG',
	'RWF',
	'UGX',
	'VND',
	'VUV',
	'XAF',
	'XOF',
	'XPF',
]);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/** Stripe's largest amount field (8 digits for most currencies; 12 for a few). */
const MAX_STRIPE_AMOUNT = 999_999_999_999;

/** The number of decimals Stripe's API amounts have in this currency (ISK: 2, its decimals 00). */
export function stripeExponent(currency: string): number {
	const code = currency.toUpperCase();
	if (STRIPE_ZERO_DECIMAL.has(code)) return 0;
	if (STRIPE_THREE_DECIMAL.has(code)) return 3;
	return 2;
}

function checkAmount(amount: number, what: string): void {
	if (!Number.isSafeInteger(amount) || amount < 0)
		throw new MoneyError(`${what} must be a non-negative integer, not ${amount}`);
}

/** An amount in the currency's ISO minor units (isoMinorUnit decimals) as Stripe's API amount. */
export function toStripeAmount(amount: number, currency: string, isoMinorUnit: number): number {
	checkAmount(amount, 'amount');
	const code = currency.toUpperCase();
	const exponent = stripeExponent(code);
	let converted: number;
	if (exponent >= isoMinorUnit) {
		converted = amount * 10 ** (exponent - isoMinorUnit);
	} else {
		const divisor = 10 ** (isoMinorUnit - exponent);
		if (amount % divisor !== 0)
			throw new MoneyError(
				`${code} amounts go to Stripe in whole units: ${amount} minor units (${isoMinorUnit} decimals) is not a whole amount`,
			);
		converted = amount / divisor;
	}
	if (STRIPE_THREE_DECIMAL.has(code) && converted % 10 !== 0)
		throw new MoneyError(
			`${code} amounts at Stripe must end in 0 (a multiple of 10), not ${converted}`,
		);
	if (converted > MAX_STRIPE_AMOUNT)
		throw new MoneyError(`${converted} is larger than Stripe's largest amount`);
	return converted;
}

/** Stripe's API amount in the currency's ISO minor units. */
export function fromStripeAmount(amount: number, currency: string, isoMinorUnit: number): number {
	checkAmount(amount, 'Stripe amount');
	const code = currency.toUpperCase();
	const exponent = stripeExponent(code);
	if (isoMinorUnit >= exponent) return amount * 10 ** (isoMinorUnit - exponent);
	const divisor = 10 ** (exponent - isoMinorUnit);
	if (amount % divisor !== 0)
		throw new MoneyError(`${code} Stripe amount ${amount} is not a whole number of minor units`);
	return amount / divisor;
}
