/**
 * Usage rules about the life of the issuer's cards and consumers, judged from the sequence of its calls: a cardId
 * registered once, reused only as the documents allow, card data never in clear, products it was onboarded with, no
 * resume for a deleted consumer's card, no deleted consumerId brought back, no enrol used as an update.
 */
import { createHash } from 'node:crypto';
import type { RuleId } from '../gen/catalogue.js';
import type { ObservedExchange } from './observed-exchange.js';
import { answeredObject, requestObject } from './observed-exchange.js';
import { cardNumbersIn } from '../lib/redaction.js';
import { accepted } from './consumer-data.js';
import { arrayOf, Cases, Departures, finding, isOperation, type UsageCheck } from './usage-finding.js';

interface CardSeen {
  /** The call that brought the card into D1. */
  readonly sequence: number;
  readonly origin: 'created' | 'registered';
  readonly consumerId: string | undefined;
  /** The encrypted card data it was registered with (their keyed hash): an identical registration is a retry. */
  readonly encryptedData: string | undefined;
  /** Undefined while the card lives; how it ended otherwise. */
  ended: 'deleted' | 'replaced' | 'refused' | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The consumer of each card and the cards of each consumer, so that a consumer's end reaches its cards directly. */
class CardsByConsumer {
  private readonly consumerOf = new Map<string, string>();
  private readonly cardsOf = new Map<string, Set<string>>();

  set(cardId: string, consumerId: string | undefined): void {
    const previous = this.consumerOf.get(cardId);
    if (previous === consumerId) return;
    if (previous !== undefined) {
      const cards = this.cardsOf.get(previous);
      cards?.delete(cardId);
      if (cards?.size === 0) this.cardsOf.delete(previous);
    }
    if (consumerId === undefined) {
      this.consumerOf.delete(cardId);
      return;
    }
    this.consumerOf.set(cardId, consumerId);
    const cards = this.cardsOf.get(consumerId) ?? new Set<string>();
    cards.add(cardId);
    this.cardsOf.set(consumerId, cards);
  }

  /** A copy: the caller may change the index while it walks the list. */
  cards(consumerId: string): readonly string[] {
    return [...(this.cardsOf.get(consumerId) ?? [])];
  }
}

/** The operations a card-operation read reports: one operation, or the list of them. */
const operationsRead = (exchange: ObservedExchange): readonly Readonly<Record<string, unknown>>[] => {
  const answer = answeredObject(exchange);
  if (!isOperation(exchange, 'getCardOperation', 'getCardOperations') || !answer) return [];
  return answer.operations === undefined ? [answer] : arrayOf(answer.operations);
};

/**
 * The cards and consumers the observation saw come and go, learnt call by call. Checks read it before an exchange
 * (what was known when the issuer made the call) and teach it the exchange after.
 */
class LifeCycle {
  readonly cards = new Map<string, CardSeen>();
  /** Consumers whose deletion D1 accepted, with the call that deleted them. */
  readonly deletedConsumers = new Map<string, number>();
  private readonly consumerOfCard = new Map<string, string>();
  /** The write that brought each card in, by D1's operationId: a FAILED outcome means the card never came. */
  private readonly arrivals = new Map<string, string>();
  private readonly cardsByConsumer = new CardsByConsumer();

  consumerOf(cardId: string): string | undefined {
    return this.cards.get(cardId)?.consumerId ?? this.consumerOfCard.get(cardId);
  }

  private admit(cardId: string, card: CardSeen): void {
    this.cards.set(cardId, card);
    this.cardsByConsumer.set(cardId, card.consumerId);
  }

  private end(cardId: string, how: NonNullable<CardSeen['ended']>): void {
    const card = this.cards.get(cardId);
    if (card && card.ended === undefined) card.ended = how;
  }

