/**
 * The usage rules a contract cannot express, checked on what the observer saw of the issuer's calls to D1. Each is a
 * named check of one shape: a judge told each call as it arrives, which keeps only what later calls and the end of the
 * observation need (indexes by token, card, consumer and operation, never the calls) and reports, per rule id,
 * passed, failed or skipped (when the observation held nothing to judge), with what the rule documents and what was
 * received. What they report never repeats a token, an assertion or a value of personal data: they describe, they do
 * not quote.
 */
import type { RuleId } from '../gen/catalogue.js';
import type { OperationId } from '../gen/operations.js';
import {
  answeredObject,
  isAcknowledged,
  requestObject,
  type AssertionFacts,
  type ObservedExchange,
  type ObservedNotification,
} from './observed-exchange.js';
import {
  arrayOf,
  Cases,
  Departures,
  finding,
  isOperation,
  SAMPLE_SIZE,
  seconds,
  type JudgeSetup,
  type UsageCheck,
  type UsageFinding,
  type UsageJudge,
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
export type { JudgeSetup, UsageCheck, UsageFinding, UsageJudge } from './usage-finding.js';

// --- tokens -----------------------------------------------------------------------------------------------------

interface Granted {
  readonly sequence: number;
  /** The token's keyed hash, as the calls that carry it show it in `bearer`. */
  readonly token: string;
  readonly expiresAt: number;
}

/** The token D1 granted in an exchange, and when it expires; undefined when the exchange granted none. */
function grantOf(exchange: ObservedExchange): Granted | undefined {
  if (!isOperation(exchange, 'getToken')) return undefined;
  const body = answeredObject(exchange);
  if (typeof body?.access_token !== 'string') return undefined;
  const lifetime = Number(body.expires_in ?? 900);
  const lifetimeSeconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 900;
  return { sequence: exchange.sequence, token: body.access_token, expiresAt: exchange.receivedAt + lifetimeSeconds * 1000 };
}

/** A token request, as a departure shows it. */
interface TokenRequest {
  /** Its rank among the token requests of its instance, from 1. */
  readonly rank: number;
  readonly sequence: number;
  readonly receivedAt: number;
}

/**
 * A granted token, as the token requests of its instance suspect it. Each request made while it is fresh and not
 * refused suspects the issuer of dropping it, until a later call with it answers the suspicion. The suspicions standing
 * are always the requests ranked after `clearedAt` up to `closedAt` (up to the latest while it is still fresh): one
 * range, so a grant costs two numbers and the first few of those requests, however many suspect it.
 */
interface Grant extends Granted {
  /** The rank of the instance's last token request before the grant, or before the token's latest use. */
  clearedAt: number;
  /** The rank of the instance's last token request while the token was fresh and not refused; undefined while it is. */
  closedAt: number | undefined;
  /** The first of the requests standing, in order. */
  readonly standing: TokenRequest[];
}

/**
 * The token requests, grants and uses of one instance of the issuer's backend. Several instances each fetch and keep a
 * token of their own, so one instance's grants, uses and refusals say nothing of another's.
 */
class InstanceTokens {
  private requests = 0;
  /** Grants still fresh and not refused, the soonest to expire first. */
  private readonly live: Grant[] = [];
  /** The grants live or with suspicions standing, by token: no other grant can ever stand again. */
  private readonly byToken = new Map<string, Grant[]>();
  /** Live grants keeping fewer standing requests than a finding shows. */
  private readonly filling = new Set<Grant>();

  constructor(private readonly marginMs: number) {}

  /** A call carried the token: the suspicions standing on its grants are answered. */
  used(token: string): void {
    const grants = this.byToken.get(token);
    if (!grants) return;
    for (const grant of grants) {
      grant.clearedAt = this.requests;
      grant.standing.length = 0;
      if (grant.closedAt === undefined) this.filling.add(grant);
    }
    const live = grants.filter((grant) => grant.closedAt === undefined);
    if (live.length > 0) this.byToken.set(token, live);
    else this.byToken.delete(token);
  }

  /** A token request: the grants no longer fresh leave the suspects, the others are suspected by it. */
  requested(exchange: ObservedExchange): void {
    let expired = 0;
    for (const grant of this.live) {
      if (grant.expiresAt - exchange.receivedAt > this.marginMs) break;
      expired += 1;
    }
    for (const grant of this.live.splice(0, expired)) this.close(grant);
    this.requests += 1;
    if (this.live.length === 0) return;
    const request: TokenRequest = { rank: this.requests, sequence: exchange.sequence, receivedAt: exchange.receivedAt };
    for (const grant of this.filling) {
      grant.standing.push(request);
      if (grant.standing.length >= SAMPLE_SIZE) this.filling.delete(grant);
    }
  }

  /** D1 refused the token with 401: asking for a new one is no longer suspect. */
  refused(token: string): void {
    for (const grant of [...(this.byToken.get(token) ?? [])]) {
      if (grant.closedAt !== undefined) continue;
      this.live.splice(this.live.indexOf(grant), 1);
      this.close(grant);
    }
  }

  granted(granted: Granted): void {
    const grant: Grant = { ...granted, clearedAt: this.requests, closedAt: undefined, standing: [] };
    // Lifetimes rarely vary: a new grant nearly always expires last.
    let at = this.live.length;
    while (at > 0 && (this.live[at - 1]?.expiresAt ?? 0) > grant.expiresAt) at -= 1;
    this.live.splice(at, 0, grant);
    this.byToken.set(grant.token, [...(this.byToken.get(grant.token) ?? []), grant]);
    this.filling.add(grant);
  }

  private close(grant: Grant): void {
    grant.closedAt = this.requests;
    this.filling.delete(grant);
    if (grant.closedAt === grant.clearedAt) this.forget(grant);
  }

  private forget(grant: Grant): void {
    const others = (this.byToken.get(grant.token) ?? []).filter((g) => g !== grant);
    if (others.length > 0) this.byToken.set(grant.token, others);
    else this.byToken.delete(grant.token);
  }

  private ranges(): { readonly grant: Grant; readonly from: number; readonly to: number }[] {
    return [...this.byToken.values()]
      .flat()
      .map((grant) => ({ grant, from: grant.clearedAt, to: grant.closedAt ?? this.requests }))
      .filter((range) => range.to > range.from);
  }

  /** How many of the instance's token requests have a suspicion standing, and the first few of them. */
  standing(): { readonly count: number; readonly first: readonly TokenRequest[] } {
    let count = 0;
    let reach = 0;
    for (const { from, to } of this.ranges().sort((a, b) => a.from - b.from)) {
      count += Math.max(0, to - Math.max(from, reach));
      reach = Math.max(reach, to);
    }
    // The first requests of the union of the ranges are each among the first of their own range.
    const first = new Map<number, TokenRequest>();
    for (const grants of this.byToken.values())
      for (const grant of grants) for (const request of grant.standing) first.set(request.rank, request);
    return { count, first: [...first.values()].sort((a, b) => a.rank - b.rank).slice(0, SAMPLE_SIZE) };
  }

  /** The latest grant a request's standing suspicion is on. */
  latestSuspected(rank: number): Grant | undefined {
    let latest: Grant | undefined;
    for (const { grant, from, to } of this.ranges())
      if (from < rank && rank <= to && (latest === undefined || grant.sequence > latest.sequence)) latest = grant;
    return latest;
  }
}

/**
 * D1-TOKEN-REUSE: a token is asked for only when the one it replaces is near its end, or was refused. Judged per
 * instance of the issuer's backend: each instance keeps a token of its own, and only a token dropped while still fresh
 * breaks the rule.
 */
export const tokensReusedUntilExpiry: UsageCheck = (setup) => {
  const marginMs = setup.limits.tokenRenewalMarginSeconds * 1000;
  const requests = new Cases();
  let otherCalls = 0;
  const instances = new Map<string, InstanceTokens>();
  const tokensOf = (instance: string): InstanceTokens => {
    const known = instances.get(instance);
    if (known) return known;
    const tokens = new InstanceTokens(marginMs);
    instances.set(instance, tokens);
    return tokens;
  };
  return {
    call(exchange) {
      if (exchange.operationId !== undefined && exchange.operationId !== 'getToken') otherCalls += 1;
      const asking = isOperation(exchange, 'getToken');
      const tokens = asking ? tokensOf(exchange.instance) : instances.get(exchange.instance);
      if (!tokens) return;
      const token = exchange.bearer;
      // A token carried by a request answers the suspicions of the requests before it, not its own; its refusal
      // excuses the requests after it.
      if (token) tokens.used(token);
      if (asking) {
        requests.add(exchange.sequence);
        tokens.requested(exchange);
      }
      if (token && exchange.response?.status === 401) tokens.refused(token);
      const grant = grantOf(exchange);
      if (grant) tokens.granted(grant);
    },
    finish() {
      let count = 0;
      const first: { readonly tokens: InstanceTokens; readonly request: TokenRequest }[] = [];
      for (const tokens of instances.values()) {
        const standing = tokens.standing();
        count += standing.count;
        for (const request of standing.first) first.push({ tokens, request });
      }
      const departures = new Departures();
      for (const { tokens, request } of first.sort((a, b) => a.request.sequence - b.request.sequence).slice(0, SAMPLE_SIZE)) {
        const latest = tokens.latestSuspected(request.rank);
        if (!latest) continue;
        departures.add({
          sequence: request.sequence,
          what:
            `a new token asked while the one granted at call #${latest.sequence} had ` +
            `${seconds(latest.expiresAt - request.receivedAt)} s left`,
        });
      }
      departures.count = count;
      const result = finding(
        'D1-TOKEN-REUSE',
        'sequence of token requests',
        `one access token reused for every call until it nears its expiry: a new one at most ${setup.limits.tokenRenewalMarginSeconds} s ` +
          'before the previous one expires, or after D1 refused it with 401',
        requests,
        departures,
        'token requests',
      );
      return [
        departures.count > 0
          ? { ...result, received: `${result.received} (${requests.count} token requests for ${otherCalls} other calls)` }
          : result,
      ];
    },
  };
};

// --- the JWT assertion ------------------------------------------------------------------------------------------

const claimDeparture = (claim: 'iss' | 'sub', fact: AssertionFacts['iss']): string | undefined =>
  fact === 'issuerId' ? undefined : fact === 'absent' ? `no ${claim}` : `${claim} is not the issuerId`;

/** D1-TOKEN-ASSERTION-JWT and the D1-TOKEN-JWT-* rules: each assertion the issuer signs, claim by claim. */
export const assertionsFollowTheJwtRules: UsageCheck = (setup) => {
  const skew = setup.limits.clockSkewSeconds;
  const kids = new Set(setup.issuerKids);
  const assertions = new Cases();
  const decoded = new Cases();
  const withExp = new Cases();
  const departures = {
    jwt: new Departures(),
    alg: new Departures(),
    kid: new Departures(),
    iss: new Departures(),
    sub: new Departures(),
    expInteger: new Departures(),
    expMax: new Departures(),
    notExpired: new Departures(),
  };
  return {
    call(exchange) {
      const assertion = exchange.assertion;
      if (!assertion || !isOperation(exchange, 'getToken')) return;
      const { sequence } = exchange;
      const depart = (into: Departures, what: string | undefined): void => {
        if (what) into.add({ sequence, what });
      };
      assertions.add(sequence);
      if (!assertion.jwt) {
        depart(departures.jwt, 'the assertion is not a JWT (header, claims and signature)');
        return;
      }
      // A kid naming no key the observer was given leaves the signature unjudged: no-key is no departure.
      if (assertion.signature === 'refused')
        depart(departures.jwt, `the signature does not verify with the issuer key ${String(assertion.kid)}`);
      decoded.add(sequence);
      depart(departures.alg, assertion.alg === 'ES256' ? undefined : 'alg is not ES256');
      depart(
        departures.kid,
        assertion.kid === undefined || assertion.kid === ''
          ? 'no kid'
          : kids.size > 0 && !kids.has(assertion.kid)
            ? 'kid names no key configured for the issuer'
            : undefined,
      );
      depart(departures.iss, claimDeparture('iss', assertion.iss));
      depart(departures.sub, claimDeparture('sub', assertion.sub));
      depart(
        departures.expInteger,
        !assertion.expPresent
          ? 'no exp'
          : assertion.exp !== undefined && Number.isInteger(assertion.exp)
            ? undefined
            : 'exp is not an integer',
      );
      if (assertion.exp === undefined) return;
      withExp.add(sequence);
      const ahead = assertion.exp - exchange.receivedAt / 1000;
      depart(departures.expMax, ahead > 900 + skew ? `exp ${Math.round(ahead)} s after the request` : undefined);
      depart(departures.notExpired, ahead < -skew ? `the assertion expired ${Math.round(-ahead)} s before it was sent` : undefined);
    },
    finish() {
      const knownKids = kids.size > 0 ? `, one of the configured ${[...kids].join(', ')}` : '';
      return [
        finding(
          'D1-TOKEN-ASSERTION-JWT',
          'body /assertion',
          `a complete JWT signed by the issuer${kids.size > 0 ? ', verifying with the public key its kid names' : ''}`,
          assertions,
          departures.jwt,
          'assertions',
        ),
        finding('D1-TOKEN-JWT-ES256', 'assertion header /alg', 'alg ES256', decoded, departures.alg, 'assertions'),
        finding(
          'D1-TOKEN-JWT-KID',
          'assertion header /kid',
          `a kid naming the issuer's public key${knownKids}`,
          decoded,
          departures.kid,
          'assertions',
        ),
        finding(
          'D1-TOKEN-JWT-ISS',
          'assertion claims /iss',
          `iss equal to the issuerId ${setup.issuerId}`,
          decoded,
          departures.iss,
          'assertions',
        ),
        finding(
          'D1-TOKEN-JWT-SUB',
          'assertion claims /sub',
          `sub equal to the issuerId ${setup.issuerId}`,
          decoded,
          departures.sub,
          'assertions',
        ),
        finding(
          'D1-TOKEN-JWT-EXP-INTEGER',
          'assertion claims /exp',
          'exp present, an integer number of seconds since the epoch',
          decoded,
          departures.expInteger,
          'assertions',
        ),
        finding(
          'D1-TOKEN-JWT-EXP-MAX',
          'assertion claims /exp',
          `exp at most 15 minutes after the assertion is sent (${skew} s allowed for clock difference)`,
          withExp,
          departures.expMax,
          'assertions with an exp',
        ),
        finding(
          'D1-TOKEN-JWT-NOT-EXPIRED',
          'assertion claims /exp',
          `exp still ahead when the assertion is sent (${skew} s allowed for clock difference)`,
          withExp,
          departures.notExpired,
          'assertions with an exp',
        ),
      ];
    },
  };
};

/** D1-TOKEN-BEARER-ON-CALLS: every call to D1 but the token request carries `Authorization: Bearer <token>`. */
export const everyCallCarriesABearerToken: UsageCheck = () => {
  const calls = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      if (!exchange.path.startsWith('/banking/')) return;
      calls.add(exchange.sequence);
      if (exchange.authorization === 'absent') departures.add({ sequence: exchange.sequence, what: 'no Authorization header' });
      if (exchange.authorization === 'other')
        departures.add({ sequence: exchange.sequence, what: 'the Authorization header is not Bearer followed by a token' });
    },
    finish: () => [
      finding(
        'D1-TOKEN-BEARER-ON-CALLS',
        'header /authorization',
        'Authorization: Bearer <access token> on every call but the token request',
        calls,
        departures,
        'calls to D1 APIs',
      ),
    ],
  };
};

