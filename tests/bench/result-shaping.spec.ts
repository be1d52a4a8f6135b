/**
 * The pure parts of the bench: how rounds combine, how ratios and targets are judged, how the Markdown table reads,
 * how a process tree's memory is read from /proc texts. Figures are written by hand; nothing is measured or timed.
 */
import { test, expect } from '@playwright/test';
import { junitCounts, largestRssMiBOfTimeReport } from '../../bench/certify-run.js';
import type { HttpLoadFigures } from '../../bench/http-load.js';
import { combineRounds, throughputRatio } from '../../bench/http-comparison.js';
import { compareWithLoopback, differingOutcomes, networkLinkRatios, outcomeCounts, outcomesOf } from '../../bench/network-figures.js';
import { evenlySpread, nextBatchCalls, OBSERVER_TARGET_CALLS, sideBySide } from '../../bench/observer-figures.js';
import { descendantsOf, parseStat, rssBytesOfStatus } from '../../bench/process-tree.js';
import {
  networkLinksMarkdown,
  observerMarkdown,
  resultsMarkdown,
  type BenchResults,
  type CertifyFigures,
  type NetworkLinkFigures,
  type NetworkLinkRun,
  type ObserverFigures,
  type ServerFigures,
} from '../../bench/results.js';
import { networkTargetValues, observerTargetValues } from '../../bench/run.js';
import type { TargetNetwork } from '../../lib/http/pacing.js';
import { evaluateTargets, formatFigure, formatTarget, meets, type TargetId } from '../../bench/targets.js';
import { definitionOf, metFigure, missedFigure } from './target-figures.js';

const round = (requests: number, durationSeconds: number, latencyP50Ms: number, latencyP99Ms: number): HttpLoadFigures => ({
  requests,
  durationSeconds,
  requestsPerSecond: requests / durationSeconds,
  latencyP50Ms,
  latencyP99Ms,
  non2xx: 0,
  errors: 0,
});

const server = (requestsPerSecond: number): ServerFigures => ({
  requestsPerSecond,
  latencyP50Ms: 10,
  latencyP99Ms: 30,
  requests: requestsPerSecond * 8,
  non2xx: 0,
  errors: 0,
});

const certifyRun = (wallSeconds: number, failed: number): Extract<CertifyFigures, { skipped: false }> => ({
  skipped: false,
  wallSeconds,
  exitCode: failed > 0 ? 1 : 0,
  finished: true,
  peakTreeRssMiB: 700,
  memoryMethod: 'sampled',
  largestProcessRssMiB: null,
  workers: 2,
  tests: 693,
  failed,
});

/** A target's row in the table, as its definition words it. */
const targetRow = (id: TargetId, value: number): string => {
  const definition = definitionOf(id);
  const met = meets(definition, value) ? 'yes' : '**no**';
  return `| ${definition.description} | ${formatFigure(value, definition.unit)} | ${formatTarget(definition)} | ${met} |`;
};

