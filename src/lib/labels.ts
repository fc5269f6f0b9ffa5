// Words for the states every page shows (the live console, the show list, the summary), so each
// state is named the same everywhere. Every state has a label: colour only repeats the text.
import { formatClockTime, formatCount, formatHourMinute } from '$lib/format';
import type { Claim, Comment, LiveIngestion, Show, ShowItem } from '$lib/rows';

/** The replay windows a workspace can choose (the database allows these only). */
export const replayListenMinutes = [0, 15, 30, 60, 120, 360, 1440] as const;

export const replayListenLabels: Record<(typeof replayListenMinutes)[number], string> = {
	0: 'Off: claims stop when the live ends',
	15: '15 minutes',
	30: '30 minutes',
	60: '1 hour',
	120: '2 hours',
	360: '6 hours',
	1440: '24 hours',
};

export type Tone = 'success' | 'warning' | 'info' | 'neutral' | 'danger';

export type ClaimOutcome = 'winner' | 'promoted' | 'waitlist' | 'released' | 'passed';

export function claimOutcome(claim: Claim): ClaimOutcome {
	if (claim.status === 'winner') return claim.promoted_at ? 'promoted' : 'winner';
	return claim.status;
}

export const claimOutcomeTone: Record<ClaimOutcome, Tone> = {
	winner: 'success',
	promoted: 'info',
	waitlist: 'warning',
	released: 'neutral',
	passed: 'neutral',
};

export function claimOutcomeLabel(claim: Claim): string {
	switch (claimOutcome(claim)) {
		case 'winner':
			return 'Winner';
		case 'promoted':
			return 'Promoted to winner';
		case 'waitlist':
			return `Waitlist #${claim.waitlist_position}`;
		case 'released':
			return 'Released';
		case 'passed':
			return 'Passed';
	}
}

export const itemStatusLabel: Record<ShowItem['status'], string> = {
	unclaimed: 'Open',
	partial: 'Partly claimed',
	sold_out: 'Sold out',
};

export const itemStatusTone: Record<ShowItem['status'], Tone> = {
	unclaimed: 'neutral',
	partial: 'info',
	sold_out: 'success',
};

export const ingestionStatusLabel: Record<LiveIngestion['status'], string> = {
	starting: 'Connecting to the live',
	listening: 'Listening',
	delayed: 'Delayed',
	replay: 'Listening to the replay',
	live_ended: 'Live ended',
	reconnect_required: 'Meta: reconnect needed',
	failed: 'Not receiving',
};

export const ingestionStatusTone: Record<LiveIngestion['status'], Tone> = {
	starting: 'info',
	listening: 'success',
	delayed: 'warning',
	replay: 'info',
	live_ended: 'neutral',
	reconnect_required: 'danger',
	failed: 'danger',
};

/**
 * What the operator should know while comments are not flowing normally, with what to do;
 * null when all is well (or the show is not taking comments, so nobody needs telling).
 */
/**
 * The status to show: a live Meta reported ended is shown ended while its late comments are read,
 * or as listening to the replay when the workspace takes claims from it.
 */
export function ingestionDisplayStatus(ingestion: LiveIngestion): LiveIngestion['status'] {
	if (ingestion.status === 'live_ended' || !ingestion.live_ended_at) return ingestion.status;
	return ingestion.replay_until ? 'replay' : 'live_ended';
}

/** "Listening to the replay until 14:05", the status bar's line while a replay still takes claims. */
export function replayListeningText(ingestion: Pick<LiveIngestion, 'replay_until'>): string | null {
	return ingestion.replay_until
		? `Listening to the replay until ${formatHourMinute(ingestion.replay_until)}`
		: null;
}

/** How long after the end fb-poll still reads comments Meta lists late. */
const LATE_COMMENT_SWEEPS_MS = 60_000;

