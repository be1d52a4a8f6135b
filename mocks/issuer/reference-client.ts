/**
 * The reference issuer's client half: a bank backend that calls D1 as the documents ask, on the product's D1 client
 * (which reuses its token and signs correct assertions). It drives the certification plan (observer/plan.ts) when
 * `npm run certify` certifies the embedded reference pair, and stands for a bank's backend in the examples and tests.
 */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { OperationId } from '../../gen/operations.js';
import { encryptCardData } from '../../lib/card-data.js';
import type { CallParts, D1Client } from '../../lib/d1-client.js';
import type { HttpResponse } from '../../lib/http/client.js';

/** Fictional consumer data the scripted issuer registers; the evidence tests look for each value in the written files. */
export const PERSON = {
  language: 'en-GB',
  firstName: 'Marguerite',
  lastName: 'Okafor',
  email: 'marguerite.okafor@example.com',
  mobilePhoneNumber: '+447700900123',
} as const;
export const CARDHOLDER_NAME = 'Marguerite Okafor';
/** A Visa test number that passes the Luhn check. */
export const PAN = '4111111111111111';

export const uniqueId = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

type Target = { readonly cardId: string } | { readonly consumerId: string };

/**
 * An issuer backend that uses D1 as the documents ask: a random correlation id per call, and every write answered
 * PENDING read back through its getter until it ends.
 */
export class ReferenceClient {
  constructor(readonly client: D1Client) {}

  /** One call with a fresh random correlation id. */
  call(operationId: OperationId, parts: CallParts = {}): Promise<HttpResponse> {
    return this.client.call(operationId, { ...parts, headers: { 'x-correlation-id': randomBytes(12).toString('base64url'), ...parts.headers } });
  }

  /** Reads the operation back until it leaves PENDING. */
  async followUp(target: Target, operationId: string): Promise<string> {
    const getter: OperationId = 'cardId' in target ? 'getCardOperation' : 'getConsumerOperation';
    const deadline = Date.now() + 5_000;
    for (;;) {
      const response = await this.call(getter, { path: { ...target, operationId } });
      const status = String((response.json as { status?: unknown } | undefined)?.status);
      if (status !== 'PENDING' || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A write, followed up when D1 answers PENDING; returns the final status. */
  async write(operationId: OperationId, target: Target, body: unknown = {}): Promise<string> {
    const response = await this.call(operationId, { path: { ...target }, body });
    const answer = (response.json ?? {}) as { operationId?: unknown; status?: unknown };
    if (response.status !== 200) throw new Error(`${operationId} answered ${response.status}: ${response.text}`);
    return answer.status === 'PENDING' ? this.followUp(target, String(answer.operationId)) : String(answer.status);
  }

  async registerConsumer(consumerId = uniqueId('cns')): Promise<string> {
    await this.write('registerConsumer', { consumerId }, { personalInformation: PERSON });
    return consumerId;
  }

  async createCard(consumerId: string, cardProductId = 'prd_debit_classic'): Promise<string> {
    const response = await this.call('createCard', { body: { consumerId, cardProductId } });
    const answer = (response.json ?? {}) as { cardId?: unknown; operationId?: unknown; status?: unknown };
    if (response.status !== 200) throw new Error(`createCard answered ${response.status}: ${response.text}`);
    const cardId = String(answer.cardId);
    if (answer.status === 'PENDING') await this.followUp({ cardId }, String(answer.operationId));
    return cardId;
  }

  async registerCard(consumerId: string, cardDataJwk: JWK, pan = PAN): Promise<string> {
    const cardId = uniqueId('crd');
    const encryptedData = await encryptCardData(cardDataJwk, { pan, expiry: '1230' });
    await this.write('registerCard', { cardId }, { consumerId, encryptedData });
    return cardId;
  }

  /**
   * The journey the clean report is built from: register a consumer, create one card and register another, enrol
   * both, read the profiles, update the card and the consumer, opt one card out, then the consumer.
   */
  async journey(cardDataJwk: JWK): Promise<{ consumerId: string; cardIds: string[] }> {
    const consumerId = await this.registerConsumer();
    const created = await this.createCard(consumerId);
    const registered = await this.registerCard(consumerId, cardDataJwk);
    for (const cardId of [created, registered]) {
      const status = await this.write('clickToPayEnrol', { cardId }, { name: CARDHOLDER_NAME, reason: 'customer asked in branch' });
      if (status !== 'SUCCESSFUL') throw new Error(`the enrol of ${cardId} ended ${status}`);
    }
    await this.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
    await this.write('clickToPayUpdateCard', { cardId: created }, { name: CARDHOLDER_NAME });
    await this.write('clickToPayUpdateConsumer', { consumerId }, { reason: 'new email address' });
    await this.write('clickToPayOptoutCard', { cardId: registered }, { reasonCode: 'USER_DECISION' });
    await this.write('clickToPayOptoutConsumer', { consumerId }, { reason: 'consumer left the bank' });
    return { consumerId, cardIds: [created, registered] };
  }

  /**
   * Every journey of the certification plan, in the guides' order: the journey above, then the consumer's
   * information updated, a card suspended and resumed, renewed and replaced, a card and the consumer deleted.
   * `skip` leaves out the journeys of the named operations, as a bank that has not built them yet would.
   */
  async runPlan(cardDataJwk: JWK, skip: readonly OperationId[] = []): Promise<void> {
    const does = (operationId: OperationId): boolean => !skip.includes(operationId);
    const consumerId = await this.registerConsumer();
    const created = await this.createCard(consumerId);
    const registered = await this.registerCard(consumerId, cardDataJwk);
    if (does('clickToPayEnrol')) {
      for (const cardId of [created, registered]) await this.write('clickToPayEnrol', { cardId }, { name: CARDHOLDER_NAME, reason: 'customer asked in branch' });
    }
    if (does('clickToPayGetConsumerProfiles')) await this.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
    if (does('clickToPayUpdateCard')) await this.write('clickToPayUpdateCard', { cardId: created }, { name: CARDHOLDER_NAME });
    if (does('clickToPayUpdateConsumer')) await this.write('clickToPayUpdateConsumer', { consumerId }, { reason: 'new email address' });
    if (does('updateConsumer')) await this.write('updateConsumer', { consumerId }, { personalInformation: { ...PERSON, email: 'm.okafor@example.com' } });
    if (does('suspendCard')) await this.write('suspendCard', { cardId: created }, { reasonCode: 'CARD_LOST' });
    if (does('resumeCard')) await this.write('resumeCard', { cardId: created }, { reasonCode: 'CARD_FOUND' });
    if (does('renewCard')) await this.write('renewCard', { cardId: registered }, { encryptedData: await encryptCardData(cardDataJwk, { pan: PAN, expiry: '1233' }) });
    if (does('replaceCard')) {
      const encryptedData = await encryptCardData(cardDataJwk, { pan: PAN, expiry: '1233' });
      await this.write('replaceCard', { cardId: registered }, { newCardId: uniqueId('crd'), encryptedData });
    }
    if (does('clickToPayOptoutCard')) await this.write('clickToPayOptoutCard', { cardId: registered }, { reasonCode: 'USER_DECISION' });
    if (does('clickToPayOptoutConsumer')) await this.write('clickToPayOptoutConsumer', { consumerId }, { reason: 'consumer left the bank' });
    if (does('deleteCard')) await this.write('deleteCard', { cardId: created }, { reasonCode: 'CLOSED_CARD' });
    if (does('deleteConsumer')) await this.write('deleteConsumer', { consumerId }, { reasonCode: 'USER_DECISION' });
  }
}