function sampleResults(overrides: Partial<BenchResults> = {}): BenchResults {
  const servers = { mockD1: server(4_000), prism: server(300), prismQuiet: server(800), bare: server(9_000) };
  return {
    date: '2026-11-22T06:00:00.000Z',
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      totalMemoryMiB: 24_105,
      node: 'v20.20.2',
      platform: 'linux x64',
      loadAverageAtStart: 0.5,
      cpuPressureAtStart: 12.4,
    },
    benchSeconds: 200,
    http: {
      request: 'authenticated Click to Pay card opt-out',
      connections: 50,
      warmUpSeconds: 2,
      rounds: 2,
      roundSeconds: 4,
      prismVersion: '5.16.0',
      servers,
      ratios: { mockD1OverPrism: 4_000 / 300, mockD1OverQuietPrism: 4_000 / 800, mockD1OverBare: 4_000 / 9_000 },
    },
    properties: { cases: 12_000, seconds: 8, casesPerSecond: 1_500, seed: 1, responseViolations: 0, operations: ['clickToPayOptoutCard'] },
    validators: { validations: 90_000, seconds: 3, validationsPerSecond: 30_000, payloads: 1_000 },
    certify: {
      skipped: false,
      wallSeconds: 98.25,
      exitCode: 0,
      finished: true,
      peakTreeRssMiB: 812.4,
      memoryMethod: 'process tree RSS summed from /proc every 200 ms',
      largestProcessRssMiB: 301.2,
      workers: 2,
      tests: 693,
      failed: 0,
    },
    certifyComparison: {
      skipped: false,
      failingSet: { d1Faults: ['enrol-operation-id-bad-pattern'], issuerFaults: ['invalid-card-notification-acknowledged'] },
      embedded: certifyRun(98.25, 0),
      embeddedFailing: certifyRun(120, 251),
      external: certifyRun(130.5, 0),
      externalFailing: certifyRun(300, 251),
      ratios: { conformant: 130.5 / 98.25, failing: 300 / 120 },
    },
    mockD1Memory: {
      rssAtStartMiB: 110.5,
      requests: 100_000,
      rssMiB: 150.25,
      heapUsedMiB: 60.5,
      heapUsedAfterGcMiB: 55.1,
      requestsPerSecond: 3_900,
      non2xx: 0,
      errors: 0,
    },
    targets: evaluateTargets({
      'mock-d1-vs-prism': 4_000 / 300,
      'mock-d1-vs-bare': 4_000 / 9_000,
      'property-cases-per-second': 1_500,
      'certify-wall-time': 98.25,
      'external-certify-vs-embedded': 130.5 / 98.25,
      'external-certify-vs-embedded-failing': 300 / 120,
      'mock-d1-rss-after-100k': 150.25,
    }),
    ...overrides,
  };
}

test.describe('combining measured rounds', () => {
  test('throughput is every request over every second, p50 the median of the rounds, p99 the worst round', () => {
    const combined = combineRounds([round(8_000, 4, 10, 40), round(12_000, 4, 6, 25), round(10_000, 4, 8, 90)]);
    expect(combined.requests).toBe(30_000);
    expect(combined.requestsPerSecond).toBe(2_500);
    expect(combined.latencyP50Ms).toBe(8);
    expect(combined.latencyP99Ms).toBe(90);
  });

  test('with two rounds the median is their mean; errors and non-2xx answers add up', () => {
    const combined = combineRounds([
      { ...round(100, 1, 4, 9), non2xx: 2, errors: 1 },
      { ...round(300, 1, 6, 7), non2xx: 3 },
    ]);
    expect(combined.latencyP50Ms).toBe(5);
    expect(combined).toMatchObject({ requests: 400, requestsPerSecond: 200, non2xx: 5, errors: 1 });
  });

  test('a ratio against a server that answered nothing is refused rather than infinite', () => {
    expect(throughputRatio(server(4_000), server(400), 'mock D1 / Prism')).toBe(10);
    expect(() => throughputRatio(server(4_000), server(0), 'mock D1 / Prism')).toThrow(
      /mock D1 \/ Prism: the second server answered no request/,
    );
  });
});

test.describe('targets', () => {
  test('each target is judged on its figure; a figure not measured is neither met nor missed', () => {
    const prism = definitionOf('mock-d1-vs-prism');
    const judged = evaluateTargets({
      'mock-d1-vs-prism': prism.threshold - 0.01,
      'mock-d1-vs-bare': definitionOf('mock-d1-vs-bare').threshold,
      'certify-wall-time': null,
      'external-certify-vs-embedded': missedFigure('external-certify-vs-embedded'),
      'external-certify-vs-embedded-failing': metFigure('external-certify-vs-embedded-failing'),
      'mock-d1-rss-after-100k': definitionOf('mock-d1-rss-after-100k').threshold - 0.1,
    });
    expect(Object.fromEntries(judged.map((t) => [t.id, t.met]))).toEqual({
      'mock-d1-vs-prism': false,
      'mock-d1-vs-bare': true,
      'property-cases-per-second': null,
      'certify-wall-time': null,
      'external-certify-vs-embedded': false,
      'external-certify-vs-embedded-failing': true,
      'mock-d1-rss-after-100k': true,
      'network-latency-vs-loopback': null,
      'network-gateway-vs-floor': null,
      'network-gateway-refused-share': null,
      'network-unavailable-outcomes-differing': null,
      'observer-rss-after-1m': null,
      'observer-vs-mock-d1': null,
    });
    expect(judged.find((t) => t.id === 'mock-d1-vs-prism')).toMatchObject({
      value: prism.threshold - 0.01,
      target: prism.threshold,
      comparison: 'at-least',
      unit: '×',
    });
  });

  test('figures and targets read as a person writes them', () => {
    expect(formatFigure(13.333, '×')).toBe('13.3×');
    expect(formatFigure(0.4444, '×')).toBe('0.44×');
    expect(formatFigure(2140.6, 'cases/s')).toBe('2,141 cases/s');
    expect(formatFigure(58.24, 's')).toBe('58.2 s');
    expect(formatFigure(200, 'MiB')).toBe('200.0 MiB');
    expect(formatTarget({ comparison: 'at-least', threshold: 0.5, unit: '×' })).toBe('≥ 0.5×');
    expect(formatTarget({ comparison: 'at-least', threshold: 2_000, unit: 'cases/s' })).toBe('≥ 2,000 cases/s');
    expect(formatTarget({ comparison: 'below', threshold: 200, unit: 'MiB' })).toBe('< 200 MiB');
  });
});

