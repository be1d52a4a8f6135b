import { readBodyAs, type Answer, type IncomingExchange } from '../http/server.js';
import { validateRequest } from '../../lib/validation/index.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import { bearerRefusal, hasValidBearer } from './bearer.js';
import type { IssuerContext } from './issuer-context.js';
import type { NotificationItem, NotificationKind, OperationStatus } from './notification-ledger.js';

const CONTRACT_OPERATION = { card: 'notifyCardOperations', consumer: 'notifyConsumerOperations' } as const;
const SUBJECT_FIELD = { card: 'cardId', consumer: 'consumerId' } as const;

// Forward compatibility: an operation value the contract does not list yet is accepted, not refused.
const TOLERATED_RULE = { card: 'NOTIFY-CARD-OPERATION-ENUM', consumer: 'NOTIFY-CONSUMER-OPERATION-ENUM' } as const;

const NO_CONTENT: Answer = { status: 204 };

type CheckedNotification = { readonly items: NotificationItem[] } | { readonly refusal: Answer };

/** Reads and checks the notification against its contract; refuses what the issuer cannot read. */
function checkNotification(
  context: IssuerContext,
  kind: NotificationKind,
  exchange: IncomingExchange,
  path: Readonly<Record<string, string>>,
): CheckedNotification {
  const reading = readBodyAs(exchange);
  if (reading.kind === 'unreadable' || reading.kind === 'form') {
    const reason = reading.kind === 'form' ? 'unsupported media type application/x-www-form-urlencoded' : reading.reason;
    return { refusal: errorAnswer(400, 'unreadable_notification', `${reason}; the notification must be application/json`) };
  }
  const body = reading.kind === 'json' ? reading.value : undefined;
  const violations = validateRequest(CONTRACT_OPERATION[kind], { path, headers: exchange.headers, body }).filter(
    (violation) =>
      !(violation.ruleId === TOLERATED_RULE[kind] && violation.keyword === 'enum') ||
      (kind === 'card' && context.faults.has('unknown-card-operation-rejected')),
  );
  if (violations.length > 0) {
    return { refusal: errorAnswer(400, 'invalid_notification', 'the notification breaks its contract', { violations }) };
  }
  // The contract has just checked each item's fields and their types, so the casts below hold.
  const operations = (body as { operations: Record<string, unknown>[] }).operations;
  const items = operations.map((item): NotificationItem => ({
    operationId: item.operationId as string,
    operation: item.operation as string,
    status: item.status as OperationStatus,
    subjectId: item[SUBJECT_FIELD[kind]] as string,
    startTime: item.startTime as string,
    ...(typeof item.endTime === 'string' ? { endTime: item.endTime } : {}),
  }));
  return { items };
}

const isFinal = (status: OperationStatus | undefined): boolean => status === 'SUCCESSFUL' || status === 'FAILED';

/**
 * POST /notifications/d1/v2/issuers/{issuerId}/cards and .../consumers: D1 reports operation results. Every
 * readable delivery is recorded and answered 204, repeats and out-of-order items included; de-duplication is by
 * operationId and status.
 */
export function answerNotification(
  context: IssuerContext,
  kind: NotificationKind,
  exchange: IncomingExchange,
  path: Readonly<Record<string, string>>,
): Answer {
  const { config, faults, ledger } = context;
  const tokenCheckSkipped =
    (kind === 'card' && faults.has('card-notification-without-token-accepted')) ||
    (kind === 'consumer' && faults.has('consumer-notification-without-token-accepted'));
    const refusedAs403 = faults.has(kind === 'card' ? 'card-notification-without-token-answered-403' : 'consumer-notification-without-token-answered-403');
  if (config.requireBearer && !tokenCheckSkipped && !hasValidBearer(context, exchange.headers)) return bearerRefusal(exchange.headers, refusedAs403);

  const checked = checkNotification(context, kind, exchange, path);
  if ('refusal' in checked) {
    if (kind === 'card' && faults.has('invalid-card-notification-acknowledged')) return NO_CONTENT;
    return checked.refusal;
  }
  // The contract lists no 404 here; a notification for another issuer is a request this issuer cannot take.
  if (path.issuerId !== config.issuerId) {
    return errorAnswer(400, 'unknown_issuer', 'the issuerId in the path is not this issuer\'s');
  }

  const { items } = checked;
  if (kind === 'card' && faults.has('card-batch-rejected') && items.length > 1) {
    return errorAnswer(400, 'invalid_notification', 'only one operation per notification is supported');
  }
  const preview = ledger.preview(kind, items);
  const repeatsAnItem = preview.some((item) => item.duplicate);
  if (kind === 'card' && faults.has('duplicate-card-notification-conflict') && repeatsAnItem) {
    return errorAnswer(409, 'duplicate_notification', 'this operation status was already received');
  }
  if (kind === 'consumer' && faults.has('duplicate-consumer-notification-server-error') && repeatsAnItem) {
    return errorAnswer(500, 'server_error', 'the operation status could not be stored');
  }
  const finalBeforePending = preview.some((item) => isFinal(item.status) && item.previousStatus === undefined);
  if (kind === 'card' && faults.has('final-before-pending-rejected') && finalBeforePending) {
    return errorAnswer(409, 'unexpected_status', 'a final status arrived for an operation never seen PENDING');
  }

  ledger.record(kind, exchange.id, items);
  if (kind === 'consumer' && faults.has('consumer-notification-answered-200')) return jsonAnswer(200, { received: items.length });
  return NO_CONTENT;
}