  learn(exchange: ObservedExchange): void {
    const answer = answeredObject(exchange);
    const body = requestObject(exchange);
    const cardId = exchange.params.cardId;
    const consumerId = exchange.params.consumerId;
    for (const operation of operationsRead(exchange)) {
      const arrived = text(operation.operationId) ? this.arrivals.get(String(operation.operationId)) : undefined;
      if (arrived && operation.status === 'FAILED') this.end(arrived, 'refused');
    }
    if (!accepted(exchange)) return;
    switch (exchange.operationId) {
      case 'createCard': {
        const created = text(answer?.cardId);
        if (!created) break;
        this.admit(created, {
          sequence: exchange.sequence,
          origin: 'created',
          consumerId: text(body?.consumerId),
          encryptedData: undefined,
          ended: undefined,
        });
        if (text(answer?.operationId)) this.arrivals.set(String(answer?.operationId), created);
        break;
      }
      case 'registerCard': {
        if (!cardId) break;
        const previous = this.cards.get(cardId);
        // A retry of a registration still live keeps the card as it was first seen.
        if (previous && previous.ended === undefined) break;
        this.admit(cardId, {
          sequence: exchange.sequence,
          origin: 'registered',
          consumerId: text(body?.consumerId),
          encryptedData: text(body?.encryptedData),
          ended: undefined,
        });
        if (text(answer?.operationId)) this.arrivals.set(String(answer?.operationId), cardId);
        break;
      }
      case 'replaceCard': {
        if (!cardId) break;
        this.end(cardId, 'replaced');
        const newCardId = text(body?.newCardId);
        if (newCardId)
          this.admit(newCardId, {
            sequence: exchange.sequence,
            origin: 'registered',
            consumerId: this.consumerOf(cardId),
            encryptedData: text(body?.encryptedData),
            ended: undefined,
          });
        break;
      }
      case 'deleteCard':
        if (cardId) this.end(cardId, 'deleted');
        break;
      case 'deleteConsumer':
        if (!consumerId) break;
        this.deletedConsumers.set(consumerId, exchange.sequence);
        // Deleting a consumer deletes its cards.
        for (const id of this.cardsByConsumer.cards(consumerId)) this.end(id, 'deleted');
        break;
      case 'getCardList':
        for (const card of arrayOf(answer?.cards))
          if (consumerId && text(card.cardId)) this.consumerOfCard.set(String(card.cardId), consumerId);
        break;
      default:
    }
  }
}

/** A judgement told each call with the life cycle as it stood before that call, which it then learns. */
function replay(judge: (exchange: ObservedExchange, life: LifeCycle) => void): (exchange: ObservedExchange) => void {
  const life = new LifeCycle();
  return (exchange) => {
    judge(exchange, life);
    life.learn(exchange);
  };
}

/**
 * CARD-REGISTER-CARDID-UNIQUE and CARD-REGISTER-CARDID-REUSE, one fact each: a registration under a cardId that still
 * names a live card breaks uniqueness; under a cardId whose card ended, it is a reuse, allowed only when that card was
 * registered (not made by create card). Whether the earlier card's product transacts is not in the calls, so that
 * condition is not judged. The same registration sent again (same encrypted data, same consumer) is a retry.
 */
export const cardIdsRegisteredOnce: UsageCheck = () => {
  const judged = new Cases();
  const reused = new Cases();
  const twice = new Departures();
  const wrongReuse = new Departures();
  return {
    call: replay((exchange, life) => {
      if (!isOperation(exchange, 'registerCard') || !exchange.params.cardId) return;
      judged.add(exchange.sequence);
      const earlier = life.cards.get(exchange.params.cardId);
      if (!earlier) return;
      const body = requestObject(exchange);
      if (earlier.ended === undefined) {
        const retry =
          earlier.origin === 'registered' &&
          earlier.encryptedData !== undefined &&
          earlier.encryptedData === text(body?.encryptedData) &&
          earlier.consumerId === text(body?.consumerId);
        if (!retry)
          twice.add({
            sequence: exchange.sequence,
            what:
              `the cardId already names a live card, ${earlier.origin} at call #${earlier.sequence}, ` +
              'and other card data are registered under it',
          });
        return;
      }
      if (earlier.ended === 'refused') return;
      reused.add(exchange.sequence);
      if (earlier.origin === 'created')
        wrongReuse.add({
          sequence: exchange.sequence,
          what:
            `the cardId was made by create card at call #${earlier.sequence} and ${earlier.ended} since; ` +
            'a cardId made by D1 is not registered again',
        });
    }),
    finish: () => [
      finding(
        'CARD-REGISTER-CARDID-UNIQUE',
        'path /cardId',
        'each registration under a cardId no live card holds (the same registration sent again is a retry)',
        judged,
        twice,
        'card registrations',
      ),
      finding(
        'CARD-REGISTER-CARDID-REUSE',
        'path /cardId',
        'a cardId registered again only after its card was deleted or replaced, ' +
          'and only when that card was registered rather than made by create card',
        reused,
        wrongReuse,
        'registrations reusing a cardId',
      ),
    ],
  };
};

// Members that name card data in clear, compared with separators removed and lowercased.
const CLEAR_CARD_DATA_KEYS = new Set([
  'pan',
  'cardnumber',
  'primaryaccountnumber',
  'accountnumber',
  'expiry',
  'expirydate',
  'expirationdate',
  'exp',
  'cvv',
  'cvc',
]);

function clearCardDataAt(value: unknown, pointer: string, depth: number): string | undefined {
  // Bounded: a hostile body nested thousands of levels deep must not exhaust the stack.
  if (depth > 32) return undefined;
  if (typeof value === 'string' || typeof value === 'number')
    return cardNumbersIn(String(value)).length > 0 ? `a card number in clear at ${pointer || '/'}` : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = `${pointer}/${key}`;
    if (CLEAR_CARD_DATA_KEYS.has(key.replace(/[-_\s]/g, '').toLowerCase()) && child !== null && child !== undefined && child !== '')
      return `card data in clear in ${at}`;
    const found = clearCardDataAt(child, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Where a body holds card data in clear (a card number in any value, or a member named for card data), said without
 * the data; undefined when it holds none. Read on arrival: the kept body no longer shows a card number as one.
 */
export const clearCardDataIn = (body: unknown): string | undefined => clearCardDataAt(body, '', 0);

/**
 * The contract rules a body with card data in clear usually breaks too (no JWE, or a non-JWE where it belongs): the
 * same fact seen from the body's shape. The arrival code drops their departures on a call carrying card data in
 * clear, so that one deviation fails one rule, the documented security rule below.
 */
export const SUPERSEDED_BY_CLEAR_CARD_DATA: readonly RuleId[] = [
  'CARD-REGISTER-ENCRYPTEDDATA-REQUIRED',
  'CARD-REGISTER-ENCRYPTEDDATA-PATTERN',
  'CARD-RENEW-REPLACE-ENCRYPTEDDATA-PATTERN',
];

/**
 * CARD-REGISTER-PAN-ENCRYPTED, a security rule: the card data of a registration (and of a renewal or replacement)
 * travel only inside the JWE.
 */
export const cardDataTravelsEncrypted: UsageCheck = () => {
  const carriers = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      if (!isOperation(exchange, 'registerCard', 'renewCard', 'replaceCard')) return;
      carriers.add(exchange.sequence);
      if (exchange.clearCardData)
        departures.add({ sequence: exchange.sequence, what: `${exchange.clearCardData} (${exchange.operationId ?? 'call'})` });
    },
    finish: () => [
      finding(
        'CARD-REGISTER-PAN-ENCRYPTED',
        'body',
        'card number and expiry date only inside the JWE-encrypted card data, never in a clear field',
        carriers,
        departures,
        'calls carrying card data',
      ),
    ],
  };
};

/** Whether D1 refused the call naming the field as a value it does not take. */
const refusedField = (exchange: ObservedExchange, field: string): boolean => {
  const json = exchange.response?.json as Record<string, unknown> | undefined;
  return exchange.response?.status === 400 && json?.errorCode === 'FIELD_INVALID_VALUE' && json.error === field;
};

/**
 * CARD-CREATE-PRODUCT-ONBOARDED: against the products the observer knows were onboarded (the embedded mock D1's),
 * or, in front of a real D1, against D1's own refusal of the product.
 */
export const cardProductsOnboarded: UsageCheck = (setup) => {
  const products = setup.cardProducts;
  const creations = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      const product = text(requestObject(exchange)?.cardProductId);
      if (!isOperation(exchange, 'createCard') || product === undefined || exchange.response === undefined) return;
      creations.add(exchange.sequence);
      const known = products ? products.has(product) : !refusedField(exchange, 'cardProductId');
      if (!known)
        departures.add({
          sequence: exchange.sequence,
          what: products
            ? 'the cardProductId is none of the products onboarded for the issuer'
            : 'D1 refused the cardProductId as a value it does not take',
        });
    },
    finish: () => [
      finding(
        'CARD-CREATE-PRODUCT-ONBOARDED',
        'body /cardProductId',
        products
          ? `a cardProductId onboarded for the issuer (${[...products].join(', ')})`
          : 'a cardProductId onboarded for the issuer, which D1 takes',
        creations,
        departures,
        'card creations',
      ),
    ],
  };
};

