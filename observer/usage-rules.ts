/**
 * The usage rules a contract cannot express, checked on what the observer saw of the issuer's calls to D1. Each is a
 * named check of one shape: it reads the whole observation and reports, per rule id, passed, failed or skipped (when
 * the observation held nothing to judge), with what the rule documents and what was received. What they report
 * never repeats a token, an assertion or a value of personal data: they describe, they do not quote.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { RuleId } from '../gen/catalogue.js';
import type { OperationId } from '../gen/operations.js';
import { answeredObject, headerOf, isAcknowledged, requestObject, type ObservedExchange } from './observed-exchange.js';
import { detectedKind, personalDataIn, personalValuesSent } from './personal-data.js';
import {
  arrayOf,
  finding,
  isOperation,
  seconds,
  type Departure,
  type ObservationView,
  type UsageCheck,
  type UsageFinding,
} from './usage-finding.js';
import {
  cardDataTravelsEncrypted,
  cardIdsRegisteredOnce,
  cardProductsOnboarded,
  deletedConsumerIdsStayDeleted,
  enrolIsNotAnUpdate,
  resumesFitTheConsumer,
} from './life-cycle-rules.js';
import {
  clickToPayProfilesGetTheirData,
  consumerRegistrationsCarryTheirFields,
  consumerUpdatesCarryEveryField,
  storedDataKeptCurrent,
} from './consumer-data-rules.js';

export { DEFAULT_LIMITS, type UsageLimits } from './limits.js';
export type { ObservationView, UsageCheck, UsageFinding } from './usage-finding.js';

// --- tokens -----------------------------------------------------------------------------------------------------

interface Grant {
  readonly sequence: number;
  readonly token: string;
  readonly expiresAt: number;
}

/** The token D1 granted in an exchange, and when it expires; undefined when the exchange granted none. */
function grantOf(exchange: ObservedExchange): Grant | undefined {
  if (!isOperation(exchange, 'getToken')) return undefined;
  const body = answeredObject(exchange);
  if (typeof body?.access_token !== 'string') return undefined;
  const lifetime = Number(body.expires_in ?? 900);
  const lifetimeSeconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 900;
  return { sequence: exchange.sequence, token: body.access_token, expiresAt: exchange.receivedAt + lifetimeSeconds * 1000 };
}

const bearerOf = (exchange: ObservedExchange): string | undefined =>
  /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(headerOf(exchange, 'authorization') ?? '')?.[1];

/**
 * D1-TOKEN-REUSE: a token is asked for only when the one it replaces is near its end, or was refused. A token still
 * used after a newer one was granted is not replaced but held by another instance of the issuer's backend, which
 * keeps a token of its own; only a token dropped while still fresh breaks the rule.
 */
export const tokensReusedUntilExpiry: UsageCheck = (view) => {
  const margin = view.limits.tokenRenewalMarginSeconds * 1000;
  const requests = view.exchanges.filter((e) => isOperation(e, 'getToken'));
  const apiCalls = view.exchanges.filter((e) => e.operationId !== undefined && e.operationId !== 'getToken').length;
  // Indexed once: a long session can hold thousands of calls and tokens.
  const lastUse = new Map<string, number>();
  const refusals = new Map<string, number[]>();
  for (const exchange of view.exchanges) {
    const token = bearerOf(exchange);
    if (!token) continue;
    lastUse.set(token, exchange.sequence);
    if (exchange.response?.status === 401) refusals.set(token, [...(refusals.get(token) ?? []), exchange.sequence]);
  }
  const usedAfter = (token: string, sequence: number): boolean => (lastUse.get(token) ?? 0) > sequence;
  const refusedBefore = (grant: Grant, sequence: number): boolean =>
    (refusals.get(grant.token) ?? []).some((s) => s > grant.sequence && s < sequence);
  let grants: Grant[] = [];
  const departures: Departure[] = [];
  for (const request of requests) {
    grants = grants.filter((g) => g.expiresAt - request.receivedAt > margin);
    const dropped = grants.filter((g) => !refusedBefore(g, request.sequence) && !usedAfter(g.token, request.sequence));
    const latest = dropped[dropped.length - 1];
    if (latest)
      departures.push({
        sequence: request.sequence,
        what:
          `a new token asked while the one granted at call #${latest.sequence} had ` +
          `${seconds(latest.expiresAt - request.receivedAt)} s left`,
      });
    const grant = grantOf(request);
    if (grant) grants.push(grant);
  }
  const result = finding(
    'D1-TOKEN-REUSE',
    'sequence of token requests',
    `one access token reused for every call until it nears its expiry: a new one at most ${view.limits.tokenRenewalMarginSeconds} s ` +
      'before the previous one expires, or after D1 refused it with 401',
    requests.map((r) => r.sequence),
    departures,
    'token requests',
  );
  return [
    departures.length > 0
      ? { ...result, received: `${result.received} (${requests.length} token requests for ${apiCalls} other calls)` }
      : result,
  ];
};

