/**
 * Pointing the variables at separately started `npm run mock:d1` and `npm run mock:issuer` processes gives the same
 * results as the embedded run: the suites reach their targets only through the configured URLs.
 */
import { test, expect } from '@playwright/test';
import { startExternalMocks } from './external-mocks.js';
import { runSuites, type SuiteRun } from './suite-runner.js';

const outcomes = (run: SuiteRun): Record<string, string> =>
  Object.fromEntries(run.results.map((r) => [`${r.project} › ${r.title}`, r.outcome]));

test('the suites give the same results against the mocks started as commands as against the embedded ones', async () => {
  // Two full runs, one after the other: about 4 minutes on a quiet 2-core machine; the margin is for a busy one.
  test.setTimeout(900_000);
  const mocks = await startExternalMocks();
  try {
    // Two workers share the one receiver of D1's notifications on NOTIFY_SINK_PORT, each test reading its own.
    const external = await runSuites({ env: mocks.env, workers: 2 });
    const embedded = await runSuites({ workers: 2 });
    expect(external.results.length, `external run stderr: ${external.stderr.slice(0, 800)}`).toBeGreaterThan(100);
    expect(outcomes(external)).toEqual(outcomes(embedded));
  } finally {
    await mocks.stop();
  }
});

test('two workers share the receiver of an external D1: the notification flows pass side by side', async () => {
  test.setTimeout(300_000);
  const mocks = await startExternalMocks();
  try {
    const run = await runSuites({ env: mocks.env, workers: 2, projects: ['flows'] });
    const failed = run.results.filter((r) => r.outcome === 'failed').map((r) => r.title);
    expect(run.results.filter((r) => r.outcome === 'passed').length, `stderr: ${run.stderr.slice(0, 800)}`).toBeGreaterThan(20);
    expect(failed).toEqual([]);
  } finally {
    await mocks.stop();
  }
});