// --- correlation ids --------------------------------------------------------------------------------------------

const CORRELATION_RULES = ['CARD-CREATE-REGISTER-CORRELATIONID-NO-PII', 'CONSUMER-REGISTER-CORRELATIONID-NO-PII'] as const;

/**
 * The catalogue states the rule twice, under register consumer and under create/register card; a call on a consumer
 * path is judged under the first, every other call under the second.
 */
const correlationRuleOf = (exchange: ObservedExchange): (typeof CORRELATION_RULES)[number] =>
  exchange.params.consumerId !== undefined ? 'CONSUMER-REGISTER-CORRELATIONID-NO-PII' : 'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII';

/** *-CORRELATIONID-NO-PII: no x-correlation-id is built from personal data. */
export const correlationIdsCarryNoPersonalData: UsageCheck = () => {
  const judged = new Map(CORRELATION_RULES.map((ruleId) => [ruleId, { calls: new Cases(), departures: new Departures() }]));
  return {
    call(exchange) {
      if (!exchange.correlationId) return;
      const rule = judged.get(correlationRuleOf(exchange));
      rule?.calls.add(exchange.sequence);
      const personal = exchange.correlationId.personal;
      if (personal) rule?.departures.add({ sequence: exchange.sequence, what: `x-correlation-id is personal data: ${personal}` });
    },
    finish: () =>
      [...judged].map(([ruleId, { calls, departures }]) =>
        finding(
          ruleId,
          'header /x-correlation-id',
          'a random x-correlation-id: no email, phone or card number, and no name, email or phone the issuer sent for its consumers',
          calls,
          departures,
          'calls with an x-correlation-id',
        ),
      ),
  };
};

