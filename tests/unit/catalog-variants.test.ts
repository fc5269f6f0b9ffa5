import { describe, expect, it } from 'vitest';
import { nestForm } from '../../src/lib/catalog/forms.ts';
import { combinationKey, variantCombinations } from '../../src/lib/catalog/variant-matrix.ts';

describe('variantCombinations', () => {
	it('crosses option values in option order', () => {
		expect(
			variantCombinations([
				{ name: 'Size', values: ['S', 'M'] },
				{ name: 'Color', values: ['Blue', 'Red'] },
			]),
		).toEqual([
			['S', 'Blue'],
			['S', 'Red'],
			['M', 'Blue'],
			['M', 'Red'],
		]);
	});

	it('gives a product without options its one default variant, and an option without values none', () => {
		expect(variantCombinations([])).toEqual([[]]);
		expect(variantCombinations([{ name: 'Size', values: [] }])).toEqual([]);
	});

	it('keys combinations regardless of letter case', () => {
		expect(combinationKey(['M', 'Blue'])).toBe(combinationKey(['m', 'BLUE']));
		expect(combinationKey(['M', 'Blue'])).not.toBe(combinationKey(['MB', 'lue']));
	});
});

describe('nestForm', () => {
	it('nests dotted field names into objects and arrays, leaving prototypes alone', () => {
		const form = new FormData();
		form.set('title', 'Dress');
		form.set('optionNames.0', 'Size');
		form.set('variants.0.optionValues.0', 'S');
		form.set('variants.0.sku', 'D-S');
		form.set('variants.1.optionValues.0', 'M');
		form.set('__proto__.polluted', 'yes');
		form.set('file', new File(['x'], 'x.txt'));
		expect(nestForm(form)).toEqual({
			title: 'Dress',
			optionNames: ['Size'],
			variants: [{ optionValues: ['S'], sku: 'D-S' }, { optionValues: ['M'] }],
		});
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});
