/**
 * The certification plan: the journeys of the enrol and opt-out guides a bank drives through the observer so that
 * every API it calls is judged from its own calls. A step is covered once one of its calls was answered 2xx and,
 * for an asynchronous write, its outcome was followed up (read back through a getter, or its notification
 * acknowledged). The steps come from the rows of the D1 API summary the bank calls, so the plan and the verdict
 * always agree on what must be seen.
 */
import { apis, type ApiId } from '../gen/catalogue.js';
import type { OperationId } from '../gen/operations.js';
import { isAcknowledged, type ObservedExchange, type ObservedNotification } from './observed-exchange.js';
import { FOLLOW_UP_RULES, operationsReadBy, pendingWriteOf } from './usage-rules.js';

export interface PlanStep {
  /** The row of the D1 API summary the step exercises. */
  readonly api: ApiId;
  readonly title: string;
  readonly operations: readonly OperationId[];
  /** `all`: every operation of the row must be seen (suspend and resume); `any`: one is enough (create or register). */
  readonly needs: 'any' | 'all';
  /** What the bank does, in the order the guides take the journeys. */
  readonly howTo: string;
}

/** The journeys, in the guides' order; each names the summary row it covers. */
const JOURNEYS: readonly { readonly api: ApiId; readonly needs?: 'all'; readonly howTo: string }[] = [
  { api: 'd1-get-token', howTo: 'get a token with a signed ES256 assertion, and reuse it until it expires' },
  { api: 'consumer-register', howTo: 'register a consumer with its consumer data, and follow the operation up' },
  { api: 'card-create-register', howTo: 'create a card, or register one with encrypted card data, and follow the operation up' },
  { api: 'ctp-enrol', howTo: 'enrol the card in Click to Pay with the cardholder name, and follow the operation up' },
  { api: 'ctp-get-profiles', howTo: "read the consumer's Click to Pay profiles" },
  { api: 'ctp-update-card', howTo: 'update the enrolled card in Click to Pay, and follow the operation up' },
  { api: 'ctp-update-consumer', howTo: 'update the enrolled consumer in Click to Pay, and follow the operation up' },
  { api: 'consumer-update', howTo: "update the consumer's information, and follow the operation up" },
  { api: 'card-suspend-resume', needs: 'all', howTo: 'suspend a card, then resume it, following each operation up' },
  { api: 'card-renew-replace', howTo: 'renew or replace a card, and follow the operation up' },
  { api: 'ctp-optout-card', howTo: 'opt a card out of Click to Pay, and follow the operation up' },
  { api: 'ctp-optout-consumer', howTo: 'opt the consumer out of Click to Pay, and follow the operation up' },
  { api: 'card-delete', howTo: 'delete a card, and follow the operation up' },
  { api: 'consumer-delete', howTo: 'delete the consumer, and follow the operation up' },
];

/** The plan for the rows that count for the verdict: every mandatory row the bank calls, and the applicable conditional ones. */
export function certificationPlan(applicableConditional: ReadonlySet<string>): PlanStep[] {
  return JOURNEYS.flatMap(({ api: id, needs, howTo }) => {
    const row = apis.find((a) => a.id === id);
    if (!row || row.direction !== 'issuer-to-d1') return [];
    if (row.category === 'optional' || (row.category === 'conditional' && !applicableConditional.has(id))) return [];
    return [{ api: id, title: row.name, operations: row.operations as OperationId[], needs: needs ?? 'any', howTo }];
  });
}

/** The calls the bank makes, judged against the plan: which steps are covered, and which still wait for what. */
export interface PlanProgress {
  readonly steps: readonly { readonly step: PlanStep; readonly covered: boolean; readonly waiting: string | undefined }[];
  readonly covered: number;
  readonly complete: boolean;
}

const answered2xx = (exchange: ObservedExchange): boolean =>
  exchange.response !== undefined && exchange.response.status >= 200 && exchange.response.status < 300;

/** How far one operation of the plan got. */
interface OperationProgress {
  /** It had a 2xx call. */
  succeeded: boolean;
  /** One of its 2xx calls owes no follow-up, or was followed up. */
  followedUp: boolean;
}

// An acknowledgement can be seen before the call it follows up is recorded (D1 notifies while its answer is on its
// way back); only the latest few can meet their call.
const EARLY_ACKNOWLEDGEMENTS = 1024;

