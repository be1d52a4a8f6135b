import { Authorizer } from './authorizer.js';
import { CardDataKey } from './card-data-key.js';
import { d1Faults, type D1Fault } from './faults.js';
import { Notifier, type DeliveryStats } from './notifier.js';
import { DEFAULT_BEHAVIOUR, DEFAULT_CARD_PRODUCTS, DEFAULT_RETRY, type IssuerBackend, type MockD1Options } from './options.js';
import { D1Service, d1Error } from './service.js';
import type { IssuerState } from './state.js';
import { faultSet } from '../faults.js';
import { ConfigurationError } from '../../lib/config/errors.js';
import { issuerId as issuerIdOf } from '../../lib/config/values.js';
import { d1VariantSet, d1VariantSettings, type D1Variant } from './variants.js';
import { startServer, type Answer, type IncomingExchange } from '../http/server.js';
import { MOCK_CONTROL_NOT_FOUND } from '../controls.js';

export type { MockD1Options, IssuerRegistration, IssuerBackend, IssuerKey, CardProduct } from './options.js';
export { d1Faults, type D1Fault } from './faults.js';
export { d1Variants, type D1Variant } from './variants.js';

export interface RunningMockD1 {
  /** The origin, e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  /** D1_BASE_URL: the banking base the Card, Consumer and Click to Pay paths hang from. */
  readonly bankingUrl: string;
  /** D1_AUTH_URL: the OAuth base of `/oauth2/token`. */
  readonly authUrl: string;
  readonly port: number;
  /** The public JWK issuers encrypt card data to (registerCard, renewCard, replaceCard). */
  readonly cardDataJwk: Readonly<Record<string, unknown>>;
  readonly faults: ReadonlySet<D1Fault>;
  readonly variants: ReadonlySet<D1Variant>;
  /** Where D1 reaches an issuer's backend; can be set after start, once the issuer's address is known. */
  setBackend(issuerId: string, backend: IssuerBackend | undefined): void;
  state(issuerId: string): IssuerState;
  deliveryStats(): Readonly<DeliveryStats>;
  /** Resolves once every notification produced so far is delivered or refused. */
  notificationsSettled(): Promise<void>;
  /** Forgets every consumer, card, operation, token and pending notification. */
  reset(): void;
  /** Ages every access token issued so far past its expiry. */
  expireTokens(): void;
  /**
   * Answers one request as its server does, without HTTP: for a party in the same process (the recording observer),
   * which then saves a connection, a parse and a write per call.
   */
  handle(exchange: IncomingExchange): Answer | Promise<Answer>;
  stop(): Promise<void>;
}

/**
 * Starts the mock D1 on an ephemeral port (or the one given): D1's OAuth2, Card, Consumer and Click to Pay APIs under
 * `/authz/v1` and `/banking`, with request validation from the contracts, state per issuer, asynchronous operations
 * and notifications to the issuer's backend. `/__mock/...` holds the mock's own controls.
 */
