import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { compareCertifyRuns } from './certify-run.js';
import { compareServers } from './http-comparison.js';
import { measureMockMemory } from './mock-memory.js';
import { measureNetworkLinks } from './network-links.js';
import { OBSERVER_TARGET_CALLS } from './observer-figures.js';
import { measureObserver } from './observer-load.js';
import { measurePropertyThroughput } from './property-throughput.js';
import type { BenchResults, CertifyComparison, CertifyFigures, NetworkLinkFigures, ObserverFigures } from './results.js';
import { evaluateTargets, type TargetId } from './targets.js';
import { measureValidators } from './validator-throughput.js';

/** Linux's CPU pressure over the last minute: how much of it some task spent waiting for a CPU, in percent. */
function cpuPressure(): number | null {
  try {
    const avg60 = /^some .*avg60=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    return avg60 === undefined ? null : Number(avg60);
  } catch {
    return null;
  }
}

export interface BenchOptions {
  readonly skipCertify: boolean;
  readonly skipNetwork: boolean;
  /** The network step on the whole suite rather than its part: tens of minutes. */
  readonly networkFull: boolean;
  /** Leave out the observer step; absent, it runs. */
  readonly skipObserver?: boolean;
  /** Profile reads sent through the observer for its memory figures; absent, the 1,000,000 its target is about. */
  readonly observerCalls?: number;
  readonly rounds: number;
  readonly roundSeconds: number;
}

const CONNECTIONS = 50;
const WARM_UP_SECONDS = 2;
const MEMORY_REQUESTS = 100_000;
const PROPERTY_SECONDS = 8;
const VALIDATOR_SECONDS = 3;
/**
 * The bench up to certify stays under five minutes: the first certify run, on the embedded mocks, gets what is left of
 * this, and is stopped past it; the comparison runs that follow take longer (`--skip-certify` leaves them all out).
 */
const BENCH_BUDGET_SECONDS = 270;
/** Certify always gets this long at least: enough to meet its 60 s target, so a stopped run has missed it for sure. */
const CERTIFY_MINIMUM_SECONDS = 70;
/** The other certify runs (external targets, planted bugs): past this a run is stopped, its ratio a lower bound. */
const COMPARISON_LIMIT_SECONDS = 900;

/** Every measurement, one after the other (each needs the machine to itself), and the targets judged on them. */
export async function runBench(options: BenchOptions, progress: (line: string) => void): Promise<BenchResults> {
  const started = performance.now();
  const processors = cpus();
  const machine = {
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg()[0] ?? 0,
    cpuPressureAtStart: cpuPressure(),
  };
  const seed = Math.floor(Math.random() * 0x7fffffff);
  progress(
    `${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.toFixed(2)}, ` +
      `CPU pressure ${machine.cpuPressureAtStart ?? '?'} %; seed ${seed}`,
  );

  progress(`1/7 mock D1, Prism and bare node:http: ${CONNECTIONS} connections, ${options.rounds} rounds of ${options.roundSeconds} s each`);
  const http = await compareServers(
    { connections: CONNECTIONS, warmUpSeconds: WARM_UP_SECONDS, rounds: options.rounds, roundSeconds: options.roundSeconds },
    progress,
  );

  progress(`2/7 mock D1 alone, memory after ${MEMORY_REQUESTS.toLocaleString('en-US')} requests`);
  const mockD1Memory = await measureMockMemory(MEMORY_REQUESTS, CONNECTIONS);
  progress(`RSS ${mockD1Memory.rssMiB.toFixed(1)} MiB, heap used ${mockD1Memory.heapUsedMiB.toFixed(1)} MiB`);

  progress(`3/7 notification payload validations for ${VALIDATOR_SECONDS} s`);
  const validators = measureValidators(VALIDATOR_SECONDS, seed);
  progress(`${Math.round(validators.validationsPerSecond)} validations/s`);

  progress(`4/7 property cases for ${PROPERTY_SECONDS} s`);
  const properties = await measurePropertyThroughput(PROPERTY_SECONDS, seed);
  progress(`${Math.round(properties.casesPerSecond)} cases/s`);

  let certify: CertifyFigures;
  let certifyComparison: CertifyComparison;
  if (options.skipCertify) {
    certify = { skipped: true, reason: 'skipped with --skip-certify' };
    certifyComparison = certify;
  } else {
    const limit = Math.max(CERTIFY_MINIMUM_SECONDS, Math.round(BENCH_BUDGET_SECONDS - (performance.now() - started) / 1000));
    progress(
      `5/7 npm run certify on the embedded mocks (stopped after ${limit} s), then on both mocks as commands, ` +
        `then both again with planted bugs (each stopped after ${COMPARISON_LIMIT_SECONDS} s)`,
    );
    certifyComparison = await compareCertifyRuns(limit, COMPARISON_LIMIT_SECONDS, progress);
    certify = certifyComparison.embedded;
  }

  const networkLinks = await runNetworkLinks(options, seed, (line) => progress(`6/7 ${line}`));

  const observer = await runObserverStep(options, (line) => progress(`7/7 ${line}`));

  const targets = evaluateTargets({
    'mock-d1-vs-prism': http.ratios.mockD1OverPrism,
    'mock-d1-vs-bare': http.ratios.mockD1OverBare,
    'property-cases-per-second': properties.casesPerSecond,
    // A run stopped at its limit took at least that long, more than the target: still a figure, and a missed target.
    'certify-wall-time': certify.skipped ? null : certify.wallSeconds,
    'external-certify-vs-embedded': certifyComparison.skipped ? null : certifyComparison.ratios.conformant,
    'external-certify-vs-embedded-failing': certifyComparison.skipped ? null : certifyComparison.ratios.failing,
    'mock-d1-rss-after-100k': mockD1Memory.rssMiB,
    ...networkTargetValues(networkLinks),
    ...observerTargetValues(observer),
  });
  return {
    date: new Date().toISOString(),
    machine,
    benchSeconds: (performance.now() - started) / 1000,
    http,
    properties,
    validators,
    certify,
    certifyComparison,
    mockD1Memory,
    networkLinks,
    observer,
    targets,
  };
}