// --- the JWT assertion ------------------------------------------------------------------------------------------

interface ReadAssertion {
  readonly exchange: ObservedExchange;
  readonly text: string;
  readonly header: ReturnType<typeof decodeProtectedHeader> | undefined;
  readonly claims: ReturnType<typeof decodeJwt> | undefined;
}

function assertionsOf(view: ObservationView): ReadAssertion[] {
  return view.exchanges
    .filter((e) => isOperation(e, 'getToken'))
    .flatMap((exchange): ReadAssertion[] => {
      const text = requestObject(exchange)?.assertion;
      if (typeof text !== 'string') return [];
      try {
        return [{ exchange, text, header: decodeProtectedHeader(text), claims: decodeJwt(text) }];
      } catch {
        return [{ exchange, text, header: undefined, claims: undefined }];
      }
    });
}

/** D1-TOKEN-ASSERTION-JWT and the D1-TOKEN-JWT-* rules: each assertion the issuer signs, claim by claim. */
export const assertionsFollowTheJwtRules: UsageCheck = async (view) => {
  const assertions = assertionsOf(view);
  const judged = assertions.map((a) => a.exchange.sequence);
  const decoded = assertions.filter((a) => a.header && a.claims);
  const decodedSequences = decoded.map((a) => a.exchange.sequence);
  const skew = view.limits.clockSkewSeconds;
  const departures = (test: (a: ReadAssertion) => string | undefined, from: readonly ReadAssertion[] = decoded): Departure[] =>
    from.flatMap((a) => {
      const what = test(a);
      return what ? [{ sequence: a.exchange.sequence, what }] : [];
    });

  const signatureDepartures: Departure[] = [];
  for (const assertion of assertions) {
    if (!assertion.header || !assertion.claims) {
      signatureDepartures.push({
        sequence: assertion.exchange.sequence,
        what: 'the assertion is not a JWT (header, claims and signature)',
      });
      continue;
    }
    const key = typeof assertion.header.kid === 'string' ? view.issuerKeys.get(assertion.header.kid) : undefined;
    if (!key) continue;
    try {
      await compactVerify(assertion.text, key);
    } catch {
      signatureDepartures.push({
        sequence: assertion.exchange.sequence,
        what: `the signature does not verify with the issuer key ${String(assertion.header.kid)}`,
      });
    }
  }
  const expOf = (a: ReadAssertion): number | undefined => (typeof a.claims?.exp === 'number' ? a.claims.exp : undefined);
  const at = (a: ReadAssertion): number => a.exchange.receivedAt / 1000;
  const withExp = decoded.filter((a) => expOf(a) !== undefined);
  const knownKids = view.issuerKeys.size > 0 ? `, one of the configured ${[...view.issuerKeys.keys()].join(', ')}` : '';

  return [
    finding(
      'D1-TOKEN-ASSERTION-JWT',
      'body /assertion',
      `a complete JWT signed by the issuer${view.issuerKeys.size > 0 ? ', verifying with the public key its kid names' : ''}`,
      judged,
      signatureDepartures,
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-ES256',
      'assertion header /alg',
      'alg ES256',
      decodedSequences,
      departures((a) => (a.header?.alg === 'ES256' ? undefined : 'alg is not ES256')),
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-KID',
      'assertion header /kid',
      `a kid naming the issuer's public key${knownKids}`,
      decodedSequences,
      departures((a) => {
        const kid = a.header?.kid;
        if (typeof kid !== 'string' || kid === '') return 'no kid';
        return view.issuerKeys.size > 0 && !view.issuerKeys.has(kid) ? 'kid names no key configured for the issuer' : undefined;
      }),
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-ISS',
      'assertion claims /iss',
      `iss equal to the issuerId ${view.issuerId}`,
      decodedSequences,
      departures((a) => (a.claims?.iss === view.issuerId ? undefined : a.claims?.iss === undefined ? 'no iss' : 'iss is not the issuerId')),
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-SUB',
      'assertion claims /sub',
      `sub equal to the issuerId ${view.issuerId}`,
      decodedSequences,
      departures((a) => (a.claims?.sub === view.issuerId ? undefined : a.claims?.sub === undefined ? 'no sub' : 'sub is not the issuerId')),
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-EXP-INTEGER',
      'assertion claims /exp',
      'exp present, an integer number of seconds since the epoch',
      decodedSequences,
      departures((a) => (a.claims?.exp === undefined ? 'no exp' : Number.isInteger(a.claims.exp) ? undefined : 'exp is not an integer')),
      'assertions',
    ),
    finding(
      'D1-TOKEN-JWT-EXP-MAX',
      'assertion claims /exp',
      `exp at most 15 minutes after the assertion is sent (${skew} s allowed for clock difference)`,
      withExp.map((a) => a.exchange.sequence),
      departures((a) => {
        const ahead = (expOf(a) ?? 0) - at(a);
        return ahead > 900 + skew ? `exp ${Math.round(ahead)} s after the request` : undefined;
      }, withExp),
      'assertions with an exp',
    ),
    finding(
      'D1-TOKEN-JWT-NOT-EXPIRED',
      'assertion claims /exp',
      `exp still ahead when the assertion is sent (${skew} s allowed for clock difference)`,
      withExp.map((a) => a.exchange.sequence),
      departures((a) => {
        const ahead = (expOf(a) ?? 0) - at(a);
        return ahead < -skew ? `the assertion expired ${Math.round(-ahead)} s before it was sent` : undefined;
      }, withExp),
      'assertions with an exp',
    ),
  ];
};

