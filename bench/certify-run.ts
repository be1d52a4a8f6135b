import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromRoot, repoRoot } from '../lib/paths.js';
import { TARGET_VARIABLES } from '../tests/suites/suite-runner.js';
import { sampleTreePeak } from './process-tree.js';
import type { CertifyFigures } from './results.js';

const GNU_TIME = '/usr/bin/time';
const SAMPLE_EVERY_MS = 200;
const MIB = 1024 * 1024;

/** The largest single process's peak RSS in /usr/bin/time -v's report, in MiB. */
export function largestRssMiBOfTimeReport(report: string): number | undefined {
  const kib = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

/**
 * A full `npm run certify` on the embedded mocks, as `tsx scripts/certify.ts`, with its reports and Playwright's output
 * in a temporary directory so that reports/ and test-results/ of the working tree stay as they are. Measures the wall
 * time and the peak of the whole process tree's summed RSS, sampled from /proc; /usr/bin/time -v, when installed,
 * adds the largest single process's peak (it cannot sum a tree). Stopped at `timeLimitSeconds`.
 */
export async function measureCertify(timeLimitSeconds: number): Promise<CertifyFigures> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-certify-'));
  // The run certifies the embedded mocks, whatever targets this shell points at.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !TARGET_VARIABLES.test(key)));
  const certify = [
    fromRoot('node_modules', '.bin', 'tsx'),
    fromRoot('scripts', 'certify.ts'),
    `--output=${path.join(work, 'test-results')}`,
  ];
  const withTime = existsSync(GNU_TIME);
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
  rmSync(work, { recursive: true, force: true });
  const largest = withTime ? largestRssMiBOfTimeReport(stderr) : undefined;
  return {
    skipped: false,
    wallSeconds,
    exitCode: code,
    finished,
    peakTreeRssMiB: peak / MIB,
    memoryMethod: `process tree RSS summed from /proc every ${SAMPLE_EVERY_MS} ms`,
    largestProcessRssMiB: largest ?? null,
  };
}
