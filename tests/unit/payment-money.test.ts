// Order amounts (integer ISO minor units) to Stripe's API amounts and back: two-decimal
// currencies as they are, zero-decimal ones (JPY, KRW) in whole units, MGA (two decimals at ISO,
// none at Stripe) only in whole ariary, ISK sent with two 00 decimals, three-decimal amounts ending
// in 0; never a fraction or a rounding.
import { describe, expect, it } from 'vitest';
import {
	fromStripeAmount,
	MoneyError,
	stripeExponent,
	toStripeAmount,
} from '../../supabase/functions/_shared/payments/money.ts';

describe('toStripeAmount', () => {
	it('passes two-decimal and zero-decimal amounts through unchanged', () => {
		expect(toStripeAmount(1250, 'USD', 2)).toBe(1250);
		expect(toStripeAmount(1500, 'JPY', 0)).toBe(1500);
		expect(toStripeAmount(1500, 'jpy', 0)).toBe(1500);
		expect(toStripeAmount(99000, 'KRW', 0)).toBe(99000);
		expect(toStripeAmount(0, 'JPY', 0)).toBe(0);
	});

	it('converts where Stripe and ISO count differently, refusing fractions', () => {
		expect(stripeExponent('MGA')).toBe(0);
		expect(toStripeAmount(120000, 'MGA', 2)).toBe(1200);
		expect(() => toStripeAmount(120050, 'MGA', 2)).toThrow(MoneyError);
		expect(toStripeAmount(1500, 'ISK', 0)).toBe(150000);
		expect(toStripeAmount(1250, 'KWD', 3)).toBe(1250);
		expect(() => toStripeAmount(1255, 'KWD', 3)).toThrow(/must end in 0/);
	});

	it('refuses negative, fractional and unsafe amounts', () => {
		expect(() => toStripeAmount(-1, 'USD', 2)).toThrow(MoneyError);
		expect(() => toStripeAmount(12.5, 'JPY', 0)).toThrow(MoneyError);
		expect(() => toStripeAmount(2 ** 53, 'USD', 2)).toThrow(MoneyError);
		expect(() => toStripeAmount(1_000_000_000_000, 'USD', 2)).toThrow(/largest amount/);
	});
});

describe('fromStripeAmount', () => {
	it('is the inverse for every currency the product prices in', () => {
		for (const [currency, minorUnit, amount] of [
			['USD', 2, 1999],
			['JPY', 0, 1800],
			['KRW', 0, 50000],
			['MGA', 2, 120000],
			['ISK', 0, 1500],
			['KWD', 3, 1250],
		] as const)
			expect(
				fromStripeAmount(toStripeAmount(amount, currency, minorUnit), currency, minorUnit),
			).toBe(amount);
	});

	it('refuses a Stripe amount that is not a whole number of minor units', () => {
		expect(() => fromStripeAmount(150050, 'ISK', 0)).toThrow(MoneyError);
		expect(() => fromStripeAmount(-5, 'USD', 2)).toThrow(MoneyError);
	});
});
