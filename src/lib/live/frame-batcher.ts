// Collects events and hands them over at most once per animation frame, so a burst of 50 changes
// a second redraws the console a few dozen times, not once per change. Browsers pause animation
// frames in background tabs; a timer makes sure queued changes still land there.

export interface FrameScheduler {
	request(callback: () => void): () => void;
}

const backgroundFlushMs = 250;

export const browserFrameScheduler: FrameScheduler = {
	request(callback) {
		let done = false;
		const run = () => {
			if (done) return;
			done = true;
			cancelAnimationFrame(frame);
			clearTimeout(timer);
			callback();
		};
		const frame = requestAnimationFrame(run);
		const timer = setTimeout(run, backgroundFlushMs);
		return () => {
			done = true;
			cancelAnimationFrame(frame);
			clearTimeout(timer);
		};
	},
};

export class FrameBatcher<Event> {
	private queue: Event[] = [];
	private cancelScheduled: (() => void) | null = null;

	constructor(
		private readonly deliver: (events: Event[]) => void,
		private readonly scheduler: FrameScheduler = browserFrameScheduler,
	) {}

	push(event: Event): void {
		this.queue.push(event);
		this.cancelScheduled ??= this.scheduler.request(() => this.flush());
	}

	/** Delivers whatever is queued now, in arrival order. */
	flush(): void {
		this.cancelScheduled?.();
		this.cancelScheduled = null;
		if (this.queue.length === 0) return;
		const events = this.queue;
		this.queue = [];
		this.deliver(events);
	}

	/** Drops queued events and stops the pending frame (the console is going away). */
	dispose(): void {
		this.cancelScheduled?.();
		this.cancelScheduled = null;
		this.queue = [];
	}
}
