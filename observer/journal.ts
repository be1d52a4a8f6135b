/**
 * The observation's journal: one JSON line per thing the observer saw, appended as soon as it completed, already
 * protected (observer/protection.ts). The verdict is rebuilt from it alone: a session killed at any point resumes from
 * its journal (`--resume`), a finished one can be judged again, and the journals of several observers (one per
 * backend instance or CI shard) merge into one observation.
 *
 * Lines are written with one write each (the process can be killed between two, never inside one the system took);
 * a last line cut short by a crash is ignored on reading.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { RuleId } from '../gen/catalogue.js';
import { ConfigurationError } from '../lib/config/errors.js';
import type { ExchangeRecord } from '../lib/evidence/exchange.js';
import { OBSERVATION_DIR } from './evidence.js';
import { KEY_FILE } from './protection.js';
import type { ObservedConsumerInformation, ObservedExchange, ObservedNotification } from './observed-exchange.js';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_VERSION = 1;

/** One way one call departed from its operation's contract, judged on arrival, its received value already redacted. */
export interface JournalDeparture {
  /** request: the issuer's call broke the contract; response: D1's answer did. */
  readonly side: 'request' | 'response';
  readonly ruleId: RuleId | undefined;
  readonly part: string;
  readonly pointer: string;
  readonly documented: string;
  readonly received: string;
}

export interface SessionLine {
  readonly t: 'session';
  readonly version: number;
  readonly issuerId: string;
  readonly mode: 'recording' | 'proxy';
  readonly d1: string;
  readonly instance: string;
  readonly startedAt: string;
  /** The journal key's fingerprint: journals merged compare their hashes only under one key. */
  readonly key: string;
  /** What the judges were told at the start: the same on every resume. */
  readonly notificationsVisible: boolean;
  readonly consumerInformationVisible: boolean;
  readonly autoEnrolment: boolean;
  readonly cardProducts: readonly string[] | undefined;
  readonly issuerKids: readonly string[];
}

export interface CallLine {
  readonly t: 'call';
  readonly exchange: ObservedExchange;
  /**
   * The call as evidence shows it, redacted: kept for the calls evidence is likely to show (the first calls of each
   * operation, and every call that departed from a rule on arrival). Any other call is shown as the journal keeps it.
   */
  readonly record?: ExchangeRecord;
  readonly departures: readonly JournalDeparture[];
  /** The operation's field rules the call and its answer put to the test. */
  readonly exercised: readonly RuleId[];
}

export type JournalLine =
  | SessionLine
  | CallLine
  | { readonly t: 'notification'; readonly notification: ObservedNotification }
  | { readonly t: 'consumer-information'; readonly answer: ObservedConsumerInformation }
  /** Literal values the session learned, sealed under the journal key. */
  | { readonly t: 'sealed'; readonly sealed: string }
  /** A resume: the observer started again on this journal. */
  | { readonly t: 'resumed'; readonly at: string }
  /** The observation stopped here, cleanly. */
  | { readonly t: 'end'; readonly at: string };

/**
 * Appends lines to a journal file. The lines of the calls answered in one turn of the event loop go out in one write
 * at its end; `append` says when its line is written, and the observer answers a call only then, so that a call a
 * backend saw answered is always in the journal.
 */
export class JournalWriter {
  private readonly fd: number;
  private closed = false;
  private pending: string[] = [];
  private written: Promise<void> | undefined;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a', 0o600);
  }

  append(line: JournalLine): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pending.push(`${JSON.stringify(line)}\n`);
    this.written ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.flush();
        resolve();
      }),
    );
    return this.written;
  }

  /** Writes what is waiting, now. */
  flush(): void {
    this.written = undefined;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}

const CHUNK = 1 << 20;

/** The lines of a journal, read in chunks: a journal of a million calls is never held whole. */
export function* journalLines(file: string): Generator<JournalLine> {
  let lineNumber = 0;
  for (const line of rawJournalLines(file)) {
    lineNumber += 1;
    if (line !== '') yield parseLine(line, file, lineNumber);
  }
}

