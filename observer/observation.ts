/**
 * One observation's judgement, built line by line from its journal as calls arrive (or as a journal is read back):
 * per contract operation a tally of calls, departures by rule and the field rules exercised; the usage judges with
 * their indexes; where the certification plan stands. It keeps counts, indexes and the sequence numbers of a few calls
 * per result to show, never the calls: the exchanges shown in the evidence are read back from the journal at the end.
 */
import type { RuleId } from '../gen/catalogue.js';
import { rules } from '../gen/catalogue.js';
import { operations, type OperationId } from '../gen/operations.js';
import { ruleStanding } from '../lib/checks/rule-failure.js';
import type { ExchangeRecord } from '../lib/evidence/exchange.js';
import { failsGoLive } from '../reporters/certification.js';
import type { ObservedFailure, ObservedResult } from './evidence.js';
import type { CallLine, JournalDeparture, JournalLine } from './journal.js';
import type { LiveDeparture } from './live-feed.js';
import type { ObservedExchange } from './observed-exchange.js';
import { PlanTracker, type PlanProgress, type PlanStep } from './plan.js';
import type { SessionLiterals } from './protection.js';
import { SAMPLE_SIZE, type JudgeSetup, type UsageFinding, type UsageJudge } from './usage-finding.js';
import { startUsageJudges } from './usage-rules.js';

const ruleById = new Map<string, (typeof rules)[number]>(rules.map((r) => [r.id, r]));

/** A failure as data, with the text people read; the verdict reads only the data. */
export function observedFailure(
  ruleId: RuleId | undefined,
  operationId: string | undefined,
  where: string,
  documented: string,
  received: string,
): ObservedFailure {
  // Provenance, security, recommendation and documentation quirk: the catalogue's standing, as certify takes it.
  const standing = ruleStanding(ruleId);
  return {
    ruleId,
    operationId,
    ...standing,
    pointer: where.trim() || '/',
    documented,
    received,
    message:
      `${ruleId ?? '(no rule)'}${standingLabel(ruleId)} at ${where.trim() || '/'}\n` +
      `  documented: ${documented}\n  received:   ${received}`,
  };
}

/** How a rule's failure stands, as the failure texts and the live view say it. */
export function standingLabel(ruleId: RuleId | undefined): string {
  const standing = ruleStanding(ruleId);
  if (standing.security) return ' (security rule)';
  if (standing.recommendation) return ' (recommendation)';
  if (standing.contradicts) return ' (documentation quirk)';
  return ruleId && standing.provenance === 'inferred' ? ' (inferred rule)' : '';
}

/** A departure as the live view shows it. */
export function liveDeparture(ruleId: RuleId | undefined, pointer: string, documented: string, received: string): LiveDeparture {
  const standing = ruleStanding(ruleId);
  return {
    ruleId,
    standing: failsGoLive(standing) ? 'fails go-live' : 'warning',
    why: standingLabel(ruleId).replace(/^ \(|\)$/g, '') || (ruleId ? 'documented rule' : 'a departure no rule names'),
    pointer,
    documented,
    received,
  };
}

/** The calls a result stands for: how many, when, and the first few to show, departing ones first. */
class CallTally {
  count = 0;
  start = Infinity;
  stop = -Infinity;
  readonly departing: number[] = [];
  readonly others: number[] = [];

  add(exchange: ObservedExchange, departs: boolean): void {
    this.count += 1;
    this.start = Math.min(this.start, exchange.receivedAt);
    this.stop = Math.max(this.stop, exchange.receivedAt + exchange.durationMs);
    const list = departs ? this.departing : this.others;
    if (list.length < SAMPLE_SIZE) list.push(exchange.sequence);
  }

  shown(): number[] {
    return [...this.departing, ...this.others].slice(0, SAMPLE_SIZE);
  }

  span(fallback: number): { start: number; stop: number } {
    return this.count > 0 ? { start: this.start, stop: this.stop } : { start: fallback, stop: fallback };
  }
}

