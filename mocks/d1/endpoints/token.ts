import { validateRequest } from '../../../lib/validation/index.js';
import type { Answer, IncomingExchange } from '../../http/server.js';
import { fieldRefused, violationAnswer, type Json } from '../answers.js';
import type { D1Context } from '../d1-context.js';

/** D1's OAuth2 token endpoint: a JWT assertion in, an access token out; the only call without a bearer token. */
export async function answerTokenRequest(context: D1Context, exchange: IncomingExchange, body: unknown): Promise<Answer> {
  const first = validateRequest('getToken', { headers: exchange.headers, body })[0];
  if (first) return violationAnswer(first);
  const result = await context.authorizer.grant(body as Json);
  if (!result.granted) return fieldRefused('FIELD_INVALID_VALUE', result.field);
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: result.body };
}
