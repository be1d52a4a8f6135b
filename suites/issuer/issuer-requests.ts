/**
 * What the issuer suites need beyond the issuer fixture: a request of the issuer's contracts sent with any part
 * replaced (the fixture fixes the path parameters), fresh operationIds for the contract's examples, and answers with
 * their secrets masked before a check quotes them.
 */
import { randomUUID } from 'node:crypto';
import { operations } from '../../gen/operations.js';
import type { IssuerParty, ResolvedTargets } from '../../fixtures/index.js';
import type { RequestParts } from '../../fixtures/requests.js';
import { send, type HttpResponse } from '../../lib/http/client.js';
import { redactText, redactValue } from '../../lib/redaction.js';

/** The operations the issuer hosts below its base URL (the token endpoint lives below its auth URL). */
export type IssuerBaseOperationId = 'notifyCardOperations' | 'notifyConsumerOperations' | 'getConsumerInformation';

/**
 * Sends the request as D1 would: path parameters put in the operation's path, the query and headers as given, the
 * body as JSON, and the bearer token when the issuer uses OAuth (options.token: null sends none, a string sends it).
 */
export async function sendToIssuer(
  targets: ResolvedTargets,
  issuer: IssuerParty,
  operationId: IssuerBaseOperationId,
  request: RequestParts,
  options: { readonly token?: string | null } = {},
): Promise<HttpResponse> {
  const entry = operations[operationId];
  const path = entry.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.path[name] ?? ''));
  const search = Object.keys(request.query).length > 0 ? `?${new URLSearchParams(request.query).toString()}` : '';
  const token = options.token === undefined ? await issuer.token() : options.token;
  return send({
    method: entry.method,
    url: `${targets.issuer.baseUrl}${path}${search}`,
    headers: { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
}

/** Each notification item of the request's body, to be changed in place. */
function itemsOf(request: RequestParts): Record<string, unknown>[] {
  const items = (request.body as { operations?: unknown } | undefined)?.operations;
  return Array.isArray(items) ? items.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object') : [];
}

/**
 * The request with a fresh operationId in every notification item, so that no test repeats another's items; a UUID,
 * as in D1's published notification example.
 */
export function withFreshOperationIds(request: RequestParts): RequestParts {
  const copy = structuredClone(request);
  for (const item of itemsOf(copy)) item.operationId = randomUUID();
  return copy;
}

/**
 * The request with every notification item about the card and consumer the bank knows (IssuerParty.cardId and
 * knownConsumerId) in place of the contract's example ones, so that only what a test changes can explain a refusal.
 */
export function aboutKnownSubjects(request: RequestParts, issuer: IssuerParty): RequestParts {
  const copy = structuredClone(request);
  for (const item of itemsOf(copy)) {
    if ('cardId' in item) item.cardId = issuer.cardId;
    if ('consumerId' in item) item.consumerId = issuer.knownConsumerId;
  }
  return copy;
}

/**
 * The answer with secrets and personal data masked (access tokens, names, emails...), for the checks whose failure
 * text quotes the body, such as statusIs: a faulty issuer that grants a token where it should refuse must not get
 * that token written into the report.
 */
export function withoutSecrets(response: HttpResponse): HttpResponse {
  const json = response.json === undefined ? undefined : redactValue(response.json);
  return { ...response, json, text: json === undefined ? redactText(response.text) : JSON.stringify(json) };
}
