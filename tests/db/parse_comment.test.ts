// public.parse_comment: the case table (over 99 % precision and recall), every decimal digit
// PostgreSQL knows, the function's attributes and grants, and its cost per call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { anonClient, ownerPool, signedInUser } from '../support/clients.ts';
import { anon, authenticatorPool, queryAs, serviceRole } from '../support/db.ts';
import { parseCases, type ParseCase } from './parse_comment_cases.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

/**
 * The intents parse_comment returns for each case, as 'claim 12' ('claim 12 x2' for two units,
 * 'claim 12 [blue m]' with the variant words when the case asks, 'claim pinned' for a bare claim
 * on the pinned item), in the cases' order.
 */
async function parseAll(cases: ParseCase[]): Promise<string[][]> {
	const groups = new Map<string, { testCase: ParseCase; index: number }[]>();
	cases.forEach((testCase, index) => {
		const key = JSON.stringify([testCase.claimWords ?? null, testCase.passWords ?? null]);
		groups.set(key, [...(groups.get(key) ?? []), { testCase, index }]);
	});
	const results: string[][] = new Array(cases.length);
	for (const members of groups.values()) {
		const { claimWords, passWords } = members[0].testCase;
		// Words left out are left to the function's defaults.
		const args = ['text => given.text'];
		const params: unknown[] = [members.map(({ testCase }) => testCase.text)];
		if (claimWords) args.push(`claim_words => $${params.push(claimWords)}`);
		if (passWords) args.push(`pass_words => $${params.push(passWords)}`);
		const { rows } = await owner.query<{ place: string; intents: string[]; words: string[] }>(
			`select given.place,
				coalesce(array_agg(parsed.intent || ' ' || coalesce(parsed.item_number, 'pinned')
					|| case when parsed.quantity <> 1 then ' x' || parsed.quantity else '' end
					order by parsed.ordinality) filter (where parsed.intent is not null), '{}') as intents,
				coalesce(array_agg(array_to_string(parsed.variant_words, ' ') order by parsed.ordinality)
					filter (where parsed.intent is not null), '{}') as words
			from unnest($1::text[]) with ordinality as given (text, place)
			left join lateral public.parse_comment(${args.join(', ')}) with ordinality as parsed on true
			group by given.place`,
			params,
		);
		for (const row of rows) {
			const { testCase, index } = members[Number(row.place) - 1];
			results[index] = testCase.withWords
				? row.intents.map((intent, place) => `${intent} [${row.words[place]}]`)
				: row.intents;
		}
	}
	return results;
}

describe('the case table', () => {
	let parsed: string[][];

	beforeAll(async () => {
		parsed = await parseAll(parseCases);
	});

	it('returns what the rules say for every case', () => {
		const mismatches = parseCases.flatMap((testCase, index) =>
			JSON.stringify(parsed[index]) === JSON.stringify(testCase.expected)
				? []
				: [{ ...testCase, actual: parsed[index] }],
		);
		expect(mismatches).toEqual([]);
	});

	it('has >= 99.5 % precision and > 99 % recall against what the commenters meant', () => {
		let truePositives = 0;
		let falsePositives = 0;
		let falseNegatives = 0;
		parseCases.forEach((testCase, index) => {
			const meant = new Set(testCase.meant ?? testCase.expected);
			const found = new Set(parsed[index]);
			for (const intent of found) {
				if (meant.has(intent)) truePositives++;
				else falsePositives++;
			}
			for (const intent of meant) if (!found.has(intent)) falseNegatives++;
		});
		const precision = truePositives / (truePositives + falsePositives);
		const recall = truePositives / (truePositives + falseNegatives);
		console.log(
			`parse_comment over ${parseCases.length} cases: precision ${(precision * 100).toFixed(2)} % ` +
				`(${truePositives}/${truePositives + falsePositives}), recall ${(recall * 100).toFixed(2)} % ` +
				`(${truePositives}/${truePositives + falseNegatives})`,
		);
		expect(parseCases.length).toBeGreaterThanOrEqual(300);
		expect(precision).toBeGreaterThanOrEqual(0.995);
		expect(recall).toBeGreaterThan(0.99);
	});
});

