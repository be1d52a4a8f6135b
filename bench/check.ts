/**
 * `npm run bench:check [file]`: judges a results file by the targets of bench/targets.ts (not by the `met` the file
 * says), one line per target. Exit code 0 when none is missed, 1 when one is, 2 when the file is missing or malformed.
 */
import { TARGETS, formatFigure, formatTarget, meets } from './targets.js';

export interface CheckOutcome {
  readonly exitCode: 0 | 1 | 2;
  /** One line per target, or the one line saying what is wrong with the file. */
  readonly lines: readonly string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The verdict first, in a column of its own, so that a missed target stands out in a CI log. */
const label = (verdict: 'met' | 'MISSED' | 'not measured'): string => verdict.padEnd(14);

const malformed = (line: string): CheckOutcome => ({ exitCode: 2, lines: [line] });

/** Judges the text of a results file; `text` undefined means there was no file. */
export function checkResults(text: string | undefined, file: string): CheckOutcome {
  if (text === undefined) return malformed(`bench:check: ${file} does not exist; run npm run bench first`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return malformed(`bench:check: ${file} is not valid JSON`);
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.targets)) return malformed(`bench:check: ${file} has no "targets" list`);
  const entries = parsed.targets as unknown[];

  const lines: string[] = [];
  let missed = 0;
  for (const definition of TARGETS) {
    const entry = entries.find((candidate) => isRecord(candidate) && candidate.id === definition.id);
    // A file from before the target's step has neither its figure nor its section: its bench did not know the target.
    const predates = definition.section !== undefined && !(definition.section in parsed);
    if (!isRecord(entry) && predates) {
      lines.push(`${label('not measured')}${definition.description} (target ${formatTarget(definition)}; the file predates it)`);
      continue;
    }
    if (!isRecord(entry)) return malformed(`bench:check: ${file} has no figure for the target ${definition.id}`);
    const value = entry.value;
    if (value === null) {
      lines.push(`${label('not measured')}${definition.description} (target ${formatTarget(definition)})`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return malformed(`bench:check: ${file}: the figure of ${definition.id} is ${JSON.stringify(value) ?? 'undefined'}, not a number`);
    }
    const met = meets(definition, value);
    if (!met) missed += 1;
    lines.push(
      `${label(met ? 'met' : 'MISSED')}${definition.description}: ` +
        `${formatFigure(value, definition.unit)} (target ${formatTarget(definition)})`,
    );
  }
  return { exitCode: missed > 0 ? 1 : 0, lines };
}
