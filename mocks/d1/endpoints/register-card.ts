import { schemeOfPan } from '../../../lib/card-data.js';
import type { Answer } from '../../http/server.js';
import { failed, fieldRefused, SUCCESS, type Json } from '../answers.js';
import { panFingerprint } from '../card-data-key.js';
import { askConsumerInformation, type D1Context, type EndpointTable } from '../d1-context.js';
import { newCardId, type IssuerState } from '../state.js';

/** Create Card: D1 makes a card of one of the issuer's products and chooses its cardId. */
function createCard(context: D1Context, state: IssuerState, body: Json): Answer {
  const cardProductId = String(body.cardProductId);
  const product = context.settings.cardProducts[cardProductId];
  if (!product) return fieldRefused('FIELD_INVALID_VALUE', 'cardProductId');
  const consumerId = String(body.consumerId);
  const consumer = state.consumer(consumerId);
  if (consumer.deleted) return fieldRefused('FIELD_INVALID_VALUE', 'consumerId');
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
  const record = context.operations.start(state, { kind: 'card', cardId }, 'CREATE');
  context.operations.complete(state, record, () => SUCCESS);
  return context.operations.accepted(record, { cardId });
}

/** Register Card: the issuer names the card and hands D1 its encrypted credentials. */
async function registerCard(context: D1Context, state: IssuerState, cardId: string, body: Json): Promise<Answer> {
  const data = await context.cardDataKey.decrypt(String(body.encryptedData));
  if (!data) return fieldRefused('FIELD_INVALID_VALUE', 'encryptedData');
  const existing = state.cards.get(cardId);
  const fingerprint = panFingerprint(data.pan);
  const consumerId = String(body.consumerId);
  const unknownConsumer = !state.consumers.has(consumerId);
  const record = context.operations.start(state, { kind: 'card', cardId }, 'REGISTER');
  const scheme = schemeOfPan(data.pan);
  const cardProductId = typeof body.cardProductId === 'string' ? body.cardProductId : undefined;
  context.operations.complete(state, record, async () => {
    if (existing && existing.state !== 'DELETED') return failed('CARD_ALREADY_EXISTS', 'the cardId is in use');
    if (state.deletedPans.has(fingerprint)) return failed('CARD_DELETED', 'the card number was deleted before');
    if (!scheme) return failed('UNSUPPORTED_SCHEME', 'the card number belongs to no supported scheme');
    if (state.consumer(consumerId).deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
    const product = cardProductId ? context.settings.cardProducts[cardProductId] : undefined;
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
    if (unknownConsumer) await askConsumerInformation(context, state.issuerId, consumerId, cardId);
    return SUCCESS;
  });
  return context.operations.accepted(record);
}

/** The two ways a card comes into D1. */
export const cardCreationEndpoints: EndpointTable = {
  createCard: (context, { state, body }) => createCard(context, state, body),
  registerCard: (context, { state, params, body }) => registerCard(context, state, params.cardId ?? '', body),
};