/** D1-TOKEN-BEARER-ON-CALLS: every call to D1 but the token request carries `Authorization: Bearer <token>`. */
export const everyCallCarriesABearerToken: UsageCheck = (view) => {
  const calls = view.exchanges.filter((e) => e.path.startsWith('/banking/'));
  const departures = calls.flatMap((e): Departure[] => {
    const authorization = headerOf(e, 'authorization');
    if (authorization === undefined) return [{ sequence: e.sequence, what: 'no Authorization header' }];
    return bearerOf(e) ? [] : [{ sequence: e.sequence, what: 'the Authorization header is not Bearer followed by a token' }];
  });
  return [
    finding(
      'D1-TOKEN-BEARER-ON-CALLS',
      'header /authorization',
      'Authorization: Bearer <access token> on every call but the token request',
      calls.map((e) => e.sequence),
      departures,
      'calls to D1 APIs',
    ),
  ];
};

// --- correlation ids --------------------------------------------------------------------------------------------

/**
 * The catalogue states the rule twice, under register consumer and under create/register card; a call on a consumer
 * path is judged under the first, every other call under the second.
 */
const correlationRuleOf = (exchange: ObservedExchange): RuleId =>
  exchange.params.consumerId !== undefined ? 'CONSUMER-REGISTER-CORRELATIONID-NO-PII' : 'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII';

/** *-CORRELATIONID-NO-PII: no x-correlation-id is built from personal data. */
export const correlationIdsCarryNoPersonalData: UsageCheck = (view) => {
  const sent = personalValuesSent(view.exchanges);
  const withId = view.exchanges.filter((e) => headerOf(e, 'x-correlation-id') !== undefined);
  const rules: RuleId[] = ['CARD-CREATE-REGISTER-CORRELATIONID-NO-PII', 'CONSUMER-REGISTER-CORRELATIONID-NO-PII'];
  return rules.map((ruleId) => {
    const judged = withId.filter((e) => correlationRuleOf(e) === ruleId);
    const departures = judged.flatMap((e): Departure[] => {
      const why = personalDataIn(headerOf(e, 'x-correlation-id') ?? '', sent);
      return why ? [{ sequence: e.sequence, what: `x-correlation-id is personal data: ${why}` }] : [];
    });
    return finding(
      ruleId,
      'header /x-correlation-id',
      'a random x-correlation-id: no email, phone or card number, and no name, email or phone the issuer sent for its consumers',
      judged.map((e) => e.sequence),
      departures,
      'calls with an x-correlation-id',
    );
  });
};

// --- enrolment ----------------------------------------------------------------------------------------------------

