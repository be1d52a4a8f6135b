/**
 * What the issuer suites need beyond the issuer fixture: a request of the issuer's contracts sent with any part
 * replaced (the fixture fixes the path parameters), fresh operationIds for the contract's examples, and answers with
 * their secrets masked before a check quotes them.
 */
import { operations } from '../../gen/operations.js';
import { uniqueId, type IssuerParty, type ResolvedTargets } from '../../fixtures/index.js';
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

/** The request with a fresh operationId in every notification item, so that no test repeats another's items. */
export function withFreshOperationIds(request: RequestParts): RequestParts {
  const copy = structuredClone(request);
  const items = (copy.body as { operations?: unknown } | undefined)?.operations;
  if (Array.isArray(items)) {
    for (const item of items) if (item !== null && typeof item === 'object') (item as Record<string, unknown>).operationId = uniqueId('op');
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
