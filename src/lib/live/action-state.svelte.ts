// One operator control's progress and outcome: pending while the action runs (so it cannot be
// sent twice), then its result kept next to the control that sent it.
import type { ActionResult } from './operator-actions';

export class ActionState {
	pending = $state(false);
	result: ActionResult | null = $state(null);

	async run(action: () => Promise<ActionResult>): Promise<ActionResult | null> {
		if (this.pending) return null;
		this.pending = true;
		this.result = null;
		try {
			this.result = await action();
		} catch (error) {
			this.result = { ok: false, message: `Something went wrong: ${(error as Error).message}` };
		} finally {
			this.pending = false;
		}
		return this.result;
	}

	clear(): void {
		this.result = null;
	}
}
