import type { Answer, IncomingExchange } from '../http/server.js';
import { validateRequest } from '../../lib/validation/index.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import { bearerRefusal, hasValidBearer } from './bearer.js';
import type { ConsumerInfo } from './consumer-directory.js';
import type { IssuerContext } from './issuer-context.js';

// Personal data: no cache on the way may keep a copy.
const NO_STORE = { 'cache-control': 'no-store' } as const;

// What the faulty issuer makes up for a consumer it does not know.
const PLACEHOLDER_CONSUMER: ConsumerInfo = { language: 'en-US', firstName: 'Unknown', lastName: 'Consumer' };

/** GET /banking/d1/v1/issuers/{issuerId}/consumers/{consumerId} (getConsumerInformation). */
export function answerConsumerInformation(
  context: IssuerContext,
  exchange: IncomingExchange,
  path: Readonly<Record<string, string>>,
): Answer {
  const { config, faults, consumers } = context;
  const tokenCheckSkipped = faults.has('consumer-info-without-token-served');
  if (config.requireBearer && !tokenCheckSkipped && !hasValidBearer(context, exchange.headers)) {
    return bearerRefusal(exchange.headers, faults.has('consumer-info-without-token-answered-403'));
  }

  const violations = validateRequest('getConsumerInformation', { path, query: exchange.query, headers: exchange.headers });
  if (violations.length > 0) {
    if (faults.has('consumer-info-bad-request-answered-404')) return errorAnswer(404, 'unknown_consumer', 'no such consumer');
    return errorAnswer(400, 'invalid_request', 'the request breaks its contract', { violations });
  }
  // A consumer of another issuer is one this issuer does not know.
  if (path.issuerId !== config.issuerId) return errorAnswer(404, 'unknown_issuer', 'the issuerId in the path is not this issuer\'s');

  const consumerId = path.consumerId ?? '';
  if (config.restrictedConsumers.has(consumerId) && !faults.has('restricted-consumer-served')) {
    return errorAnswer(403, 'invalid_state', "the consumer's state does not allow sharing its data");
  }
  const known = consumers.get(consumerId) ?? (config.restrictedConsumers.has(consumerId) ? PLACEHOLDER_CONSUMER : undefined);
  if (known === undefined) {
    if (faults.has('unknown-consumer-answered-200')) return jsonAnswer(200, { consumerInfo: PLACEHOLDER_CONSUMER }, NO_STORE);
    return errorAnswer(404, 'unknown_consumer', 'the issuer knows no consumer with this consumerId');
  }
  const consumerInfo = faults.has('consumer-language-pattern-broken') ? { ...known, language: known.language.replace('-', '_') } : known;
  return jsonAnswer(200, { consumerInfo }, NO_STORE);
}
