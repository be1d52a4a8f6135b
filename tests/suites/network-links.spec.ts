/**
 * The verdict holds across a real network. Both mocks run as commands behind the project's shaping proxy, each
 * profile standing for a link of the field (latency, a gateway's rate limit, 503s with Retry-After, reset
 * connections); the same seed and the same tests give exactly the results they give on loopback, and a sample of
 * planted bugs is still caught behind the rate limit and the 503s. Short profiles and a part of the suites keep this
 * within a few minutes; the benchmark runs the full ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import type { TargetNetwork } from '../../lib/http/pacing.js';
import type { ShapingProfile } from '../../mocks/network/shaping-proxy.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { startExternalMocks } from './external-mocks.js';
import { certificationEvidenceIn, certifyEndToEnd, type CertifyCommandRun } from './suite-runner.js';

const SEED = '20261207';
// The bank's notification and token endpoints, and the journey that has D1 notify the bank: every kind of request.
const TESTS = ['suites/issuer/notifications.spec.ts', 'suites/issuer/token-endpoint.spec.ts', 'suites/flows/enrolment-journey.spec.ts'];

interface LinkRun {
  readonly run: CertifyCommandRun;
  readonly outcomes: Record<string, string>;
  readonly network: readonly TargetNetwork[];
}

/** One certification of the tests above against both mocks as commands, through links shaped by `profile`. */
async function certifyThrough(
  profile: ShapingProfile | undefined,
  faults: { d1?: readonly string[]; issuer?: readonly string[] } = {},
): Promise<LinkRun> {
  const mocks = await startExternalMocks(faults, profile ? { d1: profile, issuer: profile, seed: 7 } : {});
  try {
    const run = await certifyEndToEnd({ ...mocks.env, SEED }, TESTS, 'network-link-');
    const results = JSON.parse(readFileSync(path.join(run.reportsDir, 'certification', 'tests.json'), 'utf8')) as CertificationResults;
    const network = (
      JSON.parse(readFileSync(path.join(run.reportsDir, 'certification', 'network.json'), 'utf8')) as { targets: TargetNetwork[] }
    ).targets;
    return { run, outcomes: Object.fromEntries(results.tests.map((t) => [`${t.project} › ${t.title}`, t.outcome])), network };
  } finally {
    await mocks.stop();
  }
}

const absorbed = (network: readonly TargetNetwork[], kind: keyof TargetNetwork['faults']): number =>
  network.reduce((sum, n) => sum + n.faults[kind], 0);

const PROFILES: Readonly<Record<string, { profile: ShapingProfile; fault?: keyof TargetNetwork['faults'] }>> = {
  'latency of 30 ms': { profile: { latencyMs: 30 } },
  'a gateway allowing 40 requests a second in bursts of 10': { profile: { rate: { perSecond: 40, burst: 10 } }, fault: 'throttled' },
  '5 % of requests answered 503 with Retry-After: 1': { profile: { unavailableShare: 0.05, retryAfterSeconds: 1 }, fault: 'unavailable' },
  '3 % of connections reset before the request was forwarded': { profile: { resetBeforeShare: 0.03 }, fault: 'reset' },
};

// Two groups of profiles, each against its own loopback run, so that the two self-test workers share the work.
const groups = [Object.keys(PROFILES).slice(0, 2), Object.keys(PROFILES).slice(2)];
for (const names of groups) {
  test(`the conformant pair gives its loopback results behind: ${names.join('; ')}`, async () => {
    test.setTimeout(900_000);
    const loopback = await certifyThrough(undefined);
    expect(Object.keys(loopback.outcomes).length, loopback.run.stderr.slice(-800)).toBeGreaterThan(50);
    expect(Object.values(loopback.outcomes).filter((o) => o === 'failed' || o === 'unavailable')).toEqual([]);
    for (const name of names) {
      const { profile, fault } = PROFILES[name] ?? { profile: {} };
      const shaped = await certifyThrough(profile);
      expect(shaped.outcomes, `${name}: results differ from loopback`).toEqual(loopback.outcomes);
      expect(shaped.run.code, name).toBe(loopback.run.code);
      const summary = certificationEvidenceIn(shaped.run.reportsDir).summary;
      expect(summary?.verdict, name).toBe(certificationEvidenceIn(loopback.run.reportsDir).summary?.verdict);
      expect(summary?.unavailableTargets, name).toEqual([]);
      // The link really was shaped: the faults it made were met, and absorbed.
      if (fault) expect(absorbed(shaped.network, fault), `${name}: ${fault} absorbed`).toBeGreaterThan(0);
      expect(summary?.network?.map((n) => n.target).sort(), name).toEqual(['d1', 'issuer']);
    }
  });
}

test('planted bugs are still caught behind a rate limit and 503s, each by a test that names its rule', async () => {
  test.setTimeout(600_000);
  const { run, network } = await certifyThrough(
    { rate: { perSecond: 40, burst: 10 }, unavailableShare: 0.05, retryAfterSeconds: 1 },
    { issuer: ['duplicate-card-notification-conflict', 'token-wrong-secret-accepted'], d1: ['reenrol-after-optout-fails'] },
  );
  const { summary } = certificationEvidenceIn(run.reportsDir);
  expect(summary, run.stderr.slice(-800)).toBeDefined();
  expect(summary?.verdict).toBe('NOT READY');
  expect(summary?.failures.map((f) => f.ruleId)).toContain('NOTIFY-CARD-DUPLICATES');
  expect(summary?.securityFindings.map((f) => f.ruleId)).toEqual(['ISSUER-TOKEN-WRONG-SECRET']);
  expect(summary?.d1Environment.groups.flatMap((g) => g.failedRules)).toContain('CTP-ENROL-AFTER-OPTOUT');
  expect(summary?.unavailableTargets).toEqual([]);
  expect(absorbed(network, 'throttled') + absorbed(network, 'unavailable')).toBeGreaterThan(0);
});