/** CTP-ENROL-NO-BULK: enrol calls come one card at a time, never in bursts above the configured rate. */
export const noBulkEnrolment: UsageCheck = (view) => {
  const limit = view.limits.maxEnrolmentsPerSecond;
  const enrols = view.exchanges.filter((e) => isOperation(e, 'clickToPayEnrol')).sort((a, b) => a.receivedAt - b.receivedAt);
  let busiest: ObservedExchange[] = [];
  let start = 0;
  for (let end = 0; end < enrols.length; end += 1) {
    const last = enrols[end];
    while (last && (enrols[start]?.receivedAt ?? 0) <= last.receivedAt - 1000) start += 1;
    if (end - start + 1 > busiest.length) busiest = enrols.slice(start, end + 1);
  }
  const documented = `at most ${limit} enrol calls in any one second; mass enrolment goes through batch registration with auto-enrolment`;
  const judged = enrols.map((e) => e.sequence);
  if (busiest.length <= limit) return [finding('CTP-ENROL-NO-BULK', 'sequence of enrol calls', documented, judged, [], 'enrol calls')];
  const first = busiest[0];
  return [
    {
      ruleId: 'CTP-ENROL-NO-BULK',
      outcome: 'failed',
      pointer: 'sequence of enrol calls',
      documented,
      received:
        `${busiest.length} enrol calls within one second, ` + `from call #${first?.sequence ?? '?'} (${enrols.length} enrol calls in all)`,
      exchanges: busiest.map((e) => e.sequence),
    },
  ];
};

/** What the session shows of enrolments: cards and consumers known to be enrolled before each call. */
class EnrolmentLedger {
  private readonly cards = new Set<string>();
  private readonly consumers = new Set<string>();
  private readonly consumerOfCard = new Map<string, string>();
  private readonly enrolOperations = new Map<string, string>();

  constructor(private readonly autoEnrolment: boolean) {}

  cardEnrolled(cardId: string): boolean {
    return this.cards.has(cardId);
  }

  consumerEnrolled(consumerId: string): boolean {
    return this.consumers.has(consumerId);
  }

  private enrolCard(cardId: string): void {
    this.cards.add(cardId);
    const consumerId = this.consumerOfCard.get(cardId);
    if (consumerId) this.consumers.add(consumerId);
  }

  private link(cardId: string, consumerId: string): void {
    this.consumerOfCard.set(cardId, consumerId);
    if (this.cards.has(cardId)) this.consumers.add(consumerId);
  }

  /** Learns from one exchange, after the rules have judged it. */
  learn(exchange: ObservedExchange): void {
    const answer = answeredObject(exchange);
    if (!answer) return;
    const body = requestObject(exchange);
    const cardId = exchange.params.cardId;
    const consumerId = exchange.params.consumerId;
    switch (exchange.operationId) {
      case 'createCard':
      case 'registerCard': {
        const card = typeof answer.cardId === 'string' ? answer.cardId : cardId;
        if (card && typeof body?.consumerId === 'string') this.link(card, body.consumerId);
        if (card && this.autoEnrolment) this.enrolCard(card);
        break;
      }
      case 'clickToPayEnrol':
        if (cardId) {
          this.enrolCard(cardId);
          if (typeof answer.operationId === 'string') this.enrolOperations.set(answer.operationId, cardId);
        }
        break;
      case 'getCardList':
        for (const card of arrayOf(answer.cards)) if (consumerId && typeof card.cardId === 'string') this.link(card.cardId, consumerId);
        break;
      case 'clickToPayGetConsumerProfiles': {
        const profiles = arrayOf(answer.clickToPayProfiles);
        if (consumerId && profiles.length > 0) this.consumers.add(consumerId);
        for (const profile of profiles) {
          for (const card of arrayOf(profile.cards)) {
            if (typeof card.cardId !== 'string') continue;
            this.enrolCard(card.cardId);
            if (consumerId) this.link(card.cardId, consumerId);
          }
        }
        break;
      }
      case 'getCardOperation':
      case 'getCardOperations':
        // An enrol seen ending FAILED left the card out of Click to Pay.
        for (const operation of answer.operations === undefined ? [answer] : arrayOf(answer.operations)) {
          const enrolled = typeof operation.operationId === 'string' ? this.enrolOperations.get(operation.operationId) : undefined;
          if (enrolled && operation.status === 'FAILED') this.cards.delete(enrolled);
        }
        break;
      default:
    }
  }
}

