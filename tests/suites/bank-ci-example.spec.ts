/**
 * The README's example of a bank's CI job (examples/bank-ci/certify-bank.sh) works as written: its endpoints and its
 * calls certified in one `npm run certify`, READY and exit 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { environmentWithoutTargets } from './suite-runner.js';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

test('the example CI job certifies the bank READY', async () => {
  test.setTimeout(240_000);
  const reports = mkdtempSync(path.join(tmpdir(), 'bank-ci-'));
  const run = spawnSync('bash', [fromRoot('examples', 'bank-ci', 'certify-bank.sh')], {
    cwd: fromRoot(),
    env: {
      ...environmentWithoutTargets(),
      OBSERVER_PORT: String(await freePort()),
      CERTIFY_REPORTS_DIR: reports,
      CERTIFY_ARGS: '--skip-d1-environment',
      SEED: '3',
    },
    encoding: 'utf8',
    timeout: 220_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  expect(run.stdout).toContain('the certification plan is complete');
  expect(run.stdout).toContain('bank client: the certification plan ran');
  const summary = JSON.parse(readFileSync(path.join(reports, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
  expect(summary).toMatchObject({ verdict: 'READY', subject: { kind: 'bank' } });
});
