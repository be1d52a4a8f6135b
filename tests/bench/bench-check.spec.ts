/**
 * `npm run bench:check`: a results file judged by the targets of bench/targets.ts, one line per target; exit code 1
 * when one is missed, 2 when the file is missing or malformed. No benchmark runs here: the files are written by hand.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { checkResults } from '../../bench/check.js';
import { TARGETS, evaluateTargets, formatTarget, type TargetId } from '../../bench/targets.js';
import { runToEnd } from '../mocks/cli-process.js';
import { ALL_MET, definitionOf, figureAndTarget, missedFigure } from './target-figures.js';

const resultsFile = (values: Readonly<Partial<Record<TargetId, number | null>>>): string =>
  JSON.stringify({ date: '2026-11-22T00:00:00.000Z', targets: evaluateTargets(values) });

test('a file whose figures meet every target passes, one line per target', () => {
  const outcome = checkResults(resultsFile(ALL_MET), 'results.json');
  expect(outcome.exitCode).toBe(0);
  expect(outcome.lines).toHaveLength(TARGETS.length);
  for (const line of outcome.lines) expect(line).toMatch(/^met\s/);
  expect(outcome.lines[0]).toBe(`met           ${figureAndTarget('mock-d1-vs-prism', ALL_MET['mock-d1-vs-prism'])}`);
});

test('one missed target fails with exit code 1 and names it; the others still say met', () => {
  const slow = missedFigure('certify-wall-time');
  const outcome = checkResults(resultsFile({ ...ALL_MET, 'certify-wall-time': slow }), 'results.json');
  expect(outcome.exitCode).toBe(1);
  expect(outcome.lines.filter((line) => line.startsWith('MISSED'))).toEqual([
    `MISSED        ${figureAndTarget('certify-wall-time', slow)}`,
  ]);
  expect(outcome.lines.filter((line) => line.startsWith('met'))).toHaveLength(TARGETS.length - 1);
});

test('a figure on the boundary is judged as the target words it: at least and at most include it, below does not', () => {
  const onTheBoundary = Object.fromEntries(TARGETS.map((t) => [t.id, t.threshold]));
  const outcome = checkResults(resultsFile(onTheBoundary), 'results.json');
  expect(outcome.exitCode).toBe(1);
  const below = TARGETS.filter((t) => t.comparison === 'below');
  expect(below.length, 'a target worded "below"').toBeGreaterThan(0);
  expect(outcome.lines.filter((line) => line.startsWith('MISSED'))).toEqual(
    below.map((t) => `MISSED        ${figureAndTarget(t.id, t.threshold)}`),
  );
});

test('the targets of the code decide, not the met the file claims', () => {
  const file = JSON.parse(resultsFile(ALL_MET)) as { targets: { id: string; value: number; met: boolean; target: number }[] };
  const prism = file.targets.find((t) => t.id === 'mock-d1-vs-prism');
  if (!prism) throw new Error('the fixture has no Prism target');
  // The file claims a lower target, met; the code's target is higher.
  const low = definitionOf('mock-d1-vs-prism').threshold / 5;
  Object.assign(prism, { value: low, target: low / 2, met: true });
  const outcome = checkResults(JSON.stringify(file), 'results.json');
  expect(outcome.exitCode).toBe(1);
  expect(outcome.lines[0]).toBe(`MISSED        ${figureAndTarget('mock-d1-vs-prism', low)}`);
});

test('a step left out of the run (null figure) is reported as not measured, neither met nor missed', () => {
  const outcome = checkResults(resultsFile({ ...ALL_MET, 'certify-wall-time': null }), 'results.json');
  expect(outcome.exitCode).toBe(0);
  const certify = definitionOf('certify-wall-time');
  expect(outcome.lines).toContain(`not measured  ${certify.description} (target ${formatTarget(certify)})`);
});

test.describe('the network targets, added after the first results', () => {
  const network = TARGETS.filter((t) => t.section === 'networkLinks');
  const withoutNetwork = evaluateTargets(ALL_MET).filter((t) => !t.id.startsWith('network-'));

  test('are judged like the others: a refused share or a differing outcome above its target is missed', () => {
    expect(network.map((t) => t.id)).toEqual([
      'network-latency-vs-loopback',
      'network-gateway-vs-floor',
      'network-gateway-refused-share',
      'network-unavailable-outcomes-differing',
    ]);
    const outcome = checkResults(
      resultsFile({ ...ALL_MET, 'network-gateway-refused-share': 2.5, 'network-unavailable-outcomes-differing': 1 }),
      'results.json',
    );
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines.filter((line) => line.startsWith('MISSED'))).toEqual([
      `MISSED        ${figureAndTarget('network-gateway-refused-share', 2.5)}`,
      `MISSED        ${figureAndTarget('network-unavailable-outcomes-differing', 1)}`,
    ]);
    // No differing outcome at all meets its target of none.
    const none = checkResults(resultsFile({ ...ALL_MET, 'network-unavailable-outcomes-differing': 0 }), 'results.json');
    expect(none.exitCode).toBe(0);
    expect(none.lines).toContain(`met           ${figureAndTarget('network-unavailable-outcomes-differing', 0)}`);
  });

  test('a file from before the step, without its section or its targets, has them not measured', () => {
    const outcome = checkResults(JSON.stringify({ date: '2026-12-01T00:00:00.000Z', targets: withoutNetwork }), 'results.json');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.lines).toHaveLength(TARGETS.length);
    for (const definition of network)
      expect(outcome.lines).toContain(`not measured  ${definition.description} (target ${formatTarget(definition)}; the file predates it)`);
  });

  test('a file with the step but without one of its targets is malformed', () => {
    const outcome = checkResults(
      JSON.stringify({ networkLinks: { skipped: true, reason: 'skipped with --skip-network' }, targets: withoutNetwork }),
      'results.json',
    );
    expect(outcome.exitCode).toBe(2);
    expect(outcome.lines).toEqual(['bench:check: results.json has no figure for the target network-latency-vs-loopback']);
  });
});

test('a file from before the observer step, without its section or its targets, has them not measured', () => {
  const observer = TARGETS.filter((t) => t.section === 'observer');
  expect(observer.map((t) => t.id)).toEqual(['observer-rss-after-1m', 'observer-vs-mock-d1']);
  const before = evaluateTargets(ALL_MET).filter((t) => !t.id.startsWith('observer-'));
  const outcome = checkResults(JSON.stringify({ networkLinks: { skipped: true, reason: 'skipped' }, targets: before }), 'results.json');
  expect(outcome.exitCode).toBe(0);
  for (const definition of observer)
    expect(outcome.lines).toContain(`not measured  ${definition.description} (target ${formatTarget(definition)}; the file predates it)`);
});

test.describe('a missing or malformed file is exit code 2 with one line saying what is wrong', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['no file', undefined, /results\.json does not exist; run npm run bench first/],
    ['not JSON', '{"targets": [', /results\.json is not valid JSON/],
    ['no targets list', JSON.stringify({ date: 'today' }), /results\.json has no "targets" list/],
    ['a JSON array', '[]', /has no "targets" list/],
    [
      'a target left out',
      JSON.stringify({ targets: evaluateTargets(ALL_MET).filter((t) => t.id !== 'mock-d1-vs-bare') }),
      /no figure for the target mock-d1-vs-bare/,
    ],
    [
      'a figure that is no number',
      JSON.stringify({
        targets: evaluateTargets(ALL_MET).map((t) => (t.id === 'property-cases-per-second' ? { ...t, value: 'fast' } : t)),
      }),
      /the figure of property-cases-per-second is "fast", not a number/,
    ],
  ];
  for (const [what, text, message] of cases) {
    test(what, () => {
      const outcome = checkResults(text, 'bench/results.json');
      expect(outcome.exitCode).toBe(2);
      expect(outcome.lines).toHaveLength(1);
      expect(outcome.lines[0]).toMatch(message);
    });
  }
});

test('npm run bench:check exits 0, 1 and 2 as the file says, printing its lines', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-check-'));
  const met = path.join(work, 'met.json');
  const missed = path.join(work, 'missed.json');
  writeFileSync(met, resultsFile(ALL_MET));
  writeFileSync(missed, resultsFile({ ...ALL_MET, 'mock-d1-vs-prism': missedFigure('mock-d1-vs-prism') }));
  const [metRun, missedRun, absentRun] = await Promise.all([
    runToEnd('scripts/bench.ts', ['--check', met]),
    runToEnd('scripts/bench.ts', ['--check', missed]),
    runToEnd('scripts/bench.ts', ['--check', path.join(work, 'absent.json')]),
  ]);
  expect(metRun.code, metRun.stderr).toBe(0);
  expect(metRun.stdout.split('\n')).toHaveLength(TARGETS.length);
  expect(missedRun.code, missedRun.stderr).toBe(1);
  expect(missedRun.stdout).toContain('MISSED        mock D1 requests/s ÷ Prism');
  expect(absentRun.code).toBe(2);
  expect(absentRun.stderr.split('\n')).toHaveLength(1);
  expect(absentRun.stderr).toMatch(/absent\.json does not exist/);
});
