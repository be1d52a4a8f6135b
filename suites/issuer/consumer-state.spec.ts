/**
 * Get Consumer Information for a consumer the issuer knows but whose state forbids sharing its data.
 */
import { responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import { test, rule } from '../../fixtures/index.js';

test('a consumer whose state forbids sharing its data is answered 403', rule('CONSUMER-INFO-INVALID-STATE'), async ({ issuer }) => {
  const consumerId = issuer.restrictedConsumerId;
  test.skip(!consumerId, 'needs a consumer in such a state (ISSUER_RESTRICTED_CONSUMER_ID)');
  const response = await issuer.consumerInformation(consumerId ?? '');
  statusIs('CONSUMER-INFO-INVALID-STATE', response, 403);
  responseConformsToContract('getConsumerInformation', response);
});