/** CARD-RESUME-CONSUMER-STATE: no resume of a card whose consumer the issuer deleted. */
export const resumesFitTheConsumer: UsageCheck = () => {
  const judged = new Cases();
  const departures = new Departures();
  return {
    call: replay((exchange, life) => {
      if (!isOperation(exchange, 'resumeCard') || !exchange.params.cardId) return;
      const consumerId = life.consumerOf(exchange.params.cardId);
      if (consumerId === undefined) return;
      judged.add(exchange.sequence);
      const deletedAt = life.deletedConsumers.get(consumerId);
      if (deletedAt !== undefined)
        departures.add({ sequence: exchange.sequence, what: `resume of a card whose consumer was deleted at call #${deletedAt}` });
    }),
    finish: () => [
      finding(
        'CARD-RESUME-CONSUMER-STATE',
        'path /cardId',
        "resumes only of cards whose consumer is still active (the card's consumer known from the calls)",
        judged,
        departures,
        'resumes of cards with a known consumer',
      ),
    ],
  };
};

/** CONSUMER-DELETE-NEW-ID: a deleted consumerId is never registered again, nor given a card. */
export const deletedConsumerIdsStayDeleted: UsageCheck = () => {
  const judged = new Cases();
  const departures = new Departures();
  return {
    call: replay((exchange, life) => {
      const consumerId = isOperation(exchange, 'registerConsumer')
        ? exchange.params.consumerId
        : isOperation(exchange, 'createCard', 'registerCard')
          ? text(requestObject(exchange)?.consumerId)
          : undefined;
      if (consumerId === undefined) return;
      judged.add(exchange.sequence);
      const deletedAt = life.deletedConsumers.get(consumerId);
      if (deletedAt !== undefined)
        departures.add({
          sequence: exchange.sequence,
          what: `${exchange.operationId ?? 'call'} names the consumerId deleted at call #${deletedAt}`,
        });
    }),
    finish: () => [
      finding(
        'CONSUMER-DELETE-NEW-ID',
        'consumerId',
        'a person brought back after deletion registered under a new consumerId, never the deleted one',
        judged,
        departures,
        'registrations naming a consumer',
      ),
    ],
  };
};

