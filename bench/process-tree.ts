import { readdirSync, readFileSync } from 'node:fs';

/**
 * The memory of a whole process tree, from /proc: certify is a tsx wrapper, certify itself, Playwright's runner and
 * its workers, so no one process's figure is the run's.
 */

/**
 * The pid and parent pid of a /proc/<pid>/stat line; the command name may hold spaces and parentheses, so the fields are read after
 * its last ')'.
 */
export function parseStat(stat: string): { readonly pid: number; readonly ppid: number } | undefined {
  const close = stat.lastIndexOf(')');
  const pid = Number.parseInt(stat, 10);
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return close < 0 || !Number.isInteger(pid) || !Number.isInteger(ppid) ? undefined : { pid, ppid };
}

/** The resident set size in a /proc/<pid>/status text (its `VmRSS: N kB` line), in bytes; undefined for a zombie or a kernel thread. */
export function rssBytesOfStatus(status: string): number | undefined {
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/** The root and every process below it, given each process's parent. */
export function descendantsOf(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop();
    if (pid === undefined || found.includes(pid)) continue;
    found.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return found;
}

const readOrUndefined = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // The process ended between listing and reading.
    return undefined;
  }
};

/** The summed RSS of `root` and all its descendants now, in bytes. */
export function treeRssBytes(root: number): number {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrUndefined(`/proc/${entry}/stat`);
    const parsed = stat === undefined ? undefined : parseStat(stat);
    if (parsed) parentOf.set(parsed.pid, parsed.ppid);
  }
  return descendantsOf(root, parentOf).reduce((sum, pid) => sum + (rssBytesOfStatus(readOrUndefined(`/proc/${pid}/status`) ?? '') ?? 0), 0);
}

/** Samples the tree's summed RSS every `intervalMs` until stopped; `stop` returns the highest sample, in bytes. */
export function sampleTreePeak(root: number, intervalMs: number): { stop: () => number } {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, treeRssBytes(root));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
