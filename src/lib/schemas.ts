// What the console accepts from its forms, checked before anything reaches Auth or the database.
import { z } from 'zod';
import { replayListenMinutes } from '$lib/labels';
import { maximumPasswordLength, minimumPasswordLength } from './passwords';

const email = z
	.string({ error: 'Enter your email address' })
	.trim()
	.min(1, 'Enter your email address')
	.pipe(z.email({ error: 'Enter an email address like name@example.com' }));

export const loginSchema = z.object({
	email,
	password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password'),
});

export const signupSchema = z.object({
	email,
	password: z
		.string({ error: 'Choose a password' })
		.min(minimumPasswordLength, `Use at least ${minimumPasswordLength} characters`)
		.max(maximumPasswordLength, `Use at most ${maximumPasswordLength} characters`),
	workspaceName: z
		.string()
		.trim()
		.max(200, 'Keep the workspace name under 200 characters')
		.optional()
		.transform((name) => name || undefined),
});

export const resetPasswordSchema = z.object({ email });

/** A workspace row as the console reads it from the database. */
export const workspaceSchema = z.object({ id: z.uuid(), name: z.string() });

export type FieldErrors<Schema extends z.ZodType> = Partial<Record<keyof z.input<Schema>, string>>;

export type ParsedForm<Schema extends z.ZodType> =
	{ ok: true; data: z.output<Schema> } | { ok: false; errors: FieldErrors<Schema> };

/** Parses submitted form fields; on failure, the first message for each field. */
export function parseForm<Schema extends z.ZodType>(
	schema: Schema,
	form: FormData,
): ParsedForm<Schema> {
	const fields = Object.fromEntries(
		[...form.entries()].filter(([, value]) => typeof value === 'string'),
	);
	const result = schema.safeParse(fields);
	if (result.success) return { ok: true, data: result.data };
	const errors: Record<string, string> = {};
	for (const issue of result.error.issues) {
		const field = String(issue.path[0] ?? '');
		errors[field] ??= issue.message;
	}
	return { ok: false, errors: errors as FieldErrors<Schema> };
}

/**
 * Where to go after signing in: only a path on this site, never another origin
 * (`//evil.example`, `/\evil.example` and absolute URLs are refused).
 */
export function safeRedirectPath(
	requested: string | null | undefined,
	fallback = '/dashboard',
): string {
	if (
		!requested ||
		!requested.startsWith('/') ||
		requested.startsWith('//') ||
		requested.includes('\\')
	)
		return fallback;
	const resolved = new URL(requested, 'http://console.invalid');
	if (resolved.origin !== 'http://console.invalid') return fallback;
	return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** A workspace with the settings the settings page edits. */
export const workspaceSettingsRowSchema = workspaceSchema.extend({
	claim_words: z.array(z.string()),
	pass_words: z.array(z.string()),
	max_units_per_comment: z.number().int(),
	replay_listen_minutes: z.number().int(),
});

const platformField = z.enum(['facebook', 'instagram'], { error: 'Choose Facebook or Instagram' });

const showName = z
	.string()
	.trim()
	.max(200, 'Keep the name to 200 characters')
	.optional()
	.transform((name) => name ?? '');

/**
 * Claim or pass words as typed: separated by commas, each one word or a phrase ("i'll take").
 * The engine lower-cases them; a word holding a digit could not be told from an item number.
 */
function wordList(kind: 'claim' | 'pass') {
	return z
		.string()
		.optional()
		.transform((text) =>
			(text ?? '')
				.split(',')
				.map((word) => word.trim().toLowerCase())
				.filter(Boolean),
		)
		.pipe(
			z
				.array(
					z
						.string()
						.max(40, `Keep each ${kind} word under 40 characters`)
						.regex(/^\D*$/, `A ${kind} word cannot contain digits: they read as item numbers`),
				)
				.max(10, `Use at most 10 ${kind} words`),
		);
}

export const newShowSchema = z.object({
	name: showName,
	platform: platformField,
	/** A live id or address; checked against the platform by parseLiveReference. */
	liveReference: z
		.string()
		.trim()
		.optional()
		.transform((text) => text || undefined),
	/** The Meta connection the show listens through; none is allowed (a rehearsal, or connect later). */
	connection: z
		.union([z.literal(''), z.uuid('Choose one of the listed connections')])
		.optional()
		.transform((id) => id || undefined),
});

/** The show's own words; an empty list means "use the workspace's". */
export const showWordsSchema = z.object({
	name: showName,
	claimWords: wordList('claim'),
	passWords: wordList('pass'),
});

/** A per-buyer limit typed in a form: empty is none, else a whole number from 1 to max. */
function buyerLimit(what: string, max: number) {
	return z
		.string()
		.trim()
		.refine((typed) => typed === '' || /^\d{1,4}$/.test(typed), `${what} is a whole number`)
		.transform((typed) => (typed === '' ? null : Number(typed)))
		.refine(
			(units) => units === null || (units >= 1 && units <= max),
			`${what} is 1 to ${max}; leave it empty for no limit`,
		);
}

/** Per-buyer limits (the database checks the same ranges). */
export const buyerLimitsSchema = z.object({
	perShow: buyerLimit('Units per buyer per show', 1000),
	perItem: buyerLimit('Units per buyer per item', 30),
});

export const workspaceSettingsSchema = z
	.object({
		name: z
			.string({ error: 'Enter a workspace name' })
			.trim()
			.min(1, 'Enter a workspace name')
			.max(200, 'Keep the name under 200 characters'),
		claimWords: wordList('claim').pipe(z.array(z.string()).min(1, 'Enter at least one claim word')),
		passWords: wordList('pass').pipe(z.array(z.string()).min(1, 'Enter at least one pass word')),
		/** Units one comment may claim ("sold 12 x2"); left out, a workspace keeps one. */
		maxUnitsPerComment: z.coerce
			.number({ error: 'Enter a number of units from 1 to 30' })
			.int('Enter a whole number of units from 1 to 30')
			.min(1, 'Enter a number of units from 1 to 30')
			.max(30, 'Enter a number of units from 1 to 30')
			.default(1),
		/** Minutes after a Facebook live ends that comments on its replay still claim; 0 is off. */
		replayListenMinutes: z.coerce
			.number()
			.pipe(
				z.union(
					replayListenMinutes.map((minutes) => z.literal(minutes)),
					{
						error: 'Choose how long to listen to the replay',
					},
				),
			)
			.default(0),
	})
	.superRefine(({ claimWords, passWords }, context) => {
		// The database refuses it too, comparing words as the parser reads them.
		const both = passWords.find((word) => claimWords.includes(word));
		if (both)
			context.addIssue({
				code: 'custom',
				path: ['passWords'],
				message: `“${both}” is also a claim word: every “${both} 14” would claim #14. Use each word in one list only.`,
			});
	});

export const itemIdSchema = z.object({
	itemId: z.uuid({ error: 'That item is not on this show any more; reload the page' }),
});

export const itemEditSchema = itemIdSchema.extend({
	title: z
		.string()
		.trim()
		.max(200, 'Keep the title under 200 characters')
		.optional()
		.transform((title) => title || null),
	quantity: z.coerce
		.number({ error: 'Enter a quantity from 1 to 30' })
		.int('Enter a whole number from 1 to 30')
		.min(1, 'Enter a quantity from 1 to 30')
		.max(30, 'Enter a quantity from 1 to 30'),
});

export const activateSchema = z.object({
	liveReference: z
		.string({ error: 'Paste the live’s address or id' })
		.trim()
		.min(1, 'Paste the live’s address or id'),
});