test.describe('the Markdown table', () => {
  test('shows the machine, the three servers side by side, the other figures and every target with its verdict', () => {
    const markdown = resultsMarkdown(sampleResults());
    expect(markdown).toContain(
      'Measured 2026-11-22 on 2 CPUs (Test CPU), 23.5 GiB, Node v20.20.2, linux x64; load average 0.50, ' +
        'tasks waiting for a CPU 12 % of the time when it started.',
    );
    expect(markdown).toContain('| mock D1 | 4,000 | 10 ms | 30 ms |');
    expect(markdown).toContain('| Prism 5.16.0, same contract, default logging (`prism mock`) | 300 | 10 ms | 30 ms |');
    expect(markdown).toContain('| Prism 5.16.0, same contract, `--verboseLevel warn` (mock D1 ÷ this: 5×) | 800 | 10 ms | 30 ms |');
    expect(markdown).toContain('| bare `node:http`, fixed JSON body (loopback ceiling) | 9,000 | 10 ms | 30 ms |');
    expect(markdown).toContain('| `npm run certify` on the embedded mocks: wall time (exit code 0) | 98.3 s |');
    expect(markdown).toContain('largest single process 301.2 MiB (/usr/bin/time -v) | 812.4 MiB |');
    expect(markdown).toContain(targetRow('mock-d1-vs-prism', 4_000 / 300));
    expect(markdown).toContain(targetRow('mock-d1-vs-bare', 4_000 / 9_000));
    expect(markdown).toContain(targetRow('certify-wall-time', 98.25));
    expect(markdown).toContain(targetRow('external-certify-vs-embedded-failing', 300 / 120));
    expect(markdown).toContain(targetRow('mock-d1-rss-after-100k', 150.25));
    expect(markdown).toContain('| `npm run certify`, embedded mocks, conformant | 98.3 s (693 tests, 0 failed, 2 workers, exit code 0) |');
    expect(markdown).toContain(
      '| `npm run certify`, both mocks as commands, the same 2 planted bugs | 300.0 s (693 tests, 251 failed, 2 workers, exit code 1) |',
    );
    expect(markdown).toContain('| external ÷ embedded wall time: conformant; with the planted bugs | 1.33×; 2.5× |');
    expect(markdown).toContain('| mock D1 alone after 100,000 requests: RSS (idle before the load) | 150.3 MiB (110.5 MiB) |');
    // Every line of a table has the same number of cells as its header.
    for (const table of markdown.split('\n\n').filter((block) => block.includes('|---'))) {
      const rows = table.split('\n').filter((line) => line.startsWith('|'));
      const cells = (line: string): number => line.split(' | ').length;
      for (const row of rows.slice(2)) expect(cells(row), row).toBe(cells(rows[0] ?? ''));
    }
  });

  test('a certify run stopped at the time limit says it took longer than that', () => {
    const stopped = {
      skipped: false,
      wallSeconds: 120,
      exitCode: null,
      finished: false,
      peakTreeRssMiB: 700,
      memoryMethod: 'sampled',
      largestProcessRssMiB: null,
      workers: 2,
      tests: null,
      failed: null,
    } as const;
    expect(resultsMarkdown(sampleResults({ certify: stopped }))).toContain(
      '| `npm run certify` on the embedded mocks: wall time (stopped at the bench time limit) | more than 120.0 s |',
    );
  });

  test('a skipped certify and a server with refusals say so', () => {
    const results = sampleResults({
      certify: { skipped: true, reason: 'skipped with --skip-certify' },
      certifyComparison: { skipped: true, reason: 'skipped with --skip-certify' },
      targets: evaluateTargets({ 'certify-wall-time': null }),
    });
    const withRefusals = {
      ...results,
      http: { ...results.http, servers: { ...results.http.servers, prism: { ...server(300), non2xx: 12, errors: 1 } } },
    };
    const markdown = resultsMarkdown(withRefusals);
    expect(markdown).toContain('| `npm run certify` on the embedded mocks | not measured: skipped with --skip-certify |');
    const certify = definitionOf('certify-wall-time');
    expect(markdown).toContain(`| ${certify.description} | not measured | ${formatTarget(certify)} | – |`);
    expect(markdown).toContain(
      '| `npm run certify` on external targets and the embedded mocks | not measured: skipped with --skip-certify |',
    );
    expect(markdown).toContain('| Prism 5.16.0, same contract, default logging (`prism mock`) (12 non-2xx, 1 errors) | 300 |');
  });
});

