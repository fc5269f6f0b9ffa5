// `npm test`: every check, in order of cost. Vitest and Playwright each start their own
// throwaway stack on free ports, so a developer's running stack is never touched.
// Prints one closing line with the summed test counts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reports = mkdtempSync(join(tmpdir(), 'lsl-test-reports-'));
let passed = 0;
let failed = 0;

function run(title: string, [command, ...args]: string[]): boolean {
	console.log(`\n=== ${title}: ${[command, ...args].join(' ')}`);
	const startedAt = performance.now();
	const result = spawnSync(command, args, { stdio: 'inherit' });
	const ok = result.status === 0;
	console.log(
		`=== ${title}: ${ok ? 'ok' : 'FAILED'} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
	);
	return ok;
}

function countVitest(file: string): void {
	const report = JSON.parse(readFileSync(file, 'utf8')) as {
		numPassedTests: number;
		numFailedTests: number;
	};
	passed += report.numPassedTests;
	failed += report.numFailedTests;
}

function countPlaywright(file: string): void {
	const report = JSON.parse(readFileSync(file, 'utf8')) as {
		stats: { expected: number; unexpected: number; flaky: number };
	};
	passed += report.stats.expected + report.stats.flaky;
	failed += report.stats.unexpected;
}

interface Step {
	title: string;
	command: string[];
	/** A machine-readable report the step writes, and how to count its tests. */
	report?: { file: string; count: (file: string) => void };
}

const vitestJson = (name: string) => [
	'--reporter=default',
	'--reporter=json',
	`--outputFile=${join(reports, name)}`,
];
process.env.PLAYWRIGHT_JSON_OUTPUT_NAME = join(reports, 'e2e.json');

const steps: Step[] = [
	{ title: 'type-check', command: ['npm', 'run', '--silent', 'check'] },
	{ title: 'format', command: ['npm', 'run', '--silent', 'format:check'] },
	{ title: 'lint', command: ['npm', 'run', '--silent', 'lint'] },
	{
		title: 'unit',
		command: ['npx', 'vitest', 'run', '--project', 'unit', ...vitestJson('unit.json')],
		report: { file: 'unit.json', count: countVitest },
	},
	{
		title: 'database and integration',
		command: ['npx', 'vitest', 'run', '--project', 'stack', ...vitestJson('stack.json')],
		report: { file: 'stack.json', count: countVitest },
	},
	{ title: 'build', command: ['npm', 'run', '--silent', 'build'] },
	{
		title: 'end-to-end',
		command: ['npx', 'playwright', 'test', '--reporter=list,json'],
		report: { file: 'e2e.json', count: countPlaywright },
	},
];

let allOk = true;
for (const step of steps) {
	const ok = run(step.title, step.command);
	if (step.report) {
		try {
			step.report.count(join(reports, step.report.file));
		} catch {
			failed += 1; // the runner died before writing its report
		}
	} else if (!ok) {
		allOk = false;
		break; // a broken type-check, lint or build makes later steps meaningless
	}
	allOk &&= ok;
}

console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(allOk && failed === 0 ? 0 : 1);
