import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fromRoot, repoRoot } from '../../lib/paths.js';
import { startServer, type RunningServer } from '../../mocks/http/server.js';

/**
 * A command of the project running as a child process, as `npm run <script>` runs it: `node --import tsx`, one process.
 * Through the `tsx` command there would be two, and tsx passes a signal on to its child only when the child answers within
 * 30 ms; on a loaded machine it then kills the child and exits 130, so a clean stop would look like a crash.
 */
export interface CommandProcess {
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

export function spawnCommand(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 15_000,
): CommandProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fromRoot(script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stdoutLines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const stderrLines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
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

export interface MockProcess {
  /** The first line the command printed. */
  readonly banner: string;
  readonly output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | string>;
}

/** Starts a mock command as a user would (`npm run mock:...` runs the same file) and waits for its first line. */
export async function startMockProcess(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<MockProcess> {
  const command = spawnCommand(script, args, env);
  const banner = await command.firstLine;
  return {
    banner,
    output: () => command.stdout.join('\n'),
    stop: () => {
      if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGTERM');
      return command.exited;
    },
  };
}

/** Runs a command to its end and returns its exit code and output. */
export async function runToEnd(
  script: string,
  args: readonly string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const command = spawnCommand(script, args);
  const code = await command.exited;
  return { code, stdout: command.stdout.join('\n'), stderr: command.stderr.join('\n') };
}

/** An npm script as a CI job runs it: a test's signal goes to the npm process, never straight to the command. */
export interface NpmScriptProcess {
  readonly npm: ChildProcess;
  /** Everything npm's stdout carried so far. */
  readonly output: () => string;
  /** Resolves once npm has ended. */
  readonly exited: Promise<unknown[]>;
}

/** Starts `npm run --silent <script> -- <args>` in the repository, with `env` over this process's environment. */
export function spawnNpmScript(script: string, args: readonly string[], env: Readonly<Record<string, string>>): NpmScriptProcess {
  const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script, '--', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  npm.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return { npm, output: () => stdout, exited: once(npm, 'exit') };
}

/** A loopback port some other server already listens on: what a command given it must refuse. */
export const occupyPort = (): Promise<RunningServer> => startServer(() => ({ status: 204 }), { name: 'busy', errorBody: () => ({}) });
