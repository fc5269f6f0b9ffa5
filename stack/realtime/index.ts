import type { ServiceContext } from '../index.ts';
import { sendJson } from '../http.ts';
export async function createRealtimeService(_context: ServiceContext) {
	return { handle: async (_req: any, res: any) => sendJson(res, 501, {}), upgrade: (_r: any, socket: any) => socket.destroy(), close: async () => {} };
}