// A call line starts with its sequence: what the evidence looks for is found without parsing every line.
const CALL_SEQUENCE = /^\{"t":"call","exchange":\{"sequence":(\d+),/;

/** The call lines of one journal whose sequence is wanted, parsed; every other line only looked at. */
export function* callLinesOf(file: string, wanted: ReadonlySet<number>): Generator<CallLine> {
  let lineNumber = 0;
  for (const line of rawJournalLines(file)) {
    lineNumber += 1;
    const sequence = CALL_SEQUENCE.exec(line)?.[1];
    if (sequence === undefined || !wanted.has(Number(sequence))) continue;
    const parsed = parseLine(line, file, lineNumber);
    if (parsed.t === 'call') yield parsed;
  }
}

/** The text of a journal's lines, but for a last one cut short by a crash. */
function* rawJournalLines(file: string): Generator<string> {
  if (!existsSync(file)) throw new ConfigurationError(`no observation journal at ${file}`);
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    let rest = '';
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const text = rest + buffer.toString('utf8', 0, read);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      yield* lines;
    }
    // A last line with no newline was cut short by a crash: what it held never completed.
  } finally {
    closeSync(fd);
  }
}

function parseLine(text: string, file: string, lineNumber: number): JournalLine {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${file} line ${lineNumber} is not a journal line`);
  }
  const t = (line as { t?: unknown } | null)?.t;
  if (typeof t !== 'string') throw new ConfigurationError(`${file} line ${lineNumber} is not a journal line`);
  return line as JournalLine;
}

/** The session line a journal starts with. */
export function sessionOf(file: string): SessionLine {
  for (const line of journalLines(file)) {
    if (line.t !== 'session') break;
    if (line.version !== JOURNAL_VERSION)
      throw new ConfigurationError(`${file} is a journal of version ${line.version}; this observer reads version ${JOURNAL_VERSION}`);
    return line;
  }
  throw new ConfigurationError(`${file} does not start with a session line: not an observation journal`);
}

const timeOf = (line: JournalLine): number => {
  switch (line.t) {
    case 'call':
      return line.exchange.receivedAt;
    case 'notification':
      return line.notification.at;
    case 'consumer-information':
      return line.answer.at;
    default:
      return -Infinity;
  }
};

/**
 * The lines of several journals as one observation, in time order, each with the index of the journal it came from:
 * each journal's own order is kept, and with more than one journal the calls are numbered again over all of them,
 * each tagged with its instance. Every other line (session, sealed literals, resumes, ends) comes with its journal.
 */
export function* mergedLines(
  journals: readonly { readonly file: string; readonly instance: string }[],
): Generator<{ readonly line: JournalLine; readonly source: number }> {
  if (journals.length === 1) {
    for (const line of journalLines(journals[0]?.file ?? '')) yield { line, source: 0 };
    return;
  }
  const readers = journals.map(({ file, instance }) => {
    const lines = journalLines(file);
    return { lines, instance, next: lines.next().value as JournalLine | undefined };
  });
  let sequence = 0;
  for (;;) {
    let earliest = -1;
    for (let i = 0; i < readers.length; i += 1) {
      const next = readers[i]?.next;
      if (next === undefined) continue;
      const best = earliest >= 0 ? readers[earliest]?.next : undefined;
      if (best === undefined || timeOf(next) < timeOf(best)) earliest = i;
    }
    const reader = readers[earliest];
    const line = reader?.next;
    if (!reader || !line) return;
    reader.next = reader.lines.next().value as JournalLine | undefined;
    if (line.t === 'call') {
      sequence += 1;
      yield { line: { ...line, exchange: { ...line.exchange, sequence, instance: reader.instance } }, source: earliest };
    } else yield { line, source: earliest };
  }
}

/** Whether a journal is there, and whether its observation stopped cleanly (its last line an end) or was cut short. */
export function journalState(file: string): 'none' | 'finished' | 'unfinished' {
  if (!existsSync(file)) return 'none';
  const fd = openSync(file, 'r');
  try {
    const { size } = fstatSync(fd);
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const last = buffer.toString('utf8').trimEnd().split('\n').pop() ?? '';
    return /^\{"t":"end"/.test(last) ? 'finished' : 'unfinished';
  } finally {
    closeSync(fd);
  }
}

/**
 * The observation directory that holds a journal, as an option names it: the directory itself, or its `observation/`
 * directory when it is a reports directory. A directory with neither is the option's wrong value.
 */
export function journalDirectoryOf(dir: string, option: string): string {
  const resolved = path.resolve(dir);
  const found = [resolved, path.join(resolved, OBSERVATION_DIR)].find((d) => existsSync(path.join(d, JOURNAL_FILE)));
  if (!found) throw new ConfigurationError(`${option} ${dir}: no observation journal there (nor in its ${OBSERVATION_DIR}/ directory)`);
  return found;
}

/** Removes a journal and the key made beside it: an observation made anew, or one never started, leaves neither. */
export function removeJournal(directory: string): void {
  for (const file of [JOURNAL_FILE, KEY_FILE]) rmSync(path.join(directory, file), { force: true });
}
