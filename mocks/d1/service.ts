import type { OperationId } from '../../gen/operations.js';
import { send } from '../../lib/http/client.js';
import { Router } from '../../lib/contracts/router.js';
import { validateRequest, type Violation } from '../../lib/validation/index.js';
import { schemeOfPan } from '../../lib/card-data.js';
import { readBodyAs, type Answer, type IncomingExchange } from '../http/server.js';
import type { Authorizer } from './authorizer.js';
import { panFingerprint, type CardDataKey } from './card-data-key.js';
import type { D1Fault } from './faults.js';
import type { Notifier, NotificationKind } from './notifier.js';
import type { BehaviourOptions, CardProduct, FinalStatus, IssuerBackend } from './options.js';
import { IssuerState, newCardId, newOperationId, type CardRecord, type OperationRecord, type OperationTarget } from './state.js';

type Json = Record<string, unknown>;

/** An outcome of an asynchronous operation's work. */
interface Outcome {
  readonly status: FinalStatus;
  readonly errorCode?: string;
  readonly error?: string;
}

const SUCCESS: Outcome = { status: 'SUCCESSFUL' };
const failed = (errorCode: string, error: string): Outcome => ({ status: 'FAILED', errorCode, error });

/**
 * The resume reasons each suspension reason takes (CARD-RESUME-MATCHING-REASON); none for the reasons after which a
 * card stays suspended until it is replaced (CARD-SUSPEND-UNTIL-REPLACED).
 */
const RESUME_REASONS: Readonly<Record<string, readonly string[]>> = {
  CARD_LOST: ['CARD_FOUND'],
  USER_DECISION: ['USER_DECISION'],
  ISSUER_DECISION: ['ISSUER_DECISION'],
  CARD_STOLEN: [],
  CARD_BROKEN: [],
  FRAUD: [],
};

export const d1Error = (errorCode: string, error: string): Json => ({ errorCode, error });
const unauthorized: Answer = { status: 401, body: d1Error('AUTHORIZER_UNAUTHORIZED', 'Unauthorized message') };

export interface ServiceSettings {
  readonly operationDelayMs: number;
  readonly behaviour: BehaviourOptions;
  readonly cardProducts: Readonly<Record<string, CardProduct>>;
  readonly backends: ReadonlyMap<string, IssuerBackend>;
  readonly faults: ReadonlySet<D1Fault>;
  /** Click to Pay auto-enrolment, configured for the issuer: every new card is enrolled by D1 itself. */
  readonly autoEnrolment: boolean;
}

/** Where in a request a violation sits, as D1 names the field in error. */
const fieldName = (violation: Violation): string =>
  violation.pointer
    .split('/')
    .filter((s) => s !== '' && !/^\d+$/.test(s))
    .pop() ?? violation.part;

/**
 * The mock D1's behaviour: routing, authentication, request validation, then the operation itself, against state
 * kept per issuer. Writes answer at once with an operationId and complete after `operationDelayMs`, notifying the
 * issuer when it subscribed.
 */
export class D1Service {
  private readonly router = new Router('d1');
  private readonly states = new Map<string, IssuerState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Cards once opted out, and consumers once enrolled, per issuer: what the documented idempotency rules turn on. */
  private readonly optedOutCards = new Map<string, Set<string>>();
  private readonly everEnrolled = new Map<string, Set<string>>();
  private readonly deletedPans = new Map<string, Set<string>>();

  constructor(
    private readonly authorizer: Authorizer,
    private readonly notifier: Notifier,
    private readonly cardDataKey: CardDataKey,
    private readonly settings: ServiceSettings,
  ) {}

  private has(fault: D1Fault): boolean {
    return this.settings.faults.has(fault);
  }

  state(issuerId: string): IssuerState {
    let state = this.states.get(issuerId);
    if (!state) {
      state = new IssuerState(issuerId);
      this.states.set(issuerId, state);
    }
    return state;
  }

  private setOf(map: Map<string, Set<string>>, issuerId: string): Set<string> {
    let set = map.get(issuerId);
    if (!set) {
      set = new Set();
      map.set(issuerId, set);
    }
    return set;
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.states.clear();
    this.optedOutCards.clear();
    this.everEnrolled.clear();
    this.deletedPans.clear();
  }

