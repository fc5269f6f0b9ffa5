// The live URL or id a seller pastes, as the Edge Functions check it before asking Meta.
import { describe, expect, it } from 'vitest';
import { parseLiveReference } from '../../supabase/functions/_shared/live-url.ts';

describe('parseLiveReference', () => {
	it.each([
		['1029384756473829', 'facebook', '1029384756473829', null],
		[' https://www.facebook.com/100064000000001/videos/1029384756473829/ ', 'facebook', '1029384756473829', 'https://www.facebook.com/100064000000001/videos/1029384756473829/'],
		['facebook.com/demo.boutique/videos/1029384756473829', 'facebook', '1029384756473829', 'https://facebook.com/demo.boutique/videos/1029384756473829'],
		['https://m.facebook.com/watch/?v=1029384756473829', 'facebook', '1029384756473829', 'https://m.facebook.com/watch/?v=1029384756473829'],
		['https://www.facebook.com/watch/live/?v=1029384756473829&ref=watch', 'facebook', '1029384756473829', 'https://www.facebook.com/watch/live/?v=1029384756473829&ref=watch'],
		['18016281832342434', 'instagram', '18016281832342434', null],
		['https://www.instagram.com/demo.boutique/live/18016281832342434/', 'instagram', '18016281832342434', 'https://www.instagram.com/demo.boutique/live/18016281832342434/'],
	] as const)('finds the id in %s (%s)', (pasted, platform, liveId, liveUrl) => {
		expect(parseLiveReference(pasted, platform)).toEqual({ ok: true, liveId, liveUrl });
	});

	it.each([
		['12345', 'facebook', /at least 6 digits/],
		['', 'facebook', /at least 6 digits/],
		['javascript:alert(1)', 'facebook', /at least 6 digits/],
		['https://fb.watch/abc123/', 'facebook', /fb\.watch short links/],
		['https://facebook.com.evil.example/videos/1029384756473829', 'facebook', /not a Facebook address/],
		['https://www.facebook.com/demo.boutique', 'facebook', /No video id/],
		['https://www.facebook.com/videos/1029384756473829', 'instagram', /not an Instagram address/],
		['https://www.instagram.com/demo.boutique/live/', 'instagram', /paste the numeric live media id/],
	] as const)('explains what is wrong with "%s" (%s)', (pasted, platform, message) => {
		const parsed = parseLiveReference(pasted, platform);
		expect(parsed.ok).toBe(false);
		expect(parsed.ok ? '' : parsed.message).toMatch(message);
	});
});
