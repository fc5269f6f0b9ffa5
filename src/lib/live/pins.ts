// The pinned item as the console moves it: item numbers in show order, and the one before or
// after the pin (the seller shows items in order, so `]` pins the next one).
import type { ShowItem } from '$lib/rows';

/** The show's distinct item numbers, as numbers, in order. */
export function pinnableNumbers(items: readonly Pick<ShowItem, 'item_number'>[]): number[] {
	return [...new Set(items.map((item) => Number(item.item_number)))].sort((a, b) => a - b);
}

/**
 * The item number after the pinned one (step 1) or before it (-1), staying at the ends; with
 * nothing pinned, the first going forward and the last going back. Null when there are no items.
 */
export function adjacentPin(
	numbers: readonly number[],
	pinned: number | null,
	step: 1 | -1,
): number | null {
	if (numbers.length === 0) return null;
	if (step === 1)
		return numbers.find((number) => pinned === null || number > pinned) ?? numbers.at(-1)!;
	return numbers.findLast((number) => pinned === null || number < pinned) ?? numbers[0];
}
