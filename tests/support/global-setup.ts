// Vitest global setup for the db and integration tests: uses the stack named by SUPABASE_URL
// (and friends) when set, else starts a throwaway one for this run.
import type { TestProject } from 'vitest/node';
import { startTestStack, type TestStackEnv } from './start-test-stack.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		stack: TestStackEnv;
	}
}

export default async function setup(project: TestProject) {
	const given = process.env as Partial<TestStackEnv>;
	if (
		given.SUPABASE_URL &&
		given.SUPABASE_ANON_KEY &&
		given.SUPABASE_SERVICE_ROLE_KEY &&
		given.SUPABASE_DB_URL &&
		given.SUPABASE_JWT_SECRET
	) {
		project.provide('stack', given as TestStackEnv);
		return;
	}
	const stack = await startTestStack((line) => {
		if (process.env.STACK_LOG) console.log(line);
	});
	project.provide('stack', stack.env);
	return () => stack.stop();
}
