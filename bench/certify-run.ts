import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromRoot, repoRoot } from '../lib/paths.js';
import { TARGET_VARIABLES } from '../tests/suites/suite-runner.js';
import { sampleTreePeak } from './process-tree.js';
import { startExternalMocks } from '../tests/suites/external-mocks.js';
import type { CertifyComparison, CertifyFigures } from './results.js';

const GNU_TIME = '/usr/bin/time';
const SAMPLE_EVERY_MS = 200;
const MIB = 1024 * 1024;

/** The largest single process's peak RSS in /usr/bin/time -v's report, in MiB. */
export function largestRssMiBOfTimeReport(report: string): number | undefined {
  const kib = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

/** The tests and failures of a run, from the JUnit report certify writes; null when there is none. */
export function junitCounts(xml: string | undefined): { tests: number; failed: number } | null {
  const head = /<testsuites\b[^>]*>/.exec(xml ?? '')?.[0];
  const count = (tag: string | undefined, name: string): number | undefined => {
    const value = new RegExp(`\\b${name}="(\\d+)"`).exec(tag ?? '')?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const tests = count(head, 'tests');
  if (tests === undefined) return null;
  // The go-live verdict's own suite (a case per row and finding) is no test Playwright ran: the figures leave it out.
  const verdict = /<testsuite\b[^>]*\bname="go-live verdict"[^>]*>/.exec(xml ?? '')?.[0];
  const failedIn = (tag: string | undefined): number => (count(tag, 'failures') ?? 0) + (count(tag, 'errors') ?? 0);
  return { tests: tests - (count(verdict, 'tests') ?? 0), failed: failedIn(head) - (verdict ? failedIn(verdict) : 0) };
}

const readIfThere = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** What a certify run is pointed at: the embedded mocks by default; `env` adds target variables or planted bugs. */
export interface CertifyRunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly workers?: number;
  /** More arguments for Playwright, such as file filters that run part of the suites. */
  readonly args?: readonly string[];
}

type MeasuredRun = Extract<CertifyFigures, { skipped: false }>;

/**
 * A full `npm run certify` on the embedded mocks (or the targets of `options.env`), as `node --import tsx`, with
 * its reports and Playwright's output
 * in a temporary directory so that reports/ and test-results/ of the working tree stay as they are. Measures the wall
 * time and the peak of the whole process tree's summed RSS, sampled from /proc; /usr/bin/time -v, when installed,
 * adds the largest single process's peak (it cannot sum a tree). Stopped at `timeLimitSeconds`.
 */
export async function measureCertify(timeLimitSeconds: number, options: CertifyRunOptions = {}): Promise<MeasuredRun> {
  return (await measureCertifyAndRead(timeLimitSeconds, options, () => undefined)).figures;
}

/**
 * As measureCertify, and `read` takes what it needs from the run's reports directory before it is removed (it is
 * called whether the run finished or not; what a stopped run did not write is not there).
 */
export async function measureCertifyAndRead<T>(
  timeLimitSeconds: number,
  options: CertifyRunOptions,
  readReports: (reportsDir: string) => T,
): Promise<{ readonly figures: MeasuredRun; readonly read: T }> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-certify-'));
  // The run certifies the embedded mocks, whatever targets this shell points at, unless told otherwise.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !TARGET_VARIABLES.test(key))), ...options.env };
  const withTime = existsSync(GNU_TIME);
  // As `npm run certify` runs it: one Node process with tsx's loader, no wrapper process.
  const certify = [
    ...(withTime ? [process.execPath] : []),
    '--import',
    'tsx',
    fromRoot('scripts', 'certify.ts'),
    `--output=${path.join(work, 'test-results')}`,
    ...(options.workers === undefined ? [] : [`--workers=${options.workers}`]),
    ...(options.args ?? []),
  ];
  const started = performance.now();
  // A process group of its own, so that a run past the time limit is stopped with everything it started.
  const child = spawn(withTime ? GNU_TIME : process.execPath, withTime ? ['-v', ...certify] : certify, {
    cwd: repoRoot,
    env: { ...env, CERTIFY_REPORTS_DIR: path.join(work, 'reports') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.stdout.resume();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    // /usr/bin/time reports last; the tail is what matters.
    stderr = (stderr + chunk).slice(-50_000);
  });
  const sampler = sampleTreePeak(child.pid ?? -1, SAMPLE_EVERY_MS);
  let finished = true;
  const limit = setTimeout(() => {
    finished = false;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  }, timeLimitSeconds * 1000);
  const [code] = await exited;
  clearTimeout(limit);
  const wallSeconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  const counts = junitCounts(readIfThere(path.join(work, 'reports', 'junit', 'results.xml')));
  let read: T;
  try {
    read = readReports(path.join(work, 'reports'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const largest = withTime ? largestRssMiBOfTimeReport(stderr) : undefined;
  const figures: MeasuredRun = {
    skipped: false,
    wallSeconds,
    exitCode: code,
    finished,
    peakTreeRssMiB: peak / MIB,
    memoryMethod: `process tree RSS summed from /proc every ${SAMPLE_EVERY_MS} ms`,
    largestProcessRssMiB: largest ?? null,
    // playwright.config.ts runs two workers, against the embedded mocks and external targets alike.
    workers: options.workers ?? 2,
    tests: counts?.tests ?? null,
    failed: counts?.failed ?? null,
  };
  return { figures, read };
}

/**
 * The planted bugs of the failing runs, so that the cost of a failed test (a worker restart) shows in the wall time.
 * The fault tables hold no set that fails about 250 tests, as the issue's run did: all 45 faults together fail 119
 * (embedded, 2026-12-06), in a run three times as long; these two fail 67, most of what one run can afford.
 */
export const FAILING_SET = {
  d1Faults: ['enrol-operation-id-bad-pattern'],
  issuerFaults: ['invalid-card-notification-acknowledged'],
} as const;

/** The variables that plant the failing set in the embedded mocks. */
const embeddedFaults = { MOCK_D1_FAULTS: FAILING_SET.d1Faults.join(','), MOCK_ISSUER_FAULTS: FAILING_SET.issuerFaults.join(',') };

async function againstExternalMocks(timeLimitSeconds: number, faults: boolean): Promise<CertifyFigures> {
  const mocks = await startExternalMocks(faults ? { d1: FAILING_SET.d1Faults, issuer: FAILING_SET.issuerFaults } : {});
  try {
    return await measureCertify(timeLimitSeconds, { env: mocks.env });
  } finally {
    await mocks.stop();
  }
}

const wallRatio = (external: CertifyFigures, embedded: CertifyFigures): number | null =>
  external.skipped || embedded.skipped ? null : external.wallSeconds / embedded.wallSeconds;

/**
 * `npm run certify` four ways, one after the other, the embedded and the external run of each kind taking turns so
 * that a machine getting busier weighs on both: `firstLimitSeconds` for the first (the embedded conformant run, the
 * figure of the certify target), `limitSeconds` for the others.
 */
export async function compareCertifyRuns(
  firstLimitSeconds: number,
  limitSeconds: number,
  progress: (line: string) => void,
): Promise<Extract<CertifyComparison, { skipped: false }>> {
  const report = (what: string, run: CertifyFigures): CertifyFigures => {
    if (!run.skipped)
      progress(
        `${what}: ${run.wallSeconds.toFixed(1)} s, ${String(run.tests)} tests, ${String(run.failed)} failed, ` +
          `exit code ${String(run.exitCode)}`,
      );
    return run;
  };
  const embedded = report('embedded, conformant', await measureCertify(firstLimitSeconds));
  const external = report('external, conformant', await againstExternalMocks(limitSeconds, false));
  const embeddedFailing = report('embedded, planted bugs', await measureCertify(limitSeconds, { env: embeddedFaults }));
  const externalFailing = report('external, planted bugs', await againstExternalMocks(limitSeconds, true));
  return {
    skipped: false,
    failingSet: { d1Faults: [...FAILING_SET.d1Faults], issuerFaults: [...FAILING_SET.issuerFaults] },
    embedded,
    embeddedFailing,
    external,
    externalFailing,
    ratios: { conformant: wallRatio(external, embedded), failing: wallRatio(externalFailing, embeddedFailing) },
  };
}
