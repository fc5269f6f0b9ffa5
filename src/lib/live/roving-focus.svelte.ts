// A long list as one tab stop: Tab enters it on the row last focused (else the first) and leaves
// it; the arrow keys, Home and End move between its rows. Keeps the console's tab order short
// however many items and claims a show has.

/** The row to move to from `current` of `count` for a key, or null when the key is not ours. */
export function rovingTarget(key: string, current: number, count: number): number | null {
	const target = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: count - 1 }[key];
	return target === undefined ? null : Math.max(0, Math.min(count - 1, target));
}

export class RovingFocus {
	#chosen: string | null = $state(null);
	readonly #ids: () => string[];
	readonly #selector: string;

	/** `ids`: the rows' ids in order; `selector`: each row's control, carrying data-roving-id. */
	constructor(ids: () => string[], selector: string) {
		this.#ids = ids;
		this.#selector = selector;
	}

	/** The row that is the list's tab stop: the one focused last while it is listed, else the first. */
	readonly current = $derived.by(() => {
		const ids = this.#ids();
		return this.#chosen !== null && ids.includes(this.#chosen) ? this.#chosen : (ids[0] ?? null);
	});

	tabindex(id: string): 0 | -1 {
		return id === this.current ? 0 : -1;
	}

	/** For the list's focusin: a row focused by any means becomes the tab stop. */
	focusin = (event: FocusEvent): void => {
		const id = (event.target as HTMLElement).closest<HTMLElement>('[data-roving-id]')?.dataset
			.rovingId;
		if (id !== undefined) this.#chosen = id;
	};

	/** For the list's keydown. */
	keydown = (event: KeyboardEvent): void => {
		const list = event.currentTarget as HTMLElement;
		const controls = [...list.querySelectorAll<HTMLElement>(this.#selector)];
		const current = controls.indexOf(document.activeElement as HTMLElement);
		if (current === -1) return;
		const target = rovingTarget(event.key, current, controls.length);
		if (target === null) return;
		event.preventDefault();
		controls[target].focus();
	};
}
