import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import type { WitnessedValue } from '../../lib/evidence/witness.js';

export interface Leak {
  /** The file (and for an archive, the entry) the value was found in. */
  readonly where: string;
  /** What kind of value leaked; the value itself is never shown. */
  readonly kind: string;
}

/** Every value a run witnessed, from the files of REDACTION_WITNESS_DIR. */
export function readWitnessed(directory: string): WitnessedValue[] {
  return readdirSync(directory)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(path.join(directory, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as WitnessedValue);
}

/** The forms a value takes once written: as it is, escaped inside JSON, encoded in a URL or a form. */
const formsOf = (value: string): string[] => [
  ...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)]),
];

const ALPHANUMERIC_RUN = /[A-Za-z0-9]+/g;

/**
 * Finds witnessed values in texts. Looking for thousands of values in a hundred megabytes one by one is too slow, so
 * each value is indexed by its longest alphanumeric run, which survives every form the value is written in; a text
 * is split into such runs once, and only the values whose run occurs are looked for in full.
 */
export class SecretScanner {
  private readonly byRun = new Map<string, WitnessedValue[]>();

  constructor(values: readonly WitnessedValue[]) {
    for (const value of values) {
      const runs = value.value.match(ALPHANUMERIC_RUN) ?? [];
      const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
      if (longest.length === 0) continue;
      const list = this.byRun.get(longest) ?? [];
      list.push(value);
      this.byRun.set(longest, list);
    }
  }

  scanText(where: string, text: string): Leak[] {
    const candidates = new Set<WitnessedValue>();
    for (const run of text.matchAll(ALPHANUMERIC_RUN)) {
      // A value's run can sit inside a longer run of the text (a name inside a word); that case is a full search.
      for (const value of this.byRun.get(run[0]) ?? []) candidates.add(value);
    }
    return [...candidates].filter((c) => formsOf(c.value).some((form) => text.includes(form))).map((c) => ({ where, kind: c.kind }));
  }

  /** Scans every file under the roots, archives (Playwright traces, blob reports) entry by entry. */
  scanTree(root: string): Leak[] {
    const leaks: Leak[] = [];
    const walk = (file: string): void => {
      if (statSync(file).isDirectory()) {
        for (const child of readdirSync(file)) walk(path.join(file, child));
        return;
      }
      if (file.endsWith('.zip')) {
        for (const entry of new AdmZip(file).getEntries()) {
          if (!entry.isDirectory) leaks.push(...this.scanText(`${file}!${entry.entryName}`, entry.getData().toString('utf8')));
        }
        return;
      }
      leaks.push(...this.scanText(file, readFileSync(file, 'utf8')));
    };
    walk(root);
    return leaks;
  }
}
