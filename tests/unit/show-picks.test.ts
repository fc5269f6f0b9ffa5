import { describe, expect, it } from 'vitest';
import { catalogItemsFrom, parseCodes, type PickableProduct } from '$lib/catalog/show-picks';

const variant = (id: string, free = 3) => ({
	id,
	label: id,
	sku: null,
	barcode: null,
	price: 1000,
	stock: 3,
	free,
});
const dress: PickableProduct = {
	id: '00000000-0000-4000-8000-000000000001',
	title: 'Dress',
	imageUrl: null,
	status: 'active',
	variants: [
		variant('00000000-0000-4000-8000-00000000000a'),
		variant('00000000-0000-4000-8000-00000000000b'),
	],
};

describe('catalogItemsFrom', () => {
	it('names the product when every variant is chosen, else the chosen variants', () => {
		const [a, b] = dress.variants.map((v) => v.id);
		expect(
			catalogItemsFrom(
				[
					{ productId: dress.id, variantIds: [b, a], itemNumber: null },
					{ productId: dress.id, variantIds: [b], itemNumber: '12' },
					{ productId: dress.id, variantIds: [], itemNumber: '13' },
				],
				[dress],
			),
		).toEqual([{ product_id: dress.id }, { variants: [b], item_number: '12' }]);
	});
});

describe('parseCodes', () => {
	it('splits on lines, commas, semicolons and tabs, dropping blanks and repeats', () => {
		expect(parseCodes(' SKU-1\n\nSKU-2, 4006381333931;SKU-1\tX ')).toEqual([
			'SKU-1',
			'SKU-2',
			'4006381333931',
			'X',
		]);
		expect(parseCodes(' \n ,')).toEqual([]);
	});
});
