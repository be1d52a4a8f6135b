import type { OperationId } from '../gen/operations.js';
import type { HttpExchange } from '../lib/http/client.js';

/** D1's answer to one of the issuer's calls, as the observer passed it back. */
export interface ObservedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/**
 * One call the issuer's backend made to D1 through the observer, kept whole in memory for the usage rules. It holds
 * tokens, assertions and personal data: nothing leaves the observer except through the session's redaction.
 */
export interface ObservedExchange {
  /** Arrival order, from 1. */
  readonly sequence: number;
  /** The observer's request id, also in its log line and the `x-request-id` answered when the upstream sent none. */
  readonly requestId: string;
  /** Epoch milliseconds at arrival. */
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly method: string;
  /** The path as received, e.g. `/banking/v1/issuers/TESTBANK01/cards/crd_1/operations:clickToPayEnrolment`. */
  readonly path: string;
  readonly search: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Lowercased names; repeated headers joined with a comma. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  /** The body read by its media type: a JSON value, the fields of a form, or undefined when empty. */
  readonly body: unknown;
  /** Why the body could not be read (malformed JSON, a media type D1 does not take); undefined when it could. */
  readonly unreadableBody: string | undefined;
  /** The contract operation the method and path name; undefined for a call outside the contracts. */
  readonly operationId: OperationId | undefined;
  readonly params: Readonly<Record<string, string>>;
  /** D1's answer; undefined when none came (the upstream was unreachable). */
  readonly response: ObservedResponse | undefined;
  /** Why no answer came from the upstream. */
  readonly transportError: string | undefined;
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

/** The exchange in the product's HTTP exchange shape, which the evidence module redacts and renders. */
export function asHttpExchange(exchange: ObservedExchange, origin: string): HttpExchange {
  return {
    request: {
      method: exchange.method,
      url: `${origin}${exchange.path}${exchange.search}`,
      headers: exchange.headers,
      ...(exchange.rawBody.length > 0 ? { body: exchange.rawBody } : {}),
    },
    ...(exchange.response
      ? {
          response: {
            status: exchange.response.status,
            headers: exchange.response.headers,
            text: exchange.response.text,
            json: exchange.response.json,
            durationMs: exchange.durationMs,
          },
        }
      : {}),
    ...(exchange.transportError !== undefined ? { error: exchange.transportError } : {}),
    startedAt: new Date(exchange.receivedAt),
  };
}

export const headerOf = (exchange: ObservedExchange, name: string): string | undefined => exchange.headers[name.toLowerCase()];

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
