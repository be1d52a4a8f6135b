import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fromRoot, repoRoot } from '../lib/paths.js';
import type { MemoryFigures, OrderToServer, ReportFromServer, ServerSettings } from './isolated-server-entry.js';

export type { MemoryFigures, ServerSettings } from './isolated-server-entry.js';

/** A server running alone in a child process (bench/isolated-server-entry.ts), measured from outside. */
export interface IsolatedServer {
  readonly url: string;
  readonly pid: number;
  /** Whether the process is still running (a crash ends it). */
  alive(): boolean;
  /** The process's memory now, after a full garbage collection when asked. */
  memory(collectGarbage: boolean): Promise<MemoryFigures>;
  /** What the process wrote on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

const ENTRY = fromRoot('bench', 'isolated-server-entry.ts');

/**
 * Starts the server in `node --expose-gc --import tsx`, one process with no tsx wrapper around it, so that its pid,
 * its memory and its CPU are the server's alone; resolves once it listens.
 */
export async function startIsolatedServer(
  settings: ServerSettings,
  timeoutMs = 30_000,
  /** More node flags, e.g. `--cpu-prof` for bench/profile-mock.ts. */
  nodeFlags: readonly string[] = [],
): Promise<IsolatedServer> {
  const child = fork(ENTRY, [], {
    cwd: repoRoot,
    execArgv: ['--expose-gc', ...nodeFlags, '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Enough to explain a failure; a chatty process must not grow the parent's memory without bound.
    if (errors.length < 20_000) errors += chunk;
  });
  const waiting: { resolve: (memory: MemoryFigures) => void; reject: (error: Error) => void }[] = [];
  const exited = once(child, 'exit');
  void exited.then(() => {
    for (const pending of waiting.splice(0)) pending.reject(new Error(`the ${settings.kind} process ended; stderr: ${errors.trim()}`));
  });
  const order = (message: OrderToServer): void => {
    if (child.connected) child.send(message);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the ${settings.kind} process did not start within ${timeoutMs} ms; stderr: ${errors.trim()}`)),
      timeoutMs,
    );
    child.on('message', (raw) => {
      const report = raw as ReportFromServer;
      if (report.type === 'started') {
        clearTimeout(timer);
        resolve(report.url);
      } else if (report.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`the ${settings.kind} process could not start: ${report.message}`));
      } else {
        waiting.shift()?.resolve(report.memory);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the ${settings.kind} process ended before listening; stderr: ${errors.trim()}`));
    });
    order({ type: 'start', settings });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  return {
    url,
    pid: child.pid ?? -1,
    alive: () => child.exitCode === null && child.signalCode === null,
    memory: (collectGarbage) =>
      new Promise<MemoryFigures>((resolve, reject) => {
        if (!child.connected) {
          reject(new Error(`the ${settings.kind} process is not running; stderr: ${errors.trim()}`));
          return;
        }
        waiting.push({ resolve, reject });
        order({ type: 'memory', collectGarbage });
      }),
    stderr: () => errors,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      order({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
