/**
 * Two certifications from one checkout at once, each with its own CERTIFY_REPORTS_DIR, keep to their own reports
 * directories: a run empties Playwright's output directory as it starts, so a shared one broke the other run. One run
 * certifies the reference issuer with a planted bug, the other the conformant pair; each verdict, summary and
 * test-results/ must be its own run's, and nothing may land in a test-results/ at the checkout's root.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { issuerFaults } from '../../mocks/issuer/faults.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { allureVerdictEntry, certificationEvidenceIn, certifyEndToEnd, type CertifyCommandRun } from './suite-runner.js';

// A documented rule of a bank-hosted API that no security finding covers: it fails the go-live on its own.
const FAULT = 'duplicate-card-notification-conflict';
const PLANTED_RULE = issuerFaults[FAULT].rule;

/** Each entry of a directory with its modification time; undefined when the directory does not exist. */
function snapshot(dir: string): Record<string, number> | undefined {
  if (!existsSync(dir)) return undefined;
  return Object.fromEntries(
    ['.', ...readdirSync(dir)].map((name) => [name, statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? -1]),
  );
}

interface OwnOutput {
  /** What Playwright wrote as the run ended: its status and the ids of the tests that failed. */
  readonly lastRun: { readonly status: string; readonly failedTests: readonly string[] } | undefined;
  /** The tests that failed according to the run's own certification results. */
  readonly failedTests: number;
  /** The error contexts Playwright kept for failed tests, one per failed test. */
  readonly errorContexts: readonly string[];
}

function ownOutput(run: CertifyCommandRun): OwnOutput {
  const output = path.join(run.reportsDir, 'test-results');
  const lastRunFile = path.join(output, '.last-run.json');
  const lastRun = existsSync(lastRunFile) ? (JSON.parse(readFileSync(lastRunFile, 'utf8')) as OwnOutput['lastRun']) : undefined;
  const tests = (JSON.parse(readFileSync(path.join(run.reportsDir, 'certification', 'tests.json'), 'utf8')) as CertificationResults).tests;
  const errorContexts = existsSync(output)
    ? readdirSync(output, { recursive: true, encoding: 'utf8' })
        .filter((file) => path.basename(file) === 'error-context.md')
        .map((file) => readFileSync(path.join(output, file), 'utf8'))
    : [];
  return { lastRun, failedTests: tests.filter((t) => t.outcome === 'failed').length, errorContexts };
}

test('two certify runs started together from one checkout, with a planted bug in one, each keep to their own reports', async () => {
  test.setTimeout(900_000);
  const rootOutput = fromRoot('test-results');
  const rootBefore = snapshot(rootOutput);

  // The bank's suites only: the two runs still overlap from start to end, at a third of a full run's cost.
  const [planted, conformant] = await Promise.all([
    certifyEndToEnd({ SEED: '5', MOCK_ISSUER_FAULTS: FAULT }, ['--skip-d1-environment'], 'concurrent-planted-'),
    certifyEndToEnd({ SEED: '6' }, ['--skip-d1-environment'], 'concurrent-conformant-'),
  ]);

  expect(planted.code, planted.stderr.slice(-2000)).toBe(1);
  expect(conformant.code, conformant.stderr.slice(-2000)).toBe(0);
  expect(planted.stdout).toContain('# Go-live verdict: NOT READY');
  expect(conformant.stdout).toContain('# Go-live verdict: READY');

  const plantedEvidence = certificationEvidenceIn(planted.reportsDir);
  const conformantEvidence = certificationEvidenceIn(conformant.reportsDir);
  for (const evidence of [plantedEvidence, conformantEvidence]) {
    expect(evidence.schemaErrors).toBe('');
    expect(evidence.missing).toEqual([]);
  }
  // Each summary is its own run's: its seed, its verdict, its failures.
  expect(plantedEvidence.summary).toMatchObject({ verdict: 'NOT READY', seed: 5 });
  expect(plantedEvidence.summary?.failures.map((f) => f.ruleId)).toContain(PLANTED_RULE);
  expect(conformantEvidence.summary).toMatchObject({ verdict: 'READY', seed: 6, failures: [] });
  expect(allureVerdictEntry(planted.reportsDir)?.name).toBe('Go-live verdict: NOT READY');
  expect(allureVerdictEntry(conformant.reportsDir)?.name).toBe('Go-live verdict: READY');

  // Each reports directory holds Playwright's output of its own run, whole, and nothing of the other's.
  const plantedOutput = ownOutput(planted);
  const conformantOutput = ownOutput(conformant);
  expect(plantedOutput.lastRun?.status).toBe('failed');
  expect(plantedOutput.failedTests).toBeGreaterThan(0);
  expect(plantedOutput.lastRun?.failedTests).toHaveLength(plantedOutput.failedTests);
  expect(plantedOutput.errorContexts).toHaveLength(plantedOutput.failedTests);
  expect(plantedOutput.errorContexts.some((context) => context.includes(PLANTED_RULE))).toBe(true);
  expect(conformantOutput.lastRun).toBeDefined();
  expect(conformantOutput.lastRun?.failedTests).toHaveLength(conformantOutput.failedTests);
  expect(conformantOutput.errorContexts).toHaveLength(conformantOutput.failedTests);
  expect(conformantOutput.errorContexts.filter((context) => context.includes(PLANTED_RULE))).toEqual([]);

  // Nothing was written to a test-results/ at the checkout's root: it is as it was, or still absent.
  expect(snapshot(rootOutput)).toEqual(rootBefore);
  // Tens of megabytes each; kept only when the test failed before this line, to be read.
  for (const run of [planted, conformant]) rmSync(run.reportsDir, { recursive: true, force: true });
});