/** Everything observed of one contract operation. */
class OperationTally {
  readonly calls = new CallTally();
  readonly exercised = new Set<RuleId>();
  departureCount = 0;
  /** Per rule (or '' for a departure no rule names): its first departure, the call that showed it, and how many. */
  readonly byRule = new Map<string, { departure: JournalDeparture; sequence: number; count: number }>();

  constructor(readonly operationId: OperationId) {}

  add(line: CallLine): void {
    this.calls.add(line.exchange, line.departures.length > 0);
    for (const ruleId of line.exercised) this.exercised.add(ruleId);
    for (const departure of line.departures) {
      this.departureCount += 1;
      const key = departure.ruleId ?? '';
      const seen = this.byRule.get(key);
      if (seen) seen.count += 1;
      else this.byRule.set(key, { departure, sequence: line.exchange.sequence, count: 1 });
    }
  }
}

type RecordLookup = ReadonlyMap<number, ExchangeRecord>;
const NONE: ReadonlySet<RuleId> = new Set();

const recordsFor = (sequences: readonly number[], records: RecordLookup): ExchangeRecord[] =>
  sequences.slice(0, SAMPLE_SIZE).flatMap((s) => records.get(s) ?? []);

export interface ObservationState {
  readonly exchangeCount: number;
  progress(): PlanProgress;
  departuresSoFar(): readonly string[];
}

/** What the observation sees: a journal's lines, in order, and what it makes of them. */
export class Observation implements ObservationState {
  private readonly operations = new Map<OperationId, OperationTally>();
  private readonly outside = new CallTally();
  private readonly judges: UsageJudge;
  private readonly plan: PlanTracker;
  exchangeCount = 0;
  /** The highest sequence seen: a resumed journal numbers its next call after it. */
  lastSequence = 0;

  constructor(
    setup: JudgeSetup,
    planSteps: readonly PlanStep[],
    /** The session's literals, for the texts of the results (filled by the sealed lines and the calls). */
    private readonly literals: SessionLiterals,
  ) {
    this.judges = startUsageJudges(setup);
    this.plan = new PlanTracker(planSteps);
  }

  take(line: JournalLine): void {
    switch (line.t) {
      case 'call': {
        const { exchange } = line;
        this.exchangeCount += 1;
        this.lastSequence = Math.max(this.lastSequence, exchange.sequence);
        if (exchange.operationId) {
          let tally = this.operations.get(exchange.operationId);
          if (!tally) this.operations.set(exchange.operationId, (tally = new OperationTally(exchange.operationId)));
          tally.add(line);
        } else this.outside.add(exchange, false);
        this.judges.call(exchange);
        this.plan.call(exchange);
        break;
      }
      case 'notification':
        this.judges.notification?.(line.notification);
        this.plan.notification(line.notification);
        break;
      case 'consumer-information':
        this.judges.consumerInformation?.(line.answer);
        break;
      default:
    }
  }

  /** Whether a call's redacted record is worth keeping: it departs, or it is among the first calls of its operation. */
  wantsRecord(operationId: OperationId | undefined, departs: boolean): boolean {
    if (departs) return true;
    const calls = operationId ? this.operations.get(operationId)?.calls : this.outside;
    return (calls?.count ?? 0) < SAMPLE_SIZE;
  }

  /** The field rules of an operation its calls exercised so far. */
  exercisedBy(operationId: OperationId | undefined): ReadonlySet<RuleId> {
    return (operationId ? this.operations.get(operationId)?.exercised : undefined) ?? NONE;
  }

  progress(): PlanProgress {
    return this.plan.progress();
  }

  /** The contract departures seen so far, a line each (rule and operation, with a count). */
  departuresSoFar(): readonly string[] {
    const lines: string[] = [];
    for (const tally of this.operations.values()) {
      for (const [ruleId, { count }] of tally.byRule) {
        const line = `${ruleId || 'a departure no rule names'} (${tally.operationId})`;
        lines.push(count > 1 ? `${line} ×${count}` : line);
      }
    }
    return lines;
  }