export async function startMockD1(options: MockD1Options): Promise<RunningMockD1> {
  if (options.issuers.length === 0) throw new ConfigurationError('the mock D1 needs at least one issuer');
  for (const issuer of options.issuers) {
    issuerIdOf(issuer.issuerId, `issuerId "${issuer.issuerId}"`);
    if (issuer.keys.length === 0) throw new ConfigurationError(`issuer ${issuer.issuerId} needs at least one public key`);
  }
  const faults = faultSet(d1Faults, options.faults ?? []);
  const variants = d1VariantSet(options.variants ?? []);
  const log = options.log ?? ((): void => undefined);
  const backends = new Map<string, IssuerBackend>();
  for (const issuer of options.issuers) if (issuer.backend) backends.set(issuer.issuerId, issuer.backend);

  const authorizer = new Authorizer(options.issuers, options.tokenLifetimeSeconds ?? 900, options.clockSkewSeconds ?? 30, faults);
  const notifier = new Notifier(backends, { ...DEFAULT_RETRY, ...options.retry }, options.maxBatch ?? 10, faults, log);
  const cardDataKey = await CardDataKey.generate();
  const service = new D1Service(authorizer, notifier, cardDataKey, {
    operationDelayMs: options.operationDelayMs ?? 20,
    behaviour: { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    cardProducts: { ...DEFAULT_CARD_PRODUCTS, ...options.cardProducts },
    backends,
    faults,
    variants: d1VariantSettings(variants),
    acceptInferredDepartures: options.acceptInferredDepartures === true,
    autoEnrolment: options.autoEnrolment === true,
  });

  const reset = (): void => {
    service.reset();
    notifier.reset();
    authorizer.reset();
  };

  // The reference issuer's /__mock/ answers alike: health 200 {"status":"ok",...}, reset 204, 404 and 405 otherwise.
  const liveObjects = (exchange: IncomingExchange): { prefix: string; consumers: number; cards: number } => {
    const given = exchange.query.prefix;
    const prefix = (Array.isArray(given) ? given[0] : given) ?? '';
    const counts = options.issuers.map((issuer) => service.state(issuer.issuerId).liveCounts(prefix));
    return {
      prefix,
      consumers: counts.reduce((sum, c) => sum + c.consumers, 0),
      cards: counts.reduce((sum, c) => sum + c.cards, 0),
    };
  };

  const controlRoutes: Readonly<Record<string, { readonly method: string; readonly answer: (exchange: IncomingExchange) => Answer }>> = {
    '/__mock/health': {
      method: 'GET',
      answer: () => ({ status: 200, body: { status: 'ok', faults: [...faults], variants: [...variants] } }),
    },
    '/__mock/card-data-key': { method: 'GET', answer: () => ({ status: 200, body: cardDataKey.publicJwk }) },
    '/__mock/notifications': { method: 'GET', answer: () => ({ status: 200, body: { ...notifier.stats } }) },
    // What a run left behind: the live consumers and cards, of the ids starting with ?prefix= when given.
    '/__mock/objects': { method: 'GET', answer: (exchange) => ({ status: 200, body: liveObjects(exchange) }) },
    '/__mock/reset': {
      method: 'POST',
      answer: () => {
        reset();
        return { status: 204 };
      },
    },
    '/__mock/expire-tokens': {
      method: 'POST',
      answer: () => {
        authorizer.expireAll();
        return { status: 204 };
      },
    },
  };

  const controls = (exchange: IncomingExchange): Answer | undefined => {
    if (!exchange.path.startsWith('/__mock/')) return undefined;
    const route = controlRoutes[exchange.path];
    if (!route) return { status: 404, body: d1Error('NOT_FOUND', MOCK_CONTROL_NOT_FOUND) };
    if (exchange.method !== route.method) {
      return { status: 405, headers: { allow: route.method }, body: d1Error('METHOD_NOT_ALLOWED', `use ${route.method}`) };
    }
    return route.answer(exchange);
  };

  const handle = (exchange: IncomingExchange): Answer | Promise<Answer> => controls(exchange) ?? service.handle(exchange);
  const server = await startServer(handle, {
    name: 'mock-d1',
    host: options.host,
    port: options.port,
    // Only a log someone reads: without one, the server skips timing, formatting and redacting a line per request.
    ...(options.log ? { log: options.log } : {}),
    errorBody: (_status, code, message) => d1Error(code, message),
  });

  return {
    url: server.url,
    bankingUrl: `${server.url}/banking`,
    authUrl: `${server.url}/authz/v1`,
    port: server.port,
    cardDataJwk: cardDataKey.publicJwk,
    faults,
    variants,
    setBackend: (issuerId, backend) => {
      if (backend) backends.set(issuerId, backend);
      else backends.delete(issuerId);
    },
    state: (issuerId) => service.state(issuerId),
    deliveryStats: () => ({ ...notifier.stats }),
    notificationsSettled: () => notifier.idle(),
    reset,
    expireTokens: () => authorizer.expireAll(),
    handle,
    stop: async () => {
      service.reset();
      notifier.stop();
      await server.stop();
    },
  };
}
