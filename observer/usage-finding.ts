/**
 * What every usage check shares: the view of the observation it reads, the finding it reports per rule, and how a
 * finding is made from the cases judged and the departures among them.
 */
import type { KeyObject } from 'node:crypto';
import type { RuleId } from '../gen/catalogue.js';
import type { OperationId } from '../gen/operations.js';
import type { UsageLimits } from './limits.js';
import type { ObservedConsumerInformation, ObservedExchange, ObservedNotification } from './observed-exchange.js';

/** What a usage check reads: the session as seen, and what the observer knows of the issuer. */
export interface ObservationView {
  readonly exchanges: readonly ObservedExchange[];
  readonly notifications: readonly ObservedNotification[];
  /** Whether D1's notifications to the issuer pass where the observer sees them (the embedded mock D1). */
  readonly notificationsVisible: boolean;
  readonly issuerId: string;
  /** The issuer's public keys by kid; empty when the observer was given none (proxy mode). */
  readonly issuerKeys: ReadonlyMap<string, KeyObject>;
  /** Click to Pay auto-enrolment: every card created or registered is enrolled by D1 itself. */
  readonly autoEnrolment: boolean;
  /** The card products onboarded for the issuer, when the observer knows them (the embedded mock D1's). */
  readonly cardProducts: ReadonlySet<string> | undefined;
  /** The consumer information the issuer's backend answered D1, when the observer sees it (the embedded mock D1's calls). */
  readonly consumerInformation: readonly ObservedConsumerInformation[];
  /** Whether D1's Get Consumer Information calls to the issuer pass where the observer sees them. */
  readonly consumerInformationVisible: boolean;
  readonly endedAt: number;
  readonly limits: UsageLimits;
}

export interface UsageFinding {
  readonly ruleId: RuleId;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** Where the rule bites: a header, a claim, or the sequence of calls. */
  readonly pointer: string;
  readonly documented: string;
  readonly received: string;
  /** Sequence numbers of the exchanges that show the outcome: the departing ones when it failed. */
  readonly exchanges: readonly number[];
  /**
   * Field rules of the contracts whose departures, on this finding's departing exchanges, are the same fact seen from
   * the body's shape: the observation reports the fact once, under this finding's rule.
   */
  readonly supersedes?: readonly RuleId[];
}

export type UsageCheck = (view: ObservationView) => readonly UsageFinding[] | Promise<readonly UsageFinding[]>;

/** One case that departs from a rule: the call that shows it (or, for what is no call, where it was seen) and what. */
export interface Departure {
  readonly sequence: number;
  readonly what: string;
  /** Where it was seen when that is not the call itself, e.g. `a notification of call #4`. */
  readonly at?: string;
}

const SHOWN_DEPARTURES = 5;

/** A rule's finding from the number of cases judged and the departures among them. */
export function finding(
  ruleId: RuleId,
  pointer: string,
  documented: string,
  judged: readonly number[],
  departures: readonly Departure[],
  unit: string,
  skippedWhy?: string,
): UsageFinding {
  if (departures.length > 0) {
    const shown = departures.slice(0, SHOWN_DEPARTURES).map((d) => `${d.at ?? `call #${d.sequence}`}: ${d.what}`);
    const more = departures.length > SHOWN_DEPARTURES ? `; and ${departures.length - SHOWN_DEPARTURES} more` : '';
    return {
      ruleId,
      outcome: 'failed',
      pointer,
      documented,
      received: `${departures.length} of ${judged.length} ${unit}: ${shown.join('; ')}${more}`,
      exchanges: departures.map((d) => d.sequence),
    };
  }
  if (judged.length === 0 || skippedWhy) {
    return { ruleId, outcome: 'skipped', pointer, documented, received: skippedWhy ?? `no ${unit} observed`, exchanges: judged };
  }
  return { ruleId, outcome: 'passed', pointer, documented, received: `${judged.length} ${unit}, none departing`, exchanges: judged };
}

export const isOperation = (exchange: ObservedExchange, ...ids: readonly OperationId[]): boolean =>
  exchange.operationId !== undefined && ids.includes(exchange.operationId);
export const seconds = (ms: number): number => Math.round(ms / 1000);

/** The objects of an array value, or none. */
export const arrayOf = (value: unknown): Readonly<Record<string, unknown>>[] =>
  Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object') : [];