  /** The usage findings were the observation to end now. */
  findings(endedAt: number): readonly UsageFinding[] {
    return this.judges.finish(endedAt);
  }

  /** The sequences of every call the results will show, to be read back from the journal. */
  shownSequences(findings: readonly UsageFinding[]): Set<number> {
    const wanted = new Set<number>();
    for (const tally of this.operations.values()) for (const s of tally.calls.shown()) wanted.add(s);
    for (const s of this.outside.shown()) wanted.add(s);
    for (const found of findings) for (const s of found.exchanges.slice(0, SAMPLE_SIZE)) wanted.add(s);
    return wanted;
  }

  /** One result per observed operation and per usage rule, and one for the calls outside the contracts. */
  results(findings: readonly UsageFinding[], records: RecordLookup, endedAt: number): ObservedResult[] {
    const text = (value: string): string => this.literals.text(value);
    const operationResults = [...this.operations.values()].map((tally): ObservedResult => {
      const failures = [...tally.byRule.values()].map(({ departure, sequence, count }) => {
        const where = `${departure.part} ${departure.pointer || '/'}`;
        const received = `${departure.received} (${departure.side === 'request' ? "the issuer's call" : "D1's answer"} #${sequence})`;
        // A departure no rule names cannot decide a certification: it is a warning (provenanceOf(undefined) is inferred).
        const failure = observedFailure(departure.ruleId, tally.operationId, where, departure.documented, received);
        return count > 1 ? { ...failure, message: `${failure.message}\n  (${count} departures in all)` } : failure;
      });
      const calls = tally.calls.count;
      return {
        kind: 'operation',
        title: `observed ${tally.operationId}: ${calls} call${calls === 1 ? '' : 's'} and answers against the contract`,
        subject: tally.operationId,
        api: operations[tally.operationId].api,
        outcome: failures.length > 0 ? 'failed' : 'passed',
        rules: [...new Set([...failures.flatMap((f) => (f.ruleId ? [f.ruleId] : [])), ...tally.exercised])],
        failures,
        callCount: calls,
        note: `${calls} call${calls === 1 ? '' : 's'}; ${tally.exercised.size} field rules exercised; ${tally.departureCount} departures`,
        exchanges: recordsFor(tally.calls.shown(), records),
        ...tally.calls.span(endedAt),
      };
    });
    const usageResults = findings.map((found): ObservedResult => {
      const shown = recordsFor(found.exchanges, records);
      const times = shown.map((r) => Date.parse(r.startedAt));
      return {
        kind: 'usage',
        title: `observed usage: ${found.ruleId}`,
        subject: found.ruleId,
        api: ruleById.get(found.ruleId)?.api,
        outcome: found.outcome,
        rules: [found.ruleId],
        callCount: 0,
        failures:
          found.outcome === 'failed'
            ? [observedFailure(found.ruleId, undefined, found.pointer, found.documented, text(found.received))]
            : [],
        note: text(found.received),
        exchanges: shown,
        start: times.length > 0 ? Math.min(...times) : endedAt,
        stop: shown.length > 0 ? Math.max(...shown.map((r) => Date.parse(r.startedAt) + (r.durationMs ?? 0))) : endedAt,
      };
    });
    const outside: ObservedResult[] =
      this.outside.count > 0
        ? [
            {
              kind: 'outside',
              title: `observed calls outside the contracts: ${this.outside.count}`,
              subject: 'outside-contracts',
              api: undefined,
              outcome: 'skipped',
              rules: [],
              failures: [],
              callCount: 0,
              note: 'calls to paths or methods no contract declares; forwarded to D1 as sent and judged by no rule',
              exchanges: recordsFor(this.outside.shown(), records),
              ...this.outside.span(endedAt),
            },
          ]
        : [];
    return [...operationResults, ...usageResults, ...outside];
  }
}
