// The product editor's variants: one per combination of the options' values, in option order
// (Size S, M × Color Blue, Red -> S/Blue, S/Red, M/Blue, M/Red); a product without options has
// the single default variant, with no values.

export interface OptionDraft {
	name: string;
	values: string[];
}

export function variantCombinations(options: readonly OptionDraft[]): string[][] {
	return options.reduce<string[][]>(
		(combinations, option) =>
			combinations.flatMap((combination) => option.values.map((value) => [...combination, value])),
		[[]],
	);
}

/** A key for a combination, the same for any letter case, as the database matches them. */
export function combinationKey(values: readonly string[]): string {
	return values.map((value) => value.toLowerCase()).join('\u001f');
}
