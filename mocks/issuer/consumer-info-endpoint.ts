import type { Answer, IncomingExchange } from '../http/server.js';
import { validateRequest } from '../../lib/validation/index.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import { bearerRefusal, hasValidBearer } from './bearer.js';
import type { ConsumerInfo } from './consumer-directory.js';
import type { IssuerContext } from './issuer-context.js';
import { utf16LengthProblems, type LengthUnit } from './length-units.js';
import type { IssuerVariantName } from './variants.js';

/** The choices of Get Consumer Information that the documents leave open, set by the issuer's variants. */
export interface ConsumerInfoSettings {
  /** consumerInfo gives the required fields only (optional-fields-absent). */
  readonly requiredFieldsOnly: boolean;
  /** The 200 answer carries fields the contract does not describe (unknown-fields). */
  readonly unknownFields: boolean;
  readonly lengthUnit: LengthUnit;
}

export const consumerInfoSettings = (variants: ReadonlySet<IssuerVariantName>): ConsumerInfoSettings => ({
  requiredFieldsOnly: variants.has('optional-fields-absent'),
  unknownFields: variants.has('unknown-fields'),
  lengthUnit: variants.has('lengths-in-utf16-units') ? 'utf16-units' : 'code-points',
});

/** The consumer as the settings serve it. */
function served(info: ConsumerInfo, settings: ConsumerInfoSettings): Record<string, unknown> {
  const { language, firstName, lastName } = info;
  const consumerInfo = settings.requiredFieldsOnly ? { language, firstName, lastName } : info;
  // A field a later version of the issuer's backend could add; nothing personal. The answer's own is added with the others'.
  return { consumerInfo: settings.unknownFields ? { ...consumerInfo, customerSegment: 'RETAIL' } : consumerInfo };
}

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
  const settings = context.settings.consumerInformation;
  const tokenCheckSkipped = faults.has('consumer-info-without-token-served');
  if (config.requireBearer && !tokenCheckSkipped && !hasValidBearer(context, exchange.headers)) {
    return bearerRefusal(exchange.headers, faults.has('consumer-info-without-token-answered-403'));
  }

  const request = { path, query: exchange.query, headers: exchange.headers };
  const violations = validateRequest('getConsumerInformation', request);
  const problems = settings.lengthUnit === 'utf16-units' ? utf16LengthProblems('getConsumerInformation', request) : [];
  if (violations.length > 0 || problems.length > 0) {
    if (faults.has('consumer-info-bad-request-answered-404')) return errorAnswer(404, 'unknown_consumer', 'no such consumer');
    return errorAnswer(400, 'invalid_request', 'the request breaks its contract', {
      violations,
      ...(problems.length > 0 ? { problems } : {}),
    });
  }
  // A consumer of another issuer is one this issuer does not know.
  if (path.issuerId !== config.issuerId) return errorAnswer(404, 'unknown_issuer', "the issuerId in the path is not this issuer's");

  const consumerId = path.consumerId ?? '';
  if (config.restrictedConsumers.has(consumerId) && !faults.has('restricted-consumer-served')) {
    return errorAnswer(403, 'invalid_state', "the consumer's state does not allow sharing its data");
  }
  const known = consumers.get(consumerId) ?? (config.restrictedConsumers.has(consumerId) ? PLACEHOLDER_CONSUMER : undefined);
  if (known === undefined) {
    const madeUp =
      faults.has('unknown-consumer-answered-200') ||
      (faults.has('unknown-consumer-answered-200-in-odd-runs') && config.repetition % 2 === 1);
    if (madeUp) return jsonAnswer(200, { consumerInfo: PLACEHOLDER_CONSUMER }, NO_STORE);
    return errorAnswer(404, 'unknown_consumer', 'the issuer knows no consumer with this consumerId');
  }
  const consumerInfo = faults.has('consumer-language-pattern-broken') ? { ...known, language: known.language.replace('-', '_') } : known;
  return jsonAnswer(200, served(consumerInfo, settings), NO_STORE);
}
