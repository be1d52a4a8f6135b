import type { RuleId } from '../../gen/catalogue.js';
import type { RuleFailure } from './rule-failure.js';

/** The name of the attachment that carries the contract departures a test saw under rules it does not stand for. */
export const CONTRACT_DEPARTURES_ATTACHMENT = 'contract departures';
export const CONTRACT_DEPARTURES_CONTENT_TYPE = 'application/vnd.d1-ctp.contract-departures+json';

// A property run can see the same departure thousands of times; one record per rule and place is enough.
const LIMIT = 50;

let owned: ReadonlySet<RuleId> | undefined;
const departures = new Map<string, RuleFailure>();

/**
 * The rules the running test stands for, so that one deviation fails one rule once: a contract check fails the test
 * only on violations of its own rules (or of none), and keeps the others as departures, which the certification
 * reporter counts once each under their own rule. Outside a test (the observer, the self-tests) nothing is owned
 * and every violation fails.
 */
export const testScope = {
  begin(rules: readonly RuleId[]): void {
    owned = new Set(rules);
    departures.clear();
  },
  /** Whether a violation of this rule fails the running test; a departure no rule names always does. */
  owns(ruleId: RuleId | undefined): boolean {
    return owned === undefined || ruleId === undefined || owned.has(ruleId);
  },
  recordDeparture(failure: RuleFailure): void {
    const key = `${failure.ruleId ?? ''}\u0000${failure.pointer}`;
    if (departures.size < LIMIT && !departures.has(key)) departures.set(key, failure);
  },
  /** Ends the scope and hands over the departures seen in it. */
  end(): RuleFailure[] {
    const seen = [...departures.values()];
    owned = undefined;
    departures.clear();
    return seen;
  },
};
