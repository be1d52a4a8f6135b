import type { Answer } from '../http/server.js';
import { failed, type Json, type Outcome } from './answers.js';
import type { D1Fault } from './faults.js';
import type { Notifier, NotificationKind } from './notifier.js';
import type { BehaviourOptions } from './options.js';
import { newOperationId, type IssuerState, type OperationRecord, type OperationTarget } from './state.js';

export type Work = () => Outcome | Promise<Outcome>;

/** Work waiting for its time; every operation waits as long, so they come due in the order they were queued. */
interface Scheduled {
  readonly due: number;
  readonly state: IssuerState;
  readonly record: OperationRecord;
  readonly work: Work;
}

const CREATES_A_CARD = new Set(['CREATE', 'REGISTER']);

let isoMillisecond = -1;
let isoText = '';
/** A time in ISO 8601; formatting a date showed in the mock's profile under load, and many operations share a millisecond. */
function isoAt(now: number): string {
  if (now !== isoMillisecond) {
    isoMillisecond = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

const isPromise = (value: unknown): value is Promise<Outcome> => value instanceof Promise;

/**
 * D1's asynchronous operations: a write answers at once with an operationId, its work runs after `delayMs`, and each
 * state is notified to the issuer. The faults that concern notifications of results live here.
 */
export class OperationRunner {
  /** Work queued and not yet due, oldest first, from `head` on; one timer waits for the oldest (a timer each cost under load). */
  private scheduled: Scheduled[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Called when a card operation that creates a card ends SUCCESSFUL (auto-enrolment). */
  onCardCreated: ((state: IssuerState, cardId: string) => void) | undefined;

  constructor(
    private readonly notifier: Notifier,
    private readonly behaviour: BehaviourOptions,
    private readonly delayMs: number,
    private readonly faults: ReadonlySet<D1Fault>,
  ) {}

  start(state: IssuerState, target: OperationTarget, operation: string, operationId?: string): OperationRecord {
    // One clock read for the id's time part and the start time.
    const now = Date.now();
    const operations = state.operationsOf(target);
    const record: OperationRecord = {
      operationId: operationId ?? newOperationId(now),
      operation,
      // The records of one card or consumer share its first target: the mock keeps every record, not every copy.
      target: operations[operations.length - 1]?.target ?? target,
      requestorType: 'ISSUER',
      requestorId: state.issuerId,
      startTime: isoAt(now),
      status: 'PENDING',
      endTime: undefined,
      errorCode: undefined,
      error: undefined,
    };
    operations.push(record);
    if (this.behaviour.notifyPending) this.notify(state.issuerId, record);
    return record;
  }

  /** Completes an operation after the configured delay, with the outcome its work produces, and notifies it. */
  complete(state: IssuerState, record: OperationRecord, work: Work): void {
    this.scheduled.push({ due: performance.now() + this.delayMs, state, record, work });
    this.timer ??= setTimeout(this.runDue, this.delayMs);
  }

  /** Runs the work that is due, oldest first, and waits for the next. */
  private readonly runDue = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.scheduled.length) {
      const next = this.scheduled[this.head];
      if (!next || next.due > now) break;
      this.head += 1;
      this.runWork(next);
    }
    // Drop what ran once it is most of the list, so that the list neither grows without end nor shifts on every run.
    if (this.head > 1024 && this.head * 2 > this.scheduled.length) {
      this.scheduled = this.scheduled.slice(this.head);
      this.head = 0;
    }
    // Work that ran may have queued more (auto-enrolment) and armed a timer for it; the oldest decides the wait.
    clearTimeout(this.timer);
    const oldest = this.scheduled[this.head];
    this.timer = oldest ? setTimeout(this.runDue, Math.max(1, Math.ceil(oldest.due - now))) : undefined;
  };

  /** The work's outcome ends the operation; work that throws or rejects ends it FAILED. */
  private runWork({ state, record, work }: Scheduled): void {
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = work();
    } catch {
      outcome = failed('INTERNAL_ERROR', 'the operation could not complete');
    }
    if (isPromise(outcome)) {
      outcome
        .catch((): Outcome => failed('INTERNAL_ERROR', 'the operation could not complete'))
        .then((settled) => this.finish(state, record, settled))
        .catch(() => undefined);
      return;
    }
    try {
      this.finish(state, record, outcome);
    } catch {
      // As for work that ends later: a failure to notify or to auto-enrol does not stop the operations queued after it.
    }
  }

  finish(state: IssuerState, record: OperationRecord, outcome: Outcome): void {
    record.status = outcome.status;
    record.endTime = isoAt(Date.now());
    record.errorCode = outcome.errorCode;
    record.error = outcome.error;
    if (record.operation === 'CLICK_TO_PAY_ENROLMENT') {
      if (this.faults.has('enrol-notification-never-sent')) return;
      if (this.faults.has('two-final-results')) {
        this.notify(state.issuerId, record);
        // The contradicting result still reads as a FAILED one would: with its errorCode and error.
        const contradiction: OperationRecord =
          record.status === 'SUCCESSFUL'
            ? { ...record, status: 'FAILED', errorCode: 'CARD_ENROLMENT_REFUSED', error: 'the scheme refused the card' }
            : { ...record, status: 'SUCCESSFUL', errorCode: undefined, error: undefined };
        this.notify(state.issuerId, contradiction);
        return;
      }
    }
    this.notify(state.issuerId, record);
    if (record.status === 'SUCCESSFUL' && record.target.kind === 'card' && CREATES_A_CARD.has(record.operation)) {
      this.onCardCreated?.(state, record.target.cardId);
    }
  }

  /** The immediate answer of a write: its operationId and current status. */
  accepted(record: OperationRecord, extra?: Json): Answer {
    const answer = { operationId: record.operationId, status: record.status };
    return { status: 200, body: extra ? { ...extra, ...answer } : answer };
  }

  /** Starts an operation on the target, completes it with the work later, and answers at once. */
  run(state: IssuerState, target: OperationTarget, operation: string, work: Work): Answer {
    const record = this.start(state, target, operation);
    this.complete(state, record, work);
    return this.accepted(record);
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = [];
    this.head = 0;
  }

  private notify(issuerId: string, record: OperationRecord): void {
    const optOutAsCard =
      record.operation === 'CLICK_TO_PAY_OPTOUT' &&
      record.target.kind === 'consumer' &&
      this.faults.has('consumer-optout-notified-as-card');
    const kind: NotificationKind = record.target.kind === 'card' || optOutAsCard ? 'card' : 'consumer';
    // An issuer without a backend for this kind gets nothing: no item to build.
    if (!this.notifier.subscribed(issuerId, kind)) return;
    const item: Json = {
      operationId: record.operationId,
      operation: record.operation,
      status: record.status,
      startTime: record.startTime,
      ...(record.endTime ? { endTime: record.endTime } : {}),
      ...(record.target.kind === 'card'
        ? { cardId: record.target.cardId }
        : optOutAsCard
          ? { cardId: record.target.consumerId }
          : { consumerId: record.target.consumerId }),
      ...(record.status === 'FAILED'
        ? { errorCode: record.errorCode ?? 'OPERATION_FAILED', error: record.error ?? 'the operation failed' }
        : {}),
    };
    if (kind === 'card' && this.faults.has('notification-without-start-time')) delete item.startTime;
    this.notifier.enqueue(issuerId, kind, item);
  }
}