  async handle(exchange: IncomingExchange): Promise<Answer> {
    const route = this.router.match(exchange.method, exchange.path);
    if (route.kind === 'not-found') return { status: 404, body: d1Error('NOT_FOUND', 'no D1 operation at this path') };
    if (route.kind === 'method-not-allowed') {
      return { status: 405, headers: { allow: route.allowed.join(', ') }, body: d1Error('METHOD_NOT_ALLOWED', `use ${route.allowed.join(' or ')}`) };
    }
    const { operationId, params } = route;

    const reading = readBodyAs(exchange);
    if (reading.kind === 'unreadable') return { status: 400, body: d1Error('FIELD_INVALID_FORMAT', 'body') };
    const body = reading.kind === 'empty' ? undefined : reading.value;

    if (operationId === 'getToken') return this.token(exchange, body);

    const authorization = exchange.headers.authorization;
    const bearer = this.authorizer.check(authorization);
    const skipAuth = operationId === 'clickToPayEnrol' && authorization === undefined && this.has('missing-token-accepted');
    if (!bearer.valid && !skipAuth) return unauthorized;

    const violations = this.relevantViolations(
      operationId,
      validateRequest(operationId, { path: params, query: exchange.query, headers: exchange.headers, body }),
      body,
    );
    const first = violations[0];
    if (first) {
      return { status: 400, body: d1Error(first.keyword === 'enum' ? 'FIELD_INVALID_VALUE' : 'FIELD_INVALID_FORMAT', fieldName(first)) };
    }
    const issuerId = params.issuerId ?? '';
    // A token only opens its own issuer's resources.
    if (bearer.valid && bearer.issuerId !== issuerId) return unauthorized;
    return this.dispatch(operationId, issuerId, params, exchange.query, (body ?? {}) as Json);
  }

