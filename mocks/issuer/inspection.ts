import { MOCK_CONTROL_NOT_FOUND } from '../controls.js';
import { readBodyAs, type Answer, type IncomingExchange } from '../http/server.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import { consumerProblems, type ConsumerInfo } from './consumer-directory.js';
import { resetIssuerState, type IssuerContext } from './issuer-context.js';

/** Where the inspection interface lives: outside every contract path, so it can never shadow an operation. */
export const INSPECTION_PREFIX = '/__mock';

export const isInspectionPath = (path: string): boolean => path === INSPECTION_PREFIX || path.startsWith(`${INSPECTION_PREFIX}/`);

type InspectionRoute =
  | { readonly name: 'health' | 'notifications' | 'operations' | 'token-count' | 'reset'; readonly methods: readonly string[] }
  | { readonly name: 'consumer'; readonly methods: readonly string[]; readonly consumerId: string };

const FIXED_ROUTES: Readonly<Record<string, InspectionRoute>> = {
  [`${INSPECTION_PREFIX}/health`]: { name: 'health', methods: ['GET'] },
  [`${INSPECTION_PREFIX}/notifications`]: { name: 'notifications', methods: ['GET'] },
  [`${INSPECTION_PREFIX}/operations`]: { name: 'operations', methods: ['GET'] },
  [`${INSPECTION_PREFIX}/tokens/count`]: { name: 'token-count', methods: ['GET'] },
  [`${INSPECTION_PREFIX}/reset`]: { name: 'reset', methods: ['POST'] },
};

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function inspectionRouteOf(path: string): InspectionRoute | undefined {
  const fixed = FIXED_ROUTES[path];
  if (fixed) return fixed;
  const consumerId = /^\/__mock\/consumers\/([^/]+)$/.exec(path)?.[1];
  const decoded = consumerId === undefined ? undefined : decodeSegment(consumerId);
  return decoded === undefined ? undefined : { name: 'consumer', methods: ['DELETE', 'PUT'], consumerId: decoded };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function putConsumer(context: IssuerContext, exchange: IncomingExchange, consumerId: string): Answer {
  const reading = readBodyAs(exchange);
  if (reading.kind !== 'json' || !isRecord(reading.value) || !('consumerInfo' in reading.value)) {
    return errorAnswer(400, 'invalid_request', 'send a JSON body {"consumerInfo": {...}}');
  }
  const consumerInfo = reading.value.consumerInfo;
  const problems = consumerProblems(consumerId, consumerInfo);
  if (problems.length > 0)
    return errorAnswer(400, 'invalid_consumer', 'the consumer could not be served as the contract requires', { problems });
  // consumerProblems has just checked it against the contract's ConsumerInfo.
  const created = context.consumers.set(consumerId, consumerInfo as ConsumerInfo);
  return jsonAnswer(created ? 201 : 200, { consumerId, created });
}

/**
 * The test-side interface under /__mock/: what the issuer received, its token count, a reset, and the consumers it
 * knows. It answers only what a test needs, never tokens, secrets or consumer data.
 */
export function answerInspection(context: IssuerContext, exchange: IncomingExchange): Answer {
  const route = inspectionRouteOf(exchange.path);
  if (route === undefined) return errorAnswer(404, 'not_found', MOCK_CONTROL_NOT_FOUND);
  if (!route.methods.includes(exchange.method)) {
    return errorAnswer(405, 'method_not_allowed', `use ${route.methods.join(' or ')}`, { headers: { allow: route.methods.join(', ') } });
  }
  switch (route.name) {
    case 'health':
      return jsonAnswer(200, {
        status: 'ok',
        issuerId: context.config.issuerId,
        requireBearer: context.config.requireBearer,
        faults: [...context.faults],
        variants: [...context.variants],
      });
    case 'notifications':
      return jsonAnswer(200, { deliveries: context.ledger.deliveries() });
    case 'operations':
      return jsonAnswer(200, { operations: context.ledger.operationStates() });
    case 'token-count':
      return jsonAnswer(200, { issued: context.tokens.issuedCount });
    case 'reset':
      resetIssuerState(context);
      return { status: 204 };
    case 'consumer':
      if (exchange.method === 'PUT') return putConsumer(context, exchange, route.consumerId);
      return context.consumers.remove(route.consumerId)
        ? jsonAnswer(200, { consumerId: route.consumerId, removed: true })
        : errorAnswer(404, 'unknown_consumer', 'the issuer knows no consumer with this consumerId');
  }
}
