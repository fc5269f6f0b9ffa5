// An operator action's failure in words they can act on. The engine's own messages (PT409 and
// 22023, e.g. "item 12 is sold out (1 of 1): release a claim before awarding it") are already
// written for operators and pass through; transport failures are named as such.

export interface RpcFailure {
	message: string;
	code?: string;
}

export function describeRpcError(error: RpcFailure, status: number): string {
	if (status === 0) return 'Could not reach the server. Check your connection and try again.';
	if (status === 401) return 'Your session has expired. Reload the page and sign in again.';
	if (status === 403 && error.code !== 'PT403')
		return 'You are not allowed to do this in this workspace.';
	const message = error.message.trim() || `The server answered HTTP ${status}`;
	return message.charAt(0).toUpperCase() + message.slice(1).replace(/([^.!?])$/, '$1.');
}
