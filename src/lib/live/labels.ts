// Words for states the console shows. Every state has a label, so colour only ever repeats what
// the text already says.
import type { Claim, Comment, Show, ShowItem } from '$lib/rows';

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
};

export function ignoredReasonLabel(reason: string): string {
	return ignoredReasons[reason] ?? reason.replaceAll('_', ' ');
}

/** "@handle", else the display name, else the platform's id. */
export function buyerName(row: Pick<Claim | Comment, 'user_handle' | 'user_display_name' | 'platform_user_id'>): string {
	if (row.user_handle) return `@${row.user_handle}`;
	return row.user_display_name ?? row.platform_user_id ?? 'unknown buyer';
}

export function itemLabel(item: Pick<ShowItem, 'item_number' | 'title'>): string {
	return item.title ? `#${item.item_number} ${item.title}` : `#${item.item_number}`;
}
