import { Router } from '../../lib/contracts/router.js';
import type { RequestHandler } from '../http/server.js';
import { errorAnswer, shapedAnswer } from './answers.js';
import { answerConsumerInformation } from './consumer-info-endpoint.js';
import { answerInspection, isInspectionPath } from './inspection.js';
import type { IssuerContext } from './issuer-context.js';
import { answerNotification } from './notification-endpoints.js';
import { answerTokenRequest } from './token-endpoint.js';

const issuerRoutes = new Router('issuer');

/** Routes each request to its endpoint: the contract's four operations, then the inspection interface. */
export function issuerRequestHandler(context: IssuerContext): RequestHandler {
  return (exchange) => {
    if (isInspectionPath(exchange.path)) return answerInspection(context, exchange);
    const match = issuerRoutes.match(exchange.method, exchange.path);
    if (match.kind === 'not-found') return errorAnswer(404, 'not_found', 'no endpoint at this path');
    if (match.kind === 'method-not-allowed') {
      const allow = match.allowed.join(', ');
      return errorAnswer(405, 'method_not_allowed', `this path answers ${allow} only`, { headers: { allow } });
    }
    switch (match.operationId) {
      case 'issuerGetToken':
        return answerTokenRequest(context, exchange);
      case 'notifyCardOperations':
        return shapedAnswer(answerNotification(context, 'card', exchange, match.params), context.settings.answers);
      case 'notifyConsumerOperations':
        return shapedAnswer(answerNotification(context, 'consumer', exchange, match.params), context.settings.answers);
      case 'getConsumerInformation':
        return shapedAnswer(answerConsumerInformation(context, exchange, match.params), context.settings.answers);
      default:
        // The router holds the issuer's operations only; a new one in the contracts lands here until it is served.
        return errorAnswer(404, 'not_found', 'no endpoint at this path');
    }
  };
}