test.describe('the memory of a process tree, from /proc', () => {
  test('the parent pid is read after the last parenthesis, whatever the command name holds', () => {
    expect(parseStat('4242 (node) S 4200 4242 4200 0 -1 4194560')).toEqual({ pid: 4242, ppid: 4200 });
    expect(parseStat('77 (a (weird) name) R 1 77 77 0')).toEqual({ pid: 77, ppid: 1 });
    expect(parseStat('not a stat line')).toBeUndefined();
  });

  test('the resident set comes from VmRSS, in bytes; a process without one counts nothing', () => {
    expect(rssBytesOfStatus('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1 kB\n')).toBe(123_456 * 1024);
    expect(rssBytesOfStatus('Name:\tkworker\nState:\tI (idle)\n')).toBeUndefined();
  });

  test('the tree is the root and everything below it, nothing beside it', () => {
    const parentOf = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 12],
      [20, 1],
      [21, 20],
    ]);
    expect(descendantsOf(10, parentOf).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect(descendantsOf(99, parentOf)).toEqual([99]);
  });

  test("/usr/bin/time -v's report gives the largest single process's peak", () => {
    const report = '\tCommand being timed: "tsx scripts/certify.ts"\n\tMaximum resident set size (kbytes): 308428\n\tExit status: 0\n';
    expect(largestRssMiBOfTimeReport(report)).toBeCloseTo(301.2, 1);
    expect(largestRssMiBOfTimeReport('no report')).toBeUndefined();
  });

  test("the tests and failures of a certify run come from its JUnit report's totals", () => {
    const xml = '<?xml version="1.0"?>\n<testsuites id="" name="" tests="693" failures="251" skipped="3" errors="1" time="61.2">\n';
    expect(junitCounts(xml)).toEqual({ tests: 693, failed: 252 });
    expect(junitCounts(undefined)).toBeNull();
    // The go-live verdict's suite, added after Playwright's, is not counted among the tests run.
    const withVerdict =
      '<testsuites id="" name="" tests="720" failures="260" skipped="3" errors="1" time="61.2">\n' +
      '<testsuite name="go-live verdict" timestamp="2026-12-07T00:00:00Z" hostname="certify" ' +
      'tests="27" failures="8" skipped="2" errors="0" time="0">';
    expect(junitCounts(withVerdict)).toEqual({ tests: 693, failed: 253 });
  });
});

/** One target's network as certification/network.json holds it; faults not given are none. */
const targetNetwork = (
  target: TargetNetwork['target'],
  requests: number,
  faults: Partial<TargetNetwork['faults']> = {},
): TargetNetwork => ({
  target,
  requests,
  peakRate: 20,
  faults: {
    throttled: 0,
    unavailable: 0,
    'bad-gateway': 0,
    'gateway-timeout': 0,
    refused: 0,
    reset: 0,
    unreachable: 0,
    timeout: 0,
    ...faults,
  },
  retries: 0,
  gaveUp: 0,
  notTried: 0,
  answered: requests,
  latencyMs: { p50: 2, p95: 9 },
  waitedMs: 0,
  limit: { rate: 'adaptive', inFlight: undefined, finalRate: undefined },
});

