import type { RuleId } from '../../gen/catalogue.js';
import type { Provenance } from '../catalogue/load.js';
import { alignedTable } from '../text-table.js';

/** One way an exchange departs from its contract, in terms a person can act on. */
export interface Violation {
  readonly operationId: string;
  /** Catalogue id of the rule broken; undefined only for departures no rule names (an undocumented status). */
  readonly ruleId: RuleId | undefined;
  readonly provenance: Provenance;
  /** Which part of the exchange: path, query, header, body, or `response <status>`. */
  readonly part: string;
  /** JSON pointer into that part. */
  readonly pointer: string;
  readonly keyword: string;
  /** What the contract says, e.g. `matches ^[A-Za-z0-9_-]{1,48}$`. */
  readonly documented: string;
  /** What was seen, e.g. `"crd.1"` or `absent`. */
  readonly received: string;
}

const MAX_RECEIVED = 120;

export function describeReceived(value: unknown): string {
  if (value === undefined) return 'absent';
  let text: string;
  try {
    // JSON.stringify gives undefined only for functions and symbols, which parsed JSON never holds.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    // A hostile body nested thousands of levels deep exhausts the stack; it is described, not shown.
    return `a ${Array.isArray(value) ? 'list' : typeof value} too deeply nested to show`;
  }
  return text.length > MAX_RECEIVED ? `${text.slice(0, MAX_RECEIVED)}… (${text.length} characters)` : text;
}

/** A plain-text table: rule, where, documented, received; one violation a line. */
export function formatViolations(violations: readonly Violation[]): string {
  if (violations.length === 0) return 'no violations';
  const rows = violations.map((v) => [
    `${v.ruleId ?? '(no rule)'}${v.provenance === 'inferred' ? ' [inferred]' : ''}`,
    `${v.operationId} ${v.part} ${v.pointer || '/'}`,
    v.documented,
    v.received,
  ]);
  return alignedTable(['rule', 'where', 'documented', 'received'], rows, 60);
}
