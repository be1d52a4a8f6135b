/**
 * `npm run certify` against the mock D1 started as a command (an external D1, as D1 staging is): what the D1 suites
 * created there is gone once the run ends, whether it ran to its end or was stopped with SIGTERM part-way, and the
 * compliance summary says what the clean-up removed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { CREATED_LEDGER } from '../../lib/d1-client.js';
import { send } from '../../lib/http/client.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { spawnCommand } from '../mocks/cli-process.js';
import { startExternalMocks, type ExternalMocks } from './external-mocks.js';
import { environmentWithoutTargets } from './suite-runner.js';

// Each case runs a certification of its own beside its own mocks; one at a time on two cores.
test.describe.configure({ mode: 'default', timeout: 300_000 });

/** Two D1 suites that register consumers and create, register, replace and delete cards. */
const D1_SUITES = ['suites/d1/card-life-cycle.spec.ts', 'suites/d1/consumer-life-cycle.spec.ts'];

let mocks: ExternalMocks | undefined;
let work = '';
test.beforeEach(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'd1-cleanup-certify-'));
  mocks = await startExternalMocks();
});
test.afterEach(async () => {
  await mocks?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What the mock D1 holds live: every object in it is the run's, since the mock was started for this test. */
async function liveObjects(env: Readonly<Record<string, string>>): Promise<unknown> {
  const response = await send({ method: 'GET', url: `${new URL(env.D1_BASE_URL ?? '').origin}/__mock/objects` });
  expect(response.status).toBe(200);
  return response.json;
}

function startCertify(env: Readonly<Record<string, string>>): ReturnType<typeof spawnCommand> {
  const args = ['--workers=1', `--output=${path.join(work, 'test-results')}`, ...D1_SUITES];
  return spawnCommand('scripts/certify.ts', args, { ...environmentWithoutTargets(), ...env, SEED: '7', CERTIFY_REPORTS_DIR: work }, 60_000);
}

const readSummary = (): ComplianceSummary =>
  JSON.parse(readFileSync(path.join(work, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;

const ledgerLines = (): number =>
  existsSync(path.join(work, CREATED_LEDGER))
    ? readFileSync(path.join(work, CREATED_LEDGER), 'utf8').split('\n').filter(Boolean).length
    : 0;

test('a certification against an external D1 leaves nothing it created live, and its summary says what was removed', async () => {
  const env = mocks?.env ?? {};
  const certify = startCertify(env);
  const code = await certify.exited;
  const output = `${certify.stdout.join('\n')}\n${certify.stderr.join('\n')}`;

  expect(code, output).not.toBe(2);
  expect(await liveObjects(env)).toEqual({ prefix: '', consumers: 0, cards: 0 });
  const cleanup = readSummary().d1Cleanup;
  expect(cleanup?.created.consumers, output).toBeGreaterThan(5);
  expect(cleanup?.created.cards).toBeGreaterThan(5);
  expect(cleanup?.notRemoved).toEqual([]);
  expect((cleanup?.removed.consumers ?? 0) + (cleanup?.alreadyGone.consumers ?? 0)).toBe(cleanup?.created.consumers);
  expect((cleanup?.removed.cards ?? 0) + (cleanup?.alreadyGone.cards ?? 0)).toBe(cleanup?.created.cards);
  expect(readFileSync(path.join(work, 'compliance-summary.md'), 'utf8')).toContain(
    `## D1 clean-up: nothing left behind\n\nCreated ${cleanup?.created.consumers} consumers and ${cleanup?.created.cards} cards; ` +
      `removed ${cleanup?.removed.consumers} consumers`,
  );
  expect(output).toMatch(/certify: D1 clean-up: \d+\/\d+ consumers and \d+\/\d+ cards removed/);
});

test('SIGTERM to certify part-way stops the suites, still cleans up what they created, and still writes the summary', async () => {
  const env = mocks?.env ?? {};
  const certify = startCertify(env);
  try {
    await expect.poll(ledgerLines, { timeout: 120_000 }).toBeGreaterThanOrEqual(4);
    expect(certify.child.kill('SIGTERM')).toBe(true);
    const code = await certify.exited;
    const output = `${certify.stdout.join('\n')}\n${certify.stderr.join('\n')}`;

    expect(output).toContain('certify: SIGTERM: stopping the suites, then cleaning up D1 and concluding');
    expect(code, output).toBe(1);
    expect(await liveObjects(env)).toEqual({ prefix: '', consumers: 0, cards: 0 });
    const summary = readSummary();
    expect(summary.d1Cleanup?.created.consumers, output).toBeGreaterThanOrEqual(1);
    expect(summary.d1Cleanup?.notRemoved).toEqual([]);
    // Stopped part-way, yet the evidence of what ran is there, and the run concluded from it.
    expect(existsSync(path.join(work, 'certification', 'tests.json'))).toBe(true);
    expect(output).toContain('Go-live verdict:');
  } finally {
    if (certify.child.exitCode === null && certify.child.signalCode === null) certify.child.kill('SIGKILL');
  }
});
