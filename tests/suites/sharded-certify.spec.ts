/**
 * A certification split over machines (`npm run certify -- --shard=K/N`, same SEED) and merged
 * (`npm run certify:merge`) gives the evidence one unsharded run gives: the same summary, the same test outcomes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import type { CertificationResults } from '../../reporters/certification.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { runScript, type ScriptRun } from './suite-runner.js';

const script = (name: 'certify' | 'certify-merge', args: readonly string[], env: Record<string, string>): ScriptRun =>
  runScript(name, args, env);

// A part of the suites, with a planted bug so that the summaries compared hold a failure.
const SELECTION = ['suites/d1/field-rules.spec.ts', 'suites/flows/'];
const PLANTED = { MOCK_D1_FAULTS: 'enrol-name-length-unchecked', SEED: '3' };

const comparable = (dir: string): unknown => {
  const {
    generatedAt: _generatedAt,
    apis,
    subject,
    // How the network behaved is measured, not judged: it differs from one run to the next.
    network,
    ...summary
  } = JSON.parse(readFileSync(path.join(dir, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
  expect(
    network?.map((n) => n.target),
    `${dir}: the network figures`,
  ).toContain('d1');
  // How often the reference client polled a getter before its operation ended depends on timing, not on sharding.
  const rows = apis.map(({ evidenceCount, ...row }) => ({
    ...row,
    evidenceCount: row.evidence === 'observation' ? 'observed' : evidenceCount,
  }));
  return { ...summary, apis: rows, subject: { ...subject, calls: subject.calls.replace(/\d+ calls/, 'N calls') } };
};
const outcomes = (dir: string): string[] =>
  (JSON.parse(readFileSync(path.join(dir, 'certification', 'tests.json'), 'utf8')) as CertificationResults).tests
    .map((t) => `${t.project} ${t.file} ${t.title}: ${t.outcome}`)
    .sort();

test('three shards merged give the summary and the outcomes of one run', () => {
  test.setTimeout(420_000);
  const work = mkdtempSync(path.join(tmpdir(), 'sharded-certify-'));
  const shards = [1, 2, 3].map((k) => path.join(work, `shard-${k}`));
  for (const [index, dir] of shards.entries()) {
    const run = script('certify', [`--shard=${index + 1}/3`, ...SELECTION], { ...PLANTED, CERTIFY_REPORTS_DIR: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`shard ${index + 1}/3 done`);
    expect(existsSync(path.join(dir, 'compliance-summary.json')), 'a shard gives no verdict of its own').toBe(false);
  }
  const merged = path.join(work, 'merged');
  const merge = script('certify-merge', [...shards, '--output', merged], {});
  expect(merge.code, merge.stderr).toBe(1);
  expect(merge.stdout).toContain('3 shards merged; NOT READY');

  const whole = path.join(work, 'whole');
  const single = script('certify', SELECTION, { ...PLANTED, CERTIFY_REPORTS_DIR: whole });
  expect(single.code, single.stderr).toBe(1);

  expect(comparable(merged)).toEqual(comparable(whole));
  expect(outcomes(merged)).toEqual(outcomes(whole));
  expect(outcomes(merged).filter((o) => o.endsWith(': failed')).length).toBeGreaterThan(0);
  expect(existsSync(path.join(merged, 'allure-report', 'index.html'))).toBe(true);
  // The JUnit totals (Playwright counts a thrown check as an error) are the unsharded run's.
  const junitTotals = (dir: string): string | undefined =>
    /<testsuites [^>]*?(tests="\d+" failures="\d+" skipped="\d+" errors="\d+")/.exec(
      readFileSync(path.join(dir, 'junit', 'results.xml'), 'utf8'),
    )?.[1];
  expect(junitTotals(merged)).toBeDefined();
  expect(junitTotals(merged)).toEqual(junitTotals(whole));
  expect(junitTotals(merged)).not.toMatch(/failures="0" skipped="\d+" errors="0"/);

  // Shards that do not make one run are refused with one line.
  const missing = script('certify-merge', [shards[0] ?? '', shards[1] ?? '', '--output', path.join(work, 'partial')], {});
  expect(missing.code).toBe(2);
  expect(missing.stderr.trim()).toBe('configuration error: shard 3/3 is missing');
  const twice = script('certify-merge', [shards[0] ?? '', shards[0] ?? '', shards[2] ?? '', '--output', path.join(work, 'twice')], {});
  expect(twice.code).toBe(2);
  expect(twice.stderr.trim()).toMatch(/^configuration error: shard 1\/3 is given 2 times$/);
});

test('sharding without a SEED is refused: the shards would not run the same cases', () => {
  const run = script('certify', ['--shard=1/2'], {});
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toMatch(/^configuration error: SEED must be set when sharding/);
});

test('a malformed --shard and an unsharded directory given to the merge are refused with one line', () => {
  const malformed = script('certify', ['--shard=4/3'], { SEED: '1' });
  expect(malformed.code).toBe(2);
  expect(malformed.stderr.trim()).toBe('configuration error: --shard must be K/N with 1 <= K <= N, got "4/3"');
  const empty = mkdtempSync(path.join(tmpdir(), 'not-a-shard-'));
  const merge = script('certify-merge', [empty, '--output', path.join(empty, 'out')], {});
  expect(merge.code).toBe(2);
  expect(merge.stderr.trim()).toMatch(/^configuration error: .* holds no sharded certification/);
});
