// A page's form action run from script, as its form would post it: for a confirm dialog's button.
import { deserialize } from '$app/forms';
import type { ActionResult } from '@sveltejs/kit';

export async function postFormAction(
	action: string,
	fields: Record<string, string>,
): Promise<ActionResult> {
	const body = new FormData();
	for (const [name, value] of Object.entries(fields)) body.set(name, value);
	const response = await fetch(action, {
		method: 'POST',
		body,
		headers: { 'x-sveltekit-action': 'true' },
	});
	return deserialize(await response.text());
}
