import { readBodyAs, type Answer, type IncomingExchange } from '../http/server.js';
import { notificationFormProblems } from '../../lib/contracts/notification-form.js';
import { mediaTypeOf, validateRequest } from '../../lib/validation/index.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import { bearerRefusal, hasValidBearer } from './bearer.js';
import type { IssuerContext } from './issuer-context.js';
import { utf16LengthProblems, type LengthUnit } from './length-units.js';
import type { NotificationItem, NotificationKind, OperationStatus } from './notification-ledger.js';
import type { IssuerVariantName } from './variants.js';

/** The choices of the notification endpoints that the documents leave open, set by the issuer's variants. */
export interface NotificationSettings {
  /** Identifiers and times must have the form D1 gives them, not merely the notification schema's (strict-anchored-ids). */
  readonly requireD1Form: boolean;
  /** The status refusing a body in another media type than JSON (media-type-415). */
  readonly wrongMediaTypeStatus: 400 | 415;
  /** A card notification for a card the issuer does not know is refused, not acknowledged (unknown-card-refused). */
  readonly refuseUnknownCards: boolean;
  /** Readable notifications are acknowledged first and checked when processed (notifications-validated-lazily). */
  readonly validateLazily: boolean;
  readonly lengthUnit: LengthUnit;
}

export const notificationSettings = (variants: ReadonlySet<IssuerVariantName>): NotificationSettings => ({
  requireD1Form: variants.has('strict-anchored-ids'),
  wrongMediaTypeStatus: variants.has('media-type-415') ? 415 : 400,
  refuseUnknownCards: variants.has('unknown-card-refused'),
  validateLazily: variants.has('notifications-validated-lazily'),
  lengthUnit: variants.has('lengths-in-utf16-units') ? 'utf16-units' : 'code-points',
});

const CONTRACT_OPERATION = { card: 'notifyCardOperations', consumer: 'notifyConsumerOperations' } as const;
const SUBJECT_FIELD = { card: 'cardId', consumer: 'consumerId' } as const;

// Forward compatibility: an operation value the contract does not list yet is accepted, not refused.
const TOLERATED_RULE = { card: 'NOTIFY-CARD-OPERATION-ENUM', consumer: 'NOTIFY-CONSUMER-OPERATION-ENUM' } as const;

const NO_CONTENT: Answer = { status: 204 };

type CheckedNotification = { readonly items: NotificationItem[] } | { readonly refusal: Answer };

const isJsonMediaType = (mediaType: string): boolean => mediaType === 'application/json' || mediaType.endsWith('+json');

/** Reads and checks the notification against its contract and the issuer's settings; refuses what it does not take. */
function checkNotification(
  context: IssuerContext,
  kind: NotificationKind,
  exchange: IncomingExchange,
  path: Readonly<Record<string, string>>,
): CheckedNotification {
  const settings = context.settings.notifications;
  const reading = readBodyAs(exchange);
  if (reading.kind === 'unreadable' || reading.kind === 'form') {
    const mediaType = mediaTypeOf(exchange.headers) ?? '';
    const status = isJsonMediaType(mediaType) ? 400 : settings.wrongMediaTypeStatus;
    const reason = reading.kind === 'form' ? 'unsupported media type application/x-www-form-urlencoded' : reading.reason;
    return { refusal: errorAnswer(status, 'unreadable_notification', `${reason}; the notification must be application/json`) };
  }
  const body = reading.kind === 'json' ? reading.value : undefined;
  const request = { path, headers: exchange.headers, body };
  const violations = validateRequest(CONTRACT_OPERATION[kind], request).filter(
    (violation) =>
      !(violation.ruleId === TOLERATED_RULE[kind] && violation.keyword === 'enum') ||
      (kind === 'card' && context.faults.has('unknown-card-operation-rejected')),
  );
  if (violations.length > 0) {
    // Received, to be checked when processed: the broken items are then dropped, so nothing is recorded.
    if (settings.validateLazily) return { items: [] };
    return { refusal: errorAnswer(400, 'invalid_notification', 'the notification breaks its contract', { violations }) };
  }
  const problems = [
    ...(settings.requireD1Form ? notificationFormProblems(kind, body).map((p) => `${p.pointer}: not ${p.documented}`) : []),
    ...(settings.lengthUnit === 'utf16-units' ? utf16LengthProblems(CONTRACT_OPERATION[kind], request) : []),
  ];
  if (problems.length > 0) {
    if (settings.validateLazily) return { items: [] };
    return { refusal: errorAnswer(400, 'invalid_notification', 'the notification is not in the form D1 sends', { problems }) };
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
  const refusedAs403 = faults.has(
    kind === 'card' ? 'card-notification-without-token-answered-403' : 'consumer-notification-without-token-answered-403',
  );
  if (config.requireBearer && !tokenCheckSkipped && !hasValidBearer(context, exchange.headers))
    return bearerRefusal(exchange.headers, refusedAs403);

  const checked = checkNotification(context, kind, exchange, path);
  if ('refusal' in checked) {
    if (kind === 'card' && faults.has('invalid-card-notification-acknowledged')) return NO_CONTENT;
    return checked.refusal;
  }
  // The contract lists no 404 here; a notification for another issuer is a request this issuer cannot take.
  if (path.issuerId !== config.issuerId) {
    return errorAnswer(400, 'unknown_issuer', "the issuerId in the path is not this issuer's");
  }

  const { items } = checked;
  const unknownCards =
    kind === 'card' && context.settings.notifications.refuseUnknownCards
      ? items.filter((item) => !config.knownCards.has(item.subjectId))
      : [];
  if (unknownCards.length > 0) {
    // The contract lists no 404 here: the notification names something this issuer cannot take.
    return errorAnswer(400, 'unknown_card', 'the issuer knows no card with the cardId of an item', {
      problems: unknownCards.map((item) => `operation ${item.operationId}: unknown cardId`),
    });
  }
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
