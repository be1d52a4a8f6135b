import type { Answer } from '../http/server.js';
import { failed, type Json, type Outcome } from './answers.js';
import type { D1Fault } from './faults.js';
import type { Notifier, NotificationKind } from './notifier.js';
import type { BehaviourOptions } from './options.js';
import { newOperationId, type IssuerState, type OperationRecord, type OperationTarget } from './state.js';

export type Work = () => Outcome | Promise<Outcome>;

/**
 * D1's asynchronous operations: a write answers at once with an operationId, its work runs after `delayMs`, and each
 * state is notified to the issuer. The faults that concern notifications of results live here.
 */
export class OperationRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Called when a card operation that creates a card ends SUCCESSFUL (auto-enrolment). */
  onCardCreated: ((state: IssuerState, cardId: string) => void) | undefined;

  constructor(
    private readonly notifier: Notifier,
    private readonly behaviour: BehaviourOptions,
    private readonly delayMs: number,
    private readonly faults: ReadonlySet<D1Fault>,
  ) {}

  start(state: IssuerState, target: OperationTarget, operation: string, operationId = newOperationId()): OperationRecord {
    const record: OperationRecord = {
      operationId,
      operation,
      target,
      requestorType: 'ISSUER',
      requestorId: state.issuerId,
      startTime: new Date().toISOString(),
      status: 'PENDING',
      endTime: undefined,
      errorCode: undefined,
      error: undefined,
    };
    state.operationsOf(target).push(record);
    if (this.behaviour.notifyPending) this.notify(state.issuerId, record);
    return record;
  }

  /** Completes an operation after the configured delay, with the outcome its work produces, and notifies it. */
  complete(state: IssuerState, record: OperationRecord, work: Work): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      Promise.resolve()
        .then(work)
        .catch((): Outcome => failed('INTERNAL_ERROR', 'the operation could not complete'))
        .then((outcome) => this.finish(state, record, outcome))
        .catch(() => undefined);
    }, this.delayMs);
    this.timers.add(timer);
  }

  finish(state: IssuerState, record: OperationRecord, outcome: Outcome): void {
    record.status = outcome.status;
    record.endTime = new Date().toISOString();
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
    if (record.status === 'SUCCESSFUL' && record.target.kind === 'card' && ['CREATE', 'REGISTER'].includes(record.operation)) {
      this.onCardCreated?.(state, record.target.cardId);
    }
  }

  /** The immediate answer of a write: its operationId and current status. */
  accepted(record: OperationRecord, extra: Json = {}): Answer {
    return { status: 200, body: { ...extra, operationId: record.operationId, status: record.status } };
  }

  /** Starts an operation on the target, completes it with the work later, and answers at once. */
  run(state: IssuerState, target: OperationTarget, operation: string, work: Work): Answer {
    const record = this.start(state, target, operation);
    this.complete(state, record, work);
    return this.accepted(record);
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private notify(issuerId: string, record: OperationRecord): void {
    const optOutAsCard =
      record.operation === 'CLICK_TO_PAY_OPTOUT' &&
      record.target.kind === 'consumer' &&
      this.faults.has('consumer-optout-notified-as-card');
    const kind: NotificationKind = record.target.kind === 'card' || optOutAsCard ? 'card' : 'consumer';
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
