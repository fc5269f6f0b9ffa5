// Scripted viewers: a crowd commenting on one live at a steady rate, the way live-sale audiences
// do — claims in every spelling ("sold 12", "12 sold", "Sold #12!!"), chatter, emoji, questions
// that mention numbers, passes, and the same claim typed twice — or a given script, in order.
import type { CommentInfo, PostCommentInput } from './control.ts';
import type { Viewer, World } from './world.ts';

type ScriptLine =
	string | { text: string; viewer?: { id?: string; name?: string }; hideFrom?: boolean };

export interface CrowdOptions {
	liveId: string;
	commentsPerSecond: number;
	script?: ScriptLine[];
	itemCount: number;
	viewerCount: number;
	hiddenShare: number;
}

const firstNames = [
	'Maria',
	'Jen',
	'Kayla',
	'Dee',
	'Sam',
	'Lou',
	'Priya',
	'Bea',
	'Tina',
	'Ro',
	'Nat',
	'Claire',
	'Dana',
	'Kim',
	'Ana',
	'Tasha',
	'Meg',
	'Lena',
	'Joy',
	'Rosa',
];
const lastNames = [
	'Styles',
	'Price',
	'Lee',
	'Brooks',
	'Nguyen',
	'Garcia',
	'Patel',
	'Okafor',
	'Murphy',
	'Silva',
	'Kowalski',
	'Haddad',
];
const chatter = [
	'hi everyone! 👋',
	'love that color 😍',
	'can you show the back?',
	'so cute!!',
	'is shipping free?',
	'gorgeous 🔥',
	'😍😍😍',
	'❤️',
	'🔥🔥',
	'hello from Texas!',
	'omg yes',
	'the lighting is great today',
];
const questions = (item: number) => [
	`what size is ${item}?`,
	`is ${item} sold out?`,
	`how much is ${item}`,
	`can you show ${item} again?`,
];
const claims = (item: number) => [
	`sold ${item}`,
	`${item} sold`,
	`Sold #${item}!!`,
	`SOLD ${item} 💕`,
	`sold ${item} please`,
	`Sold${item}`,
	`sold ${item} 🙌`,
];
const passes = (item: number) => [`pass ${item}`, `pass on ${item} sorry`];
const tickMs = 100;

function pick<T>(list: readonly T[]): T {
	return list[Math.floor(Math.random() * list.length)];
}

interface Crowd {
	liveId: string;
	commentsPerSecond: number;
	timer: NodeJS.Timeout;
	/** The crowd's next comment; undefined once a script is done. */
	next: () => Omit<PostCommentInput, 'liveId'> | undefined;
}

export class Crowds {
	#crowds = new Map<string, Crowd>();
	#nextId = 1;

	constructor(
		private readonly world: World,
		private readonly post: (input: PostCommentInput) => CommentInfo,
		private readonly log: (line: string) => void,
	) {}

	start(options: CrowdOptions): string {
		const id = String(this.#nextId++);
		const viewers = this.#viewers(options.viewerCount, options.hiddenShare);
		const lastClaim = new Map<string, string>();
		const script = options.script ? [...options.script] : undefined;
		let position = 0;
		let budget = 0;
		let last = performance.now();

		const next = (): Omit<PostCommentInput, 'liveId'> | undefined => {
			if (script) {
				const line = script[position];
				const viewer =
					typeof line !== 'string' && line?.viewer
						? line.viewer
						: { id: viewers[position % viewers.length].id };
				position += 1;
				if (line === undefined) return undefined;
				return typeof line === 'string'
					? { text: line, viewer, hideFrom: false, delayMs: 0 }
					: { text: line.text, viewer, hideFrom: line.hideFrom ?? false, delayMs: 0 };
			}
			const viewer = pick(viewers);
			return {
				text: this.#comment(viewer, options.itemCount, lastClaim),
				viewer: { id: viewer.id },
				hideFrom: false,
				delayMs: 0,
			};
		};

		const tick = () => {
			const now = performance.now();
			budget += (options.commentsPerSecond * (now - last)) / 1000;
			last = now;
			for (; budget >= 1; budget -= 1) {
				const comment = next();
				if (!comment) return void this.stop(id);
				try {
					this.post({ liveId: options.liveId, ...comment });
				} catch (error) {
					this.log(`meta-simulator: viewers ${id} stopped: ${(error as Error).message}`);
					return void this.stop(id);
				}
			}
		};
		// The first comment comes at once; then the rate holds.
		budget = 1;
		const timer = setInterval(tick, Math.min(tickMs, 1000 / options.commentsPerSecond));
		this.#crowds.set(id, {
			liveId: options.liveId,
			commentsPerSecond: options.commentsPerSecond,
			timer,
			next,
		});
		tick();
		return id;
	}

	/**
	 * Meta's clock skipped from `fromMs` to `toMs`: every crowd writes the comments it would have
	 * written meanwhile, at its rate, dated across the skipped time. Returns how many it wrote.
	 */
	backfill(fromMs: number, toMs: number): number {
		let written = 0;
		for (const [id, crowd] of this.#crowds) {
			const count = Math.floor((crowd.commentsPerSecond * (toMs - fromMs)) / 1000);
			for (let index = 1; index <= count; index += 1) {
				const comment = crowd.next();
				if (!comment) {
					this.stop(id);
					break;
				}
				const createdTime = new Date(fromMs + (index * 1000) / crowd.commentsPerSecond);
				this.post({ liveId: crowd.liveId, ...comment, createdTime: createdTime.toISOString() });
				written += 1;
			}
		}
		return written;
	}

	/** Stops one crowd, or every crowd; returns how many stopped. */
	stop(id?: string): number {
		let stopped = 0;
		for (const [crowdId, crowd] of this.#crowds) {
			if (id !== undefined && crowdId !== id) continue;
			clearInterval(crowd.timer);
			this.#crowds.delete(crowdId);
			stopped += 1;
		}
		return stopped;
	}

	stopForLive(liveId: string): void {
		for (const [id, crowd] of this.#crowds) if (crowd.liveId === liveId) this.stop(id);
	}

	#viewers(count: number, hiddenShare: number): Viewer[] {
		const viewers = Array.from({ length: count }, (_, index) => {
			const name = `${firstNames[index % firstNames.length]} ${lastNames[Math.floor(index / firstNames.length) % lastNames.length]}`;
			const round = Math.floor(index / (firstNames.length * lastNames.length));
			return this.world.viewer({ name: round === 0 ? name : `${name} ${round + 1}` });
		});
		const hiddenCount = Math.round(count * hiddenShare);
		for (const [index, viewer] of viewers.entries())
			if (index >= count - hiddenCount) viewer.hidden = true;
		return viewers;
	}

	#comment(viewer: Viewer, itemCount: number, lastClaim: Map<string, string>): string {
		const item = 1 + Math.floor(Math.random() * itemCount);
		const roll = Math.random();
		const repeat = lastClaim.get(viewer.id);
		if (repeat && roll < 0.06) return repeat;
		if (roll < 0.3) return pick(chatter);
		if (roll < 0.38) return pick(questions(item));
		if (roll < 0.45) return pick(passes(item));
		const claim = pick(claims(item));
		lastClaim.set(viewer.id, claim);
		return claim;
	}
}