const LOOPBACK_OUTCOMES = {
  'issuer › a notification is acknowledged': 'passed',
  'issuer › a token is issued': 'passed',
  'd1 › a card is enrolled': 'passed',
  'd1 › an optional API': 'skipped',
};

test.describe('the network step', () => {
  test("outcomes are keyed by project and title; the differences from loopback's include tests one run lacks", () => {
    const outcomes = outcomesOf({ tests: [{ project: 'issuer', title: 'a token is issued', outcome: 'passed' }] });
    expect(outcomes).toEqual({ 'issuer › a token is issued': 'passed' });
    const shaped = { ...LOOPBACK_OUTCOMES, 'd1 › a card is enrolled': 'unavailable', 'flows › only here': 'passed' } as Record<
      string,
      string
    >;
    delete shaped['issuer › a token is issued'];
    expect(differingOutcomes(LOOPBACK_OUTCOMES, shaped)).toEqual([
      { test: 'd1 › a card is enrolled', loopback: 'passed', shaped: 'unavailable' },
      { test: 'flows › only here', loopback: null, shaped: 'passed' },
      { test: 'issuer › a token is issued', loopback: 'passed', shaped: null },
    ]);
    expect(differingOutcomes(LOOPBACK_OUTCOMES, { ...LOOPBACK_OUTCOMES })).toEqual([]);
    expect(outcomeCounts(LOOPBACK_OUTCOMES)).toEqual({ passed: 3, skipped: 1 });
  });

  test('a shaped run that wrote no results differs in every test; without loopback results there is no comparison', () => {
    expect(compareWithLoopback(LOOPBACK_OUTCOMES, null)?.count).toBe(4);
    expect(compareWithLoopback(null, LOOPBACK_OUTCOMES)).toBeNull();
  });

  test('the figures: latency over loopback, the gateway over the floor of its busiest target, 429s and 503s', () => {
    const ratios = networkLinkRatios(
      {
        // Loopback polled D1's operations more often: its count is not the gateway run's.
        loopback: { wallSeconds: 40, outcomes: LOOPBACK_OUTCOMES, network: [targetNetwork('d1', 1_500), targetNetwork('issuer', 400)] },
        latency: { wallSeconds: 50, outcomes: LOOPBACK_OUTCOMES, network: [targetNetwork('d1', 1_200)] },
        gateway: {
          wallSeconds: 66,
          outcomes: LOOPBACK_OUTCOMES,
          // The floor counts the 1,200 requests the gateway let through to D1, not the 15 it refused.
          network: [targetNetwork('d1', 1_215, { throttled: 15 }), targetNetwork('issuer', 405, { throttled: 5 })],
        },
        unavailable: {
          wallSeconds: 45,
          outcomes: { ...LOOPBACK_OUTCOMES, 'd1 › a card is enrolled': 'unavailable' },
          network: [targetNetwork('d1', 1_210, { unavailable: 10 }), targetNetwork('issuer', 403, { unavailable: 3 })],
        },
      },
      20,
    );
    expect(ratios).toEqual({
      latencyOverLoopback: 1.25,
      gatewayFloorSeconds: 60,
      gatewayOverFloor: 1.1,
      refusedSharePercent: (100 * 20) / 1_620,
      unavailableDiffering: 1,
      unavailableAbsorbed: 13,
    });
  });

  test('a figure whose run wrote nothing to take it from is not measured', () => {
    const none = { wallSeconds: 30, outcomes: null, network: null };
    const ratios = networkLinkRatios({ loopback: none, latency: none, gateway: none, unavailable: none }, 20);
    expect(ratios).toEqual({
      latencyOverLoopback: 1,
      gatewayFloorSeconds: null,
      gatewayOverFloor: null,
      refusedSharePercent: null,
      unavailableDiffering: null,
      unavailableAbsorbed: null,
    });
  });

  const linkRun = (wallSeconds: number, network: TargetNetwork[], differing: NetworkLinkRun['differing']): NetworkLinkRun => ({
    profile: differing === null ? null : { latencyMs: 80 },
    run: { ...certifyRun(wallSeconds, 0), tests: 4 },
    loadAverage: { start: 1.5, end: 2.25 },
    outcomes: { passed: 3, skipped: 1 },
    network,
    differing,
  });
  const network: NetworkLinkFigures = {
    skipped: false,
    subset: ['suites/issuer/', 'suites/flows/', 'suites/d1/'],
    seed: 42,
    gatewayPerSecond: 20,
    runs: {
      loopback: linkRun(40, [targetNetwork('d1', 1_200), targetNetwork('issuer', 400)], null),
      latency: linkRun(50, [targetNetwork('d1', 1_200), targetNetwork('issuer', 400)], { count: 0, tests: [] }),
      gateway: linkRun(66, [targetNetwork('d1', 1_215, { throttled: 15 }), targetNetwork('issuer', 405, { throttled: 5 })], {
        count: 0,
        tests: [],
      }),
      unavailable: linkRun(45, [targetNetwork('d1', 1_210, { unavailable: 10 }), targetNetwork('issuer', 400)], {
        count: 1,
        tests: [{ test: 'd1 › a card is enrolled', loopback: 'passed', shaped: 'unavailable' }],
      }),
    },
    figures: {
      latencyOverLoopback: 1.25,
      gatewayFloorSeconds: 60,
      gatewayOverFloor: 1.1,
      refusedSharePercent: (100 * 20) / 1_620,
      unavailableDiffering: 1,
      unavailableAbsorbed: 10,
    },
  };

  test('its figures become the four network targets; a skipped step leaves them not measured', () => {
    const judged = evaluateTargets(networkTargetValues(network));
    const byId = Object.fromEntries(judged.map((t) => [t.id, [t.value, t.met]]));
    expect(byId['network-latency-vs-loopback']).toEqual([1.25, true]);
    expect(byId['network-gateway-vs-floor']).toEqual([1.1, true]);
    expect(byId['network-gateway-refused-share']).toEqual([(100 * 20) / 1_620, false]);
    expect(byId['network-unavailable-outcomes-differing']).toEqual([1, false]);
    const skipped = evaluateTargets(networkTargetValues({ skipped: true, reason: 'skipped with --skip-network' }));
    expect(skipped.filter((t) => t.id.startsWith('network-')).map((t) => t.value)).toEqual([null, null, null, null]);
  });

  test('its table names the part of the suites, each link with its wall time, requests, faults and outcomes', () => {
    const targets = evaluateTargets(networkTargetValues(network));
    const markdown = resultsMarkdown(sampleResults({ networkLinks: network, targets }));
    expect(markdown).toContain(
      'Certification across shaped links: `npm run certify` on `suites/issuer/`, `suites/flows/`, `suites/d1/`, both mocks as ' +
        "commands, seed 42, the runs one after the other, each link shaped alike in front of D1 and of the bank's endpoints; " +
        'the gateway refused 1.23 % of the requests sent; 10 503s absorbed.',
    );
    expect(markdown).toContain(
      '| loopback, no proxy | 40.0 s | d1 1,200; issuer 400 | none | 4 tests: 3 passed, 1 skipped | 1.50 → 2.25 |',
    );
    expect(markdown).toContain("| 80 ms latency | 50.0 s (1.25× loopback's) | d1 1,200; issuer 400 | none | loopback's | 1.50 → 2.25 |");
    expect(markdown).toContain(
      "| a gateway of 20 requests/s | 66.0 s (1.1× the floor of 60.0 s) | d1 1,215; issuer 405 | throttled 20 | loopback's | 1.50 → 2.25 |",
    );
    expect(markdown).toContain(
      '| 1 % 503 with Retry-After: 1 | 45.0 s | d1 1,210; issuer 400 | unavailable 10 | **1 test differs** | 1.50 → 2.25 |',
    );
    expect(markdown).toContain(targetRow('network-gateway-refused-share', (100 * 20) / 1_620));
    expect(markdown).toContain(targetRow('network-unavailable-outcomes-differing', 1));
    // Every line of a table has the same number of cells as its header.
    for (const table of markdown.split('\n\n').filter((block) => block.includes('|---'))) {
      const rows = table.split('\n').filter((line) => line.startsWith('|'));
      for (const row of rows.slice(2)) expect(row.split(' | ').length, row).toBe((rows[0] ?? '').split(' | ').length);
    }
    const alone = networkLinksMarkdown(network, targets);
    expect(alone).toContain('| loopback, no proxy | 40.0 s |');
    expect(alone).toContain(targetRow('network-latency-vs-loopback', 1.25));
    expect(alone).not.toContain(definitionOf('certify-wall-time').description);
  });

  test('results without the step, from before it or skipped, still read as they did or say it was not measured', () => {
    const before = resultsMarkdown(sampleResults());
    expect(before).not.toContain('shaped links');
    const skipped = resultsMarkdown(sampleResults({ networkLinks: { skipped: true, reason: 'skipped with --skip-network' } }));
    expect(skipped).toContain('Certification across shaped links: not measured: skipped with --skip-network.');
  });

  test('shares and test counts read as a person writes them', () => {
    expect(formatFigure(0.4567, '%')).toBe('0.46 %');
    expect(formatFigure(1, 'tests')).toBe('1 test');
    expect(formatFigure(0, 'tests')).toBe('0 tests');
    expect(formatTarget({ comparison: 'at-most', threshold: 1, unit: '%' })).toBe('≤ 1 %');
    expect(formatTarget({ comparison: 'at-most', threshold: 0, unit: 'tests' })).toBe('≤ 0 tests');
  });
});

