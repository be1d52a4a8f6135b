/**
 * The compliance summary on a GitHub Actions job's page: when GITHUB_STEP_SUMMARY names a file (the runner sets it
 * for every step), the summary's Markdown is appended to it, after whatever earlier steps wrote there.
 */
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Appends the Markdown to the file GITHUB_STEP_SUMMARY names, on a line of its own; never overwrites. Returns the
 * file appended to, undefined when the variable is unset, or a line saying why the file could not be written.
 */
export function appendStepSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env,
): { readonly file: string } | { readonly problem: string } | undefined {
  const file = env.GITHUB_STEP_SUMMARY?.trim();
  if (!file) return undefined;
  try {
    const last = lastByte(file);
    // A blank line after earlier content, so that its last paragraph or table does not run into the summary's heading.
    const separator = last === undefined ? '' : last === 0x0a ? '\n' : '\n\n';
    appendFileSync(file, `${separator}${markdown}${markdown.endsWith('\n') ? '' : '\n'}`);
    return { file };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { problem: `the summary could not be appended to GITHUB_STEP_SUMMARY (${file}): ${why}` };
  }
}

/** The file's last byte; undefined when it is empty or not there yet (the append starts it). */
function lastByte(file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return undefined;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, size - 1);
    return byte[0];
  } finally {
    closeSync(fd);
  }
}
