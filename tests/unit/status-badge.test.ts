// Every page's status pill is the console's Badge (one markup, one stylesheet), with the words the
// whole app uses for the state.
import { createRawSnippet } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import StatusBadge from '$lib/components/StatusBadge.svelte';
import Badge from '$lib/components/live/Badge.svelte';

const classOf = (html: string) => html.match(/class="([^"]*badge[^"]*)"/)?.[1];
const text = (words: string) => createRawSnippet(() => ({ render: () => `<span>${words}</span>` }));

describe('StatusBadge', () => {
	it('is the live console’s Badge, scoped styles and all, with the shared words', () => {
		const status = render(StatusBadge, { props: { kind: 'item', status: 'sold_out' } }).body;
		const badge = render(Badge, { props: { tone: 'success', children: text('Sold out') } }).body;
		expect(classOf(status)).toBe(classOf(badge));
		expect(status).toContain('Sold out');
	});

	it('pulses only for a show on air', () => {
		const onAir = render(StatusBadge, { props: { kind: 'show', status: 'active' } }).body;
		const paused = render(StatusBadge, { props: { kind: 'show', status: 'paused' } }).body;
		expect(classOf(onAir)).toMatch(/\btone-danger\b.*\bpulse\b/);
		expect(onAir).toContain('On air');
		expect(classOf(paused)).toMatch(/\btone-warning\b/);
		expect(classOf(paused)).not.toMatch(/\bpulse\b/);
	});
});
