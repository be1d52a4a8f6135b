import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { send } from '../lib/http/client.js';
import { fromRoot, repoRoot } from '../lib/paths.js';

export interface RunningPrism {
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

const PRISM_PACKAGE = fromRoot('node_modules', '@stoplight', 'prism-cli');

/** A port free right now on the loopback: Prism takes a port number, not 0. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no loopback port');
  return address.port;
}

/** Prism's `--verboseLevel`: `info`, its default, writes several lines per request; `warn` only what goes wrong. */
export type PrismLogging = 'info' | 'warn';

/**
 * Starts Stoplight Prism mocking `contractFile` on the loopback, as `prism mock <file> -p <port> -h 127.0.0.1` would,
 * and resolves once it answers. Prism resolves the contracts' relative `$ref`s itself, so the contract goes as it is.
 * Its log goes nowhere, but is still written at the level asked for.
 */
export async function startPrism(contractFile: string, logging: PrismLogging, timeoutMs = 60_000): Promise<RunningPrism> {
  const { version, bin } = JSON.parse(readFileSync(`${PRISM_PACKAGE}/package.json`, 'utf8')) as { version: string; bin: { prism: string } };
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [`${PRISM_PACKAGE}/${bin.prism}`, 'mock', contractFile, '-p', String(port), '-h', '127.0.0.1', '--verboseLevel', logging],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (errors.length < 20_000) errors += chunk;
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  // Any answer means Prism listens: polling works whatever the log level, and reads none of its output.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prism ended before listening (exit ${child.exitCode}): ${errors.trim()}`);
    try {
      await send({ method: 'GET', url: `${url}/`, timeoutMs: 2_000 });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Prism did not listen within ${timeoutMs} ms: ${errors.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    url,
    version,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
