import { rules, type RuleId } from '../../gen/catalogue.js';
import type { Provenance } from '../catalogue/load.js';

/**
 * The rule a failed test failed on, as data: what the certification reporter and the compliance summary read, so
 * that no verdict ever depends on the wording of an error message.
 */
export interface RuleFailure {
  /** The rule broken; undefined only for a contract departure no rule names (an undocumented status). */
  readonly ruleId: RuleId | undefined;
  /** The contract operation the failure concerns, when known: where an unnamed departure is charged. */
  readonly operationId: string | undefined;
  readonly provenance: Provenance;
  /** A security rule fails a go-live whatever its provenance. */
  readonly security: boolean;
  /**
   * The standard a documented rule departs from (a documentation quirk), when it does: such a failure is a warning,
   * since a target following the standard is not wrong.
   */
  readonly contradicts?: string;
  /** A documented recommendation (should): its failure is a warning. */
  readonly recommendation?: true;
  /** Where: a part of the exchange and a JSON pointer, e.g. `body /consumerInfo/email`. */
  readonly pointer: string;
  readonly documented: string;
  /** Redacted before it gets here. */
  readonly received: string;
}

/** The name of the attachment a failed test carries its RuleFailure in. */
export const RULE_FAILURE_ATTACHMENT = 'rule failure';
export const RULE_FAILURE_CONTENT_TYPE = 'application/vnd.d1-ctp.rule-failure+json';

const ruleById = new Map(rules.map((r) => [r.id, r]));

export const isRuleId = (id: string): id is RuleId => ruleById.has(id as RuleId);
export const provenanceOf = (id: RuleId | undefined): Provenance => (id ? (ruleById.get(id)?.provenance ?? 'documented') : 'inferred');
export const isSecurityRule = (id: RuleId | undefined): boolean => (id ? ruleById.get(id)?.security === true : false);
/** The standard a documented rule departs from, as the catalogue records it; undefined for every other rule. */
export function contradictionOf(id: RuleId | undefined): string | undefined {
  const contradicts = id ? ruleById.get(id)?.contradicts : undefined;
  return contradicts ? `${contradicts.standard}: ${contradicts.says}` : undefined;
}

/** The catalogue's judgement of a rule, carried by every failure of it. */
export function ruleStanding(id: RuleId | undefined): Pick<RuleFailure, 'provenance' | 'security' | 'contradicts' | 'recommendation'> {
  const contradicts = contradictionOf(id);
  const recommendation = id ? ruleById.get(id)?.recommendation : undefined;
  return {
    provenance: provenanceOf(id),
    security: isSecurityRule(id),
    ...(contradicts ? { contradicts } : {}),
    ...(recommendation ? { recommendation } : {}),
  };
}

/**
 * Reads a RuleFailure back from an attachment body; anything else (a hand-made attachment, a rule the catalogue does
 * not have) is refused with undefined, so that a forged or stale failure cannot name a rule that does not exist.
 */
export function parseRuleFailure(body: string): RuleFailure | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ruleId = v.ruleId;
  if (ruleId !== undefined && (typeof ruleId !== 'string' || !isRuleId(ruleId))) return undefined;
  const text = (x: unknown): string => (typeof x === 'string' ? x : '');
  return {
    ruleId,
    operationId: typeof v.operationId === 'string' ? v.operationId : undefined,
    // Provenance, security and any documentation quirk come from the catalogue, never from the attachment.
    ...ruleStanding(ruleId),
    pointer: text(v.pointer),
    documented: text(v.documented),
    received: text(v.received),
  };
}

/** A rule id computed at run time (from a contract or a template), checked against the catalogue. */
export function knownRule(id: string): RuleId {
  if (!isRuleId(id)) throw new Error(`${id} is not a rule of the catalogue`);
  return id;
}
