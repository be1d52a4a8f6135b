/** Runs the reference issuer's command as a child process, the way a developer would start it. */
import { spawnCommand, type CommandProcess } from '../cli-process.js';
import { test as base } from './issuer-fixtures.js';

export type IssuerProcess = CommandProcess;

export const spawnIssuerCli = (args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 15_000): IssuerProcess =>
  spawnCommand('mocks/issuer/cli.ts', args, env, timeoutMs);

/**
 * The command's tests: `startCli` spawns the command, and every process still running when the test ends gets
 * SIGTERM and is waited for.
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