  /** The request violations the mock answers 400 to; planted faults let some through. */
  private relevantViolations(operationId: OperationId, violations: Violation[], body: unknown): Violation[] {
    if (operationId !== 'clickToPayEnrol') return violations;
    return violations.filter((v) => {
      if (v.ruleId === 'CTP-ENROL-ISSUERID-LENGTH' && this.has('enrol-issuer-id-length-unchecked')) return false;
      if (this.has('enrol-name-length-unchecked') && v.pointer === '/name') {
        // Only the length is let go: a name of allowed characters, however long, passes.
        const name = (body as Json | undefined)?.name;
        return !(typeof name === 'string' && /^[\p{L}\p{N}\u0600-\u06FF ,.'_#;:/-]+$/u.test(name));
      }
      return true;
    });
  }

  private async token(exchange: IncomingExchange, body: unknown): Promise<Answer> {
    const violations = validateRequest('getToken', { headers: exchange.headers, body });
    const first = violations[0];
    if (first) return { status: 400, body: d1Error(first.keyword === 'enum' ? 'FIELD_INVALID_VALUE' : 'FIELD_INVALID_FORMAT', fieldName(first)) };
    const result = await this.authorizer.grant(body as Json);
    if (!result.granted) return { status: 400, body: d1Error('FIELD_INVALID_VALUE', result.field) };
    return { status: 200, headers: { 'cache-control': 'no-store' }, body: result.body };
  }

  private dispatch(operationId: OperationId, issuerId: string, params: Readonly<Record<string, string>>, query: IncomingExchange['query'], body: Json): Answer | Promise<Answer> {
    const state = this.state(issuerId);
    const cardId = params.cardId ?? '';
    const consumerId = params.consumerId ?? '';
    switch (operationId) {
      case 'createCard':
        return this.createCard(state, body);
      case 'registerCard':
        return this.registerCard(state, cardId, body);
      case 'renewCard':
        return this.cardOperation(state, cardId, 'RENEW', () => this.live(state, cardId) ? SUCCESS : failed('CARD_NOT_FOUND', 'no such card'));
      case 'replaceCard':
        return this.cardOperation(state, cardId, 'REPLACE', () => this.replace(state, cardId, body));
      case 'deleteCard':
        return this.cardOperation(state, cardId, 'DELETE', () => this.deleteCard(state, cardId));
      case 'suspendCard':
        return this.cardOperation(state, cardId, 'SUSPEND', () => this.suspend(state, cardId, String(body.reasonCode)));
      case 'resumeCard':
        return this.cardOperation(state, cardId, 'RESUME', () => this.resume(state, cardId, String(body.reasonCode)));
      case 'getCardOperation':
        return this.getOperation(state, { kind: 'card', cardId }, params.operationId ?? '');
      case 'getCardOperations':
        return this.listOperations(state, { kind: 'card', cardId }, query);
      case 'registerConsumer':
        return valueNotAllowed(body) ?? this.registerConsumer(state, consumerId, body);
      case 'deleteConsumer':
        return this.consumerOperation(state, consumerId, 'DELETE', () => this.deleteConsumer(state, consumerId));
      case 'updateConsumer':
        return valueNotAllowed(body) ?? this.consumerOperation(state, consumerId, 'UPDATE', () => {
          const consumer = state.consumers.get(consumerId);
          if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
          consumer.personalInformation = (body.personalInformation as Json | undefined) ?? consumer.personalInformation;
          return SUCCESS;
        });
      case 'getCardList':
        return {
          status: 200,
          body: {
            cards: [...state.cards.values()]
              .filter((c) => c.consumerId === consumerId && c.state !== 'DELETED')
              .map((c) => ({ cardId: c.cardId, ...(c.cardProductId ? { cardProductId: c.cardProductId } : {}) })),
          },
        };
      case 'getConsumerOperation':
        return this.getOperation(state, { kind: 'consumer', consumerId }, params.operationId ?? '');
      case 'getConsumerOperations':
        return this.listOperations(state, { kind: 'consumer', consumerId }, query);
      case 'clickToPayEnrol':
        return this.enrol(state, cardId);
      case 'clickToPayGetConsumerProfiles':
        return this.profiles(state, consumerId);
      case 'clickToPayUpdateCard':
        return this.cardOperation(state, cardId, 'CLICK_TO_PAY_UPDATE', () =>
          state.profileHolding(cardId) ? SUCCESS : failed('CARD_NOT_ENROLLED', 'the card is not enrolled in Click to Pay'),
        );
      case 'clickToPayUpdateConsumer':
        return this.consumerOperation(state, consumerId, 'CLICK_TO_PAY_UPDATE', () =>
          state.profilesOf(consumerId).length > 0 ? SUCCESS : failed('CONSUMER_NOT_ENROLLED', 'the consumer is not enrolled in Click to Pay'),
        );
      case 'clickToPayOptoutCard':
        return this.optOutCard(state, cardId);
      case 'clickToPayOptoutConsumer':
        return this.optOutConsumer(state, consumerId);
      default:
        return { status: 404, body: d1Error('NOT_FOUND', 'no D1 operation at this path') };
    }
  }

  // --- operations ----------------------------------------------------------------------------------------------

  private live(state: IssuerState, cardId: string): CardRecord | undefined {
    const card = state.cards.get(cardId);
    return card && card.state !== 'DELETED' ? card : undefined;
  }

  private startOperation(state: IssuerState, target: OperationTarget, operation: string, operationId = newOperationId()): OperationRecord {
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
    if (this.settings.behaviour.notifyPending) this.notify(state.issuerId, record);
    return record;
  }

  /** Completes an operation after the configured delay, with the outcome its work produces, and notifies it. */
  private complete(state: IssuerState, record: OperationRecord, work: () => Outcome | Promise<Outcome>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      Promise.resolve()
        .then(work)
        .catch((): Outcome => failed('INTERNAL_ERROR', 'the operation could not complete'))
        .then((outcome) => this.finish(state, record, outcome))
        .catch(() => undefined);
    }, this.settings.operationDelayMs);
    this.timers.add(timer);
  }

  private finish(state: IssuerState, record: OperationRecord, outcome: Outcome): void {
    record.status = outcome.status;
    record.endTime = new Date().toISOString();
    record.errorCode = outcome.errorCode;
    record.error = outcome.error;
    if (record.operation === 'CLICK_TO_PAY_ENROLMENT') {
      if (this.has('enrol-notification-never-sent')) return;
      if (this.has('two-final-results')) {
        this.notify(state.issuerId, record);
        this.notify(state.issuerId, { ...record, status: record.status === 'SUCCESSFUL' ? 'FAILED' : 'SUCCESSFUL' });
        return;
      }
    }
    this.notify(state.issuerId, record);
    // With auto-enrolment configured, a card D1 has just created or registered goes to Click to Pay at once.
    if (this.settings.autoEnrolment && record.status === 'SUCCESSFUL' && record.target.kind === 'card' && ['CREATE', 'REGISTER'].includes(record.operation)) {
      this.enrol(state, record.target.cardId);
    }
  }

