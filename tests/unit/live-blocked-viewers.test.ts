import { describe, expect, it } from 'vitest';
import { blockOf, blockedViewersOf, withBlock } from '../../src/lib/live/blocked-viewers';
import type { BlockedViewer } from '../../src/lib/rows';

function viewer(platform_user_id: string, platform: BlockedViewer['platform'] = 'facebook') {
	return {
		id: `00000000-0000-4000-8000-${platform_user_id.padStart(12, '0')}`,
		workspace_id: '00000000-0000-4000-8000-0000000000aa',
		platform,
		platform_user_id,
		user_handle: `handle${platform_user_id}`,
		user_display_name: null,
		created_at: '2026-12-01T05:00:00Z',
	};
}

describe('blocked viewers', () => {
	it('finds a block by platform and platform user id only', () => {
		const viewers = blockedViewersOf([viewer('1'), viewer('2', 'instagram')]);
		expect(blockOf(viewers, { platform: 'facebook', platform_user_id: '1' })?.user_handle).toBe(
			'handle1',
		);
		expect(blockOf(viewers, { platform: 'facebook', platform_user_id: '2' })).toBeNull();
	});

	it('blocks and unblocks into a new list, leaving the old one as it was', () => {
		const before = blockedViewersOf([viewer('1')]);
		const blocked = withBlock(before, viewer('3'), false);
		const unblocked = withBlock(blocked, viewer('1'), true);
		expect([...before.keys()]).toEqual(['facebook 1']);
		expect([...blocked.keys()]).toEqual(['facebook 1', 'facebook 3']);
		expect([...unblocked.keys()]).toEqual(['facebook 3']);
	});
});
