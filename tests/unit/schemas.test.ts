import { describe, expect, it } from 'vitest';
import {
	buyerLimitsSchema,
	loginSchema,
	parseForm,
	resetPasswordSchema,
	safeRedirectPath,
	signupSchema,
	workspaceSchema,
	workspaceSettingsSchema,
} from '../../src/lib/schemas.ts';

function formOf(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.append(name, value);
	return form;
}

describe('loginSchema', () => {
	it('accepts an email and password, trimming the email', () => {
		expect(
			parseForm(loginSchema, formOf({ email: '  seller@example.com ', password: ' secret ' })),
		).toEqual({
			ok: true,
			data: { email: 'seller@example.com', password: ' secret ' },
		});
	});

	it('names each missing field', () => {
		expect(parseForm(loginSchema, formOf({ email: '', password: '' }))).toEqual({
			ok: false,
			errors: { email: 'Enter your email address', password: 'Enter your password' },
		});
	});

	it('explains a malformed email', () => {
		expect(parseForm(loginSchema, formOf({ email: 'seller@', password: 'x' }))).toEqual({
			ok: false,
			errors: { email: 'Enter an email address like name@example.com' },
		});
	});

	it('treats absent fields like empty ones and ignores uploaded files', () => {
		const form = formOf({});
		form.append('email', new Blob(['x']), 'email.txt');
		expect(parseForm(loginSchema, form)).toEqual({
			ok: false,
			errors: { email: 'Enter your email address', password: 'Enter your password' },
		});
	});
});

describe('signupSchema', () => {
	it('requires at least 8 and at most 72 password characters', () => {
		const short = parseForm(signupSchema, formOf({ email: 'a@example.com', password: '1234567' }));
		expect(short).toEqual({ ok: false, errors: { password: 'Use at least 8 characters' } });
		const long = parseForm(
			signupSchema,
			formOf({ email: 'a@example.com', password: 'x'.repeat(73) }),
		);
		expect(long).toEqual({ ok: false, errors: { password: 'Use at most 72 characters' } });
		expect(
			parseForm(signupSchema, formOf({ email: 'a@example.com', password: '12345678' })).ok,
		).toBe(true);
	});

	it('keeps a trimmed workspace name and drops an empty one', () => {
		expect(
			parseForm(
				signupSchema,
				formOf({ email: 'a@example.com', password: '12345678', workspaceName: '  Vintage Vault ' }),
			),
		).toEqual({
			ok: true,
			data: { email: 'a@example.com', password: '12345678', workspaceName: 'Vintage Vault' },
		});
		expect(
			parseForm(
				signupSchema,
				formOf({ email: 'a@example.com', password: '12345678', workspaceName: '   ' }),
			),
		).toEqual({
			ok: true,
			data: { email: 'a@example.com', password: '12345678', workspaceName: undefined },
		});
	});

	it('refuses a workspace name longer than the database allows', () => {
		const parsed = parseForm(
			signupSchema,
			formOf({ email: 'a@example.com', password: '12345678', workspaceName: 'x'.repeat(201) }),
		);
		expect(parsed).toEqual({
			ok: false,
			errors: { workspaceName: 'Keep the workspace name under 200 characters' },
		});
	});
});

describe('resetPasswordSchema', () => {
	it('needs a valid email only', () => {
		expect(parseForm(resetPasswordSchema, formOf({ email: 'seller@example.com' }))).toEqual({
			ok: true,
			data: { email: 'seller@example.com' },
		});
		expect(parseForm(resetPasswordSchema, formOf({ email: 'nope' })).ok).toBe(false);
	});
});

describe('workspaceSchema', () => {
	it('accepts a workspace row and refuses a malformed one', () => {
		const row = { id: '3f1b1c5e-8f3a-4a4e-9d51-0c1f2a3b4c5d', name: 'Vintage Vault' };
		expect(workspaceSchema.parse(row)).toEqual(row);
		expect(workspaceSchema.safeParse({ id: 'not-a-uuid', name: 'x' }).success).toBe(false);
	});
});

describe('safeRedirectPath', () => {
	it('keeps a path on this site, with its query and fragment', () => {
		expect(safeRedirectPath('/shows/42?tab=claims#item-7')).toBe('/shows/42?tab=claims#item-7');
	});

	it('falls back for anything that could leave the site', () => {
		for (const requested of [
			'https://evil.example/',
			'//evil.example/x',
			'/\\evil.example',
			'\\\\evil.example',
			'javascript:alert(1)',
			'dashboard',
			'',
			null,
			undefined,
		]) {
			expect(safeRedirectPath(requested), String(requested)).toBe('/dashboard');
		}
	});

	it('normalises dot segments without leaving the site', () => {
		expect(safeRedirectPath('/../../etc/passwd')).toBe('/etc/passwd');
	});

	it('uses the given fallback', () => {
		expect(safeRedirectPath(null, '/login')).toBe('/login');
	});
});

describe('workspaceSettingsSchema', () => {
	it('refuses a word that is both a claim word and a pass word, on the pass words', () => {
		const result = parseForm(
			workspaceSettingsSchema,
			formOf({ name: 'Shop', claimWords: 'sold, pass', passWords: 'Pass' }),
		);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.errors.passWords).toMatch(/“pass” is also a claim word/);
		expect(
			parseForm(
				workspaceSettingsSchema,
				formOf({ name: 'Shop', claimWords: 'sold, mine', passWords: 'pass' }),
			).ok,
		).toBe(true);
	});

	it('takes 1 to 30 units per comment, 1 when the form leaves it out', () => {
		const units = (maxUnitsPerComment?: string) => {
			const result = parseForm(
				workspaceSettingsSchema,
				formOf({
					name: 'Shop',
					claimWords: 'sold',
					passWords: 'pass',
					...(maxUnitsPerComment === undefined ? {} : { maxUnitsPerComment }),
				}),
			);
			return result.ok ? result.data.maxUnitsPerComment : result.errors.maxUnitsPerComment;
		};
		expect(units()).toBe(1);
		expect(units(' 3 ')).toBe(3);
		expect(units('30')).toBe(30);
		expect(units('31')).toBe('Enter a number of units from 1 to 30');
		expect(units('0')).toBe('Enter a number of units from 1 to 30');
		expect(units('2.5')).toBe('Enter a whole number of units from 1 to 30');
		expect(units('two')).toBe('Enter a number of units from 1 to 30');
	});
});

describe('buyerLimitsSchema', () => {
	it('reads empty as no limit and whole numbers within range', () => {
		expect(parseForm(buyerLimitsSchema, formOf({ perShow: ' ', perItem: '3' }))).toEqual({
			ok: true,
			data: { perShow: null, perItem: 3 },
		});
	});

	it('refuses zero, decimals, words and limits over the range, naming the field', () => {
		for (const [perShow, perItem] of [
			['0', ''],
			['1.5', ''],
			['ten', ''],
			['', '31'],
			['1001', ''],
		]) {
			const parsed = parseForm(buyerLimitsSchema, formOf({ perShow, perItem }));
			expect(parsed.ok).toBe(false);
			if (!parsed.ok)
				expect(Object.keys(parsed.errors)).toEqual([perShow === '' ? 'perItem' : 'perShow']);
		}
	});
});