// --- enrolment ----------------------------------------------------------------------------------------------------

/** The enrol calls of one millisecond: how many, and the first few. */
interface Instant {
  readonly at: number;
  count: number;
  readonly sequences: number[];
}

/**
 * CTP-ENROL-NO-BULK: enrol calls come one card at a time, never in bursts above the configured rate. The window slides
 * over the enrols as they arrive, which is the order of their arrival times; journals of several instances merged may
 * break that order a little, and an enrol that arrives inside the current second takes its place in it, while one
 * more than a second behind the latest counts in the total only: its second was judged already.
 */
export const noBulkEnrolment: UsageCheck = (setup) => {
  const limit = setup.limits.maxEnrolmentsPerSecond;
  const enrols = new Cases();
  // The last second's enrols by millisecond: a burst of any size costs at most a thousand entries.
  const window: Instant[] = [];
  let inWindow = 0;
  let latest = -Infinity;
  let busiest: { readonly size: number; readonly sequences: readonly number[] } = { size: 0, sequences: [] };
  return {
    call(exchange) {
      if (!isOperation(exchange, 'clickToPayEnrol')) return;
      const { sequence, receivedAt: at } = exchange;
      enrols.add(sequence);
      if (at <= latest - 1000) return;
      let place = window.length;
      while (place > 0 && (window[place - 1]?.at ?? at) > at) place -= 1;
      const instant = window[place - 1];
      if (instant?.at === at) {
        instant.count += 1;
        if (instant.sequences.length < SAMPLE_SIZE) instant.sequences.push(sequence);
      } else window.splice(place, 0, { at, count: 1, sequences: [sequence] });
      inWindow += 1;
      if (at > latest) {
        latest = at;
        let left = 0;
        for (const old of window) {
          if (old.at > latest - 1000) break;
          inWindow -= old.count;
          left += 1;
        }
        window.splice(0, left);
      }
      if (inWindow > busiest.size) {
        const sequences: number[] = [];
        for (const { sequences: some } of window) {
          sequences.push(...some.slice(0, SAMPLE_SIZE - sequences.length));
          if (sequences.length >= SAMPLE_SIZE) break;
        }
        busiest = { size: inWindow, sequences };
      }
    },
    finish() {
      const documented =
        `at most ${limit} enrol calls in any one second; ` + 'mass enrolment goes through batch registration with auto-enrolment';
      if (busiest.size <= limit) return [finding('CTP-ENROL-NO-BULK', 'sequence of enrol calls', documented, enrols, [], 'enrol calls')];
      return [
        {
          ruleId: 'CTP-ENROL-NO-BULK',
          outcome: 'failed',
          pointer: 'sequence of enrol calls',
          documented,
          received:
            `${busiest.size} enrol calls within one second, ` +
            `from call #${busiest.sequences[0] ?? '?'} (${enrols.count} enrol calls in all)`,
          exchanges: busiest.sequences,
        },
      ];
    },
  };
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
export const optOutsAndUpdatesOnlyForEnrolled: UsageCheck = (setup) => {
  const ledger = new EnrolmentLedger(setup.autoEnrolment);
  const judged = { optoutCard: new Cases(), updateCard: new Cases(), updateConsumer: new Cases() };
  const departures: Record<keyof typeof judged, Departures> = {
    optoutCard: new Departures(),
    updateCard: new Departures(),
    updateConsumer: new Departures(),
  };
  return {
    call(exchange) {
      const cardId = exchange.params.cardId ?? '';
      const consumerId = exchange.params.consumerId ?? '';
      const judge = (kind: keyof typeof judged, enrolled: boolean, what: string): void => {
        judged[kind].add(exchange.sequence);
        if (!enrolled) departures[kind].add({ sequence: exchange.sequence, what });
      };
      if (isOperation(exchange, 'clickToPayOptoutCard'))
        judge('optoutCard', ledger.cardEnrolled(cardId), 'opt-out of a card never seen enrolled');
      if (isOperation(exchange, 'clickToPayUpdateCard'))
        judge('updateCard', ledger.cardEnrolled(cardId), 'update of a card never seen enrolled');
      if (isOperation(exchange, 'clickToPayUpdateConsumer'))
        judge('updateConsumer', ledger.consumerEnrolled(consumerId), 'update of a consumer with no card seen enrolled');
      ledger.learn(exchange);
    },
    finish() {
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
    },
  };
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

const FOLLOW_UP_RULE_IDS: readonly RuleId[] = [...new Set(Object.values(FOLLOW_UP_RULES))];

/** A write D1 answered PENDING: its rule asks for the outcome of `operationId` to be followed up. */
export interface PendingWrite {
  readonly sequence: number;
  readonly receivedAt: number;
  /** The contract operation of the write. */
  readonly write: OperationId;
  readonly ruleId: RuleId;
  /** D1's operationId, which its getters and its notifications name. */
  readonly operationId: string;
  readonly target: { readonly kind: 'card'; readonly cardId: string } | { readonly kind: 'consumer'; readonly consumerId: string };
}

export function pendingWriteOf(exchange: ObservedExchange): PendingWrite | undefined {
  const write = exchange.operationId;
  const ruleId = write === undefined ? undefined : FOLLOW_UP_RULES[write];
  const answer = answeredObject(exchange);
  if (write === undefined || !ruleId || answer?.status !== 'PENDING' || typeof answer.operationId !== 'string') return undefined;
  const pending = { sequence: exchange.sequence, receivedAt: exchange.receivedAt, write, ruleId, operationId: answer.operationId };
  const cardId = exchange.params.cardId ?? (typeof answer.cardId === 'string' ? answer.cardId : undefined);
  const consumerId = exchange.params.consumerId;
  if (consumerId !== undefined && exchange.params.cardId === undefined) return { ...pending, target: { kind: 'consumer', consumerId } };
  if (cardId !== undefined) return { ...pending, target: { kind: 'card', cardId } };
  return undefined;
}

/** The D1 operations a getter's 2xx answer read back: the one its path names, or those its list holds. */
export function operationsReadBy(exchange: ObservedExchange): string[] {
  const answer = answeredObject(exchange);
  if (!answer) return [];
  if (isOperation(exchange, 'getCardOperation', 'getConsumerOperation'))
    return exchange.params.operationId ? [exchange.params.operationId] : [];
  if (isOperation(exchange, 'getCardOperations', 'getConsumerOperations'))
    return arrayOf(answer.operations).flatMap((operation) => (typeof operation.operationId === 'string' ? [operation.operationId] : []));
  return [];
}

/**
 * What D1's notifications showed of each operation: whether a notification of it was ever acknowledged, and when a
 * card notification the backend missed first carried it. An acknowledgement anywhere in the observation counts, even
 * one that came before the call that started the operation was recorded.
 */
class NotificationLedger {
  readonly acknowledged = new Set<string>();
  private readonly firstMissed = new Map<string, number>();

  learn(notification: ObservedNotification): void {
    if (isAcknowledged(notification)) {
      for (const { operationId } of notification.items) {
        this.acknowledged.add(operationId);
        this.firstMissed.delete(operationId);
      }
      return;
    }
    if (notification.kind !== 'card') return;
    for (const { operationId } of notification.items)
      if (!this.acknowledged.has(operationId) && !this.firstMissed.has(operationId)) this.firstMissed.set(operationId, notification.at);
  }

  /** The card operations whose notification reached the issuer's backend and was never acknowledged, with when first sent. */
  get missed(): ReadonlyMap<string, number> {
    return this.firstMissed;
  }
}

/**
 * NOTIFY-CARD-RECONCILE: a card notification the issuer's backend missed (D1 sent it, the backend never acknowledged
 * it) is made up for by reading the operation from D1. The write it reports, when the issuer made one, is judged here
 * rather than under its *-FOLLOW-UP rule: one missed result, one rule.
 */
export const missedNotificationsReconciled: UsageCheck = (setup) => {
  const notifications = new NotificationLedger();
  /** When each card operation was last read from D1. */
  const readAt = new Map<string, number>();
  /** The last call whose answer named each operation: the write that started it, or a later read of it. */
  const namedIn = new Map<string, number>();
  return {
    call(exchange) {
      if (!setup.notificationsVisible) return;
      const answer = answeredObject(exchange);
      if (typeof answer?.operationId === 'string') namedIn.set(answer.operationId, exchange.sequence);
      if (isOperation(exchange, 'getCardOperation', 'getCardOperations'))
        for (const operationId of operationsReadBy(exchange)) readAt.set(operationId, exchange.receivedAt);
    },
    notification(notification) {
      if (setup.notificationsVisible) notifications.learn(notification);
    },
    finish(endedAt) {
      const documented =
        'each card operation whose notification the issuer missed read from D1 (Get card operation or the operation list) afterwards';
      if (!setup.notificationsVisible)
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
      const cutoff = endedAt - setup.limits.followUpGraceSeconds * 1000;
      const judged = new Cases();
      const departures = new Departures();
      for (const [operationId, at] of notifications.missed) {
        if (at > cutoff) continue;
        const sequence = namedIn.get(operationId) ?? 0;
        judged.add(sequence);
        if ((readAt.get(operationId) ?? 0) < at) {
          departures.add({
            sequence,
            at: sequence > 0 ? `the notification of call #${sequence}` : 'a card notification',
            what: 'the backend did not acknowledge it and the operation was never read from D1 afterwards',
          });
        }
      }
      return [finding('NOTIFY-CARD-RECONCILE', 'sequence of calls', documented, judged, departures, 'missed card notifications')];
    },
  };
};

/** A write answered PENDING, as its follow-up rule judges it once the observation ends. */
interface OwedFollowUp {
  readonly sequence: number;
  readonly receivedAt: number;
  readonly write: OperationId;
  readonly ruleId: RuleId;
  readonly operationId: string;
  readBack: boolean;
}

/** *-FOLLOW-UP: each write answered PENDING is read back through its getter, or its notification is acknowledged. */
export const asynchronousResultsFollowedUp: UsageCheck = (setup) => {
  const notifications = new NotificationLedger();
  const writes: OwedFollowUp[] = [];
  /** The writes not read back yet, by D1 operationId: a read counts only after the write it follows up. */
  const unread = new Map<string, OwedFollowUp[]>();
  return {
    call(exchange) {
      for (const operationId of operationsReadBy(exchange)) {
        for (const write of unread.get(operationId) ?? []) write.readBack = true;
        unread.delete(operationId);
      }
      const pending = pendingWriteOf(exchange);
      if (!pending) return;
      const { sequence, receivedAt, write, ruleId, operationId } = pending;
      const owed: OwedFollowUp = { sequence, receivedAt, write, ruleId, operationId, readBack: false };
      writes.push(owed);
      unread.set(operationId, [...(unread.get(operationId) ?? []), owed]);
    },
    notification(notification) {
      notifications.learn(notification);
    },
    finish(endedAt) {
      const missed = notifications.missed;
      const cutoff = endedAt - setup.limits.followUpGraceSeconds * 1000;
      const documented =
        'the outcome of each write answered PENDING read back through the operation getter, or its notification acknowledged by the issuer';
      return FOLLOW_UP_RULE_IDS.map((ruleId): UsageFinding => {
        let mine = 0;
        const judged = new Cases();
        const departures = new Departures();
        for (const owed of writes) {
          // A write whose card notification the backend missed is NOTIFY-CARD-RECONCILE's to judge.
          if (owed.ruleId !== ruleId || missed.has(owed.operationId)) continue;
          mine += 1;
          if (owed.receivedAt > cutoff) continue;
          judged.add(owed.sequence);
          if (!owed.readBack && !notifications.acknowledged.has(owed.operationId))
            departures.add({
              sequence: owed.sequence,
              what: `${owed.write} answered PENDING, never read back and no notification of it acknowledged`,
            });
        }
        if (departures.count > 0 && !setup.notificationsVisible) {
          return finding(
            ruleId,
            'sequence of calls',
            documented,
            judged,
            [],
            'pending writes',
            `${departures.count} of ${judged.count} pending writes not read back through the getter; ` +
              "D1's notifications go straight to the issuer, out of the observer's sight, so they cannot be judged",
          );
        }
        const tooRecent = mine - judged.count;
        const tooRecentWhy =
          judged.count === 0 && tooRecent > 0
            ? `${tooRecent} pending writes answered in the last ${setup.limits.followUpGraceSeconds} s of the observation, ` +
              'too recent to judge'
            : undefined;
        return finding(ruleId, 'sequence of calls', documented, judged, departures, 'pending writes', tooRecentWhy);
      });
    },
  };
};

// --- card identifiers ---------------------------------------------------------------------------------------------

/** CARD-REGISTER-CARDID-NOT-PAN: the cardId an issuer registers does not look like a card number. */
export const cardIdsAreNotCardNumbers: UsageCheck = () => {
  const registrations = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      if (!isOperation(exchange, 'registerCard')) return;
      registrations.add(exchange.sequence);
      if (exchange.cardIdIsCardNumber)
        departures.add({
          sequence: exchange.sequence,
          what: 'the cardId holds a card number: 13 to 19 digits standing on their own that pass the Luhn check',
        });
    },
    finish: () => [
      finding(
        'CARD-REGISTER-CARDID-NOT-PAN',
        'path /cardId',
        'a cardId that is neither the PAN nor derived from it',
        registrations,
        departures,
        'card registrations',
      ),
    ],
  };
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
  asynchronousResultsFollowedUp: { rules: FOLLOW_UP_RULE_IDS, check: asynchronousResultsFollowedUp },
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

/** Every registered check at work on one observation, told each call as one judge; its findings in registry order. */
export function startUsageJudges(setup: JudgeSetup): UsageJudge {
  const judges = (Object.entries(USAGE_CHECKS) as [string, RegisteredCheck][]).map(([name, registered]) => ({
    name,
    rules: registered.rules,
    judge: registered.check(setup),
  }));
  return {
    call(exchange) {
      for (const { judge } of judges) judge.call(exchange);
    },
    notification(notification) {
      for (const { judge } of judges) judge.notification?.(notification);
    },
    consumerInformation(answer) {
      for (const { judge } of judges) judge.consumerInformation?.(answer);
    },
    finish(endedAt) {
      const findings: UsageFinding[] = [];
      for (const { name, rules, judge } of judges) {
        for (const found of judge.finish(endedAt)) {
          // The registry is what the coverage of the catalogue is computed from: a check reporting elsewhere is a bug.
          if (!rules.includes(found.ruleId))
            throw new Error(`the usage check ${name} reported ${found.ruleId}, which its registration does not list`);
          findings.push(found);
        }
      }
      return findings;
    },
  };
}