  private notify(issuerId: string, record: OperationRecord): void {
    const optOutAsCard = record.operation === 'CLICK_TO_PAY_OPTOUT' && record.target.kind === 'consumer' && this.has('consumer-optout-notified-as-card');
    const kind: NotificationKind = record.target.kind === 'card' || optOutAsCard ? 'card' : 'consumer';
    const item: Json = {
      operationId: record.operationId,
      operation: record.operation,
      status: record.status,
      startTime: record.startTime,
      ...(record.endTime ? { endTime: record.endTime } : {}),
      ...(record.target.kind === 'card' ? { cardId: record.target.cardId } : optOutAsCard ? { cardId: record.target.consumerId } : { consumerId: record.target.consumerId }),
      ...(record.errorCode ? { errorCode: record.errorCode, error: record.error } : {}),
    };
    if (kind === 'card' && this.has('notification-without-start-time')) delete item.startTime;
    this.notifier.enqueue(issuerId, kind, item);
  }

  private accepted(record: OperationRecord, extra: Json = {}): Answer {
    return { status: 200, body: { ...extra, operationId: record.operationId, status: record.status } };
  }

  private cardOperation(state: IssuerState, cardId: string, operation: string, work: () => Outcome | Promise<Outcome>): Answer {
    const record = this.startOperation(state, { kind: 'card', cardId }, operation);
    this.complete(state, record, work);
    return this.accepted(record);
  }

  private consumerOperation(state: IssuerState, consumerId: string, operation: string, work: () => Outcome | Promise<Outcome>): Answer {
    const record = this.startOperation(state, { kind: 'consumer', consumerId }, operation);
    this.complete(state, record, work);
    return this.accepted(record);
  }

  private createCard(state: IssuerState, body: Json): Answer {
    const cardProductId = String(body.cardProductId);
    const product = this.settings.cardProducts[cardProductId];
    if (!product) return { status: 400, body: d1Error('FIELD_INVALID_VALUE', 'cardProductId') };
    const consumerId = String(body.consumerId);
    const consumer = state.consumer(consumerId);
    if (consumer.deleted) return { status: 400, body: d1Error('FIELD_INVALID_VALUE', 'consumerId') };
    const cardId = newCardId();
    state.cards.set(cardId, {
      cardId,
      consumerId,
      cardProductId,
      scheme: product.scheme,
      refusesCardEnrolment: product.refusesCardEnrolment === true,
      panFingerprint: undefined,
      state: body.state === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
      suspendReason: undefined,
    });
    const record = this.startOperation(state, { kind: 'card', cardId }, 'CREATE');
    this.complete(state, record, () => SUCCESS);
    return this.accepted(record, { cardId });
  }

