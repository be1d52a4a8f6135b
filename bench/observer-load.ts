/**
 * The observer step: the observer recording (observer/index.ts, forwarding every call to the mock D1 it embeds, judging
 * it and appending it to its journal), alone in a process of its own, under the call a bank's integration or load
 * test repeats most, a read of a consumer's Click to Pay profiles. First side by side with the mock D1 alone on the
 * same reads, then for its memory and its journal after many calls.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { operations } from '../gen/operations.js';
import { prepareProfileReads } from './consumer-profile-requests.js';
import { combineRounds } from './http-comparison.js';
import { runHttpLoad, type HttpLoadFigures } from './http-load.js';
import { startIsolatedServer, type IsolatedServer } from './isolated-server.js';
import { nextBatchCalls, sideBySide, type MeasuredRound } from './observer-figures.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID } from './opt-out-requests.js';
import type { ObserverComparison, ObserverFigures, ObserverMemoryFigures } from './results.js';

export interface ObserverStepSettings {
  /** Profile reads sent through the observer for its memory figures. */
  readonly calls: number;
  readonly connections: number;
  readonly warmUpSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
}

const MIB = 1024 * 1024;
/**
 * A batch of the load lasts about this long: each carries the token the client holds as it starts, renewed a minute
 * before it expires, so no batch outlives its token, however slow the machine makes a million calls.
 */
const BATCH_SECONDS = 20;
const FIRST_BATCH_CALLS = 10_000;

const REQUEST =
  "authenticated read of a consumer's Click to Pay profiles " +
  `(\`GET ${operations.clickToPayGetConsumerProfiles.path}\` with a bearer token; ` +
  'the consumer registered with its consumer data, one card of its enrolled)';

interface StartedObserver {
  readonly server: IsolatedServer;
  readonly journalDir: string;
}

const publicKeyPem = (publicKey: KeyObject): string => publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** An observer alone in its process, recording into a fresh directory this process measures and removes. */
async function startObserverAlone(publicKey: KeyObject): Promise<StartedObserver> {
  const journalDir = mkdtempSync(path.join(tmpdir(), 'bench-observer-'));
  try {
    const server = await startIsolatedServer({
      kind: 'observer',
      issuerId: BENCH_ISSUER_ID,
      kid: BENCH_KEY_ID,
      publicKeyPem: publicKeyPem(publicKey),
      journalDir,
    });
    return { server, journalDir };
  } catch (error) {
    rmSync(journalDir, { recursive: true, force: true });
    throw error;
  }
}

async function stopObserver(observer: StartedObserver): Promise<void> {
  // Judging a long journal at stop takes longer than the isolated server's grace: it may be killed, and nothing is lost.
  await observer.server.stop();
  rmSync(observer.journalDir, { recursive: true, force: true });
}

/** The bytes of the journal directory (the journal and its key). */
const journalBytes = (journalDir: string): number =>
  readdirSync(journalDir).reduce((sum, name) => sum + statSync(path.join(journalDir, name)).size, 0);

/** A crashed server answers no more; its stderr says why, where a load run would only count errors. */
function expectAlive(server: IsolatedServer, name: string): void {
  if (!server.alive()) throw new Error(`the ${name} process ended during the load; stderr: ${server.stderr().trim()}`);
}

/**
 * The same profile reads against a mock D1 alone and against an observer recording in front of its own, each in its
 * process: a warm-up each, then rounds in which both take a turn, the order alternating, so that each round's ratio
 * compares two runs a few seconds apart on the same machine.
 */