/** CTP-OPTOUT-CARD-ENROLLED-ONLY, CTP-UPDATE-CARD-ENROLLED-ONLY, CTP-UPDATE-CONSUMER-ENROLLED-ONLY. */
export const optOutsAndUpdatesOnlyForEnrolled: UsageCheck = (view) => {
  const ledger = new EnrolmentLedger(view.autoEnrolment);
  const judged: Record<'optoutCard' | 'updateCard' | 'updateConsumer', number[]> = { optoutCard: [], updateCard: [], updateConsumer: [] };
  const departures: Record<keyof typeof judged, Departure[]> = { optoutCard: [], updateCard: [], updateConsumer: [] };
  for (const exchange of view.exchanges) {
    const cardId = exchange.params.cardId ?? '';
    const consumerId = exchange.params.consumerId ?? '';
    const judge = (kind: keyof typeof judged, enrolled: boolean, what: string): void => {
      judged[kind].push(exchange.sequence);
      if (!enrolled) departures[kind].push({ sequence: exchange.sequence, what });
    };
    if (isOperation(exchange, 'clickToPayOptoutCard'))
      judge('optoutCard', ledger.cardEnrolled(cardId), 'opt-out of a card never seen enrolled');
    if (isOperation(exchange, 'clickToPayUpdateCard'))
      judge('updateCard', ledger.cardEnrolled(cardId), 'update of a card never seen enrolled');
    if (isOperation(exchange, 'clickToPayUpdateConsumer'))
      judge('updateConsumer', ledger.consumerEnrolled(consumerId), 'update of a consumer with no card seen enrolled');
    ledger.learn(exchange);
  }
  const known = 'known from its enrol calls, or from the profiles it read, during the observation';
  return [
    finding(
      'CTP-OPTOUT-CARD-ENROLLED-ONLY',
      'path /cardId',
      `card opt-outs only for cards the issuer enrolled (${known})`,
      judged.optoutCard,
      departures.optoutCard,
      'card opt-outs',
    ),
    finding(
      'CTP-UPDATE-CARD-ENROLLED-ONLY',
      'path /cardId',
      `card updates only for cards the issuer enrolled (${known})`,
      judged.updateCard,
      departures.updateCard,
      'card updates',
    ),
    finding(
      'CTP-UPDATE-CONSUMER-ENROLLED-ONLY',
      'path /consumerId',
      `consumer updates only for consumers with a card the issuer enrolled (${known})`,
      judged.updateConsumer,
      departures.updateConsumer,
      'consumer updates',
    ),
  ];
};

// --- asynchronous results -----------------------------------------------------------------------------------------

/** The rule that asks the issuer to follow up each asynchronous write, by operation. */
export const FOLLOW_UP_RULES: Readonly<Partial<Record<OperationId, RuleId>>> = {
  createCard: 'CARD-CREATE-REGISTER-FOLLOW-UP',
  registerCard: 'CARD-CREATE-REGISTER-FOLLOW-UP',
  renewCard: 'CARD-RENEW-REPLACE-FOLLOW-UP',
  replaceCard: 'CARD-RENEW-REPLACE-FOLLOW-UP',
  deleteCard: 'CARD-DELETE-FOLLOW-UP',
  suspendCard: 'CARD-SUSPEND-RESUME-FOLLOW-UP',
  resumeCard: 'CARD-SUSPEND-RESUME-FOLLOW-UP',
  registerConsumer: 'CONSUMER-REGISTER-FOLLOW-UP',
  deleteConsumer: 'CONSUMER-DELETE-FOLLOW-UP',
  updateConsumer: 'CONSUMER-UPDATE-FOLLOW-UP',
  clickToPayEnrol: 'CTP-ENROL-FOLLOW-UP',
  clickToPayUpdateCard: 'CTP-UPDATE-CARD-FOLLOW-UP',
  clickToPayUpdateConsumer: 'CTP-UPDATE-CONSUMER-FOLLOW-UP',
  clickToPayOptoutCard: 'CTP-OPTOUT-CARD-FOLLOW-UP',
  clickToPayOptoutConsumer: 'CTP-OPTOUT-CONSUMER-FOLLOW-UP',
};

