import type { OperationId } from '../../gen/operations.js';
import { send } from '../../lib/http/client.js';
import type { Answer, IncomingExchange } from '../http/server.js';
import type { Json } from './answers.js';
import type { Authorizer } from './authorizer.js';
import type { CardDataKey } from './card-data-key.js';
import type { D1Fault } from './faults.js';
import type { Notifier } from './notifier.js';
import type { OperationRunner } from './operation-runner.js';
import type { BehaviourOptions, CardProduct, IssuerBackend } from './options.js';
import type { D1State, IssuerState } from './state.js';
import type { D1VariantSettings } from './variants.js';

/** The mock D1's settings, fixed when it starts. */
export interface D1Settings {
  readonly behaviour: BehaviourOptions;
  readonly cardProducts: Readonly<Record<string, CardProduct>>;
  /** Click to Pay auto-enrolment, configured for the issuer: every new card is enrolled by D1 itself. */
  readonly autoEnrolment: boolean;
}

/** Everything an endpoint module of the mock D1 reads or changes. */
export interface D1Context {
  readonly settings: D1Settings;
  readonly faults: ReadonlySet<D1Fault>;
  readonly variants: D1VariantSettings;
  readonly authorizer: Authorizer;
  readonly notifier: Notifier;
  readonly cardDataKey: CardDataKey;
  readonly backends: ReadonlyMap<string, IssuerBackend>;
  readonly state: D1State;
  readonly operations: OperationRunner;
}

/** Asks the issuer's Get Consumer Information for a consumer whose details D1 does not hold. */
export async function askConsumerInformation(context: D1Context, issuerId: string, consumerId: string, cardId: string): Promise<boolean> {
  const backend = context.backends.get(issuerId);
  if (!backend) return false;
  try {
    const token = await context.notifier.issuerToken(issuerId);
    const response = await send({
      method: 'GET',
      url:
        `${backend.baseUrl}/banking/d1/v1/issuers/${issuerId}/consumers/${encodeURIComponent(consumerId)}` +
        `?cardId=${encodeURIComponent(cardId)}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      direct: true,
      timeoutMs: 5_000,
    });
    return response.status === 200 && typeof (response.json as Json | undefined)?.consumerInfo === 'object';
  } catch {
    return false;
  }
}

/** One authenticated, validated call, as an endpoint module receives it. */
export interface D1Call {
  /** The state of the path's issuer. */
  readonly state: IssuerState;
  readonly params: Readonly<Record<string, string>>;
  readonly query: IncomingExchange['query'];
  readonly body: Json;
}

export type Endpoint = (context: D1Context, call: D1Call) => Answer | Promise<Answer>;

/** The endpoints one module serves, by operationId. */
export type EndpointTable = Partial<Readonly<Record<OperationId, Endpoint>>>;