test.describe('the observer step', () => {
  test('each round has its ratio; the median of the ratios is the figure, the least and most of each column its spread', () => {
    const compared = sideBySide([
      { mockD1: round(40_000, 2, 1, 5), observer: round(10_000, 2, 9, 30) },
      { mockD1: round(30_000, 2, 1, 6), observer: round(12_000, 2, 8, 25) },
      { mockD1: round(36_000, 2, 1, 5), observer: round(6_000, 2, 12, 60) },
    ]);
    expect(compared.perRound).toEqual([
      { mockD1: 20_000, observer: 5_000, ratio: 0.25 },
      { mockD1: 15_000, observer: 6_000, ratio: 0.4 },
      { mockD1: 18_000, observer: 3_000, ratio: 1 / 6 },
    ]);
    expect(compared.medianRatio).toBe(0.25);
    expect(compared.spread).toEqual({
      mockD1: { min: 15_000, max: 20_000 },
      observer: { min: 3_000, max: 6_000 },
      ratio: { min: 1 / 6, max: 0.4 },
    });
    expect(compared.observer).toMatchObject({ requests: 28_000, requestsPerSecond: 28_000 / 6, latencyP99Ms: 60 });
  });

  test('a round in which the mock D1 answered nothing is refused rather than giving an infinite ratio', () => {
    expect(() => sideBySide([{ mockD1: round(0, 2, 0, 0), observer: round(1_000, 2, 9, 30) }])).toThrow(/mock D1 answered no request/);
  });

  test('the load goes in batches of about the seconds asked at the rate just measured, never past the calls asked', () => {
    expect(nextBatchCalls(1_000_000, undefined, 20, 10_000)).toBe(10_000);
    expect(nextBatchCalls(1_000_000, 2_500, 20, 10_000)).toBe(50_000);
    // A stalled batch does not shrink the next one to nothing.
    expect(nextBatchCalls(1_000_000, 0, 20, 10_000)).toBe(1_000);
    expect(nextBatchCalls(30_000, 2_500, 20, 10_000)).toBe(30_000);
    expect(nextBatchCalls(5_000, undefined, 20, 10_000)).toBe(5_000);
  });

  test('a table row shows a few samples, evenly spread, the first and the last among them', () => {
    const samples = Array.from({ length: 11 }, (_, i) => i);
    expect(evenlySpread(samples, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(evenlySpread(samples, 2)).toEqual([0, 10]);
    expect(evenlySpread([1, 2, 3], 6)).toEqual([1, 2, 3]);
  });

  const observer = (calls: number): Extract<ObserverFigures, { skipped: false }> => ({
    skipped: false,
    comparison: {
      request: "authenticated read of a consumer's Click to Pay profiles",
      connections: 50,
      warmUpSeconds: 2,
      rounds: 2,
      roundSeconds: 2,
      perRound: [
        { mockD1: 20_000, observer: 5_000, ratio: 0.25 },
        { mockD1: 16_000, observer: 6_000, ratio: 0.375 },
      ],
      mockD1: server(18_000),
      observer: server(5_500),
      medianRatio: 0.3125,
      spread: { mockD1: { min: 16_000, max: 20_000 }, observer: { min: 5_000, max: 6_000 }, ratio: { min: 0.25, max: 0.375 } },
    },
    memory: {
      calls,
      rssAtStartMiB: 130.25,
      rssMiB: 240.5,
      rssAfterGcMiB: 238,
      heapUsedMiB: 80,
      heapUsedAfterGcMiB: 40.25,
      rssAlong: [
        { calls: calls / 2, rssMiB: 200 },
        { calls, rssMiB: 240.5 },
      ],
      journalBytes: calls * 1_600,
      journalBytesPerCall: 1_600,
      load: { ...server(2_000), non2xx: 3, errors: 0 },
    },
    loadAverage: { start: 1.5, end: 2.25 },
  });

  test('its RSS is judged only after the calls its target names; its ratio always; a skipped step leaves both not measured', () => {
    const byId = (figures: ObserverFigures): Record<string, unknown> =>
      Object.fromEntries(
        evaluateTargets(observerTargetValues(figures))
          .filter((t) => t.id.startsWith('observer-'))
          .map((t) => [t.id, [t.value, t.met]]),
      );
    expect(byId(observer(OBSERVER_TARGET_CALLS))).toEqual({
      'observer-rss-after-1m': [240.5, true],
      'observer-vs-mock-d1': [0.3125, false],
    });
    expect(byId(observer(100_000))).toEqual({ 'observer-rss-after-1m': [null, null], 'observer-vs-mock-d1': [0.3125, false] });
    expect(byId({ skipped: true, reason: 'skipped with --skip-observer' })).toEqual({
      'observer-rss-after-1m': [null, null],
      'observer-vs-mock-d1': [null, null],
    });
  });

  test('its tables show each round, the median ratio with its spread, the memory, the journal and the refusals', () => {
    const figures = observer(OBSERVER_TARGET_CALLS);
    const targets = evaluateTargets(observerTargetValues(figures));
    const markdown = resultsMarkdown(sampleResults({ observer: figures, targets }));
    expect(markdown).toContain('| 2 | 16,000 | 6,000 | 0.38× |');
    expect(markdown).toContain('| all rounds: median ratio; spread | 16,000 to 20,000 | 5,000 to 6,000 | 0.31×; 0.25× to 0.38× |');
    expect(markdown).toContain(
      '| observer after 1,000,000 calls: RSS (idle before the load; after a full GC) | 240.5 MiB (130.3 MiB; 238.0 MiB) |',
    );
    expect(markdown).toContain('| observer RSS along the load, after so many calls | 500,000: 200.0 MiB; 1,000,000: 240.5 MiB |');
    expect(markdown).toContain('| observer after 1,000,000 calls: journal written (per call) | 1.49 GiB (1,600 B) |');
    expect(markdown).toContain('| observer after 1,000,000 calls: answers outside 2xx; connection errors and timeouts | **3; 0** |');
    expect(markdown).toContain('load average 1.50 → 2.25.');
    expect(markdown).toContain(targetRow('observer-rss-after-1m', 240.5));
    expect(markdown).toContain(targetRow('observer-vs-mock-d1', 0.3125));
    for (const table of markdown.split('\n\n').filter((block) => block.includes('|---'))) {
      const rows = table.split('\n').filter((line) => line.startsWith('|'));
      for (const row of rows.slice(2)) expect(row.split(' | ').length, row).toBe((rows[0] ?? '').split(' | ').length);
    }
    const alone = observerMarkdown(figures, targets);
    expect(alone).toContain('| 1 | 20,000 | 5,000 | 0.25× |');
    expect(alone).toContain(targetRow('observer-vs-mock-d1', 0.3125));
    expect(alone).not.toContain(definitionOf('certify-wall-time').description);
  });

  test('results without the step, from before it or skipped, still read as they did or say it was not measured', () => {
    expect(resultsMarkdown(sampleResults())).not.toContain('Observer');
    const skipped = resultsMarkdown(sampleResults({ observer: { skipped: true, reason: 'skipped with --skip-observer' } }));
    expect(skipped).toContain('Observer: not measured: skipped with --skip-observer.');
  });
});
