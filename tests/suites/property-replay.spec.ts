/**
 * A property of the real suite against a planted bug of the mock D1: the failure its concurrent pass finds is
 * reported with the seed, replay path and counterexample of the sequential run (PROPERTY_CONCURRENCY=1, fast-check as
 * it always ran), and the printed "replay this case" command, run as printed, fails again on that counterexample.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { environmentWithoutTargets } from './suite-runner.js';

const FAULT = 'enrol-issuer-id-length-unchecked';
const TITLE = 'CTP-ENROL-ISSUERID-LENGTH clickToPayEnrol: path /issuerId one step outside its length';
const SEED = '20261206';

interface JsonResult {
  readonly errors?: readonly { readonly message?: string }[];
}
interface JsonSuite {
  readonly specs?: readonly { readonly title: string; readonly tests: readonly { readonly results: readonly JsonResult[] }[] }[];
  readonly suites?: readonly JsonSuite[];
}

/** The failure messages of the tests whose title holds TITLE, from Playwright's JSON report. */
function failuresOf(suites: readonly JsonSuite[]): string[] {
  return suites.flatMap((suite) => [
    ...(suite.specs ?? [])
      .filter((spec) => spec.title.includes(TITLE))
      .flatMap((spec) => spec.tests.flatMap((t) => t.results.flatMap((r) => (r.errors ?? []).map((e) => e.message ?? '')))),
    ...failuresOf(suite.suites ?? []),
  ]);
}

/** Runs a shell command line (as a user would paste it) against the faulty mock D1; returns the test's failure message. */
async function run(commandLine: string, env: Readonly<Record<string, string>> = {}): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'property-replay-'));
  try {
    const jsonFile = path.join(work, 'results.json');
    await new Promise<void>((resolve) => {
      const child = spawn('bash', ['-c', `${commandLine} --reporter=json --workers=1 --output=${path.join(work, 'output')}`], {
        cwd: fromRoot(),
        env: { ...environmentWithoutTargets(), MOCK_D1_FAULTS: FAULT, PLAYWRIGHT_JSON_OUTPUT_FILE: jsonFile, ...env },
        stdio: 'ignore',
      });
      child.once('exit', () => resolve());
    });
    const failures = failuresOf((JSON.parse(readFileSync(jsonFile, 'utf8')) as { suites: JsonSuite[] }).suites);
    expect(failures, `one failure of "${TITLE}"`).toHaveLength(1);
    // Playwright colours the message; the comparisons are of its text.
    return (failures[0] ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The lines that identify a failure: the replay commands (seed, path), the counterexample, how far it shrank. */
const identity = (message: string): string[] =>
  message
    .split('\n')
    .filter((line) => /^(replay:|replay this case:|Counterexample:|Shrunk |Property failed after |\{ seed: )/.test(line.trim()));

const lineOf = (message: string, prefix: string): string =>
  message
    .split('\n')
    .find((line) => line.startsWith(prefix))
    ?.slice(prefix.length)
    .trim() ?? '';

test('a failure found by the concurrent pass is the sequential run’s, and its printed replay command reproduces it', async () => {
  test.setTimeout(600_000);
  const suite = `SEED=${SEED} npx playwright test --project=properties -g "${TITLE}"`;
  const concurrent = await run(suite);
  const sequential = await run(suite, { PROPERTY_CONCURRENCY: '1' });
  expect(identity(concurrent)).toHaveLength(6);
  expect(identity(concurrent)).toEqual(identity(sequential));
  expect(concurrent).toContain(`SEED=${SEED} FC_PATH=`);

  // The command as printed, pasted into a shell: it goes straight to the shrunk counterexample, which fails again.
  const replay = await run(lineOf(concurrent, 'replay this case:'));
  expect(lineOf(replay, 'Counterexample:')).toBe(lineOf(concurrent, 'Counterexample:'));
  expect(replay).toMatch(/Property failed after 1 tests/);
  expect(lineOf(replay, 'replay this case:')).toBe(lineOf(concurrent, 'replay this case:'));
});
