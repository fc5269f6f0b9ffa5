// What the live console tells the operator when comments from Meta are not flowing normally.
import { describe, expect, it } from 'vitest';
import { ingestionAlert } from '$lib/labels';
import type { LiveIngestion, Show } from '$lib/rows';

const at = '2026-11-22T10:00:00.000000+00:00';
const show = (status: Show['status']): Show => ({
	id: '00000000-0000-4000-8000-000000000001',
	workspace_id: '00000000-0000-4000-8000-0000000000ff',
	name: 'Friday drop',
	status,
	platform: 'facebook',
	connection_id: '00000000-0000-4000-8000-0000000000cc',
	live_id: 'live-1',
	live_url: null,
	claim_words: null,
	pass_words: null,
	started_at: at,
	ended_at: null,
	created_at: at,
	updated_at: at,
});
const ingestion = (
	status: LiveIngestion['status'],
	status_detail: string | null = null,
): LiveIngestion => ({
	show_id: '00000000-0000-4000-8000-000000000001',
	platform: 'facebook',
	live_id: 'live-1',
	status,
	status_detail,
	last_success_at: at,
	last_comment_at: at,
	comments_received: 3,
	backoff_until: null,
	updated_at: at,
});

describe('ingestionAlert', () => {
	it('stays quiet while comments flow, before activation, and after the show', () => {
		expect(ingestionAlert(show('active'), ingestion('listening'))).toBeNull();
		expect(ingestionAlert(show('active'), ingestion('starting'))).toBeNull();
		expect(ingestionAlert(show('active'), null)).toBeNull();
		expect(ingestionAlert(show('ended'), ingestion('reconnect_required'))).toBeNull();
	});

	it('says comments are delayed but not lost, with Meta’s reason', () => {
		expect(
			ingestionAlert(show('active'), ingestion('delayed', 'rate limited by Meta (code 4)')),
		).toEqual({
			tone: 'warning',
			text: 'Comments from Facebook are delayed (rate limited by Meta (code 4)). They are not lost: claims catch up in order once Facebook answers again.',
			reconnect: false,
		});
	});

	it('offers a reconnect when Meta refuses the token, also while paused', () => {
		expect(
			ingestionAlert(show('paused'), ingestion('reconnect_required', 'the token has expired')),
		).toMatchObject({ tone: 'danger', reconnect: true });
	});

	it('tells the operator the live ended, so they stop the show', () => {
		expect(ingestionAlert(show('active'), ingestion('live_ended'))?.text).toMatch(
			/live has ended.*Stop the show/,
		);
	});
});
