import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fromRoot } from '../../lib/paths.js';

export interface MockProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The first line the command printed. */
  readonly banner: string;
  output(): string;
  stop(): Promise<number | null>;
}

const tsx = fromRoot('node_modules', 'tsx', 'dist', 'cli.mjs');

/** Starts a mock command as a user would (`npm run mock:...` runs the same file) and waits for its first line. */
export async function startMockProcess(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<MockProcess> {
  const child = spawn(process.execPath, [tsx, fromRoot(script), ...args], { cwd: fromRoot(), env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in time; stderr: ${stderr}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code ?? 'a signal'} before its banner; stderr: ${stderr}`));
    });
  });
  return {
    child,
    banner,
    output: () => stdout,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a command to its end and returns its exit code and output. */
export function runToEnd(script: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, fromRoot(script), ...args], { cwd: fromRoot() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
