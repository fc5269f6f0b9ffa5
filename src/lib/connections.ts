// Words for the workspace's Meta connections, shared by the connections page and the show forms.
import type { SocialConnection } from '$lib/rows';
import type { Tone } from '$lib/labels';

export const accountKind: Record<SocialConnection['platform'], string> = {
	facebook: 'Facebook Page',
	instagram: 'Instagram account',
};

export const connectionStatusLabel: Record<SocialConnection['status'], string> = {
	active: 'Connected',
	expired: 'Expired',
	revoked: 'Disconnected',
};
export const connectionStatusTone: Record<SocialConnection['status'], Tone> = {
	active: 'success',
	expired: 'danger',
	revoked: 'neutral',
};

const dayMs = 24 * 60 * 60 * 1000;

/** A warning when the connection's Meta access runs out within a week (Meta then wants a new sign-in). */
export function expiryWarning(tokenExpiresAt: string | null, now = Date.now()): string | null {
	if (!tokenExpiresAt) return null;
	const left = Date.parse(tokenExpiresAt) - now;
	if (left >= 7 * dayMs) return null;
	if (left <= 0) return 'Meta access has expired: reconnect to keep taking claims.';
	const days = Math.ceil(left / dayMs);
	return `Meta access ends in ${days} ${days === 1 ? 'day' : 'days'}: reconnect before your next live.`;
}
