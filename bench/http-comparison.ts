import { generateKeyPairSync } from 'node:crypto';
import { fromRoot } from '../lib/paths.js';
import { runHttpLoad, type HttpLoadFigures, type LoadRequestSpec } from './http-load.js';
import { startIsolatedServer } from './isolated-server.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID, expectAccepted, prepareOptOuts } from './opt-out-requests.js';
import { startPrism } from './prism.js';
import type { HttpComparison, ServerFigures } from './results.js';

export interface ComparisonSettings {
  readonly connections: number;
  readonly warmUpSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
}

const CONTRACT = 'contracts/d1-click-to-pay.yaml';
const CARDS = 20;

/** The middle value, or the mean of the two middle ones. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * One server's figures over its measured rounds: throughput is every request over every second, p50 the median of the
 * rounds' medians, p99 the worst round's (percentiles of separate runs cannot be merged exactly; this errs slow).
 */
export function combineRounds(rounds: readonly HttpLoadFigures[]): ServerFigures {
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.durationSeconds, 0);
  return {
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    latencyP50Ms: median(rounds.map((round) => round.latencyP50Ms)),
    latencyP99Ms: Math.max(0, ...rounds.map((round) => round.latencyP99Ms)),
    requests,
    non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
  };
}

/** How many times faster the first server is; a server that served nothing makes the comparison meaningless. */
export function throughputRatio(numerator: ServerFigures, denominator: ServerFigures, names: string): number {
  if (denominator.requestsPerSecond <= 0) throw new Error(`${names}: the second server answered no request, so there is no ratio`);
  return numerator.requestsPerSecond / denominator.requestsPerSecond;
}

interface Contender {
  readonly name: 'mockD1' | 'prism' | 'prismQuiet' | 'bare';
  readonly url: string;
  readonly requests: readonly LoadRequestSpec[];
}

/**
 * The mock D1 serving an authenticated, validated Click to Pay card opt-out, against Prism mocking the same contract
 * (as `prism mock` runs by default, the figure the target is about, and logging warnings only, for comparison)
 * and a bare node:http server (the loopback ceiling), each in a process of its own, loaded by autocannon from this
 * one. The servers take turns, a round each, the order rotating, so that a burst of load from elsewhere on a shared
 * machine spreads over all three instead of landing on one.
 */
export async function compareServers(settings: ComparisonSettings, progress: (line: string) => void): Promise<HttpComparison> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stops: (() => Promise<void>)[] = [];
  try {
    const mockD1 = await startIsolatedServer({
      kind: 'mock-d1',
      issuerId: BENCH_ISSUER_ID,
      kid: BENCH_KEY_ID,
      publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    stops.push(() => mockD1.stop());
    const bare = await startIsolatedServer({ kind: 'bare-http' });
    stops.push(() => bare.stop());
    progress(`starting Prism on ${CONTRACT}, with its default logging and with --verboseLevel warn`);
    const prism = await startPrism(fromRoot(CONTRACT), 'info');
    stops.push(() => prism.stop());
    const prismQuiet = await startPrism(fromRoot(CONTRACT), 'warn');
    stops.push(() => prismQuiet.stop());

    const optOuts = await prepareOptOuts(mockD1.url, keys.privateKey, CARDS);
    const contenders: Contender[] = [
      { name: 'mockD1', url: mockD1.url, requests: optOuts.mockD1 },
      { name: 'prism', url: prism.url, requests: optOuts.withoutBasePath },
      { name: 'prismQuiet', url: prismQuiet.url, requests: optOuts.withoutBasePath },
      { name: 'bare', url: bare.url, requests: optOuts.withoutBasePath },
    ];
    for (const contender of contenders.filter((c) => c.name !== 'bare'))
      await expectAccepted(contender.url, contender.requests[0], contender.name);

    for (const contender of contenders) {
      progress(`warm-up: ${contender.name}, ${settings.warmUpSeconds} s`);
      await runHttpLoad({
        url: contender.url,
        connections: settings.connections,
        durationSeconds: settings.warmUpSeconds,
        requests: contender.requests,
      });
    }
    const measured = new Map<Contender['name'], HttpLoadFigures[]>(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < settings.rounds; round += 1) {
      for (let turn = 0; turn < contenders.length; turn += 1) {
        const contender = contenders[(round + turn) % contenders.length];
        if (!contender) continue;
        const figures = await runHttpLoad({
          url: contender.url,
          connections: settings.connections,
          durationSeconds: settings.roundSeconds,
          requests: contender.requests,
        });
        progress(
          `round ${round + 1}: ${contender.name} ${Math.round(figures.requestsPerSecond)} requests/s, p99 ${figures.latencyP99Ms} ms`,
        );
        measured.get(contender.name)?.push(figures);
      }
    }
    const servers = {
      mockD1: combineRounds(measured.get('mockD1') ?? []),
      prism: combineRounds(measured.get('prism') ?? []),
      prismQuiet: combineRounds(measured.get('prismQuiet') ?? []),
      bare: combineRounds(measured.get('bare') ?? []),
    };
    return {
      request:
        'authenticated Click to Pay card opt-out (`POST /v1/issuers/{issuerId}/cards/{cardId}/operations:clickToPayOptout` ' +
        "with a bearer token and the contract's example body)",
      connections: settings.connections,
      warmUpSeconds: settings.warmUpSeconds,
      rounds: settings.rounds,
      roundSeconds: settings.roundSeconds,
      prismVersion: prism.version,
      servers,
      ratios: {
        mockD1OverPrism: throughputRatio(servers.mockD1, servers.prism, 'mock D1 / Prism'),
        mockD1OverQuietPrism: throughputRatio(servers.mockD1, servers.prismQuiet, 'mock D1 / Prism (warn)'),
        mockD1OverBare: throughputRatio(servers.mockD1, servers.bare, 'mock D1 / bare'),
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
