/** Which notification endpoint a delivery came through. */
export type NotificationKind = 'card' | 'consumer';

export type OperationStatus = 'PENDING' | 'SUCCESSFUL' | 'FAILED';

/** One operation item of a notification, after the contract accepted it. */
export interface NotificationItem {
  readonly operationId: string;
  /** As sent: a value the contract does not list is kept (NOTIFY-CARD-FORWARD-COMPATIBLE). */
  readonly operation: string;
  readonly status: OperationStatus;
  /** The cardId of a card item, the consumerId of a consumer item. */
  readonly subjectId: string;
  readonly startTime: string;
  readonly endTime?: string;
}

export interface ReceivedOperation extends NotificationItem {
  /** The same operationId and status had already arrived (NOTIFY-CARD-DEDUPE): recorded, acknowledged, not applied again. */
  readonly duplicate: boolean;
  /** Whether the item changed the operation's state; a late PENDING never overwrites a final status (NOTIFY-CARD-ORDER). */
  readonly applied: boolean;
  /** The operation's status before this item; undefined when the operation was new. */
  readonly previousStatus: OperationStatus | undefined;
}

/** One accepted call of a notification endpoint. */
export interface NotificationDelivery {
  /** 1 for the first delivery since the start or the last reset. */
  readonly sequence: number;
  /** The server's request id, also sent back as x-request-id. */
  readonly requestId: string;
  readonly kind: NotificationKind;
  readonly receivedAt: string;
  readonly operations: readonly ReceivedOperation[];
}

/** What the issuer believes about one operation after every item received for it. */
export interface OperationState extends NotificationItem {
  readonly kind: NotificationKind;
  readonly firstReceivedAt: string;
  readonly updatedAt: string;
  /** Items received for this operation, duplicates included. */
  readonly itemsReceived: number;
}

const isFinal = (status: OperationStatus | undefined): boolean => status === 'SUCCESSFUL' || status === 'FAILED';

// Card and consumer operations are told apart, as the two endpoints report different things.
const stateKey = (kind: NotificationKind, operationId: string): string => `${kind}/${operationId}`;

/** Every accepted delivery, and the state of each operation they reported. */
export class NotificationLedger {
  private readonly deliveryLog: NotificationDelivery[] = [];
  private readonly states = new Map<string, OperationState>();
  private readonly seenItems = new Set<string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** How the items would be taken, without recording them: the flags are those `record` would give. */
  preview(kind: NotificationKind, items: readonly NotificationItem[]): ReceivedOperation[] {
    // Items of one batch see each other, as if they had arrived one by one.
    const statusInBatch = new Map<string, OperationStatus>();
    const seenInBatch = new Set<string>();
    return items.map((item) => {
      const key = stateKey(kind, item.operationId);
      const itemKey = `${key}|${item.status}`;
      const duplicate = this.seenItems.has(itemKey) || seenInBatch.has(itemKey);
      seenInBatch.add(itemKey);
      const previousStatus = statusInBatch.get(key) ?? this.states.get(key)?.status;
      const applied = !duplicate && !isFinal(previousStatus);
      if (applied) statusInBatch.set(key, item.status);
      return { ...item, duplicate, applied, previousStatus };
    });
  }

  record(kind: NotificationKind, requestId: string, items: readonly NotificationItem[]): NotificationDelivery {
    const operations = this.preview(kind, items);
    const receivedAt = this.now().toISOString();
    for (const received of operations) {
      const key = stateKey(kind, received.operationId);
      this.seenItems.add(`${key}|${received.status}`);
      const known = this.states.get(key);
      const itemsReceived = (known?.itemsReceived ?? 0) + 1;
      if (received.applied || !known) {
        const { operationId, operation, status, subjectId, startTime, endTime } = received;
        this.states.set(key, {
          kind,
          operationId,
          operation,
          status,
          subjectId,
          startTime,
          ...(endTime === undefined ? {} : { endTime }),
          firstReceivedAt: known?.firstReceivedAt ?? receivedAt,
          updatedAt: receivedAt,
          itemsReceived,
        });
      } else {
        this.states.set(key, { ...known, itemsReceived });
      }
    }
    const delivery: NotificationDelivery = { sequence: this.deliveryLog.length + 1, requestId, kind, receivedAt, operations };
    this.deliveryLog.push(delivery);
    return delivery;
  }

  deliveries(): readonly NotificationDelivery[] {
    return [...this.deliveryLog];
  }

  operationStates(): readonly OperationState[] {
    return [...this.states.values()];
  }

  clear(): void {
    this.deliveryLog.length = 0;
    this.states.clear();
    this.seenItems.clear();
  }
}
