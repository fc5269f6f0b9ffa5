// The settings page's live preview renders templates with the TypeScript twin of
// private.render_buyer_message: both are held to the same answers on a table of cases, with the
// placeholder list and the deadline's wording.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	formatDeadline,
	placeholders,
	renderTemplate,
	sampleValues,
	type Placeholder,
} from '../../src/lib/buyer-message-preview.ts';
import { ownerPool } from '../support/clients.ts';

let owner: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
});

afterAll(async () => {
	await owner.end();
});

type Values = Partial<Record<Placeholder, string | null>>;

const cases: [string, Values][] = [
	[
		'Hi {name}, you got #{item} {title} {variant} {price}.',
		{ name: 'Ann', item: '7', title: 'Scarf', price: '12.50 USD' },
	],
	['{handle}   you got #{item}  !', { handle: '@ann', item: '7' }],
	['Tabs\t\tand  spaces {variant} , closed ;', {}],
	['  leading and trailing  ', {}],
	['Unknown {buyer} and {} and {Name} stay', { name: 'Ann' }],
	['A value holding a later placeholder: {name}', { name: '{item}', item: '12' }],
	['Lines\nkeep their {variant}\n breaks .', { variant: 'Blue' }],
	[
		'Pay {total} by {deadline}: {link}',
		{ total: '37.50 USD', deadline: 'Tue 1 Dec 18:00 UTC', link: 'https://pay.example.test/x' },
	],
	['Which one of #{item}: {variants}?', { item: '9', variants: 'Blue / M, Red / S' }],
	['{name}', { name: '' }],
	['Emoji 🎉 count as one: {title}', { title: '🎉'.repeat(2_100) }],
	['{title}', { title: 'x'.repeat(2_500) }],
	[
		'Every sample: {handle} {name} {item} {title} {variant} {price} {position} {variants} {link} {total} {deadline}',
		sampleValues(new Date('2026-12-01T05:00:00Z')),
	],
];

describe('template preview', () => {
	it('knows the same placeholders as the database, in its order', async () => {
		const { rows } = await owner.query<{ names: string[] }>(
			'select private.buyer_message_placeholders() as names',
		);
		expect([...placeholders]).toEqual(rows[0].names);
	});

	it.each(cases)('renders %j as the database does', async (template, values) => {
		const { rows } = await owner.query<{ rendered: string }>(
			'select private.render_buyer_message($1, $2) as rendered',
			[template, JSON.stringify(values)],
		);
		expect(renderTemplate(template, values)).toBe(rows[0].rendered);
	});

	it('words a deadline as the database does', async () => {
		const moments = [
			'2026-12-01T18:00:00Z',
			'2026-12-06T00:05:59Z',
			'2027-01-09T09:30:00.5Z',
			'2026-02-28T23:59:00Z',
		];
		const { rows } = await owner.query<{ words: string }>(
			'select private.format_deadline(moment) as words from unnest($1::timestamptz[]) with ordinality as given (moment, place) order by place',
			[moments],
		);
		expect(moments.map(formatDeadline)).toEqual(rows.map((row) => row.words));
		expect(formatDeadline('2026-12-01T18:00:00Z')).toBe('Tue 1 Dec 18:00 UTC');
	});
});
