import { describe, expect, it } from 'vitest';
// The live address or id a seller pastes, as the console and the Edge Functions both read it.
import { parseLiveReference } from '$lib/live-url';

describe('parseLiveReference on Facebook', () => {
	it.each([
		['1029384756473829', '1029384756473829', null],
		[
			'https://www.facebook.com/100064000000001/videos/1029384756473829/',
			'1029384756473829',
			'https://www.facebook.com/100064000000001/videos/1029384756473829/',
		],
		[
			'facebook.com/vintagevault/videos/1029384756473829',
			'1029384756473829',
			'https://facebook.com/vintagevault/videos/1029384756473829',
		],
		[
			'https://m.facebook.com/watch/?v=1029384756473829',
			'1029384756473829',
			'https://m.facebook.com/watch/?v=1029384756473829',
		],
		[
			'https://www.facebook.com/watch/live/?v=1029384756473829&ref=watch',
			'1029384756473829',
			'https://www.facebook.com/watch/live/?v=1029384756473829&ref=watch',
		],
		[
			'https://web.facebook.com/video.php?v=1029384756473829',
			'1029384756473829',
			'https://web.facebook.com/video.php?v=1029384756473829',
		],
	])('finds the id in %s', (pasted, liveId, liveUrl) => {
		expect(parseLiveReference(`  ${pasted} `, 'facebook')).toEqual({ ok: true, liveId, liveUrl });
	});

	it.each([
		['12345', 'Paste the live’s address or its numeric id (at least 6 digits)'],
		['not a link', 'Paste the live’s address or its numeric id (at least 6 digits)'],
		[
			'https://fb.watch/abc123/',
			'fb.watch short links hide the video id: open the link and paste the full facebook.com address',
		],
		[
			'https://facebook.com.evil.example/videos/1029384756473829',
			'That is not a Facebook address: paste a facebook.com video link or the numeric id',
		],
		[
			'https://www.instagram.com/vintagevault/live/',
			'That is not a Facebook address: paste a facebook.com video link or the numeric id',
		],
		[
			'https://www.facebook.com/vintagevault',
			'No video id in that Facebook address: use one like facebook.com/<page>/videos/<id>',
		],
		['javascript:alert(1)', 'Paste the live’s address or its numeric id (at least 6 digits)'],
		['', 'Paste the live’s address or its numeric id (at least 6 digits)'],
	])('explains what is wrong with %s', (pasted, message) => {
		expect(parseLiveReference(pasted, 'facebook')).toEqual({ ok: false, message });
	});
});

describe('parseLiveReference on Instagram', () => {
	it('takes a numeric live media id', () => {
		expect(parseLiveReference('18016281832342434', 'instagram')).toEqual({
			ok: true,
			liveId: '18016281832342434',
			liveUrl: null,
		});
	});

	it('takes an address that carries the id', () => {
		expect(
			parseLiveReference(
				'https://www.instagram.com/vintagevault/live/18016281832342434?igsh=x',
				'instagram',
			),
		).toEqual({
			ok: true,
			liveId: '18016281832342434',
			liveUrl: 'https://www.instagram.com/vintagevault/live/18016281832342434?igsh=x',
		});
	});

	it('asks for the id when the address has none', () => {
		expect(parseLiveReference('https://www.instagram.com/vintagevault/live/', 'instagram')).toEqual(
			{
				ok: false,
				message:
					'Instagram live addresses usually carry no id: paste the numeric live media id instead',
			},
		);
		expect(
			parseLiveReference('https://www.facebook.com/x/videos/1029384756473829', 'instagram'),
		).toMatchObject({ ok: false });
	});
});
