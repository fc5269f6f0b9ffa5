// The settings page's preview: unknown placeholders found and marked in the template, and the
// length counted before Messenger's 2,000-character cut (the rendering itself is held to the
// database's in tests/db/buyer-message-preview.test.ts).
import { describe, expect, it } from 'vitest';
import {
	previewTemplate,
	sampleValues,
	templateParts,
	unknownPlaceholders,
} from '$lib/buyer-message-preview';

describe('unknown placeholders', () => {
	it('lists each unknown name once and marks where it stands', () => {
		const template = 'Hi {buyer}, #{item} is {buyer}’s; {Item}';
		expect(unknownPlaceholders(template)).toEqual(['buyer', 'Item']);
		expect(templateParts(template)).toEqual([
			{ text: 'Hi ', unknown: false },
			{ text: '{buyer}', unknown: true },
			{ text: ', #{item} is ', unknown: false },
			{ text: '{buyer}', unknown: true },
			{ text: '’s; ', unknown: false },
			{ text: '{Item}', unknown: true },
		]);
		expect(templateParts('All {name} known')).toEqual([
			{ text: 'All {name} known', unknown: false },
		]);
	});
});

describe('previewTemplate', () => {
	it('fills in the samples and counts the text before the cut', () => {
		const values = sampleValues(new Date('2026-12-01T17:00:00Z'));
		expect(previewTemplate('Pay {total} by {deadline}.', values)).toEqual({
			text: 'Pay 37.50 USD by Wed 2 Dec 17:00 UTC.',
			length: 37,
			tooLong: false,
		});
		const long = previewTemplate(`${'x'.repeat(1_995)} {link}`, values);
		expect(long).toMatchObject({ length: 1_996 + values.link.length, tooLong: true });
		expect(long.text).toHaveLength(2_000);
	});
});
