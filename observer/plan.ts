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
import { FOLLOW_UP_RULES, operationsReadBack, pendingWriteOf } from './usage-rules.js';

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

/** Where each step of the plan stands after the given calls and notifications. */
export function planProgress(
  plan: readonly PlanStep[],
  exchanges: readonly ObservedExchange[],
  notifications: readonly ObservedNotification[],
): PlanProgress {
  const readBack = operationsReadBack(exchanges);
  const acknowledged = new Set(notifications.filter(isAcknowledged).flatMap((n) => n.items.map((i) => i.operationId)));
  /** Why an operation is not covered yet, or undefined once it is. */
  const waitingFor = (operationId: OperationId): string | undefined => {
    const calls = exchanges.filter((e) => e.operationId === operationId && answered2xx(e));
    if (calls.length === 0) return `a successful ${operationId} call`;
    const followed = calls.some((call) => {
      const pending = pendingWriteOf(call);
      // A write answered with its final result at once, or a read, owes no follow-up.
      if (!pending) return FOLLOW_UP_RULES[operationId] === undefined || call.response?.json !== undefined;
      return (readBack.get(pending.operationId) ?? 0) > call.sequence || acknowledged.has(pending.operationId);
    });
    return followed ? undefined : `the follow-up of ${operationId} (its operation read back, or its notification acknowledged)`;
  };
  const steps = plan.map((step) => {
    const waits = step.operations.map(waitingFor);
    const covered = step.needs === 'all' ? waits.every((w) => w === undefined) : waits.some((w) => w === undefined);
    const waiting = covered ? undefined : step.needs === 'all' ? waits.filter(Boolean).join('; ') : waits.join(', or ');
    return { step, covered, waiting };
  });
  const covered = steps.filter((s) => s.covered).length;
  return { steps, covered, complete: covered === steps.length };
}

/** The plan as a person reads it before driving it: one line a step. */
export function planText(plan: readonly PlanStep[]): string {
  return plan.map((step, i) => `${String(i + 1).padStart(2)}. ${step.title} (${step.operations.join(' / ')}): ${step.howTo}`).join('\n');
}
