/**
 * Profiles the mock D1 under the bench's load: the mock runs alone under `node --cpu-prof` (bench/isolated-server.ts),
 * autocannon sends it authenticated card opt-outs from this process, and the profile it writes on exit is summarised
 * as self time per function and per file. Also prints the server's CPU time per request (from /proc), which a busy
 * machine disturbs far less than requests per second. `--bare` loads the bare node:http server the same way.
 *
 *   npm run bench:profile -- [--seconds 10] [--connections 50] [--top 30] [--bare | --server-only] [--no-profile]
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../lib/paths.js';
import { runHttpLoad } from './http-load.js';
import { startIsolatedServer } from './isolated-server.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID, expectAccepted, prepareOptOuts } from './opt-out-requests.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** Where a frame comes from, shortened: a path from the repository root, `node:…` for Node's own code. */
function fileOf(url: string): string {
  if (url === '') return '(native)';
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(repoRoot)) return path.relative(repoRoot, file);
  return file;
}

/**
 * Self time by function (name and place) and by file, largest first. Counted in samples at the profile's usual
 * interval rather than summed from the gaps between them: on a busy machine a gap also holds the time the process
 * waited for a CPU, which would be charged to whatever it ran next (a socket write, mostly).
 */
export function summariseProfile(profile: CpuProfile): { functions: SelfTime[]; files: SelfTime[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  const gaps = [...profile.timeDeltas].sort((a, b) => a - b);
  const intervalMs = (gaps[Math.floor(gaps.length / 2)] ?? 0) / 1000;
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = fileOf(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + 1);
    files.set(file, (files.get(file) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const ranked = (table: Map<string, number>): SelfTime[] =>
    [...table]
      .map(([name, samples]) => ({ name, ms: samples * intervalMs, share: total > 0 ? samples / total : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { functions: ranked(functions), files: ranked(files), totalMs: total * intervalMs };
}

/**
 * User and system CPU time a process has used so far, in milliseconds (Linux: /proc/<pid>/stat, in clock ticks of
 * 10 ms). Apart, because a sampling profile shows a socket write's wait for a CPU as time in writev: the user time
 * is what the server's own code and its garbage collection cost.
 */
export function cpuMsOf(pid: number): { readonly user: number; readonly system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime field 14 and stime field 15 (1-based, as proc(5) counts them).
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

function printSummary(file: string, top: number): void {
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const line = (entry: SelfTime): string =>
    `${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}`;
  process.stdout.write(`profile ${file}: ${summary.totalMs.toFixed(0)} ms sampled\n\nself time by function\n`);
  process.stdout.write(`${summary.functions.slice(0, top).map(line).join('\n')}\n\nself time by file\n`);
  process.stdout.write(`${summary.files.slice(0, top).map(line).join('\n')}\n`);
}

const SERVER_NAMES = { 'mock-d1': 'mock D1', 'bare-http': 'bare node:http', 'mock-server-fixed': 'mock server, fixed answer' } as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      top: { type: 'string', default: '30' },
      bare: { type: 'boolean', default: false },
      /** The mocks' server with a fixed answer: the serving path without the mock D1's work. */
      'server-only': { type: 'boolean', default: false },
      'no-profile': { type: 'boolean', default: false },
      /** Only summarise a profile written before. */
      read: { type: 'string' },
    },
  });
  if (values.read !== undefined) {
    printSummary(values.read, Number(values.top));
    return;
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'mock-d1-profile-'));
  const profiling = !values['no-profile'];
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const mockD1 = await startIsolatedServer(
    {
      kind: 'mock-d1',
      issuerId: BENCH_ISSUER_ID,
      kid: BENCH_KEY_ID,
      publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    30_000,
    profiling && !values.bare && !values['server-only'] ? ['--cpu-prof', `--cpu-prof-dir=${directory}`] : [],
  );
  const otherKind = values.bare ? 'bare-http' : values['server-only'] ? 'mock-server-fixed' : undefined;
  const reference =
    otherKind === undefined
      ? undefined
      : await startIsolatedServer({ kind: otherKind }, 30_000, profiling ? ['--cpu-prof', `--cpu-prof-dir=${directory}`] : []);
  try {
    const optOuts = await prepareOptOuts(mockD1.url, keys.privateKey, 20);
    await expectAccepted(mockD1.url, optOuts.mockD1[0], 'mock D1');
    const target = reference ?? mockD1;
    const load = (durationSeconds: number): ReturnType<typeof runHttpLoad> =>
      runHttpLoad({
        url: target.url,
        connections: Number(values.connections),
        durationSeconds,
        requests: reference ? optOuts.withoutBasePath : optOuts.mockD1,
      });
    await load(2);
    const cpuBefore = cpuMsOf(target.pid);
    const figures = await load(Number(values.seconds));
    const cpuAfter = cpuMsOf(target.pid);
    const perRequest = (ms: number): string => ((ms * 1000) / Math.max(1, figures.requests)).toFixed(1);
    const user = cpuAfter.user - cpuBefore.user;
    const system = cpuAfter.system - cpuBefore.system;
    process.stdout.write(
      `${SERVER_NAMES[otherKind ?? 'mock-d1']}: ${Math.round(figures.requestsPerSecond)} requests/s, p99 ${figures.latencyP99Ms} ms, ` +
        `non-2xx ${figures.non2xx}; server CPU ${perRequest(user + system)} µs per request ` +
        `(user ${perRequest(user)}, system ${perRequest(system)})\n`,
    );
  } finally {
    await reference?.stop();
    await mockD1.stop();
  }
  if (!profiling) return;
  // The main thread's profile; tsx's module hooks run in a worker thread, which writes a second one.
  const written = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  if (written.length === 0) throw new Error(`no profile written in ${directory}`);
  printSummary(path.join(directory, written[0] ?? ''), Number(values.top));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(repoRoot, 'bench', 'profile-mock.ts')) await main();
