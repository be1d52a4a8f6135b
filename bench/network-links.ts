/**
 * Certification across shaped links: `npm run certify` on one part of the suites, on both mocks as commands, first on
 * loopback, then with the project's shaping proxy in front of each mock (80 ms latency, a gateway of 20 requests/s,
 * 1 % 503 with Retry-After: 1), one run after the other with the same seed, so that each shaped run is judged against
 * the loopback run of the same tests on the same machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { paceVariable } from '../lib/config/transport.js';
import type { TargetNetwork } from '../lib/http/pacing.js';
import { namedProfiles } from '../mocks/network/profiles.js';
import type { ShapingProfile } from '../mocks/network/shaping-proxy.js';
import type { CertificationResults } from '../reporters/certification.js';
import { startExternalMocks } from '../tests/suites/external-mocks.js';
import { measureCertifyAndRead } from './certify-run.js';
import { compareWithLoopback, networkLinkRatios, outcomeCounts, outcomesOf, type LinkReports } from './network-figures.js';
import { NETWORK_LINKS, type NetworkLinkFigures, type NetworkLinkName, type NetworkLinkRun } from './results.js';

/**
 * The part of the suites every run certifies: the bank's endpoints, the flows and D1's own suites, without the
 * property suites, whose generated cases send most of a full run's 10,400 D1 requests and would hold a gateway run to
 * about nine minutes on their own.
 */
export const NETWORK_SUBSET = ['suites/issuer/', 'suites/flows/', 'suites/d1/'] as const;

/** The profile on both links, per run; none on loopback. The named profiles are those `npm run shape` offers. */
export const LINK_PROFILES: Readonly<Record<NetworkLinkName, ShapingProfile | null>> = {
  loopback: null,
  latency: namedProfiles['wan-80ms'].profile,
  gateway: namedProfiles['gateway-20rps'].profile,
  unavailable: namedProfiles['flaky-503'].profile,
};

const GATEWAY_PER_SECOND = namedProfiles['gateway-20rps'].profile.rate.perSecond;

/** A run of the part stays within minutes; past these it is stopped, its wall time a lower bound. */
const SUBSET_LIMIT_SECONDS = 900;
/**
 * Behind the gateway the run is told its limit, as docs/network.md advises a bank that knows it, 10 % under it: the
 * pace that adapts to an unknown limit pays for finding it in refused requests, which is not what this figure judges.
 */
export const GATEWAY_PACE: Readonly<Record<string, string>> = {
  [paceVariable('d1', 'RATE_LIMIT')]: String(GATEWAY_PER_SECOND * 0.9),
  [paceVariable('issuer', 'RATE_LIMIT')]: String(GATEWAY_PER_SECOND * 0.9),
};

/** The whole suite behind the gateway needs nine minutes at least (10,400 D1 requests at 20 a second). */
const FULL_LIMIT_SECONDS = 2_400;

/** One run as measured, before its per-test outcomes are reduced to counts. */
interface Measured extends Omit<NetworkLinkRun, 'outcomes' | 'network'> {
  readonly reports: LinkReports;
}

export interface NetworkLinkOptions {
  /** The whole suite instead of NETWORK_SUBSET: tens of minutes. */
  readonly full: boolean;
  /** The suites' SEED and the proxies' seed, the same for every run. */
  readonly seed: number;
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    // A run stopped while writing leaves a partial file: as good as none.
    return null;
  }
}

const readLinkReports = (reportsDir: string): LinkReports => {
  const results = readJson<CertificationResults>(path.join(reportsDir, 'certification', 'tests.json'));
  const network = readJson<{ targets: TargetNetwork[] }>(path.join(reportsDir, 'certification', 'network.json'));
  return { outcomes: results === null ? null : outcomesOf(results), network: network?.targets ?? null };
};

const requestsLine = (network: readonly TargetNetwork[] | null): string =>
  network === null ? 'no network.json' : network.map((n) => `${n.target} ${n.requests}`).join(', ');

/** The four runs, one after the other, and the figures taken from them. */
export async function measureNetworkLinks(
  options: NetworkLinkOptions,
  progress: (line: string) => void,
): Promise<Extract<NetworkLinkFigures, { skipped: false }>> {
  const subset = options.full ? [] : [...NETWORK_SUBSET];
  const limit = options.full ? FULL_LIMIT_SECONDS : SUBSET_LIMIT_SECONDS;
  progress(
    `network links: npm run certify on ${subset.length === 0 ? 'the whole suite' : subset.join(' ')}, both mocks as commands, ` +
      `seed ${options.seed}; each run stopped after ${limit} s`,
  );
  const measured: Partial<Record<NetworkLinkName, Measured>> = {};
  for (const name of NETWORK_LINKS) {
    const profile = LINK_PROFILES[name];
    const mocks = await startExternalMocks({}, profile === null ? {} : { d1: profile, issuer: profile, seed: options.seed });
    const loadAtStart = loadavg()[0] ?? 0;
    try {
      const { figures: run, read } = await measureCertifyAndRead(
        limit,
        { env: { ...mocks.env, SEED: String(options.seed), ...(name === 'gateway' ? GATEWAY_PACE : {}) }, args: subset },
        readLinkReports,
      );
      const differing = name === 'loopback' ? null : compareWithLoopback(measured.loopback?.reports.outcomes ?? null, read.outcomes);
      const loadAtEnd = loadavg()[0] ?? 0;
      measured[name] = { profile, run, loadAverage: { start: loadAtStart, end: loadAtEnd }, reports: read, differing };
      const tests = read.outcomes === null ? 'no tests.json' : `${Object.keys(read.outcomes).length} tests`;
      progress(
        `${name}: ${run.wallSeconds.toFixed(1)} s${run.finished ? '' : ' (stopped)'}, ${tests}, requests ${requestsLine(read.network)}` +
          (differing === null ? '' : `, ${differing.count} outcomes differing from loopback`) +
          `; load average ${loadAtStart.toFixed(2)} → ${loadAtEnd.toFixed(2)}`,
      );
    } finally {
      await mocks.stop();
    }
  }
  const { loopback, latency, gateway, unavailable } = measured;
  if (!loopback || !latency || !gateway || !unavailable) throw new Error('network links: a run is missing');
  const at = (link: Measured): LinkReports & { wallSeconds: number } => ({ ...link.reports, wallSeconds: link.run.wallSeconds });
  const figures = networkLinkRatios(
    { loopback: at(loopback), latency: at(latency), gateway: at(gateway), unavailable: at(unavailable) },
    GATEWAY_PER_SECOND,
  );
  // The per-test outcomes served the comparison; the results keep their counts and the differences.
  const kept = ({ profile, run, loadAverage, reports, differing }: Measured): NetworkLinkRun => ({
    profile,
    run,
    loadAverage,
    outcomes: reports.outcomes === null ? null : outcomeCounts(reports.outcomes),
    network: reports.network,
    differing,
  });
  return {
    skipped: false,
    subset,
    seed: options.seed,
    gatewayPerSecond: GATEWAY_PER_SECOND,
    runs: { loopback: kept(loopback), latency: kept(latency), gateway: kept(gateway), unavailable: kept(unavailable) },
    figures,
  };
}
