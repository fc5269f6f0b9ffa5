import { describe, expect, it } from 'vitest';
import { adjacentPin, pinnableNumbers } from '../../src/lib/live/pins';

describe('pinnableNumbers', () => {
	it('lists each item number once, in numeric order', () => {
		const items = ['12', '3', '12', '100'].map((item_number) => ({ item_number }));
		expect(pinnableNumbers(items)).toEqual([3, 12, 100]);
	});
});

describe('adjacentPin', () => {
	const numbers = [3, 12, 100];

	it('moves to the next or previous item and stays at the ends', () => {
		expect(adjacentPin(numbers, 3, 1)).toBe(12);
		expect(adjacentPin(numbers, 100, 1)).toBe(100);
		expect(adjacentPin(numbers, 12, -1)).toBe(3);
		expect(adjacentPin(numbers, 3, -1)).toBe(3);
	});

	it('starts at the first going forward and the last going back when nothing is pinned', () => {
		expect(adjacentPin(numbers, null, 1)).toBe(3);
		expect(adjacentPin(numbers, null, -1)).toBe(100);
		expect(adjacentPin([], null, 1)).toBeNull();
	});

	it('moves from a pinned number no longer in the show to its neighbours', () => {
		expect(adjacentPin(numbers, 50, 1)).toBe(100);
		expect(adjacentPin(numbers, 50, -1)).toBe(12);
	});
});
