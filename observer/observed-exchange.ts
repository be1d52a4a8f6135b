import type { OperationId } from '../gen/operations.js';

/**
 * One call the issuer's backend made to D1 through the observer, as the usage rules read it and as the journal keeps
 * it: no secret and no personal value in clear. Every value a rule compares but must not be kept (a token, a name,
 * an email, a card number in a path) is a keyed hash (`[redacted:<hex>]`), equal wherever the same value was sent;
 * what a rule needs to know of a value it cannot compare that way (an assertion's claims and signature, whether a
 * correlation id holds personal data, whether a body carries card data in clear) was judged when the call arrived and
 * is kept as a fact.
 */
export interface ObservedExchange {
  /** Arrival order, from 1 (over every instance, once journals are merged). */
  readonly sequence: number;
  /** The observer instance that saw the call: '' for a single observer, its name once several are merged. */
  readonly instance: string;
  /** The observer's request id, also in its log line and the `x-request-id` answered when the upstream sent none. */
  readonly requestId: string;
  /** Epoch milliseconds at arrival. */
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly method: string;
  /** The path as received, protected segment by segment, e.g. `/banking/v1/issuers/TESTBANK01/cards/crd_1/...`. */
  readonly path: string;
  /** The contract operation the method and path name; undefined for a call outside the contracts. */
  readonly operationId: OperationId | undefined;
  /** The path parameters, protected like the path. */
  readonly params: Readonly<Record<string, string>>;
  /** How the call authenticated: no Authorization header, `Bearer <token>`, or anything else. */
  readonly authorization: 'absent' | 'bearer' | 'other';
  /** The keyed hash of the bearer token, when there is one. */
  readonly bearer: string | undefined;
  /** Present when the call carried an x-correlation-id; `personal` says why it is personal data, when it is. */
  readonly correlationId: { readonly personal: string | undefined } | undefined;
  /** The body read by its media type (a JSON value, the fields of a form), protected; undefined when empty or unreadable. */
  readonly body: unknown;
  /** The JWT assertion of a token request, judged on arrival; undefined when the call carried none. */
  readonly assertion: AssertionFacts | undefined;
  /** Where the body holds card data in clear, judged on arrival (a card number in any value, or a member named for it). */
  readonly clearCardData: string | undefined;
  /** Whether the cardId of the path is a card number: 13 to 19 digits on their own that pass the Luhn check. */
  readonly cardIdIsCardNumber: boolean;
  /** D1's answer; undefined when none came (the upstream was unreachable). */
  readonly response: ObservedResponse | undefined;
  /** Why no answer came from the upstream. */
  readonly transportError: string | undefined;
}

/** D1's answer to one of the issuer's calls: its status and its JSON body, protected. */
export interface ObservedResponse {
  readonly status: number;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** What the usage rules need of an assertion, read and verified when it arrived: never the assertion itself. */
export interface AssertionFacts {
  /** Whether it reads as a JWT (header, claims and signature). */
  readonly jwt: boolean;
  readonly alg: string | undefined;
  readonly kid: string | undefined;
  /** iss and sub, compared with the issuerId on arrival. */
  readonly iss: 'issuerId' | 'other' | 'absent';
  readonly sub: 'issuerId' | 'other' | 'absent';
  /** The exp claim, when it is a number. */
  readonly exp: number | undefined;
  /** Whether exp is present at all (a string exp is present, and not an integer). */
  readonly expPresent: boolean;
  /** verified or refused with the issuer key its kid names; no-key when no such key was configured. */
  readonly signature: 'verified' | 'refused' | 'no-key';
}

/** A notification D1 sent to the issuer's backend, and whether the backend acknowledged it. */
export interface ObservedNotification {
  readonly at: number;
  readonly kind: 'card' | 'consumer';
  /** operationId and status of each item carried. */
  readonly items: readonly { readonly operationId: string; readonly status: string }[];
  /** The backend's answer status, undefined when it did not answer. */
  readonly answeredStatus: number | undefined;
}

/** D1's Get Consumer Information call to the issuer's backend, and the consumer data the backend answered. */
export interface ObservedConsumerInformation {
  readonly at: number;
  readonly consumerId: string;
  /** The backend's answer status, undefined when it did not answer. */
  readonly answeredStatus: number | undefined;
  /** The names of the consumer fields answered (consumerInfo), never their values. */
  readonly fields: readonly string[];
}

export const isAcknowledged = (notification: ObservedNotification): boolean =>
  notification.answeredStatus !== undefined && notification.answeredStatus >= 200 && notification.answeredStatus < 300;

/** The JSON body of a 2xx answer as an object, or undefined. */
export function answeredObject(exchange: ObservedExchange): Readonly<Record<string, unknown>> | undefined {
  const response = exchange.response;
  if (!response || response.status < 200 || response.status >= 300) return undefined;
  const json = response.json;
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

/** The request body as an object, or undefined. */
export function requestObject(exchange: ObservedExchange): Readonly<Record<string, unknown>> | undefined {
  const body = exchange.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}
