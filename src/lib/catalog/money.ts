// Money as the catalog stores it: integer minor units of the workspace's currency, whose ISO 4217
// exponent (2 for USD, 0 for JPY, 3 for KWD) says where the decimal point goes. Conversions are
// string arithmetic on the digits, never floating point, so "0.29" is exactly 29 cents.

/** The database's cap on a catalog amount, in minor units (private.max_catalog_amount). */
export const maxAmount = 999_999_999_999;

export interface Currency {
	code: string;
	/** ISO 4217 minor unit: digits after the decimal point. */
	exponent: number;
}

/** 1250 with exponent 2 -> "12.50"; exponent 0 -> "1250"; exponent 3 -> "1.250". */
export function minorToDecimal(minor: number, exponent: number): string {
	if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not an amount: ${minor}`);
	if (exponent === 0) return String(minor);
	const digits = String(minor).padStart(exponent + 1, '0');
	return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const formats = new Map<string, Intl.NumberFormat>();

/** 1250 in USD -> "$12.50"; in JPY -> "¥1,250"; in KWD -> "KWD 1.250" (by locale). */
export function formatMoney(minor: number, currency: Currency, locale = 'en-US'): string {
	const key = `${locale}|${currency.code}|${currency.exponent}`;
	let format = formats.get(key);
	if (!format) {
		format = new Intl.NumberFormat(locale, {
			style: 'currency',
			currency: currency.code,
			minimumFractionDigits: currency.exponent,
			maximumFractionDigits: currency.exponent,
		});
		formats.set(key, format);
	}
	// A decimal string is formatted exactly (ECMA-402 reads it as a decimal, not a double).
	return format.format(minorToDecimal(minor, currency.exponent) as Intl.StringNumericLiteral);
}

export type ParsedMoney = { ok: true; minor: number } | { ok: false; message: string };

/**
 * A price as a seller types it, in minor units: "12.50", "12", "1,299", "1,299.99", "19,90" and
 * "1.299,00" (the last separator followed by up to `exponent` digits is the decimal mark; commas
 * in groups of three are thousands). A currency symbol or code around the number is allowed.
 */
export function parseMoney(input: string, currency: Currency): ParsedMoney {
	const text = input
		.trim()
		.replace(new RegExp(`^${currency.code}|${currency.code}$`, 'i'), '')
		.replace(/^\p{Sc}|\p{Sc}$/u, '')
		.replace(/[\s\u00a0\u202f]/g, '');
	if (text === '') return { ok: false, message: 'Enter a price' };
	if (text.startsWith('-')) return { ok: false, message: 'A price cannot be negative' };
	if (!/^[\d.,]+$/.test(text) || !/\d/.test(text))
		return { ok: false, message: `“${input.trim().slice(0, 40)}” is not a price` };

	let whole = text;
	let fraction = '';
	const lastMark = Math.max(text.lastIndexOf('.'), text.lastIndexOf(','));
	if (lastMark >= 0) {
		const mark = text[lastMark];
		const after = text.slice(lastMark + 1);
		const groupedThousands = /^\d{1,3}([.,]\d{3})+$/.test(text) && !text.includes('.');
		const repeated = text.indexOf(mark) !== lastMark;
		if (!(groupedThousands || (repeated && after.length === 3))) {
			whole = text.slice(0, lastMark);
			fraction = after;
		}
	}
	if (!/^\d{1,3}([.,]\d{3})*$|^\d+$/.test(whole) && whole !== '')
		return { ok: false, message: `“${input.trim().slice(0, 40)}” is not a price` };
	if (!/^\d*$/.test(fraction))
		return { ok: false, message: `“${input.trim().slice(0, 40)}” is not a price` };
	fraction = fraction.replace(/0+$/, '');
	if (fraction.length > currency.exponent)
		return {
			ok: false,
			message:
				currency.exponent === 0
					? `${currency.code} prices have no decimals`
					: `${currency.code} prices have at most ${currency.exponent} decimals`,
		};
	const digits = (whole.replace(/[.,]/g, '') + fraction.padEnd(currency.exponent, '0')).replace(
		/^0+(?=\d)/,
		'',
	);
	if (digits.length > String(maxAmount).length || Number(digits) > maxAmount)
		return { ok: false, message: 'That price is too large' };
	return { ok: true, minor: Number(digits) };
}