  private async registerCard(state: IssuerState, cardId: string, body: Json): Promise<Answer> {
    const data = await this.cardDataKey.decrypt(String(body.encryptedData));
    if (!data) return { status: 400, body: d1Error('FIELD_INVALID_VALUE', 'encryptedData') };
    const existing = state.cards.get(cardId);
    const fingerprint = panFingerprint(data.pan);
    const consumerId = String(body.consumerId);
    const unknownConsumer = !state.consumers.has(consumerId);
    const record = this.startOperation(state, { kind: 'card', cardId }, 'REGISTER');
    const scheme = schemeOfPan(data.pan);
    const cardProductId = typeof body.cardProductId === 'string' ? body.cardProductId : undefined;
    this.complete(state, record, async () => {
      if (existing && existing.state !== 'DELETED') return failed('CARD_ALREADY_EXISTS', 'the cardId is in use');
      if (this.setOf(this.deletedPans, state.issuerId).has(fingerprint)) return failed('CARD_DELETED', 'the card number was deleted before');
      if (!scheme) return failed('UNSUPPORTED_SCHEME', 'the card number belongs to no supported scheme');
      if (state.consumer(consumerId).deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
      const product = cardProductId ? this.settings.cardProducts[cardProductId] : undefined;
      state.cards.set(cardId, {
        cardId,
        consumerId,
        cardProductId,
        scheme,
        refusesCardEnrolment: product?.refusesCardEnrolment === true,
        panFingerprint: fingerprint,
        state: 'ACTIVE',
        suspendReason: undefined,
      });
      // A consumer registered on the fly has no details in D1 yet: D1 asks the issuer for them.
      if (unknownConsumer) await this.consumerInformation(state.issuerId, consumerId, cardId);
      return SUCCESS;
    });
    return this.accepted(record);
  }

  private async replace(state: IssuerState, cardId: string, body: Json): Promise<Outcome> {
    const card = this.live(state, cardId);
    if (!card) return failed('CARD_NOT_FOUND', 'no such card');
    const newId = typeof body.newCardId === 'string' ? body.newCardId : undefined;
    if (!newId || newId === cardId) return SUCCESS;
    if (state.cards.has(newId)) return failed('CARD_ALREADY_EXISTS', 'the new cardId is in use');
    const data = typeof body.encryptedData === 'string' ? await this.cardDataKey.decrypt(body.encryptedData) : undefined;
    const panFingerprintOfNew = data ? panFingerprint(data.pan) : card.panFingerprint;
    state.cards.set(newId, { ...card, cardId: newId, panFingerprint: panFingerprintOfNew, state: 'ACTIVE', suspendReason: undefined });
    card.state = 'DELETED';
    // The replaced card's number cannot be registered again, as after a delete.
    if (card.panFingerprint && card.panFingerprint !== panFingerprintOfNew) this.setOf(this.deletedPans, state.issuerId).add(card.panFingerprint);
    // D1 relinks the Click to Pay enrolment to the replacement card.
    const holder = state.profileHolding(cardId);
    if (holder) {
      holder.profile.cards.delete(cardId);
      holder.profile.cards.add(newId);
    }
    return SUCCESS;
  }

  private suspend(state: IssuerState, cardId: string, reasonCode: string): Outcome {
    const card = this.live(state, cardId);
    if (!card) return failed('CARD_NOT_FOUND', 'no such card');
    card.state = 'SUSPENDED';
    card.suspendReason = reasonCode;
    return SUCCESS;
  }

  private resume(state: IssuerState, cardId: string, reasonCode: string): Outcome {
    const card = this.live(state, cardId);
    if (!card) return failed('CARD_NOT_FOUND', 'no such card');
    if (state.consumers.get(card.consumerId)?.deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
    if (card.state === 'SUSPENDED' && card.suspendReason !== undefined) {
      const allowed = RESUME_REASONS[card.suspendReason] ?? [];
      if (allowed.length === 0) return failed('CARD_SUSPENDED_UNTIL_REPLACED', `a card suspended as ${card.suspendReason} stays suspended until it is replaced`);
      if (!allowed.includes(reasonCode)) return failed('RESUME_REASON_MISMATCH', `a card suspended as ${card.suspendReason} is resumed with ${allowed.join(' or ')}`);
    }
    card.state = 'ACTIVE';
    card.suspendReason = undefined;
    return SUCCESS;
  }

  /** Removes a card from the Click to Pay directory; the consumer's profile goes with its last card. */
  private removeFromDirectory(state: IssuerState, cardId: string, byCardOptOut = false): boolean {
    const holder = state.profileHolding(cardId);
    if (!holder) return false;
    holder.profile.cards.delete(cardId);
    if (holder.profile.cards.size === 0 && !(byCardOptOut && this.has('last-card-optout-keeps-profile'))) {
      const list = state.profilesOf(holder.consumerId);
      list.splice(list.indexOf(holder.profile), 1);
    }
    this.setOf(this.optedOutCards, state.issuerId).add(cardId);
    return true;
  }

  private deleteCard(state: IssuerState, cardId: string): Outcome {
    const card = this.live(state, cardId);
    if (!card) return failed('CARD_NOT_FOUND', 'no such card');
    card.state = 'DELETED';
    if (card.panFingerprint) this.setOf(this.deletedPans, state.issuerId).add(card.panFingerprint);
    if (!this.has('delete-card-keeps-enrolment')) this.removeFromDirectory(state, cardId);
    return SUCCESS;
  }

  private registerConsumer(state: IssuerState, consumerId: string, body: Json): Answer {
    const existing = state.consumers.get(consumerId);
    const record = this.startOperation(state, { kind: 'consumer', consumerId }, 'REGISTER');
    if (existing?.deleted) {
      this.finish(state, record, failed('CONSUMER_DELETED', 'a deleted consumer cannot be registered again'));
    } else {
      state.consumer(consumerId).personalInformation = (body.personalInformation as Json | undefined) ?? existing?.personalInformation;
      this.finish(state, record, SUCCESS);
    }
    return this.accepted(record);
  }

  private deleteConsumer(state: IssuerState, consumerId: string): Outcome {
    const consumer = state.consumers.get(consumerId);
    if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
    consumer.deleted = true;
    consumer.personalInformation = undefined;
    for (const card of state.cards.values()) {
      if (card.consumerId === consumerId && card.state !== 'DELETED') {
        card.state = 'DELETED';
        this.removeFromDirectory(state, card.cardId);
      }
    }
    state.profiles.delete(consumerId);
    return SUCCESS;
  }

  private getOperation(state: IssuerState, target: OperationTarget, operationId: string): Answer {
    const record = state.operationsOf(target).find((r) => r.operationId === operationId);
    if (!record) return { status: 404, body: d1Error('NOT_FOUND', 'no such operation') };
    return { status: 200, body: operationModel(record) };
  }

  private listOperations(state: IssuerState, target: OperationTarget, query: IncomingExchange['query']): Answer {
    const offset = Number(query.offset ?? 0);
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    const newestFirst = [...state.operationsOf(target)].reverse();
    const page = newestFirst.slice(offset, limit === undefined ? undefined : offset + limit);
    return { status: 200, body: { operations: page.map(operationModel) } };
  }

  // --- Click to Pay ----------------------------------------------------------------------------------------------

  private enrol(state: IssuerState, cardId: string): Answer {
    const operationId = this.has('enrol-operation-id-bad-pattern') ? `op.${newOperationId().slice(3)}` : newOperationId();
    const record = this.startOperation(state, { kind: 'card', cardId }, 'CLICK_TO_PAY_ENROLMENT', operationId);
    if (!this.has('enrol-stays-pending')) this.complete(state, record, () => this.enrolWork(state, cardId));
    return this.accepted(record);
  }

  private async enrolWork(state: IssuerState, cardId: string): Promise<Outcome> {
    const card = this.live(state, cardId);
    if (!card?.scheme) return failed('CARD_NOT_FOUND', 'no such card');
    if (state.profileHolding(cardId)) {
      return this.settings.behaviour.repeatedEnrol === 'SUCCESSFUL' ? SUCCESS : failed('CARD_ALREADY_ENROLLED', 'the card is already enrolled');
    }
    if (this.has('reenrol-after-optout-fails') && this.setOf(this.optedOutCards, state.issuerId).has(cardId)) {
      return failed('CARD_OPTED_OUT', 'the card was opted out');
    }
    const consumer = state.consumer(card.consumerId);
    if (consumer.deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
    if (!consumer.personalInformation) {
      const found = await this.consumerInformation(state.issuerId, card.consumerId, cardId);
      if (!found) return failed('CONSUMER_INFORMATION_UNAVAILABLE', 'the issuer did not provide the consumer information');
    }
    const profiles = state.profilesOf(card.consumerId);
    let profile = this.has('duplicate-scheme-profile') ? undefined : profiles.find((p) => p.scheme === card.scheme);
    if (!profile) {
      profile = { scheme: card.scheme, cards: new Set() };
      profiles.push(profile);
    }
    this.setOf(this.everEnrolled, state.issuerId).add(card.consumerId);
    // The scheme enrolled the consumer but refused the card: the profile stays, without this card.
    if (card.refusesCardEnrolment) return failed('CARD_ENROLMENT_REFUSED', 'the scheme refused the card');
    profile.cards.add(cardId);
    return SUCCESS;
  }

  /** Asks the issuer's Get Consumer Information for a consumer whose details D1 does not hold. */
  private async consumerInformation(issuerId: string, consumerId: string, cardId: string): Promise<boolean> {
    const backend = this.settings.backends.get(issuerId);
    if (!backend) return false;
    try {
      const token = await this.notifier.issuerToken(issuerId);
      const response = await send({
        method: 'GET',
        url: `${backend.baseUrl}/banking/d1/v1/issuers/${issuerId}/consumers/${encodeURIComponent(consumerId)}?cardId=${encodeURIComponent(cardId)}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeoutMs: 5_000,
      });
      return response.status === 200 && typeof (response.json as Json | undefined)?.consumerInfo === 'object';
    } catch {
      return false;
    }
  }

  private profiles(state: IssuerState, consumerId: string): Answer {
    const list = state.profiles.get(consumerId) ?? [];
    if (list.length === 0 && this.has('profiles-never-enrolled-404') && !this.setOf(this.everEnrolled, state.issuerId).has(consumerId)) {
      return { status: 404, body: d1Error('NOT_FOUND', 'no profile') };
    }
    return {
      status: 200,
      body: { clickToPayProfiles: list.map((p) => ({ scheme: p.scheme, cards: [...p.cards].map((id) => ({ cardId: id })) })) },
    };
  }

  private optOutCard(state: IssuerState, cardId: string): Answer {
    return this.cardOperation(state, cardId, 'CLICK_TO_PAY_OPTOUT', () => {
      if (this.removeFromDirectory(state, cardId, true)) return SUCCESS;
      return this.settings.behaviour.repeatedCardOptout === 'SUCCESSFUL' ? SUCCESS : failed('CARD_NOT_ENROLLED', 'the card is not enrolled');
    });
  }

  private optOutConsumer(state: IssuerState, consumerId: string): Answer {
    const profiles = state.profilesOf(consumerId);
    const wasEnrolled = this.setOf(this.everEnrolled, state.issuerId).has(consumerId);
    if (profiles.length === 0) {
      if (wasEnrolled && this.has('consumer-optout-repeat-409')) return { status: 409, body: d1Error('CONFLICT', 'the consumer is already opted out') };
      // Nothing to remove: the documents answer SUCCESSFUL at once, for a repeat and for a consumer never enrolled.
      const record = this.startOperation(state, { kind: 'consumer', consumerId }, 'CLICK_TO_PAY_OPTOUT');
      const outcome = !wasEnrolled && this.has('consumer-optout-never-enrolled-fails') ? failed('CONSUMER_NOT_ENROLLED', 'never enrolled') : SUCCESS;
      if (outcome.status === 'SUCCESSFUL') {
        this.finish(state, record, outcome);
        return this.accepted(record);
      }
      this.complete(state, record, () => outcome);
      return this.accepted(record);
    }
    return this.consumerOperation(state, consumerId, 'CLICK_TO_PAY_OPTOUT', () => {
      const keepOne = this.has('consumer-optout-keeps-cards');
      for (const profile of [...profiles]) {
        for (const cardId of [...profile.cards]) {
          if (keepOne && profile === profiles[0] && profile.cards.size === 1) break;
          profile.cards.delete(cardId);
          this.setOf(this.optedOutCards, state.issuerId).add(cardId);
        }
      }
      const remaining = profiles.filter((p) => p.cards.size > 0);
      profiles.splice(0, profiles.length, ...(keepOne ? remaining : []));
      return SUCCESS;
    });
  }
}

/**
 * A consumer field in its documented format whose value cannot be (CONSUMER-REGISTER-ERROR-VALUE): a date of birth
 * that is no calendar day, or one in the future.
 */
function valueNotAllowed(body: Json): Answer | undefined {
  const dateOfBirth = (body.personalInformation as Json | undefined)?.dateOfBirth;
  if (typeof dateOfBirth !== 'string') return undefined;
  const day = new Date(`${dateOfBirth}T00:00:00Z`);
  const isCalendarDay = !Number.isNaN(day.getTime()) && day.toISOString().startsWith(dateOfBirth);
  return isCalendarDay && day.getTime() <= Date.now() ? undefined : { status: 400, body: d1Error('FIELD_INVALID_VALUE', 'dateOfBirth') };
}

function operationModel(record: OperationRecord): Json {
  return {
    operationId: record.operationId,
    operation: record.operation,
    status: record.status,
    startTime: record.startTime,
    ...(record.endTime ? { endTime: record.endTime } : {}),
    requestorType: record.requestorType,
    requestorId: record.requestorId,
  };
}