describe('parse_comment', () => {
	it('reads the digits of every script PostgreSQL knows as ASCII digits', async () => {
		// Decimal digits come in runs of ten, zero first; some runs follow each other directly.
		const zeros: number[] = [];
		for (let codePoint = 0x80, runStart = -1, previous = -1; codePoint < 0x110000; codePoint++) {
			if (!/\p{Nd}/u.test(String.fromCodePoint(codePoint))) continue;
			if (codePoint !== previous + 1) runStart = codePoint;
			if ((codePoint - runStart) % 10 === 0) zeros.push(codePoint);
			previous = codePoint;
		}
		// Node may know a newer Unicode than PostgreSQL; digits PostgreSQL does not know are left out.
		const { rows } = await owner.query<{ zero: number; intents: string[]; assigned: boolean }>(
			`select zero, unicode_assigned(chr(zero)) as assigned, array(
				select intent || ' ' || item_number
				from public.parse_comment('sold ' || chr(zero + 1) || chr(zero + 2) || ' ' || chr(zero) || chr(zero + 7) || ' pass')
			) as intents
			from unnest($1::int[]) as zero`,
			[zeros],
		);
		const known = rows.filter((row) => row.assigned);
		expect(known.length).toBeGreaterThanOrEqual(60);
		expect(known.filter((row) => JSON.stringify(row.intents) !== '["claim 12","pass 7"]')).toEqual(
			[],
		);
	});

	it('returns nothing for a null comment or null words, and keeps intents in order of appearance', async () => {
		const { rows } = await owner.query(`
			select
				(select count(*) from public.parse_comment(null)) as null_text,
				(select count(*) from public.parse_comment('sold 12', null, null)) as null_words,
				(select count(*) from public.parse_comment('sold 12', '{null}', '{null}')) as null_word,
				(select json_agg(parsed) from public.parse_comment('pass 4 🔥 SOLD 9 #sold4 7 pass') as parsed) as ordered`);
		expect(rows[0]).toEqual({
			null_text: '0',
			null_words: '0',
			null_word: '0',
			ordered: [
				{ intent: 'pass', item_number: '4', quantity: 1, variant_words: [] },
				{ intent: 'claim', item_number: '9', quantity: 1, variant_words: [] },
				{ intent: 'claim', item_number: '4', quantity: 1, variant_words: [] },
				{ intent: 'pass', item_number: '7', quantity: 1, variant_words: [] },
			],
		});
	});

	it('finds an intent anywhere in a long comment', async () => {
		const text = `${'what a lovely dress, '.repeat(300)}sold 12`;
		const { rows } = await owner.query('select intent, item_number from public.parse_comment($1)', [
			text,
		]);
		expect(rows).toEqual([{ intent: 'claim', item_number: '12' }]);
	});

	it('is immutable, parallel safe, not security definer, with an empty search_path', async () => {
		const { rows } = await owner.query(`
			select provolatile, proparallel, prosecdef, proconfig
			from pg_proc
			where oid = 'public.parse_comment(text, text[], text[])'::regprocedure`);
		expect(rows).toEqual([
			{ provolatile: 'i', proparallel: 's', prosecdef: false, proconfig: ['search_path=""'] },
		]);
	});
});

describe('who may call parse_comment', () => {
	const call = "select intent, item_number from public.parse_comment('sold 12', '{mine,sold}')";

	it('is callable by authenticated and service_role', async () => {
		const user = { role: 'authenticated' as const, userId: randomUUID() };
		expect(await queryAs(api, user, call)).toEqual([{ intent: 'claim', item_number: '12' }]);
		expect(await queryAs(api, serviceRole, call)).toEqual([{ intent: 'claim', item_number: '12' }]);
	});

	it('refuses anon', async () => {
		await expect(queryAs(api, anon, call)).rejects.toMatchObject({ code: '42501' });
		const { rows } = await owner.query(
			`select has_function_privilege('anon', 'public.parse_comment(text, text[], text[])', 'execute') as anon,
				has_function_privilege('public', 'public.parse_comment(text, text[], text[])', 'execute') as public`,
		);
		expect(rows).toEqual([{ anon: false, public: false }]);
	});

	it('previews parsing through the API for a signed-in user, and refuses anon', async () => {
		const { client } = await signedInUser();
		const { data, error } = await client.rpc('parse_comment', {
			text: 'sold 12 pass 3',
			claim_words: ['mine', 'sold'],
		});
		expect(error).toBeNull();
		expect(data).toEqual([
			{ intent: 'claim', item_number: '12', quantity: 1, variant_words: [] },
			{ intent: 'pass', item_number: '3', quantity: 1, variant_words: [] },
		]);
		const refused = await anonClient().rpc('parse_comment', { text: 'sold 12' });
		expect(refused.error).toMatchObject({ code: '42501' });
	});
});

describe('cost', () => {
	/** Calls per second of parse_comment on the comments an SQL expression of n builds, timed in the database. */
	async function callsPerSecond(commentOfN: string, calls: number): Promise<number> {
		// The select list is evaluated after the aggregate has consumed every row.
		const { rows } = await owner.query<{ seconds: number }>(
			`select count(*), extract(epoch from clock_timestamp() - statement_timestamp())::float8 as seconds
			from generate_series(1, $1) as n, public.parse_comment(${commentOfN})`,
			[calls],
		);
		return Math.round(calls / rows[0].seconds);
	}

	it('parses thousands of comments per second', async () => {
		const withClaim = await callsPerSecond(`'🔥 Sold ' || n % 500 || ' please!! ❤️'`, 5000);
		const withoutNumber = await callsPerSecond(
			`'love this colour, is it ' || translate(md5(n::text), '0123456789', 'ghijklmnop') || '?'`,
			5000,
		);
		const worst = await callsPerSecond(`repeat('12 sold ', 1000) || n`, 5);
		console.log(
			`parse_comment: ${withClaim} calls/s with a claim, ${withoutNumber} calls/s without a number, ` +
				`${(1000 / worst).toFixed(1)} ms a call for 8,000 characters of "12 sold 12 sold ..."`,
		);
		expect(withClaim).toBeGreaterThan(1000);
		expect(withoutNumber).toBeGreaterThan(1000);
		expect(worst).toBeGreaterThan(1);
	});
});
