// The keys that move within a one-tab-stop list, and where they land.
import { describe, expect, it } from 'vitest';
import { rovingTarget } from '$lib/live/roving-focus.svelte';

describe('rovingTarget', () => {
	it('walks with the arrows and stops at either end', () => {
		expect(rovingTarget('ArrowDown', 0, 3)).toBe(1);
		expect(rovingTarget('ArrowUp', 1, 3)).toBe(0);
		expect(rovingTarget('ArrowUp', 0, 3)).toBe(0);
		expect(rovingTarget('ArrowDown', 2, 3)).toBe(2);
	});

	it('jumps with Home and End', () => {
		expect(rovingTarget('Home', 2, 3)).toBe(0);
		expect(rovingTarget('End', 0, 3)).toBe(2);
	});

	it('leaves every other key alone (Tab leaves the list)', () => {
		expect(rovingTarget('Tab', 1, 3)).toBeNull();
		expect(rovingTarget('Enter', 1, 3)).toBeNull();
		expect(rovingTarget('ArrowRight', 1, 3)).toBeNull();
	});
});