export function ingestionAlert(
	show: Show,
	ingestion: LiveIngestion | null,
): { tone: 'info' | 'warning' | 'danger'; text: string; reconnect: boolean } | null {
	if (!ingestion || show.status === 'ended' || show.status === 'draft') return null;
	const platform = ingestion.platform === 'facebook' ? 'Facebook' : 'Instagram';
	const detail = ingestion.status_detail ? ` (${ingestion.status_detail})` : '';
	switch (ingestionDisplayStatus(ingestion)) {
		case 'delayed':
			return {
				tone: 'warning',
				text: `Comments from ${platform} are delayed${detail}.${ingestion.backoff_until ? ` Next try at ${formatClockTime(ingestion.backoff_until)}.` : ''} They are not lost: claims catch up in order once ${platform} answers again.`,
				reconnect: false,
			};
		case 'replay':
			return {
				tone: 'info',
				text: `The ${platform} live has ended (at ${formatClockTime(ingestion.live_ended_at!)}). ${replayListeningText(ingestion)}: claims typed on the replay still count while the show is open.`,
				reconnect: false,
			};
		case 'live_ended':
			if (ingestion.status !== 'live_ended' && ingestion.live_ended_at) {
				const readUntil = Date.parse(ingestion.live_ended_at) + LATE_COMMENT_SWEEPS_MS;
				return {
					tone: 'warning',
					text: `The ${platform} live has ended (at ${formatClockTime(ingestion.live_ended_at)}). Comments ${platform} lists late are still being read until about ${formatClockTime(readUntil)}: stop the show after that, so that none is lost.`,
					reconnect: false,
				};
			}
			return {
				tone: 'warning',
				text: `The ${platform} live has ended${detail}. Stop the show when you are done, to see the summary.`,
				reconnect: false,
			};
		case 'reconnect_required':
			return {
				tone: 'danger',
				text: `${platform} no longer accepts this show's connection${detail}. Reconnect it to keep taking claims.`,
				reconnect: true,
			};
		case 'failed':
			return {
				tone: 'danger',
				text: `Comments from ${platform} are not arriving${detail}.`,
				reconnect: false,
			};
		default:
			return null;
	}
}

/**
 * The status bar's viewer count: Facebook's live_views from the last poll; Instagram reports none
 * to apps (its live media has no viewer field and its insights come up to 48 h late).
 */
export function viewerCountText(
	show: Pick<Show, 'platform'>,
	ingestion: Pick<LiveIngestion, 'viewer_count' | 'live_ended_at'> | null,
): { value: string; note: string | null } {
	if (show.platform === 'instagram')
		return { value: '–', note: 'Instagram does not report live viewers' };
	if (ingestion?.live_ended_at) return { value: '–', note: 'The live has ended' };
	if (ingestion?.viewer_count === null || ingestion?.viewer_count === undefined)
		return { value: '–', note: null };
	return { value: formatCount(ingestion.viewer_count), note: null };
}

export const showStatusLabel: Record<Show['status'], string> = {
	draft: 'Draft',
	active: 'On air',
	paused: 'Paused',
	ended: 'Ended',
};

export const showStatusTone: Record<Show['status'], Tone> = {
	draft: 'neutral',
	active: 'danger',
	paused: 'warning',
	ended: 'neutral',
};

// The engine's reasons (private.allocate_comment) in the operator's words.
const ignoredReasons: Record<string, string> = {
	show_not_active: 'Show was not taking claims',
	platform_mismatch: 'From another platform',
	live_mismatch: 'From another live',
	no_intent: 'No claim',
	after_live_end: 'Made after the live ended',
	nothing_pinned: 'A bare claim while nothing was pinned',
	blocked: 'Blocked viewer',
};

export function ignoredReasonLabel(reason: string): string {
	return ignoredReasons[reason] ?? reason.replaceAll('_', ' ');
}

/** "@handle", else the display name, else the platform's id. */
export function buyerName(
	row: Pick<Claim | Comment, 'user_handle' | 'user_display_name' | 'platform_user_id'>,
): string {
	if (row.user_handle) return `@${row.user_handle}`;
	return row.user_display_name ?? row.platform_user_id ?? 'unknown buyer';
}

/** The buyer's name, marked "(test)" on a test claim, so a rehearsal never reads as a sale. */
export function claimantName(
	claim: Pick<Claim, 'user_handle' | 'user_display_name' | 'platform_user_id' | 'is_test'>,
): string {
	return claim.is_test ? `${buyerName(claim)} (test)` : buyerName(claim);
}

export function itemLabel(item: Pick<ShowItem, 'item_number' | 'title'>): string {
	return item.title ? `#${item.item_number} ${item.title}` : `#${item.item_number}`;
}

/** A time range whose comments were never read, in the seller's words. */
export function ingestionGapText(gap: LiveIngestion['gaps'][number]): string {
	return `Comments between ${formatClockTime(gap.from)} and ${formatClockTime(gap.to)} may be missing (${gap.reason}); check the live.`;
}
