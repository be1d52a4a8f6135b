/**
 * What every usage check shares: what it knows of the observation before the first call, the shape of a judge that
 * reads the calls one by one as they arrive (or as a journal is read back) and keeps only the indexes it needs, the
 * finding it reports per rule, and how a finding is made from the cases judged and the departures among them.
 */
import type { RuleId } from '../gen/catalogue.js';
import type { OperationId } from '../gen/operations.js';
import type { UsageLimits } from './limits.js';
import type { ObservedConsumerInformation, ObservedExchange, ObservedNotification } from './observed-exchange.js';

/** What a usage check knows of the observation and the issuer, before any call. */
export interface JudgeSetup {
  /** Whether D1's notifications to the issuer pass where the observer sees them (the embedded mock D1). */
  readonly notificationsVisible: boolean;
  readonly issuerId: string;
  /** The kids of the issuer's public keys; empty when the observer was given none (proxy mode). */
  readonly issuerKids: readonly string[];
  /** Click to Pay auto-enrolment: every card created or registered is enrolled by D1 itself. */
  readonly autoEnrolment: boolean;
  /** The card products onboarded for the issuer, when the observer knows them (the embedded mock D1's). */
  readonly cardProducts: ReadonlySet<string> | undefined;
  /** Whether D1's Get Consumer Information calls to the issuer pass where the observer sees them. */
  readonly consumerInformationVisible: boolean;
  readonly limits: UsageLimits;
}

/**
 * One usage check at work over one observation. It is told each call, notification and consumer-information answer
 * in the order the observer saw them, and keeps indexes (by token, card, consumer, operation), never the calls: an
 * observation of a million calls costs it what the distinct tokens, cards and consumers cost.
 */
export interface UsageJudge {
  call(exchange: ObservedExchange): void;
  notification?(notification: ObservedNotification): void;
  consumerInformation?(answer: ObservedConsumerInformation): void;
  /** The findings once the observation ended at `endedAt` (epoch ms). May be asked more than once. */
  finish(endedAt: number): readonly UsageFinding[];
}

export type UsageCheck = (setup: JudgeSetup) => UsageJudge;

export interface UsageFinding {
  readonly ruleId: RuleId;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** Where the rule bites: a header, a claim, or the sequence of calls. */
  readonly pointer: string;
  readonly documented: string;
  readonly received: string;
  /** Sequence numbers of (at most SAMPLE_SIZE of) the exchanges that show the outcome: the departing ones when it failed. */
  readonly exchanges: readonly number[];
}

/** One case that departs from a rule: the call that shows it (or, for what is no call, where it was seen) and what. */
export interface Departure {
  readonly sequence: number;
  readonly what: string;
  /** Where it was seen when that is not the call itself, e.g. `a notification of call #4`. */
  readonly at?: string;
}

/** How many cases of each kind a finding keeps to show: evidence is read by people, however long the session. */
export const SAMPLE_SIZE = 10;
const SHOWN_DEPARTURES = 5;

/** The cases a rule judged: how many, and the first few. */
export class Cases {
  count = 0;
  readonly sample: number[] = [];

  add(sequence: number): void {
    this.count += 1;
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(sequence);
  }
}

/** The departures from a rule: how many, and the first few. */
export class Departures {
  count = 0;
  readonly first: Departure[] = [];

  add(departure: Departure): void {
    this.count += 1;
    if (this.first.length < SAMPLE_SIZE) this.first.push(departure);
  }
}

const casesOf = (judged: Cases | readonly number[]): { count: number; sample: readonly number[] } =>
  judged instanceof Cases ? judged : { count: judged.length, sample: judged.slice(0, SAMPLE_SIZE) };
const departuresOf = (departures: Departures | readonly Departure[]): { count: number; first: readonly Departure[] } =>
  departures instanceof Departures ? departures : { count: departures.length, first: departures.slice(0, SAMPLE_SIZE) };

/** A rule's finding from the cases judged and the departures among them. */
export function finding(
  ruleId: RuleId,
  pointer: string,
  documented: string,
  judgedCases: Cases | readonly number[],
  departureList: Departures | readonly Departure[],
  unit: string,
  skippedWhy?: string,
): UsageFinding {
  const judged = casesOf(judgedCases);
  const departures = departuresOf(departureList);
  if (departures.count > 0) {
    const shown = departures.first.slice(0, SHOWN_DEPARTURES).map((d) => `${d.at ?? `call #${d.sequence}`}: ${d.what}`);
    const more = departures.count > SHOWN_DEPARTURES ? `; and ${departures.count - SHOWN_DEPARTURES} more` : '';
    return {
      ruleId,
      outcome: 'failed',
      pointer,
      documented,
      received: `${departures.count} of ${judged.count} ${unit}: ${shown.join('; ')}${more}`,
      exchanges: departures.first.map((d) => d.sequence),
    };
  }
  if (judged.count === 0 || skippedWhy) {
    return { ruleId, outcome: 'skipped', pointer, documented, received: skippedWhy ?? `no ${unit} observed`, exchanges: judged.sample };
  }
  return { ruleId, outcome: 'passed', pointer, documented, received: `${judged.count} ${unit}, none departing`, exchanges: judged.sample };
}

export const isOperation = (exchange: ObservedExchange, ...ids: readonly OperationId[]): boolean =>
  exchange.operationId !== undefined && ids.includes(exchange.operationId);
export const seconds = (ms: number): number => Math.round(ms / 1000);

/** The objects of an array value, or none. */
export const arrayOf = (value: unknown): Readonly<Record<string, unknown>>[] =>
  Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object') : [];
