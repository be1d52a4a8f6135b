/** Runs the reference issuer's command as a child process, the way a developer would start it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fromRoot, repoRoot } from '../../../lib/paths.js';
import { test as base } from './issuer-fixtures.js';

const TSX_CLI = fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs');
const ISSUER_CLI = fromRoot('mocks', 'issuer', 'cli.ts');

export interface IssuerProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** Every stderr line so far. */
  readonly stderr: string[];
  /** Resolves with the first stdout line; rejects when the process ends first or the time is up. */
  readonly firstLine: Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the process has ended and its output is read. */
  readonly exited: Promise<number | string>;
}

export function spawnIssuerCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 15_000): IssuerProcess {
  const child = spawn(process.execPath, [TSX_CLI, ISSUER_CLI, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stdoutLines = createInterface({ input: child.stdout });
  const stderrLines = createInterface({ input: child.stderr });
  stderrLines.on('line', (line) => stderr.push(line));
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms; stderr: ${stderr.join(' | ')}`)), timeoutMs);
    stdoutLines.on('line', (line) => {
      stdout.push(line);
      if (stdout.length === 1) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    // Rejecting on the end of stdout rather than on exit: a line may still be in the pipe when the process exits.
    stdoutLines.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`the command ended before printing; stderr: ${stderr.join(' | ')}`));
    });
  });
  // Nobody may await the first line (a command expected to fail); its rejection is then not an error.
  firstLine.catch(() => undefined);
  const exited = Promise.all([once(child, 'exit'), once(stdoutLines, 'close'), once(stderrLines, 'close')]).then(
    ([[code, signal]]) => (code as number | null) ?? String(signal),
  );
  return { child, stdout, stderr, firstLine, exited };
}

/**
 * The command's tests: `startCli` spawns the command, and every process still running when the test ends gets
 * SIGTERM (which tsx passes on to the issuer it runs) and is waited for.
 */
export const test = base.extend<{ startCli: (args: readonly string[], env?: Readonly<Record<string, string>>) => IssuerProcess }>({
  // Playwright reads a fixture's dependencies from this pattern, so it stays even when empty.
  startCli: async ({}, use) => {
    const started: IssuerProcess[] = [];
    await use((args, env) => {
      const running = spawnIssuerCli(args, env);
      started.push(running);
      return running;
    });
    for (const running of started) if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
    await Promise.all(started.map((running) => running.exited));
  },
});

/** The URLs the command announces on its first line. */
export function announcedUrls(line: string): { readonly baseUrl: string; readonly authUrl: string } {
  const baseUrl = /ISSUER_BASE_URL=(\S+)/.exec(line)?.[1];
  const authUrl = /ISSUER_AUTH_URL=(\S+)/.exec(line)?.[1];
  if (baseUrl === undefined || authUrl === undefined) throw new Error(`no URLs in "${line}"`);
  return { baseUrl, authUrl };
}
