/**
 * What counts as a transport fault, and what to do about one. A gateway's 429, a 502/503/504, a refused or reset
 * connection and a timeout say nothing of the API behind them: they are never a failed rule. A 500 is the server's
 * own answer and stays a finding, so it is not a fault here.
 */
import type { TransportTarget } from '../config/transport.js';

/** The statuses that are the network's or a gateway's, not the API's. */
export const FAULT_STATUSES = [429, 502, 503, 504] as const;

/** undici's and the system's codes for a connection that failed or broke, and for a timed-out exchange. */
export const CONNECTION_CODES: Readonly<Record<string, FaultKind>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ENETDOWN: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

/** A fault: the gateway's status, or how the connection failed. */
export type FaultKind = 'throttled' | 'unavailable' | 'bad-gateway' | 'gateway-timeout' | 'refused' | 'reset' | 'unreachable' | 'timeout';
export const FAULT_KINDS: readonly FaultKind[] = [
  'throttled',
  'unavailable',
  'bad-gateway',
  'gateway-timeout',
  'refused',
  'reset',
  'unreachable',
  'timeout',
];

export interface TransportFault {
  readonly kind: FaultKind;
  /** The status, for a fault answered by a gateway. */
  readonly status?: number;
  /** What Retry-After asked for, in milliseconds from when the answer came. */
  readonly retryAfterMs?: number;
  /** The connection error's code, for a fault without an answer. */
  readonly code?: string;
}

const KIND_OF_STATUS: Readonly<Record<number, FaultKind>> = {
  429: 'throttled',
  502: 'bad-gateway',
  503: 'unavailable',
  504: 'gateway-timeout',
};

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The fault an error of undici stands for, or undefined when it is not one (a bad URL, a programming error). */
export function faultOf(error: unknown): TransportFault | undefined {
  if (!(error instanceof Error)) return undefined;
  const { statusCode, headers, code } = error as Error & {
    statusCode?: number;
    headers?: Record<string, string | string[] | undefined>;
    code?: string;
  };
  if (typeof statusCode === 'number' && KIND_OF_STATUS[statusCode]) {
    const retryAfter = retryAfterMs(headers?.['retry-after']);
    return { kind: KIND_OF_STATUS[statusCode], status: statusCode, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
  }
  const kind = code ? CONNECTION_CODES[code] : undefined;
  if (kind && code) return { kind, code };
  // A request aborted by its own time limit is a timeout of the exchange.
  if (error.name === 'TimeoutError' || (error.name === 'AbortError' && /timeout/i.test(String(error.message))))
    return { kind: 'timeout', code: error.name };
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause === undefined ? undefined : faultOf(cause);
}

export const describeFault = (fault: TransportFault): string =>
  fault.status !== undefined
    ? `${fault.status}${fault.retryAfterMs !== undefined ? ` (Retry-After ${Math.round(fault.retryAfterMs / 100) / 10} s)` : ''}`
    : `${fault.kind} (${fault.code ?? '?'})`;

/**
 * Whether the fault leaves the request safe to send again, and after how long. A 429, or a 503 with Retry-After, was
 * not processed: any request is sent again once the wait is over. Any other fault may have reached the API, so only
 * a request that is harmless to repeat (a read, a token request, a notification D1 delivers at least once) is sent
 * again; the others end the test's tries, and the test starts again from its beginning.
 */
export function nextTry(
  fault: TransportFault,
  options: { readonly repeatable: boolean; readonly triesSoFar: number; readonly maxTries: number; readonly maxRetryAfterMs: number },
): { readonly again: true; readonly delayMs: number } | { readonly again: false; readonly why: string } {
  if (options.triesSoFar >= options.maxTries) return { again: false, why: `${options.maxTries} tries` };
  const notProcessed = fault.kind === 'throttled' || (fault.kind === 'unavailable' && fault.retryAfterMs !== undefined);
  if (!notProcessed && !options.repeatable) return { again: false, why: 'a write that may have been processed is not repeated' };
  if (fault.retryAfterMs !== undefined) {
    if (fault.retryAfterMs > options.maxRetryAfterMs)
      return {
        again: false,
        why: `Retry-After of ${Math.round(fault.retryAfterMs / 1000)} s is beyond the ${options.maxRetryAfterMs / 1000} s waited`,
      };
    return { again: true, delayMs: Math.max(fault.retryAfterMs, 50) };
  }
  // Exponential back-off with jitter: 250 ms, 500 ms, 1 s ... up to 8 s; a 429 without Retry-After starts at 1 s.
  const base = (fault.kind === 'throttled' ? 1_000 : 250) * 2 ** (options.triesSoFar - 1);
  return { again: true, delayMs: Math.min(base, 8_000) * (0.75 + Math.random() * 0.5) };
}

/** What a test that could not reach a target carries, as data: the reporters read it to tell "not run" from a failure. */
export interface TargetUnavailableRecord {
  readonly target: TransportTarget;
  readonly method: string;
  /** The path only: the query may carry an identifier, the host is the target's. */
  readonly path: string;
  readonly tries: number;
  readonly faults: readonly string[];
  readonly why: string;
}

/** Why a request was not even tried: several requests in a row to its target were given up just before. */
export const TARGET_DOWN = 'target down';

export const TARGET_UNAVAILABLE_ATTACHMENT = 'target-unavailable';
export const TARGET_UNAVAILABLE_CONTENT_TYPE = 'application/vnd.d1-ctp.target-unavailable+json';

/** Thrown by the HTTP layer when a target could not answer a request within its tries. */
export class TargetUnavailableError extends Error {
  constructor(readonly record: TargetUnavailableRecord) {
    super(
      `target unavailable: ${record.target} did not answer ${record.method} ${record.path} after ${record.tries} ` +
        `${record.tries === 1 ? 'try' : 'tries'} (${record.faults.join(', ') || 'no answer'}): ${record.why}`,
    );
    this.name = 'TargetUnavailableError';
  }
}