interface PendingWrite {
  readonly exchange: ObservedExchange;
  readonly ruleId: RuleId;
  readonly operationId: string;
  readonly target: { readonly kind: 'card'; readonly cardId: string } | { readonly kind: 'consumer'; readonly consumerId: string };
}

export function pendingWriteOf(exchange: ObservedExchange): PendingWrite | undefined {
  const ruleId = exchange.operationId ? FOLLOW_UP_RULES[exchange.operationId] : undefined;
  const answer = answeredObject(exchange);
  if (!ruleId || answer?.status !== 'PENDING' || typeof answer.operationId !== 'string') return undefined;
  const cardId = exchange.params.cardId ?? (typeof answer.cardId === 'string' ? answer.cardId : undefined);
  const consumerId = exchange.params.consumerId;
  if (consumerId !== undefined && exchange.params.cardId === undefined)
    return { exchange, ruleId, operationId: answer.operationId, target: { kind: 'consumer', consumerId } };
  if (cardId !== undefined) return { exchange, ruleId, operationId: answer.operationId, target: { kind: 'card', cardId } };
  return undefined;
}

/** Each operationId D1 answered through a getter (one operation, or a list), with the last call that read it. */
export function operationsReadBack(exchanges: readonly ObservedExchange[]): Map<string, number> {
  const read = new Map<string, number>();
  for (const exchange of exchanges) {
    const answer = answeredObject(exchange);
    if (!answer) continue;
    if (isOperation(exchange, 'getCardOperation', 'getConsumerOperation') && exchange.params.operationId)
      read.set(exchange.params.operationId, exchange.sequence);
    if (isOperation(exchange, 'getCardOperations', 'getConsumerOperations')) {
      for (const operation of arrayOf(answer.operations))
        if (typeof operation.operationId === 'string') read.set(operation.operationId, exchange.sequence);
    }
  }
  return read;
}

/** The card operations whose notification reached the issuer's backend and was never acknowledged, with when first sent. */
function missedCardNotifications(view: ObservationView): Map<string, number> {
  const acknowledged = new Set(view.notifications.filter(isAcknowledged).flatMap((n) => n.items.map((i) => i.operationId)));
  const missed = new Map<string, number>();
  for (const notification of view.notifications) {
    if (notification.kind !== 'card' || isAcknowledged(notification)) continue;
    for (const { operationId } of notification.items)
      if (!acknowledged.has(operationId) && !missed.has(operationId)) missed.set(operationId, notification.at);
  }
  return missed;
}

/**
 * NOTIFY-CARD-RECONCILE: a card notification the issuer's backend missed (D1 sent it, the backend never acknowledged
 * it) is made up for by reading the operation from D1. The write it reports, when the issuer made one, is judged here
 * rather than under its *-FOLLOW-UP rule: one missed result, one rule.
 */
export const missedNotificationsReconciled: UsageCheck = (view) => {
  const documented =
    'each card operation whose notification the issuer missed read from D1 (Get card operation or the operation list) afterwards';
  if (!view.notificationsVisible)
    return [
      finding(
        'NOTIFY-CARD-RECONCILE',
        'sequence of calls',
        documented,
        [],
        [],
        'missed card notifications',
        "D1's notifications go straight to the issuer, out of the observer's sight",
      ),
    ];
  const cutoff = view.endedAt - view.limits.followUpGraceSeconds * 1000;
  const readAt = new Map<string, number>();
  for (const exchange of view.exchanges) {
    const answer = answeredObject(exchange);
    if (!answer || !isOperation(exchange, 'getCardOperation', 'getCardOperations')) continue;
    const ids = exchange.params.operationId
      ? [exchange.params.operationId]
      : arrayOf(answer.operations).flatMap((o) => (typeof o.operationId === 'string' ? [o.operationId] : []));
    for (const id of ids) readAt.set(id, exchange.receivedAt);
  }
  const writeOf = new Map(
    view.exchanges.flatMap((e) => {
      const operationId = answeredObject(e)?.operationId;
      return typeof operationId === 'string' ? [[operationId, e.sequence] as const] : [];
    }),
  );
  const judged: number[] = [];
  const departures: Departure[] = [];
  for (const [operationId, at] of missedCardNotifications(view)) {
    if (at > cutoff) continue;
    const sequence = writeOf.get(operationId) ?? 0;
    judged.push(sequence);
    if ((readAt.get(operationId) ?? 0) < at) {
      departures.push({
        sequence,
        at: sequence > 0 ? `the notification of call #${sequence}` : 'a card notification',
        what: 'the backend did not acknowledge it and the operation was never read from D1 afterwards',
      });
    }
  }
  return [finding('NOTIFY-CARD-RECONCILE', 'sequence of calls', documented, judged, departures, 'missed card notifications')];
};

