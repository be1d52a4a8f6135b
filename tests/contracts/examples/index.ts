import type { FieldExampleSet } from './field-example-set.js';
import { cardExamples } from './d1-card.js';
import { clickToPayExamples } from './d1-click-to-pay.js';
import { consumerExamples } from './d1-consumer.js';
import { d1OAuth2Examples } from './d1-oauth2.js';
import { issuerConsumerInfoExamples } from './issuer-consumer-info.js';
import { issuerNotificationsExamples } from './issuer-notifications.js';
import { issuerOAuth2Examples } from './issuer-oauth2.js';

/** Every table of documented examples, one per contract. */
export const allExampleSets: readonly FieldExampleSet[] = [
  ...d1OAuth2Examples,
  ...cardExamples,
  ...consumerExamples,
  ...clickToPayExamples,
  ...issuerOAuth2Examples,
  ...issuerNotificationsExamples,
  ...issuerConsumerInfoExamples,
];