export async function compareWithMockD1(
  settings: ObserverStepSettings,
  keys: { readonly publicKey: KeyObject; readonly privateKey: KeyObject },
  progress: (line: string) => void,
): Promise<ObserverComparison> {
  const mockD1 = await startIsolatedServer({
    kind: 'mock-d1',
    issuerId: BENCH_ISSUER_ID,
    kid: BENCH_KEY_ID,
    publicKeyPem: publicKeyPem(keys.publicKey),
  });
  let observer: StartedObserver | undefined;
  try {
    observer = await startObserverAlone(keys.publicKey);
    const sides = [
      { name: 'mockD1', label: 'mock D1', server: mockD1, reads: await prepareProfileReads(mockD1.url, keys.privateKey) },
      {
        name: 'observer',
        label: 'observer',
        server: observer.server,
        reads: await prepareProfileReads(observer.server.url, keys.privateKey),
      },
    ] as const;
    const load = async (side: (typeof sides)[number], durationSeconds: number): Promise<HttpLoadFigures> => {
      const figures = await runHttpLoad({
        url: side.server.url,
        connections: settings.connections,
        durationSeconds,
        requests: await side.reads.requests(),
      });
      expectAlive(side.server, side.label);
      return figures;
    };
    for (const side of sides) {
      progress(`observer: warm-up, ${side.label}, ${settings.warmUpSeconds} s`);
      await load(side, settings.warmUpSeconds);
    }
    const rounds: MeasuredRound[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      const measured: Partial<Record<(typeof sides)[number]['name'], HttpLoadFigures>> = {};
      for (let turn = 0; turn < sides.length; turn += 1) {
        const side = sides[(round + turn) % sides.length];
        if (side) measured[side.name] = await load(side, settings.roundSeconds);
      }
      const { mockD1: mock, observer: observed } = measured;
      if (!mock || !observed) throw new Error(`observer: round ${round + 1} lacks a side`);
      rounds.push({ mockD1: mock, observer: observed });
      progress(
        `observer: round ${round + 1}: mock D1 ${Math.round(mock.requestsPerSecond)} requests/s, ` +
          `observer ${Math.round(observed.requestsPerSecond)} requests/s (p99 ${observed.latencyP99Ms} ms), ` +
          `ratio ${(observed.requestsPerSecond / Math.max(mock.requestsPerSecond, 1)).toFixed(2)}`,
      );
    }
    return {
      request: REQUEST,
      connections: settings.connections,
      warmUpSeconds: settings.warmUpSeconds,
      rounds: settings.rounds,
      roundSeconds: settings.roundSeconds,
      ...sideBySide(rounds),
    };
  } finally {
    if (observer) await stopObserver(observer);
    await mockD1.stop();
  }
}

/**
 * A fresh observer serves `calls` profile reads from `connections` clients, in batches of about BATCH_SECONDS; its RSS
 * is read after each batch, and at the end as it stands and after a full garbage collection, with what the load added
 * to its journal. Every call is judged and kept, as a bank's load test through the observer would have it.
 */
export async function measureObserverMemory(
  calls: number,
  connections: number,
  keys: { readonly publicKey: KeyObject; readonly privateKey: KeyObject },
  progress: (line: string) => void,
): Promise<ObserverMemoryFigures> {
  const observer = await startObserverAlone(keys.publicKey);
  try {
    const { server } = observer;
    const reads = await prepareProfileReads(server.url, keys.privateKey);
    const atStart = await server.memory(false);
    const journalAtStart = journalBytes(observer.journalDir);
    const batches: HttpLoadFigures[] = [];
    const rssAlong: { calls: number; rssMiB: number }[] = [];
    let sent = 0;
    let asItStands = atStart;
    while (sent < calls) {
      const amount = nextBatchCalls(calls - sent, batches.at(-1)?.requestsPerSecond, BATCH_SECONDS, FIRST_BATCH_CALLS);
      const batch = await runHttpLoad({ url: server.url, connections, amount, requests: await reads.requests() });
      expectAlive(server, 'observer');
      batches.push(batch);
      sent += amount;
      asItStands = await server.memory(false);
      rssAlong.push({ calls: sent, rssMiB: asItStands.rssBytes / MIB });
      progress(
        `observer: ${sent.toLocaleString('en-US')} of ${calls.toLocaleString('en-US')} calls, ` +
          `${Math.round(batch.requestsPerSecond)} calls/s, RSS ${(asItStands.rssBytes / MIB).toFixed(1)} MiB`,
      );
    }
    const journal = journalBytes(observer.journalDir) - journalAtStart;
    const collected = await server.memory(true);
    return {
      calls: sent,
      rssAtStartMiB: atStart.rssBytes / MIB,
      rssMiB: asItStands.rssBytes / MIB,
      rssAfterGcMiB: collected.rssBytes / MIB,
      heapUsedMiB: asItStands.heapUsedBytes / MIB,
      heapUsedAfterGcMiB: collected.heapUsedBytes / MIB,
      rssAlong,
      journalBytes: journal,
      journalBytesPerCall: sent > 0 ? journal / sent : 0,
      load: combineRounds(batches),
    };
  } finally {
    await stopObserver(observer);
  }
}

/** The step: the side-by-side first (short, on fresh processes), then the long load for the memory figures. */
export async function measureObserver(
  settings: ObserverStepSettings,
  progress: (line: string) => void,
): Promise<Extract<ObserverFigures, { skipped: false }>> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const loadAtStart = loadavg()[0] ?? 0;
  const comparison = await compareWithMockD1(settings, keys, progress);
  progress(
    `observer: median ratio ${comparison.medianRatio.toFixed(2)} ` +
      `(${comparison.spread.ratio.min.toFixed(2)} to ${comparison.spread.ratio.max.toFixed(2)} over the rounds)`,
  );
  const memory = await measureObserverMemory(settings.calls, settings.connections, keys, progress);
  return { skipped: false, comparison, memory, loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 } };
}
