import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, whatever the current directory of the process. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fromRoot = (...segments: string[]): string => path.join(repoRoot, ...segments);
