import { describe, expect, it } from 'vitest';
import { formatMoney, minorToDecimal, parseMoney } from '../../src/lib/catalog/money.ts';

const usd = { code: 'USD', exponent: 2 };
const jpy = { code: 'JPY', exponent: 0 };
const kwd = { code: 'KWD', exponent: 3 };
const eur = { code: 'EUR', exponent: 2 };
const php = { code: 'PHP', exponent: 2 };

describe('minorToDecimal', () => {
	it('places the decimal point by the exponent', () => {
		expect(minorToDecimal(1250, 2)).toBe('12.50');
		expect(minorToDecimal(5, 2)).toBe('0.05');
		expect(minorToDecimal(0, 2)).toBe('0.00');
		expect(minorToDecimal(1250, 0)).toBe('1250');
		expect(minorToDecimal(1250, 3)).toBe('1.250');
		expect(minorToDecimal(7, 3)).toBe('0.007');
		expect(minorToDecimal(999_999_999_999, 2)).toBe('9999999999.99');
	});

	it('refuses what is not an amount', () => {
		expect(() => minorToDecimal(-1, 2)).toThrow(RangeError);
		expect(() => minorToDecimal(1.5, 2)).toThrow(RangeError);
	});
});

describe('formatMoney', () => {
	it('writes each currency with its own number of decimals', () => {
		expect(formatMoney(1250, usd)).toBe('$12.50');
		expect(formatMoney(1250, jpy)).toBe('¥1,250');
		expect(formatMoney(1250, kwd)).toBe('KWD\u00a01.250');
		expect(formatMoney(129_900, php)).toBe('₱1,299.00');
		expect(formatMoney(1990, eur, 'de-DE')).toBe('19,90\u00a0€');
	});

	it('is exact for amounts a double cannot hold as a decimal', () => {
		expect(formatMoney(999_999_999_999, usd)).toBe('$9,999,999,999.99');
		expect(formatMoney(29, usd)).toBe('$0.29');
	});
});

describe('parseMoney', () => {
	it.each([
		['12.50', usd, 1250],
		['12', usd, 1200],
		['0.29', usd, 29],
		['1,299', usd, 129_900],
		['1,299.99', usd, 129_999],
		['1,000,000', usd, 100_000_000],
		['19,90', eur, 1990],
		['1.299,00', eur, 129_900],
		['1.000.000', eur, 100_000_000],
		['$25.00', usd, 2500],
		['25 USD', usd, 2500],
		['₱1,200', php, 120_000],
		['.5', usd, 50],
		['1250', jpy, 1250],
		['1,250', jpy, 1250],
		['1250.00', jpy, 1250],
		['1.250', kwd, 1250],
		['12', kwd, 12_000],
		['0.007', kwd, 7],
	])('reads %s in %o as %d minor units', (input, currency, minor) => {
		expect(parseMoney(input, currency)).toEqual({ ok: true, minor });
	});

	it.each([
		['', usd, 'Enter a price'],
		['-5', usd, 'A price cannot be negative'],
		['12.505', usd, 'USD prices have at most 2 decimals'],
		['1250.5', jpy, 'JPY prices have no decimals'],
		['1.2345', kwd, 'KWD prices have at most 3 decimals'],
		['12a', usd, '“12a” is not a price'],
		['1,,2', usd, '“1,,2” is not a price'],
		['.', usd, '“.” is not a price'],
		['99999999999999', usd, 'That price is too large'],
	])('refuses %s in %o', (input, currency, message) => {
		expect(parseMoney(input, currency)).toEqual({ ok: false, message });
	});

	it('round-trips every amount through its decimal form', () => {
		for (const currency of [usd, jpy, kwd])
			for (const minor of [0, 1, 9, 10, 99, 100, 1234, 100_000, 999_999_999_999])
				expect(parseMoney(minorToDecimal(minor, currency.exponent), currency)).toEqual({
					ok: true,
					minor,
				});
	});
});