/**
 * The data an enrol carries, without the reason that explains the call, as a digest: an enrolled card costs the
 * same to remember whatever its enrol carried.
 */
const enrolData = (exchange: ObservedExchange): string => {
  const { reason: _reason, reasonCode: _reasonCode, ...data } = requestObject(exchange) ?? {};
  return createHash('sha256')
    .update(JSON.stringify(data, Object.keys(data).sort()))
    .digest('base64');
};

interface Enrolment {
  readonly sequence: number;
  readonly data: string;
  readonly operationId: string | undefined;
}

/** The cards enrolled by an enrol, also by the operation D1 answered, so that a FAILED outcome finds its card directly. */
class Enrolments {
  private readonly byCard = new Map<string, Enrolment>();
  private readonly byOperation = new Map<string, Set<string>>();

  get(cardId: string): Enrolment | undefined {
    return this.byCard.get(cardId);
  }

  add(cardId: string, enrolment: Enrolment): void {
    this.delete(cardId);
    this.byCard.set(cardId, enrolment);
    if (enrolment.operationId === undefined) return;
    const cards = this.byOperation.get(enrolment.operationId) ?? new Set<string>();
    cards.add(cardId);
    this.byOperation.set(enrolment.operationId, cards);
  }

  delete(cardId: string): void {
    const enrolment = this.byCard.get(cardId);
    if (!enrolment) return;
    this.byCard.delete(cardId);
    if (enrolment.operationId === undefined) return;
    const cards = this.byOperation.get(enrolment.operationId);
    cards?.delete(cardId);
    if (cards?.size === 0) this.byOperation.delete(enrolment.operationId);
  }

