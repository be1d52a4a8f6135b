import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package's own directory, whatever the current directory of the process: the clone, or
 * `node_modules/d1-click-to-pay-conformance` once installed. Contracts, catalogue, suites and configuration are read
 * from here; nothing is written here.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fromRoot = (...segments: string[]): string => path.join(repoRoot, ...segments);

/**
 * The reports directory of a run: `CERTIFY_REPORTS_DIR`, else `reports`, relative to the caller's working directory
 * (which `npm run` in the clone sets to the project's root), so that an installed package writes beside its caller.
 */
export function reportsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CERTIFY_REPORTS_DIR?.trim() || 'reports');
}

const requireHere = createRequire(import.meta.url);

/**
 * A file of a dependency, found as Node finds the package from here: in the clone's `node_modules`, or beside this
 * package once installed (npm hoists its dependencies). Not through `exports`, which hide the command-line entries.
 */
export function dependencyFile(name: string, ...segments: string[]): string {
  for (const dir of requireHere.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, ...segments);
    if (existsSync(file)) return file;
  }
  throw new Error(`${path.join(name, ...segments)} is not installed where ${repoRoot} can find it`);
}

/** Whether the package runs installed, under a node_modules directory, rather than from a clone. */
export const installed = repoRoot.split(path.sep).includes('node_modules');

/**
 * The environment of a Playwright process that loads this package's TypeScript. Playwright compiles TypeScript except
 * under node_modules; installed, the package's own tsx compiles it instead, registered in every process of the run and
 * with the package's tsconfig.json (by default tsx reads the working directory's, the caller's).
 */
export function typeScriptEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!installed) return env;
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS, `--import ${import.meta.resolve('tsx')}`].filter(Boolean).join(' '),
    TSX_TSCONFIG_PATH: fromRoot('tsconfig.json'),
  };
}
