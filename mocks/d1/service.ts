import { operations, type OperationId } from '../../gen/operations.js';
import { Router, type RouteMatch } from '../../lib/contracts/router.js';
import { mediaTypeOf } from '../../lib/validation/index.js';
import { readBodyAs, type Answer, type IncomingExchange } from '../http/server.js';
import { shapeAnswer } from './answer-shape.js';
import { d1Error, fieldRefused, notFound, unauthorized, type Json } from './answers.js';
import type { Authorizer } from './authorizer.js';
import type { CardDataKey } from './card-data-key.js';
import type { D1Context, D1Settings, EndpointTable } from './d1-context.js';
import { cardOperationEndpoints } from './endpoints/card-operations.js';
import { clickToPayEndpoints, enrol } from './endpoints/click-to-pay.js';
import { consumerEndpoints } from './endpoints/consumers.js';
import { operationGetterEndpoints } from './endpoints/operation-getters.js';
import { cardCreationEndpoints } from './endpoints/register-card.js';
import { answerTokenRequest } from './endpoints/token.js';
import type { D1Fault } from './faults.js';
import type { Notifier } from './notifier.js';
import { OperationRunner } from './operation-runner.js';
import type { IssuerBackend } from './options.js';
import { RequestChecks } from './request-checks.js';
import { D1State, type IssuerState } from './state.js';
import type { D1VariantSettings } from './variants.js';

export { d1Error } from './answers.js';

export interface ServiceSettings extends D1Settings {
  readonly operationDelayMs: number;
  readonly backends: ReadonlyMap<string, IssuerBackend>;
  readonly faults: ReadonlySet<D1Fault>;
  readonly variants: D1VariantSettings;
  /** Requests departing only from inferred field rules are accepted (the observer's recording mock). */
  readonly acceptInferredDepartures: boolean;
}

/** Every endpoint of the banking APIs, by operationId, from the modules that serve them. */
const ENDPOINTS: EndpointTable = {
  ...cardCreationEndpoints,
  ...cardOperationEndpoints,
  ...consumerEndpoints,
  ...clickToPayEndpoints,
  ...operationGetterEndpoints,
};

/** How many paths the route cache holds before it starts afresh (the ids in paths are many, the operations few). */
const ROUTE_CACHE_SIZE = 4096;

/**
 * The router's answers by method and path: matching tries the operations' patterns one by one, which showed in the
 * mock's profile under load, while a client mostly sends the same paths again. The parameters are frozen, being shared.
 */
class RouteCache {
  private readonly byMethod = new Map<string, Map<string, RouteMatch>>();
  private size = 0;

  constructor(private readonly router: Router) {}

  match(method: string, path: string): RouteMatch {
    let paths = this.byMethod.get(method);
    const known = paths?.get(path);
    if (known) return known;
    const found = this.router.match(method, path);
    if (found.kind === 'operation') Object.freeze(found.params);
    if (this.size >= ROUTE_CACHE_SIZE) {
      this.byMethod.clear();
      this.size = 0;
      paths = undefined;
    }
    if (!paths) {
      paths = new Map();
      this.byMethod.set(method, paths);
    }
    paths.set(path, found);
    this.size += 1;
    return found;
  }
}

/**
 * The mock D1's front: routes each request to its endpoint module, after authentication and request validation,
 * and shapes the answer as the variants say. The state lives in D1State, the asynchronous work in OperationRunner.
 */
export class D1Service {
  private readonly routes = new RouteCache(new Router('d1'));
  private readonly context: D1Context;
  private readonly checks: RequestChecks;

  constructor(authorizer: Authorizer, notifier: Notifier, cardDataKey: CardDataKey, settings: ServiceSettings) {
    const operationRunner = new OperationRunner(notifier, settings.behaviour, settings.operationDelayMs, settings.faults);
    this.context = {
      settings,
      faults: settings.faults,
      variants: settings.variants,
      authorizer,
      notifier,
      cardDataKey,
      backends: settings.backends,
      state: new D1State(),
      operations: operationRunner,
    };
    this.checks = new RequestChecks(settings.faults, settings.variants.requests, settings.acceptInferredDepartures);
    // With auto-enrolment configured, a card D1 has just created or registered goes to Click to Pay at once.
    if (settings.autoEnrolment) {
      operationRunner.onCardCreated = (state, cardId) => {
        enrol(this.context, state, cardId);
      };
    }
  }

  state(issuerId: string): IssuerState {
    return this.context.state.of(issuerId);
  }

  reset(): void {
    this.context.operations.reset();
    this.context.state.reset();
  }

  /** Answers synchronously where it can: a promise per request showed in the mock's profile under load. */
  handle(exchange: IncomingExchange): Answer | Promise<Answer> {
    const route = this.routes.match(exchange.method, exchange.path);
    if (route.kind === 'not-found') return notFound('no D1 operation at this path');
    if (route.kind === 'method-not-allowed') {
      return {
        status: 405,
        headers: { allow: route.allowed.join(', ') },
        body: d1Error('METHOD_NOT_ALLOWED', `use ${route.allowed.join(' or ')}`),
      };
    }
    const answer = this.answer(route.operationId, route.params, exchange);
    const shapes = this.context.variants.answers;
    if (answer instanceof Promise) return answer.then((settled) => shapeAnswer(shapes, route.operationId, settled));
    return shapeAnswer(shapes, route.operationId, answer);
  }

  private answer(operationId: OperationId, params: Readonly<Record<string, string>>, exchange: IncomingExchange): Answer | Promise<Answer> {
    if (this.takesOtherMediaType(operationId, exchange)) return this.checks.wrongMediaType('content-type');
    const reading = readBodyAs(exchange);
    if (reading.kind === 'unreadable') return fieldRefused('FIELD_INVALID_FORMAT', 'body');
    const body = reading.kind === 'empty' ? undefined : reading.value;

    if (operationId === 'getToken') return answerTokenRequest(this.context, exchange, body);

    const authorization = exchange.headers.authorization;
    const bearer = this.context.authorizer.check(authorization);
    const skipAuth = operationId === 'clickToPayEnrol' && authorization === undefined && this.context.faults.has('missing-token-accepted');
    if (!bearer.valid && !skipAuth) return unauthorized;

    const refusal = this.checks.refusal(operationId, { path: params, query: exchange.query, headers: exchange.headers, body });
    if (refusal) return refusal;
    const issuerId = params.issuerId ?? '';
    // A token only opens its own issuer's resources.
    if (bearer.valid && bearer.issuerId !== issuerId) return this.foreignIssuer();
    const endpoint = ENDPOINTS[operationId];
    if (!endpoint) return notFound('no D1 operation at this path');
    return endpoint(this.context, { state: this.state(issuerId), params, query: exchange.query, body: (body ?? {}) as Json });
  }

  /** A body in a media type the operation does not take, when a variant answers that apart (415) before reading it. */
  private takesOtherMediaType(operationId: OperationId, exchange: IncomingExchange): boolean {
    if (this.context.variants.requests.wrongMediaTypeStatus !== 415 || exchange.rawBody.length === 0) return false;
    const declared = operations[operationId].validators.requestBody;
    if (Object.keys(declared).length === 0) return false;
    const mediaType = mediaTypeOf(exchange.headers);
    return mediaType === undefined || !Object.hasOwn(declared, mediaType);
  }

  private foreignIssuer(): Answer {
    if (this.context.variants.requests.foreignIssuerStatus === 403)
      return { status: 403, body: d1Error('FORBIDDEN', 'the access token does not open this issuer') };
    return unauthorized;
  }
}
