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
 * Which reason codes the plan's writes send: `always` one on every write that takes it; `when-documented` only where
 * the documents ask for one, which is nowhere: they default the Click to Pay and consumer delete reason to
 * ISSUER_DECISION, and the card life-cycle reasonCode is our reading (an inferred rule).
 */
export type ReasonCodes = 'always' | 'when-documented';

export interface ReferenceClientOptions {
  /** The x-correlation-id of each call: a fresh random value, never built from personal data. */
  readonly correlationId?: () => string;
}

/**
 * An issuer backend that uses D1 as the documents ask: a random correlation id per call, and every write answered
 * PENDING read back through its getter until it ends.
 */
export class ReferenceClient {
  private readonly correlationId: () => string;

  constructor(
    readonly client: D1Client,
    options: ReferenceClientOptions = {},
  ) {
    this.correlationId = options.correlationId ?? ((): string => randomBytes(12).toString('base64url'));
  }

  /** One call with a fresh random correlation id. */
  call(operationId: OperationId, parts: CallParts = {}): Promise<HttpResponse> {
    return this.client.call(operationId, { ...parts, headers: { 'x-correlation-id': this.correlationId(), ...parts.headers } });
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

  /** The consumer's data travel as consumerInfo, the object the documents name. */
  async registerConsumer(consumerId = uniqueId('cns')): Promise<string> {
    await this.write('registerConsumer', { consumerId }, { consumerInfo: PERSON });
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
   * information updated, a card suspended and resumed, renewed and replaced, a card and the consumer deleted. Like a
   * bank's backend it goes on when D1 refuses a step. `skip` leaves out the journeys of the named operations, as a
   * bank that has not built them yet would; `cardholderName` is the name it enrols cards under; `reasonCodes` says
   * which writes carry a reason code (every one by default).
   */
  async runPlan(
    cardDataJwk: JWK,
    options: { skip?: readonly OperationId[]; cardholderName?: string; reasonCodes?: ReasonCodes } = {},
  ): Promise<{ refused: string[] }> {
    const refused: string[] = [];
    const step = async (operationId: OperationId, run: () => Promise<unknown>): Promise<void> => {
      if (options.skip?.includes(operationId)) return;
      try {
        await run();
      } catch (error) {
        refused.push(`${operationId}: ${error instanceof Error ? error.message.split(':')[0] : String(error)}`);
      }
    };
    const name = options.cardholderName ?? CARDHOLDER_NAME;
    const always = (options.reasonCodes ?? 'always') === 'always';
    const because = (reasonCode: string): { reasonCode?: string } => (always ? { reasonCode } : {});
    const consumerId = await this.registerConsumer();
    const created = await this.createCard(consumerId);
    const registered = await this.registerCard(consumerId, cardDataJwk);
    for (const cardId of [created, registered])
      await step('clickToPayEnrol', () => this.write('clickToPayEnrol', { cardId }, { name, reason: 'customer asked in branch' }));
    await step('clickToPayGetConsumerProfiles', () => this.call('clickToPayGetConsumerProfiles', { path: { consumerId } }));
    await step('clickToPayUpdateCard', () => this.write('clickToPayUpdateCard', { cardId: created }, { name }));
    await step('clickToPayUpdateConsumer', () => this.write('clickToPayUpdateConsumer', { consumerId }, { reason: 'new email address' }));
    await step('updateConsumer', () =>
      this.write('updateConsumer', { consumerId }, { consumerInfo: { ...PERSON, email: 'm.okafor@example.com' } }),
    );
    await step('suspendCard', () => this.write('suspendCard', { cardId: created }, because('CARD_LOST')));
    await step('resumeCard', () => this.write('resumeCard', { cardId: created }, because('CARD_FOUND')));
    await step('renewCard', async () =>
      this.write('renewCard', { cardId: registered }, { encryptedData: await encryptCardData(cardDataJwk, { pan: PAN, expiry: '1233' }) }),
    );
    await step('replaceCard', async () =>
      this.write(
        'replaceCard',
        { cardId: registered },
        { newCardId: uniqueId('crd'), encryptedData: await encryptCardData(cardDataJwk, { pan: PAN, expiry: '1233' }) },
      ),
    );
    await step('clickToPayOptoutCard', () => this.write('clickToPayOptoutCard', { cardId: registered }, because('USER_DECISION')));
    await step('clickToPayOptoutConsumer', () =>
      this.write('clickToPayOptoutConsumer', { consumerId }, { reason: 'consumer left the bank' }),
    );
    await step('deleteCard', () => this.write('deleteCard', { cardId: created }, because('CLOSED_CARD')));
    await step('deleteConsumer', () => this.write('deleteConsumer', { consumerId }, because('USER_DECISION')));
    return { refused };
  }
}
