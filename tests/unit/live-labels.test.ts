// What the live console tells the operator when comments from Meta are not flowing normally.
import { describe, expect, it } from 'vitest';
import {
	ingestionAlert,
	ingestionDisplayStatus,
	ingestionGapText,
	replayListeningText,
	viewerCountText,
} from '$lib/labels';
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
	currency: 'USD',
	pinned_item_number: null,
	max_units_per_buyer: null,
	max_units_per_buyer_item: null,
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
	live_ended_at: null,
	replay_until: null,
	viewer_count: null,
	viewer_count_at: null,
	gaps: [],
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

describe('what the console says about late and missing comments', () => {
	it('says until when comments are delayed', () => {
		const throttled = {
			...ingestion('delayed', 'Meta error 80001: throttled; Meta asks to wait 2 min'),
			backoff_until: '2026-11-22T10:02:03.000000+00:00',
		};
		expect(ingestionAlert(show('active'), throttled)?.text).toMatch(
			/delayed \(Meta error 80001: throttled; Meta asks to wait 2 min\)\. Next try at \d\d:02:03\./,
		);
	});

	it('shows a live Meta reported ended as ended while its late comments are read, and says until when', () => {
		const sweeping = {
			...ingestion(
				'listening',
				'the live video ended at 10:00:00 UTC: reading comments Meta lists late',
			),
			live_ended_at: '2026-11-22T10:00:00.000000+00:00',
		};
		expect(ingestionDisplayStatus(sweeping)).toBe('live_ended');
		expect(ingestionAlert(show('active'), sweeping)?.text).toMatch(
			/^The Facebook live has ended \(at \d\d:00:00\)\. Comments Facebook lists late are still being read until about \d\d:01:00: stop the show after that, so that none is lost\.$/,
		);
		const ended = {
			...sweeping,
			status: 'live_ended' as const,
			status_detail: 'the live video is VOD',
		};
		expect(ingestionAlert(show('active'), ended)?.text).toBe(
			'The Facebook live has ended (the live video is VOD). Stop the show when you are done, to see the summary.',
		);
	});

	it('says until when the replay is listened to, from the end on, and that Instagram has no replay', () => {
		const replay = {
			...ingestion('replay', 'listening to the replay until 10:30:00 UTC'),
			live_ended_at: '2026-11-22T10:00:00.000000+00:00',
			replay_until: '2026-11-22T10:30:00.000000+00:00',
		};
		expect(ingestionDisplayStatus(replay)).toBe('replay');
		expect(replayListeningText(replay)).toMatch(/^Listening to the replay until \d\d:30$/);
		expect(ingestionAlert(show('active'), replay)).toEqual({
			tone: 'info',
			text: expect.stringMatching(
				/^The Facebook live has ended \(at \d\d:00:00\)\. Listening to the replay until \d\d:30: claims typed on the replay still count while the show is open\.$/,
			),
			reconnect: false,
		});
		// While the late comments are swept the window is already known.
		expect(ingestionDisplayStatus({ ...replay, status: 'listening' })).toBe('replay');
		// Once the window closed, the live is simply over.
		expect(ingestionDisplayStatus({ ...replay, status: 'live_ended' })).toBe('live_ended');
		expect(replayListeningText({ replay_until: null })).toBeNull();
	});

	it('shows Facebook’s viewer count while the live is on, and says when there is none to show', () => {
		const watching = { ...ingestion('listening'), viewer_count: 1234 };
		expect(viewerCountText(show('active'), watching)).toEqual({ value: '1,234', note: null });
		expect(viewerCountText(show('active'), ingestion('starting'))).toEqual({
			value: '–',
			note: null,
		});
		expect(
			viewerCountText(show('active'), { ...watching, live_ended_at: at, viewer_count: null }),
		).toEqual({ value: '–', note: 'The live has ended' });
		expect(viewerCountText({ platform: 'instagram' }, null)).toEqual({
			value: '–',
			note: 'Instagram does not report live viewers',
		});
	});

	it('names a gap by its times and reason', () => {
		expect(
			ingestionGapText({
				from: '2026-11-22T20:41:54.000000+00:00',
				to: '2026-11-22T20:43:19.000000+00:00',
				reason: 'Meta error 80001: throttled',
			}),
		).toMatch(
			/^Comments between \d\d:41:54 and \d\d:43:19 may be missing \(Meta error 80001: throttled\); check the live\.$/,
		);
	});
});