/**
 * Where each step of the plan stands, told the calls and notifications as they come: per operation of the plan, whether
 * it succeeded and was followed up, and the D1 operationIds of the pending writes still awaiting their follow-up.
 */
export class PlanTracker {
  private readonly operations = new Map<OperationId, OperationProgress>();
  /** The plan's operations waiting on each D1 operationId answered PENDING. */
  private readonly awaiting = new Map<string, Set<OperationId>>();
  private readonly acknowledgedEarly = new Set<string>();

  constructor(readonly plan: readonly PlanStep[]) {
    for (const step of plan)
      for (const operationId of step.operations) this.operations.set(operationId, { succeeded: false, followedUp: false });
  }

  call(exchange: ObservedExchange): void {
    for (const read of operationsReadBy(exchange)) this.followedUp(read);
    const operationId = exchange.operationId;
    const progress = operationId === undefined ? undefined : this.operations.get(operationId);
    if (operationId === undefined || !progress || !answered2xx(exchange)) return;
    progress.succeeded = true;
    if (progress.followedUp) return;
    const pending = pendingWriteOf(exchange);
    if (!pending) {
      // A write answered with its final result at once, or a read, owes no follow-up.
      if (FOLLOW_UP_RULES[operationId] === undefined || exchange.response?.json !== undefined) this.cover(operationId);
      return;
    }
    if (this.acknowledgedEarly.has(pending.operationId)) {
      this.cover(operationId);
      return;
    }
    const waiting = this.awaiting.get(pending.operationId) ?? new Set<OperationId>();
    waiting.add(operationId);
    this.awaiting.set(pending.operationId, waiting);
  }

  notification(notification: ObservedNotification): void {
    if (!isAcknowledged(notification)) return;
    for (const { operationId } of notification.items) {
      if (this.awaiting.has(operationId)) {
        this.followedUp(operationId);
        continue;
      }
      this.acknowledgedEarly.delete(operationId);
      this.acknowledgedEarly.add(operationId);
      if (this.acknowledgedEarly.size > EARLY_ACKNOWLEDGEMENTS) {
        const oldest = this.acknowledgedEarly.values().next();
        if (!oldest.done) this.acknowledgedEarly.delete(oldest.value);
      }
    }
  }

  /** Where each step of the plan stands after the calls and notifications seen so far. */
  progress(): PlanProgress {
    /** Why an operation is not covered yet, or undefined once it is. */
    const waitingFor = (operationId: OperationId): string | undefined => {
      const progress = this.operations.get(operationId);
      if (!progress?.succeeded) return `a successful ${operationId} call`;
      return progress.followedUp
        ? undefined
        : `the follow-up of ${operationId} (its operation read back, or its notification acknowledged)`;
    };
    const steps = this.plan.map((step) => {
      const waits = step.operations.map(waitingFor);
      const covered = step.needs === 'all' ? waits.every((w) => w === undefined) : waits.some((w) => w === undefined);
      const waiting = covered ? undefined : step.needs === 'all' ? waits.filter(Boolean).join('; ') : waits.join(', or ');
      return { step, covered, waiting };
    });
    const covered = steps.filter((s) => s.covered).length;
    return { steps, covered, complete: covered === steps.length };
  }

  /** A D1 operation was read back or its notification acknowledged: the operations waiting on it are followed up. */
  private followedUp(d1OperationId: string): void {
    const waiting = this.awaiting.get(d1OperationId);
    if (!waiting) return;
    this.awaiting.delete(d1OperationId);
    for (const operationId of waiting) this.cover(operationId);
  }

  /** An operation followed up waits on nothing more. */
  private cover(operationId: OperationId): void {
    const progress = this.operations.get(operationId);
    if (!progress || progress.followedUp) return;
    progress.followedUp = true;
    for (const [d1OperationId, waiting] of this.awaiting) {
      waiting.delete(operationId);
      if (waiting.size === 0) this.awaiting.delete(d1OperationId);
    }
  }
}

/** The plan as a person reads it before driving it: one line a step. */
export function planText(plan: readonly PlanStep[]): string {
  return plan.map((step, i) => `${String(i + 1).padStart(2)}. ${step.title} (${step.operations.join(' / ')}): ${step.howTo}`).join('\n');
}
