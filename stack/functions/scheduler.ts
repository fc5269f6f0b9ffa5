import type { ServiceContext } from '../index.ts';
export function startScheduler(_context: ServiceContext) { return { stop: async () => {} }; }
