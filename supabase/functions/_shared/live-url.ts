// What a seller pastes when "Detect active lives" does not list their broadcast: a bare numeric
// id, or an address copied from the browser. The id is what a show binds to (activate_show's
// live_id: Facebook's live_video_id, Instagram's live media id). Shared by the Edge Functions and,
// being pure, by the console (src/lib/live-url.ts), so both accept and refuse exactly the same.

export type Platform = 'facebook' | 'instagram';

export type LiveReference =
	{ ok: true; liveId: string; liveUrl: string | null } | { ok: false; message: string };

const numericId = /^\d{6,30}$/;
const facebookHosts = /^(?:www\.|m\.|web\.|mbasic\.)?facebook\.com$/;
const instagramHosts = /^(?:www\.)?instagram\.com$/;

/** The id in a Facebook video address: /videos/<id>, /watch/?v=<id>, /watch/live/?v=<id>, video.php?v=<id>. */
function facebookVideoId(url: URL): string | null {
	const fromQuery = url.searchParams.get('v');
	if (
		fromQuery &&
		numericId.test(fromQuery) &&
		/^\/(?:watch(?:\/live)?\/?|video\.php)$/.test(url.pathname)
	)
		return fromQuery;
	const fromPath = /\/(?:videos|live_videos|reel)\/(?:[^/]+\/)?(\d{6,30})\/?$/.exec(url.pathname);
	return fromPath ? fromPath[1] : null;
}

/** The id in an Instagram address, when it carries one (instagram.com/<user>/live/<id>). */
function instagramLiveId(url: URL): string | null {
	const match = /^\/[^/]+\/live\/(\d{6,30})\/?$/.exec(url.pathname);
	return match ? match[1] : null;
}

function parseUrl(text: string): URL | null {
	try {
		const url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
		return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
	} catch {
		return null;
	}
}

/** The live id in what was pasted for a show on `platform`. */
export function parseLiveReference(pasted: string, platform: Platform): LiveReference {
	const text = pasted.trim();
	if (numericId.test(text)) return { ok: true, liveId: text, liveUrl: null };

	// Digits alone are an id that is too short, not a host ("12345" parses as IPv4 0.0.48.57).
	const url = /^\d+$/.test(text) ? null : parseUrl(text);
	const host = url?.hostname.toLowerCase() ?? '';
	if (!url || !host.includes('.')) {
		return { ok: false, message: 'Paste the live’s address or its numeric id (at least 6 digits)' };
	}
	if (platform === 'facebook') {
		if (host === 'fb.watch')
			return {
				ok: false,
				message:
					'fb.watch short links hide the video id: open the link and paste the full facebook.com address',
			};
		if (!facebookHosts.test(host))
			return {
				ok: false,
				message:
					'That is not a Facebook address: paste a facebook.com video link or the numeric id',
			};
		const liveId = facebookVideoId(url);
		if (!liveId)
			return {
				ok: false,
				message:
					'No video id in that Facebook address: use one like facebook.com/<page>/videos/<id>',
			};
		return { ok: true, liveId, liveUrl: url.href };
	}
	if (!instagramHosts.test(host))
		return {
			ok: false,
			message:
				'That is not an Instagram address: paste an instagram.com live link or the numeric id',
		};
	const liveId = instagramLiveId(url);
	if (!liveId) {
		return {
			ok: false,
			message:
				'Instagram live addresses usually carry no id: paste the numeric live media id instead',
		};
	}
	return { ok: true, liveId, liveUrl: url.href };
}