/** The network step, or why it was left out. */
export async function runNetworkLinks(
  options: Pick<BenchOptions, 'skipNetwork' | 'networkFull'>,
  seed: number,
  progress: (line: string) => void,
): Promise<NetworkLinkFigures> {
  if (options.skipNetwork) return { skipped: true, reason: 'skipped with --skip-network' };
  return measureNetworkLinks({ full: options.networkFull, seed }, progress);
}

/** The network step's figures, by target; a skipped step's are not measured. */
export function networkTargetValues(network: NetworkLinkFigures): Partial<Record<TargetId, number | null>> {
  if (network.skipped) return {};
  const { figures } = network;
  return {
    'network-latency-vs-loopback': figures.latencyOverLoopback,
    'network-gateway-vs-floor': figures.gatewayOverFloor,
    'network-gateway-refused-share': figures.refusedSharePercent,
    'network-unavailable-outcomes-differing': figures.unavailableDiffering,
  };
}

/**
 * The observer step, or why it was left out: the side-by-side with the mock D1 in rounds as step 1's, then its memory
 * after `observerCalls` profile reads.
 */
export async function runObserverStep(
  options: Pick<BenchOptions, 'skipObserver' | 'observerCalls' | 'rounds' | 'roundSeconds'>,
  progress: (line: string) => void,
): Promise<ObserverFigures> {
  if (options.skipObserver === true) return { skipped: true, reason: 'skipped with --skip-observer' };
  const calls = options.observerCalls ?? OBSERVER_TARGET_CALLS;
  progress(
    `observer recording against its embedded mock D1, ${CONNECTIONS} connections: beside the mock D1 alone, ` +
      `${options.rounds} rounds of ${options.roundSeconds} s each; then its memory after ${calls.toLocaleString('en-US')} calls`,
  );
  return measureObserver(
    { calls, connections: CONNECTIONS, warmUpSeconds: WARM_UP_SECONDS, rounds: options.rounds, roundSeconds: options.roundSeconds },
    progress,
  );
}

/**
 * The observer step's figures, by target; a skipped step's are not measured, and so is the RSS after fewer calls than
 * its target names, since the observer's memory grows with the calls it keeps.
 */
export function observerTargetValues(observer: ObserverFigures): Partial<Record<TargetId, number | null>> {
  if (observer.skipped) return {};
  return {
    'observer-rss-after-1m': observer.memory.calls >= OBSERVER_TARGET_CALLS ? observer.memory.rssMiB : null,
    'observer-vs-mock-d1': observer.comparison.medianRatio,
  };
}
