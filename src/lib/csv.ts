// CSV as spreadsheets expect it (RFC 4180): CRLF line ends, fields quoted when they hold a comma,
// a quote or a line break, quotes doubled; UTF-8 with a byte order mark so Excel reads accents and
// emoji instead of guessing a legacy code page. Buyer handles and comment text come from strangers,
// so a cell a spreadsheet would run as a formula (= + - @, or tab/CR, which Excel strips before
// looking) is prefixed with an apostrophe, as OWASP's CSV injection guidance advises.

export const byteOrderMark = '\uFEFF';

export type CsvValue = string | number | boolean | null | undefined;

const formulaTriggers = /^[=+\-@\t\r]/;
const needsQuoting = /[",\r\n]/;

/** One cell: neutralised against formulas, then quoted when RFC 4180 requires it. */
export function csvCell(value: CsvValue): string {
	if (value === null || value === undefined) return '';
	// Numbers and booleans are ours, not a stranger's: "-3" stays a number.
	let text = String(value);
	if (typeof value === 'string' && formulaTriggers.test(text)) text = `'${text}`;
	return needsQuoting.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
	return values.map(csvCell).join(',');
}

/** A whole document: BOM, header row, data rows, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
	return byteOrderMark + [header, ...rows].map((row) => `${csvRow(row)}\r\n`).join('');
}

/**
 * A download's file name from a show's name and a day: "Friday drop" on 2025-03-12 with suffix
 * "claims" -> "friday-drop-2025-03-12-claims.csv". Only ASCII letters, digits and dashes survive,
 * so the name is safe in any header and file system.
 */
export function csvFileName(showName: string, isoDay: string, suffix: string): string {
	const slug = showName
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 60)
		.replace(/-+$/, '');
	return `${slug || 'show'}-${isoDay}-${suffix}.csv`;
}

/** Headers for a CSV download; the name is quoted plain ASCII, with the UTF-8 form (RFC 6266) alongside. */
export function csvDownloadHeaders(fileName: string): Record<string, string> {
	return {
		'content-type': 'text/csv; charset=utf-8',
		'content-disposition': `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
		'cache-control': 'private, no-store',
		'x-content-type-options': 'nosniff',
	};
}

/**
 * Reads CSV written by toCsv (or any RFC 4180 text, or the bare-LF lines many exporters write)
 * back into rows, BOM dropped. The catalog's import reads uploads with it; the tests and the e2e
 * suite use it to prove what was downloaded parses.
 */
export function parseCsv(text: string): string[][] {
	const source = text.startsWith(byteOrderMark) ? text.slice(1) : text;
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let index = 0; index < source.length; index++) {
		const char = source[index];
		if (quoted) {
			if (char !== '"') field += char;
			else if (source[index + 1] === '"') {
				field += '"';
				index++;
			} else quoted = false;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			row.push(field);
			field = '';
		} else if (char === '\n' || (char === '\r' && source[index + 1] === '\n')) {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			if (char === '\r') index++;
		} else field += char;
	}
	if (quoted) throw new Error('CSV ends inside a quoted field');
	if (field !== '' || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}