/** *-FOLLOW-UP: each write answered PENDING is read back through its getter, or its notification is acknowledged. */
export const asynchronousResultsFollowedUp: UsageCheck = (view) => {
  const missed = missedCardNotifications(view);
  // A write whose card notification the backend missed is NOTIFY-CARD-RECONCILE's to judge.
  const writes = view.exchanges.flatMap((e) => pendingWriteOf(e) ?? []).filter((w) => !missed.has(w.operationId));
  const cutoff = view.endedAt - view.limits.followUpGraceSeconds * 1000;
  const acknowledged = new Set(view.notifications.filter(isAcknowledged).flatMap((n) => n.items.map((i) => i.operationId)));
  const readBack = operationsReadBack(view.exchanges);
  const ruleIds = [...new Set(Object.values(FOLLOW_UP_RULES))];
  return ruleIds.flatMap((ruleId): UsageFinding[] => {
    const mine = writes.filter((w) => w.ruleId === ruleId);
    const judged = mine.filter((w) => w.exchange.receivedAt <= cutoff);
    const unread = judged.filter((w) => (readBack.get(w.operationId) ?? 0) <= w.exchange.sequence && !acknowledged.has(w.operationId));
    const documented =
      'the outcome of each write answered PENDING read back through the operation getter, or its notification acknowledged by the issuer';
    const sequences = judged.map((w) => w.exchange.sequence);
    const tooRecent = mine.length - judged.length;
    if (unread.length > 0 && !view.notificationsVisible) {
      return [
        finding(
          ruleId,
          'sequence of calls',
          documented,
          sequences,
          [],
          'pending writes',
          `${unread.length} of ${judged.length} pending writes not read back through the getter; ` +
            "D1's notifications go straight to the issuer, out of the observer's sight, so they cannot be judged",
        ),
      ];
    }
    const departures = unread.map((w) => ({
      sequence: w.exchange.sequence,
      what: `${w.exchange.operationId ?? 'write'} answered PENDING, never read back and no notification of it acknowledged`,
    }));
    const tooRecentWhy =
      judged.length === 0 && tooRecent > 0
        ? `${tooRecent} pending writes answered in the last ${view.limits.followUpGraceSeconds} s of the observation, too recent to judge`
        : undefined;
    return [finding(ruleId, 'sequence of calls', documented, sequences, departures, 'pending writes', tooRecentWhy)];
  });
};

// --- card identifiers ---------------------------------------------------------------------------------------------

/** CARD-REGISTER-CARDID-NOT-PAN: the cardId an issuer registers does not look like a card number. */
export const cardIdsAreNotCardNumbers: UsageCheck = (view) => {
  const registrations = view.exchanges.filter((e) => isOperation(e, 'registerCard'));
  const departures = registrations.flatMap((e): Departure[] =>
    detectedKind(e.params.cardId ?? '') === 'a card number'
      ? [{ sequence: e.sequence, what: 'the cardId holds a card number: 13 to 19 digits standing on their own that pass the Luhn check' }]
      : [],
  );
  return [
    finding(
      'CARD-REGISTER-CARDID-NOT-PAN',
      'path /cardId',
      'a cardId that is neither the PAN nor derived from it',
      registrations.map((e) => e.sequence),
      departures,
      'card registrations',
    ),
  ];
};

/** A usage check and the rules it reports on: each of them gets a finding from every run, if only a skipped one. */
export interface RegisteredCheck {
  readonly rules: readonly RuleId[];
  readonly check: UsageCheck;
}

/**
 * Every usage check, in the order the evidence lists them, with the rules it judges: the one place that says which
 * rules the observer can judge (tests/observer/observer-rule-coverage.spec.ts holds it against the catalogue).
 */
