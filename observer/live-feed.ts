/**
 * What the live view shows while an observation runs: the plan's steps, each call as it arrives with its verdict, and
 * each failure with what the documents say against what was received. The same facts the console progress prints,
 * redacted the same way (nothing here is ever a secret or a personal value: calls are shown as the journal keeps
 * them). It keeps the last calls only, so that a long session costs it nothing more.
 */
import type { PlanProgress } from './plan.js';

export interface LiveDeparture {
  /** The rule broken; undefined for a departure no rule names. */
  readonly ruleId: string | undefined;
  /** fails go-live (documented or security rule) or warning (inferred, recommendation, documentation quirk). */
  readonly standing: 'fails go-live' | 'warning';
  /** Why it stands so: documented, security, inferred, recommendation or documentation quirk. */
  readonly why: string;
  /** Where, e.g. `body /consumerInfo/email`, or `sequence of calls` for a usage rule. */
  readonly pointer: string;
  readonly documented: string;
  readonly received: string;
}

export interface LiveCall {
  readonly sequence: number;
  /** Epoch milliseconds at arrival. */
  readonly at: number;
  /** The observer instance ('' when there is one). */
  readonly instance: string;
  readonly method: string;
  /** The path as the journal keeps it: personal values and card numbers replaced. */
  readonly path: string;
  readonly operationId: string | undefined;
  /** D1's answer status; undefined when D1 did not answer. */
  readonly status: number | undefined;
  readonly verdict: 'conforming' | 'departing' | 'outside the contracts' | 'no answer';
  readonly departures: readonly LiveDeparture[];
}

/** One rule failed so far: its first departure, where it was first seen, and how many times. */
export interface LiveFailure extends LiveDeparture {
  readonly operationId: string | undefined;
  readonly firstSequence: number;
  readonly count: number;
}

export interface LiveStep {
  readonly api: string;
  readonly title: string;
  readonly covered: boolean;
  readonly waiting: string | undefined;
}

export interface LiveSnapshot {
  readonly issuerId: string;
  readonly mode: 'recording' | 'proxy';
  readonly d1: string;
  readonly startedAt: string;
  /** Calls observed so far. */
  readonly calls: number;
  /** Whether the observation has stopped. */
  readonly ended: boolean;
  readonly plan: { readonly steps: readonly LiveStep[]; readonly covered: number; readonly complete: boolean };
  /** The calls after the `since` asked for, oldest first (at most the last LIVE_CALLS_KEPT). */
  readonly recent: readonly LiveCall[];
  /** Every rule failed so far, in the order first seen. */
  readonly failures: readonly LiveFailure[];
}

export interface LiveAbout {
  readonly issuerId: string;
  readonly mode: 'recording' | 'proxy';
  readonly d1: string;
  readonly startedAt: string;
}

export const LIVE_CALLS_KEPT = 200;

export class LiveFeed {
  private readonly kept: LiveCall[] = [];
  private readonly failures = new Map<string, { failure: Omit<LiveFailure, 'count'>; count: number }>();
  private callCount = 0;
  private ended = false;
  private lastRead = 0;

  constructor(
    private readonly about: LiveAbout,
    private readonly plan: () => PlanProgress,
  ) {}

  call(call: LiveCall): void {
    this.callCount = Math.max(this.callCount, call.sequence);
    this.kept.push(call);
    if (this.kept.length > LIVE_CALLS_KEPT) this.kept.shift();
    for (const departure of call.departures) this.failure(departure, call.operationId, call.sequence);
  }

  /** A failure found other than on one call's arrival (a usage rule judged over several calls). */
  failure(departure: LiveDeparture, operationId: string | undefined, sequence: number): void {
    const key = `${departure.ruleId ?? ''} ${operationId ?? ''}`;
    const seen = this.failures.get(key);
    if (seen) seen.count += 1;
    else this.failures.set(key, { failure: { ...departure, operationId, firstSequence: sequence }, count: 1 });
  }

  end(): void {
    this.ended = true;
  }

  /** Whether a page read the feed within the last `ms`: its end is then worth waiting for it to see. */
  watched(ms: number): boolean {
    return Date.now() - this.lastRead <= ms;
  }

  snapshot(since = 0): LiveSnapshot {
    this.lastRead = Date.now();
    const progress = this.plan();
    return {
      ...this.about,
      calls: this.callCount,
      ended: this.ended,
      plan: {
        steps: progress.steps.map(({ step, covered, waiting }) => ({ api: step.api, title: step.title, covered, waiting })),
        covered: progress.covered,
        complete: progress.complete,
      },
      recent: this.kept.filter((c) => c.sequence > since),
      failures: [...this.failures.values()].map(({ failure, count }) => ({ ...failure, count })),
    };
  }
}
