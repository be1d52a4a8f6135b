/**
 * Proof that the suites work: against the conformant mocks every suite passes, and against each planted bug of
 * either mock the suites fail with a test tagged with the rule the bug breaks. The detection matrix is printed;
 * detection must be 100 %.
 *
 * For each fault only the tests tagged with its rule are run (`--grep @RULE`): that is exactly the question the
 * matrix asks, whether a test standing for that rule fails, and it keeps the matrix to a few minutes.
 */
import { test, expect } from '@playwright/test';
import { d1Faults } from '../../mocks/d1/faults.js';
import { issuerFaults } from '../../mocks/issuer/faults.js';
import { runSuites } from './suite-runner.js';

test.describe.configure({ mode: 'parallel' });

test('every suite passes against the conformant embedded mocks', async () => {
  test.setTimeout(300_000);
  const run = await runSuites({ workers: 2 });
  const failed = run.results.filter((r) => r.outcome === 'failed').map((r) => `${r.project} › ${r.title}`);
  expect(run.results.length, `the suites ran (stderr: ${run.stderr.slice(0, 500)})`).toBeGreaterThan(100);
  expect(failed).toEqual([]);
  expect(run.exitCode).toBe(0);
  console.log(
    `conformant mocks: ${run.results.filter((r) => r.outcome === 'passed').length} passed, ` +
      `${run.results.filter((r) => r.outcome === 'skipped').length} skipped`,
  );
});

interface MatrixRow {
  readonly mock: 'd1' | 'issuer';
  readonly fault: string;
  readonly rule: string;
  readonly failing: readonly string[];
  readonly ran: number;
}

test('the detection matrix: every planted bug is caught by a test tagged with its rule', async () => {
  // About 8 minutes on a quiet 2-core machine; the margin is for a busy one.
  test.setTimeout(1_200_000);
  const faults = [
    ...Object.entries(d1Faults).map(([fault, { rule }]) => ({ mock: 'd1' as const, fault, rule })),
    ...Object.entries(issuerFaults).map(([fault, { rule }]) => ({ mock: 'issuer' as const, fault, rule })),
  ];
  const rows: MatrixRow[] = [];
  // Two nested runs at a time: the machine has two cores.
  const queue = [...faults];
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const run = await runSuites({
          env: next.mock === 'd1' ? { MOCK_D1_FAULTS: next.fault } : { MOCK_ISSUER_FAULTS: next.fault },
          grep: `@${next.rule}(?![A-Z0-9-])`,
        });
        const failing = run.results
          .filter((r) => r.outcome === 'failed' && r.tags.includes(next.rule))
          .map((r) => `${r.project} › ${r.title}`);
        rows.push({ ...next, failing, ran: run.results.length });
      }
    }),
  );
  rows.sort((a, b) => `${a.mock}${a.fault}`.localeCompare(`${b.mock}${b.fault}`));
  const caught = rows.filter((r) => r.failing.length > 0).length;
  const table = [
    'mock   | fault                                         | rule                                   ' +
      '| tests run | failing tests tagged with the rule',
    ...rows.map(
      (r) =>
        `${r.mock.padEnd(6)} | ${r.fault.padEnd(45)} | ${r.rule.padEnd(38)} | ${String(r.ran).padStart(9)} | ` +
        (r.failing.length > 0 ? `${r.failing.length}: ${r.failing[0] ?? ''}` : 'NONE'),
    ),
    `detection: ${caught}/${rows.length} (${Math.round((caught / rows.length) * 100)} %)`,
  ].join('\n');
  console.log(`\n${table}\n`);
  await test.info().attach('detection-matrix.txt', { body: table, contentType: 'text/plain' });
  expect(rows.filter((r) => r.failing.length === 0).map((r) => `${r.mock}:${r.fault} (${r.rule})`)).toEqual([]);
});
