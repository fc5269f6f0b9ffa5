// Text PostgreSQL can store: NUL dropped, lone surrogates replaced, everything else kept as is.
import { describe, expect, it } from 'vitest';
import { storableJson, storableText } from '../../supabase/functions/_shared/pg-text.ts';

describe('storableText', () => {
	it('drops U+0000 and replaces unpaired surrogates, keeping pairs and everything else', () => {
		expect(storableText('sold\u0000 12\u0000')).toBe('sold 12');
		expect(storableText('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
		expect(storableText('sold 12 😍 ünïcode')).toBe('sold 12 😍 ünïcode');
	});
});

describe('storableJson', () => {
	it('cleans every string of a parsed delivery, keys included, and nothing else', () => {
		const parsed = JSON.parse(
			'{"entry":[{"id":"1","time":5,"changes":[{"value":{"text":"sold 1\\u0000","k\\u0000":true,"n":null}}]}]}',
		);
		expect(storableJson(parsed)).toEqual({
			entry: [{ id: '1', time: 5, changes: [{ value: { text: 'sold 1', k: true, n: null } }] }],
		});
		expect(JSON.stringify(storableJson(parsed))).not.toContain('\\u0000');
	});
});
