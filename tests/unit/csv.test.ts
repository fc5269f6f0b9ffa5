import { describe, expect, it } from 'vitest';
import {
	byteOrderMark,
	csvCell,
	csvDownloadHeaders,
	csvFileName,
	csvRow,
	parseCsv,
	toCsv,
} from '../../src/lib/csv.ts';

describe('csvCell', () => {
	it('leaves plain text alone and writes nothing for null', () => {
		expect(csvCell('sold 12')).toBe('sold 12');
		expect(csvCell(null)).toBe('');
		expect(csvCell(undefined)).toBe('');
		expect(csvCell(42)).toBe('42');
		expect(csvCell(true)).toBe('true');
	});

	it('quotes commas, quotes and line breaks, doubling quotes (RFC 4180)', () => {
		expect(csvCell('Red dress, size M')).toBe('"Red dress, size M"');
		expect(csvCell('the "good" one')).toBe('"the ""good"" one"');
		expect(csvCell('line 1\nline 2')).toBe('"line 1\nline 2"');
		expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
	});

	it.each([
		[
			'=HYPERLINK("http://evil.example","click")',
			`"'=HYPERLINK(""http://evil.example"",""click"")"`,
		],
		['+1+1', "'+1+1"],
		['-2+3', "'-2+3"],
		['@SUM(A1:A2)', "'@SUM(A1:A2)"],
		['\t=1+1', "'\t=1+1"],
		['\r=1+1', `"'\r=1+1"`],
	])('neutralises the formula %j', (text, expected) => {
		expect(csvCell(text)).toBe(expected);
	});

	it('does not touch formula characters that do not lead, nor numbers we wrote', () => {
		expect(csvCell('sold 12 = mine')).toBe('sold 12 = mine');
		expect(csvCell('a@b.example')).toBe('a@b.example');
		expect(csvCell(-3)).toBe('-3');
	});

	it('keeps unicode as it is', () => {
		expect(csvCell('Zoë 🛍️ ｓｏｌｄ １２')).toBe('Zoë 🛍️ ｓｏｌｄ １２');
		expect(csvRow(['小明', 'Ünïcödé, yes'])).toBe('小明,"Ünïcödé, yes"');
	});
});

describe('toCsv', () => {
	it('starts with a byte order mark and ends every row with CRLF', () => {
		const csv = toCsv(
			['item', 'buyer'],
			[
				['12', '@ana'],
				['13', null],
			],
		);
		expect(csv).toBe(`${byteOrderMark}item,buyer\r\n12,'@ana\r\n13,\r\n`);
		expect(new TextEncoder().encode(csv).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
	});

	it('parses back to the same cells, injection prefix aside', () => {
		const rows = [
			['12', 'Zoë "Z" Smith', 'sold 12, please\nthanks'],
			['13', '=cmd|"/c calc"!A1', ''],
			['14', '小明 🛍️', '-'],
		];
		const parsed = parseCsv(toCsv(['item', 'name', 'comment'], rows));
		expect(parsed).toEqual([
			['item', 'name', 'comment'],
			['12', 'Zoë "Z" Smith', 'sold 12, please\nthanks'],
			['13', `'=cmd|"/c calc"!A1`, ''],
			['14', '小明 🛍️', "'-"],
		]);
	});
});

describe('parseCsv', () => {
	it('refuses a document that ends inside quotes', () => {
		expect(() => parseCsv('a,"b\r\n')).toThrow(/inside a quoted field/);
	});

	it('reads a last row without a line end', () => {
		expect(parseCsv('a,b\r\nc,d')).toEqual([
			['a', 'b'],
			['c', 'd'],
		]);
	});
});

describe('csvFileName', () => {
	it('names the file from the show and the day, in plain ASCII', () => {
		expect(csvFileName('Friday Boutique Drop!', '2025-03-12', 'claims')).toBe(
			'friday-boutique-drop-2025-03-12-claims.csv',
		);
		expect(csvFileName('Café Zoë — été', '2025-03-12', 'buyers')).toBe(
			'cafe-zoe-ete-2025-03-12-buyers.csv',
		);
		expect(csvFileName('', '2025-03-12', 'claims')).toBe('show-2025-03-12-claims.csv');
		expect(csvFileName('🛍️🛍️', '2025-03-12', 'claims')).toBe('show-2025-03-12-claims.csv');
		expect(csvFileName('"; evil=1', '2025-03-12', 'claims')).toBe('evil-1-2025-03-12-claims.csv');
		expect(csvFileName('a'.repeat(100), '2025-03-12', 'claims')).toBe(
			`${'a'.repeat(60)}-2025-03-12-claims.csv`,
		);
	});

	it('is sent as an attachment', () => {
		expect(csvDownloadHeaders('show-2025-03-12-claims.csv')).toMatchObject({
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="show-2025-03-12-claims.csv"; filename*=UTF-8''show-2025-03-12-claims.csv`,
		});
	});
});