export const USAGE_CHECKS = {
  tokensReusedUntilExpiry: { rules: ['D1-TOKEN-REUSE'], check: tokensReusedUntilExpiry },
  assertionsFollowTheJwtRules: {
    rules: [
      'D1-TOKEN-ASSERTION-JWT',
      'D1-TOKEN-JWT-ES256',
      'D1-TOKEN-JWT-KID',
      'D1-TOKEN-JWT-ISS',
      'D1-TOKEN-JWT-SUB',
      'D1-TOKEN-JWT-EXP-INTEGER',
      'D1-TOKEN-JWT-EXP-MAX',
      'D1-TOKEN-JWT-NOT-EXPIRED',
    ],
    check: assertionsFollowTheJwtRules,
  },
  everyCallCarriesABearerToken: { rules: ['D1-TOKEN-BEARER-ON-CALLS'], check: everyCallCarriesABearerToken },
  correlationIdsCarryNoPersonalData: {
    rules: ['CARD-CREATE-REGISTER-CORRELATIONID-NO-PII', 'CONSUMER-REGISTER-CORRELATIONID-NO-PII'],
    check: correlationIdsCarryNoPersonalData,
  },
  noBulkEnrolment: { rules: ['CTP-ENROL-NO-BULK'], check: noBulkEnrolment },
  enrolIsNotAnUpdate: { rules: ['CTP-ENROL-NOT-AN-UPDATE'], check: enrolIsNotAnUpdate },
  optOutsAndUpdatesOnlyForEnrolled: {
    rules: ['CTP-OPTOUT-CARD-ENROLLED-ONLY', 'CTP-UPDATE-CARD-ENROLLED-ONLY', 'CTP-UPDATE-CONSUMER-ENROLLED-ONLY'],
    check: optOutsAndUpdatesOnlyForEnrolled,
  },
  missedNotificationsReconciled: { rules: ['NOTIFY-CARD-RECONCILE'], check: missedNotificationsReconciled },
  asynchronousResultsFollowedUp: { rules: [...new Set(Object.values(FOLLOW_UP_RULES))], check: asynchronousResultsFollowedUp },
  cardIdsAreNotCardNumbers: { rules: ['CARD-REGISTER-CARDID-NOT-PAN'], check: cardIdsAreNotCardNumbers },
  cardIdsRegisteredOnce: { rules: ['CARD-REGISTER-CARDID-UNIQUE', 'CARD-REGISTER-CARDID-REUSE'], check: cardIdsRegisteredOnce },
  cardDataTravelsEncrypted: { rules: ['CARD-REGISTER-PAN-ENCRYPTED'], check: cardDataTravelsEncrypted },
  cardProductsOnboarded: { rules: ['CARD-CREATE-PRODUCT-ONBOARDED'], check: cardProductsOnboarded },
  resumesFitTheConsumer: { rules: ['CARD-RESUME-CONSUMER-STATE'], check: resumesFitTheConsumer },
  deletedConsumerIdsStayDeleted: { rules: ['CONSUMER-DELETE-NEW-ID'], check: deletedConsumerIdsStayDeleted },
  consumerRegistrationsCarryTheirFields: {
    rules: ['CONSUMER-REGISTER-RECOMMENDED-FIELDS', 'CONSUMER-REGISTER-CTP-FIELDS'],
    check: consumerRegistrationsCarryTheirFields,
  },
  clickToPayProfilesGetTheirData: { rules: ['CONSUMER-REGISTER-CTP-PROFILE-DATA'], check: clickToPayProfilesGetTheirData },
  consumerUpdatesCarryEveryField: { rules: ['CTP-UPDATE-CONSUMER-ALL-FIELDS'], check: consumerUpdatesCarryEveryField },
  storedDataKeptCurrent: { rules: ['CONSUMER-UPDATE-WHEN-STORED'], check: storedDataKeptCurrent },
} as const satisfies Readonly<Record<string, RegisteredCheck>>;

/** The rules the observer judges, from the registry. */
export const OBSERVER_RULES: ReadonlySet<RuleId> = new Set(
  Object.values(USAGE_CHECKS).flatMap((registered: RegisteredCheck) => registered.rules),
);

export async function runUsageChecks(view: ObservationView): Promise<UsageFinding[]> {
  const findings: UsageFinding[] = [];
  for (const [name, registered] of Object.entries(USAGE_CHECKS) as [string, RegisteredCheck][]) {
    for (const found of await registered.check(view)) {
      // The registry is what the coverage of the catalogue is computed from: a check reporting elsewhere is a bug.
      if (!registered.rules.includes(found.ruleId))
        throw new Error(`the usage check ${name} reported ${found.ruleId}, which its registration does not list`);
      findings.push(found);
    }
  }
  return findings;
}
