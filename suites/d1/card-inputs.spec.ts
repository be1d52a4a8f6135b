/**
 * What D1 answers to card requests whose values it cannot accept although their format is right.
 */
import { errorCodeIs, statusIs } from '../../lib/checks/index.js';
import { test, rule, uniqueId } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';

test(
  'a card product not set up for the issuer is refused with FIELD_INVALID_VALUE',
  rule('CARD-CREATE-PRODUCT-UNKNOWN'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const response = await d1.call('createCard', { body: { consumerId, cardProductId: uniqueId('prd_not_onboarded') } });
    statusIs('CARD-CREATE-PRODUCT-UNKNOWN', response, 400);
    errorCodeIs('CARD-CREATE-PRODUCT-UNKNOWN', response, 'FIELD_INVALID_VALUE', 'cardProductId');
  },
);

test('no card can be created for a deleted consumer', rule('CARD-CREATE-CONSUMER-DELETED'), async ({ d1, targets }) => {
  const consumerId = await d1.registerConsumer();
  await d1.consumerWrite('deleteConsumer', consumerId, { reasonCode: 'USER_DECISION' });
  const response = await d1.call('createCard', { body: { consumerId, cardProductId: targets.d1.cardProductId } });
  statusIs('CARD-CREATE-CONSUMER-DELETED', response, 400);
  errorCodeIs('CARD-CREATE-CONSUMER-DELETED', response, 'FIELD_INVALID_VALUE', 'consumerId');
});

test('card data D1 cannot decrypt are refused with FIELD_INVALID_VALUE', rule('CARD-REGISTER-DATA-UNREADABLE'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  // Well-formed compact JWE, encrypted for no key D1 holds.
  const encryptedData = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..bm90LWEtcmVhbC1pdg.bm90LXJlYWwtZGF0YQ.bm90LWEtdGFn';
  const response = await d1.call('registerCard', { path: { cardId: testObjectId('crd') }, body: { consumerId, encryptedData } });
  statusIs('CARD-REGISTER-DATA-UNREADABLE', response, 400);
  errorCodeIs('CARD-REGISTER-DATA-UNREADABLE', response, 'FIELD_INVALID_VALUE', 'encryptedData');
});
