import type { ServiceContext } from '../index.ts';
import { sendJson, type Service } from '../http.ts';
export function createFunctionsService(_context: ServiceContext): Service {
	return { handle: async (_req, res, path) => sendJson(res, path === '/health' || path === '/' ? 200 : 501, { placeholder: true }), close: async () => {} };
}
