import { describe, expect, it } from 'vitest';
import { describeItemNumbers, maxItemsPerAdd, parseQuickAdd } from '../../src/lib/quick-add.ts';

const numbersOf = (text: string) => parseQuickAdd(text).items.map((item) => item.item_number);

describe('parseQuickAdd', () => {
	it('reads one number', () => {
		expect(parseQuickAdd('101')).toEqual({ items: [{ item_number: '101' }], errors: [] });
	});

	it('reads a range, with a hyphen or a dash, spaces allowed', () => {
		expect(numbersOf('101-105')).toEqual(['101', '102', '103', '104', '105']);
		expect(numbersOf('7 – 9')).toEqual(['7', '8', '9']);
		expect(numbersOf('#1-#3')).toEqual(['1', '2', '3']);
	});

	it('writes item numbers canonically, without leading zeros', () => {
		expect(numbersOf('007')).toEqual(['7']);
		expect(numbersOf('000012')).toEqual(['12']);
		// As the engine and the comment parser: at most 6 digits as typed.
		expect(parseQuickAdd('0999999').errors[0].message).toBe(
			'0999999 is not an item number: use 1 to 999999',
		);
		expect(numbersOf('008-010')).toEqual(['8', '9', '10']);
	});

	it('reads a pasted list of number, title and quantity', () => {
		const text = [
			'12, Red dress',
			'13, Blue scarf, 3',
			'14',
			'',
			'  15,  Hat , x2 ',
			'16\tMug\t4',
			'17, 5',
		].join('\n');
		expect(parseQuickAdd(text)).toEqual({
			items: [
				{ item_number: '12', title: 'Red dress' },
				{ item_number: '13', title: 'Blue scarf', quantity: 3 },
				{ item_number: '14' },
				{ item_number: '15', title: 'Hat', quantity: 2 },
				{ item_number: '16', title: 'Mug', quantity: 4 },
				{ item_number: '17', quantity: 5 },
			],
			errors: [],
		});
	});

	it('keeps commas inside a title, taking a trailing whole number as the quantity', () => {
		expect(parseQuickAdd('12, Red dress, size M, 2').items).toEqual([
			{ item_number: '12', title: 'Red dress, size M', quantity: 2 },
		]);
		expect(parseQuickAdd('12, Size 8 boots').items).toEqual([
			{ item_number: '12', title: 'Size 8 boots' },
		]);
	});

	it('gives a range a quantity but not a shared title', () => {
		expect(parseQuickAdd('1-2, 3').items).toEqual([
			{ item_number: '1', quantity: 3 },
			{ item_number: '2', quantity: 3 },
		]);
		expect(parseQuickAdd('1-2, Socks').errors).toEqual([
			{
				line: 1,
				text: '1-2, Socks',
				message: 'a range cannot share one title: list its items one per line',
			},
		]);
	});

	it('reports each bad line with its number, keeping the good ones', () => {
		const text = [
			'1',
			'abc',
			'0',
			'1234567',
			'20-10',
			'5, Scarf, 31',
			'1',
			'3, Hat, 0',
			'1000000',
		].join('\r\n');
		const result = parseQuickAdd(text);
		expect(result.items).toEqual([{ item_number: '1' }]);
		expect(result.errors).toEqual([
			{ line: 2, text: 'abc', message: '“abc” is not an item number or a range like 101-150' },
			{ line: 3, text: '0', message: '0 is not an item number: use 1 to 999999' },
			{ line: 4, text: '1234567', message: '1234567 is not an item number: use 1 to 999999' },
			{ line: 5, text: '20-10', message: 'the range 20-10 runs backwards' },
			{ line: 6, text: '5, Scarf, 31', message: 'quantity 31 is out of range: use 1 to 30' },
			{ line: 7, text: '1', message: 'item 1 is already on line 1' },
			{ line: 8, text: '3, Hat, 0', message: 'quantity 0 is out of range: use 1 to 30' },
			{ line: 9, text: '1000000', message: '1000000 is not an item number: use 1 to 999999' },
		]);
	});

	it('catches a number repeated through a range', () => {
		expect(parseQuickAdd('5\n1-10').errors).toEqual([
			{ line: 2, text: '1-10', message: 'item 5 is already on line 1' },
		]);
		expect(parseQuickAdd('005\n5').errors).toEqual([
			{ line: 2, text: '5', message: 'item 5 is already on line 1' },
		]);
	});

	it(`adds at most ${maxItemsPerAdd} items at a time`, () => {
		expect(numbersOf('1-500')).toHaveLength(500);
		expect(parseQuickAdd('1-501').errors).toEqual([
			{
				line: 1,
				text: '1-501',
				message: 'the range 1-501 holds 501 items; add at most 500 at a time',
			},
		]);
		const tooMany = parseQuickAdd('1-400\n401-600');
		expect(tooMany.errors).toEqual([
			{ line: 0, text: '', message: 'that is 600 items; add at most 500 at a time' },
		]);
	});

	it('refuses a title longer than the database allows', () => {
		expect(parseQuickAdd(`1, ${'x'.repeat(201)}`).errors[0].message).toBe(
			'the title is 201 characters; keep it to 200',
		);
		expect(parseQuickAdd(`1, ${'x'.repeat(200)}`).errors).toEqual([]);
	});

	it('finds nothing in blank text', () => {
		expect(parseQuickAdd('  \n\n ')).toEqual({ items: [], errors: [] });
	});
});

describe('describeItemNumbers', () => {
	it('compresses numbers into runs, in numeric order', () => {
		expect(describeItemNumbers(['3', '1', '2', '10', '12', '11', '20'])).toBe('1-3, 10-12, 20');
		expect(describeItemNumbers(['5'])).toBe('5');
		expect(describeItemNumbers([])).toBe('');
	});
});