  failed(operationId: unknown): void {
    if (typeof operationId !== 'string') return;
    for (const cardId of [...(this.byOperation.get(operationId) ?? [])]) this.delete(cardId);
  }
}

/**
 * CTP-ENROL-NOT-AN-UPDATE: a card enrolled by an enrol (not opted out, deleted or failed since) is enrolled again
 * only with the same data; other data mean the enrol is used to change them, which update card or consumer does.
 */
export const enrolIsNotAnUpdate: UsageCheck = () => {
  const enrolled = new Enrolments();
  const owners = new CardsByConsumer();
  const judged = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      const cardId = exchange.params.cardId;
      const answer = answeredObject(exchange);
      if (isOperation(exchange, 'clickToPayEnrol') && cardId) {
        const earlier = enrolled.get(cardId);
        if (earlier) {
          judged.add(exchange.sequence);
          if (earlier.data !== enrolData(exchange))
            departures.add({
              sequence: exchange.sequence,
              what: `the card enrolled at call #${earlier.sequence} is enrolled again with other data`,
            });
        }
      }
      for (const operation of operationsRead(exchange)) if (operation.status === 'FAILED') enrolled.failed(operation.operationId);
      if (!accepted(exchange)) return;
      const consumerId = exchange.params.consumerId;
      if (isOperation(exchange, 'createCard', 'registerCard')) {
        const card = text(answer?.cardId) ?? cardId;
        const owner = text(requestObject(exchange)?.consumerId);
        if (card && owner) owners.set(card, owner);
      }
      if (isOperation(exchange, 'clickToPayEnrol') && cardId && !enrolled.get(cardId))
        enrolled.add(cardId, { sequence: exchange.sequence, data: enrolData(exchange), operationId: text(answer?.operationId) });
      if (isOperation(exchange, 'clickToPayOptoutCard', 'deleteCard', 'replaceCard') && cardId) enrolled.delete(cardId);
      if (isOperation(exchange, 'clickToPayOptoutConsumer', 'deleteConsumer') && consumerId)
        for (const id of owners.cards(consumerId)) enrolled.delete(id);
    },
    finish: () => [
      finding(
        'CTP-ENROL-NOT-AN-UPDATE',
        'path /cardId',
        'no enrol of an enrolled card with other data: Click to Pay data change through update card or update consumer',
        judged,
        departures,
        'enrols of cards already enrolled',
      ),
    ],
  };
};
