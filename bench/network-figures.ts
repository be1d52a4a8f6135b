/**
 * The figures of the network step, from what its certify runs wrote: each test's outcome (certification/tests.json)
 * and each target's network (certification/network.json). Nothing here runs or times anything.
 */
import type { TargetNetwork } from '../lib/http/pacing.js';
import type { CertificationResults } from '../reporters/certification.js';
import type { NetworkLinkName, NetworkLinkRatios, OutcomeDifference } from './results.js';

/** Each test's outcome, keyed `${project} › ${title}` as the network self-tests key them. */
export type TestOutcomes = Readonly<Record<string, string>>;

/** What the network step reads from one run's reports: null where the run wrote nothing. */
export interface LinkReports {
  readonly outcomes: TestOutcomes | null;
  readonly network: readonly TargetNetwork[] | null;
}

/** The differing tests a results file names; the count covers them all. */
export const DIFFERENCES_NAMED = 20;

export const outcomesOf = (results: {
  readonly tests: readonly Pick<CertificationResults['tests'][number], 'project' | 'title' | 'outcome'>[];
}): TestOutcomes => Object.fromEntries(results.tests.map((t) => [`${t.project} › ${t.title}`, t.outcome]));

/** How many tests ended in each outcome. */
export function outcomeCounts(outcomes: TestOutcomes): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of Object.values(outcomes)) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** Every test whose outcome is not the same in both runs, a test missing from one run included, sorted by name. */
export function differingOutcomes(loopback: TestOutcomes, shaped: TestOutcomes): OutcomeDifference[] {
  const tests = [...new Set([...Object.keys(loopback), ...Object.keys(shaped)])].sort();
  return tests.flatMap((test) => {
    const before = loopback[test] ?? null;
    const after = shaped[test] ?? null;
    return before === after ? [] : [{ test, loopback: before, shaped: after }];
  });
}

/** A shaped run's tests against loopback's; a shaped run that wrote no results differs in every loopback test. */
export function compareWithLoopback(
  loopback: TestOutcomes | null,
  shaped: TestOutcomes | null,
): { readonly count: number; readonly tests: readonly OutcomeDifference[] } | null {
  if (loopback === null) return null;
  const differences = differingOutcomes(loopback, shaped ?? {});
  return { count: differences.length, tests: differences.slice(0, DIFFERENCES_NAMED) };
}

const sum = (network: readonly TargetNetwork[], of: (target: TargetNetwork) => number): number =>
  network.reduce((total, target) => total + of(target), 0);

/** The runs the figures are taken from: each one's wall time and what it wrote. */
export type LinkMeasurements = Readonly<Record<NetworkLinkName, LinkReports & { readonly wallSeconds: number }>>;

/**
 * The step's figures. The gateway's floor counts the requests the gateway let through in its own run (sent, less
 * those it refused): the tests poll D1's operations, so how many requests they need depends on the link, and
 * loopback's count is not the gateway run's.
 */
export function networkLinkRatios(runs: LinkMeasurements, gatewayPerSecond: number): NetworkLinkRatios {
  const { loopback, latency, gateway, unavailable } = runs;
  const gatewayFloorSeconds =
    gateway.network === null || gateway.network.length === 0
      ? null
      : Math.max(...gateway.network.map((target) => target.requests - target.faults.throttled)) / gatewayPerSecond;
  const gatewaySent = gateway.network === null ? 0 : sum(gateway.network, (t) => t.requests);
  const differing = compareWithLoopback(loopback.outcomes, unavailable.outcomes);
  return {
    latencyOverLoopback: loopback.wallSeconds > 0 ? latency.wallSeconds / loopback.wallSeconds : null,
    gatewayFloorSeconds,
    gatewayOverFloor: gatewayFloorSeconds === null || gatewayFloorSeconds === 0 ? null : gateway.wallSeconds / gatewayFloorSeconds,
    refusedSharePercent:
      gateway.network === null || gatewaySent === 0 ? null : (100 * sum(gateway.network, (t) => t.faults.throttled)) / gatewaySent,
    unavailableDiffering: differing === null ? null : differing.count,
    unavailableAbsorbed: unavailable.network === null ? null : sum(unavailable.network, (t) => t.faults.unavailable),
  };
}
