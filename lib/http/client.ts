import { Agent, request, RetryAgent, type Dispatcher } from 'undici';
import { readTransportPolicy, type TransportPolicy, type TransportTarget } from '../config/transport.js';
import { witnessExchange } from '../evidence/witness.js';
import { pacingLink, type PacingLink, type TargetNetwork } from './pacing.js';
import {
  CONNECTION_CODES,
  describeFault,
  FAULT_STATUSES,
  faultOf,
  nextTry,
  TARGET_DOWN,
  TargetUnavailableError,
  type TargetUnavailableRecord,
  type TransportFault,
} from './transport-faults.js';

/**
 * The one HTTP client of the product: mocks calling the issuer, suites calling the targets. Every exchange it makes
 * is handed to the registered listeners, which is where recording and reporting hook in.
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Whole-exchange limit; 10 s when unset. */
  readonly timeoutMs?: number;
  /** A connection pool of its own, e.g. an Agent carrying mutual-TLS credentials. */
  readonly dispatcher?: Dispatcher;
  /**
   * Sent once as it is, whatever target its URL names: a proxy forwards what it was given, and a mock's own calls
   * (D1 notifying a bank) keep their own retries; neither is the suite's request to pace or repeat.
   */
  readonly direct?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
  readonly durationMs: number;
}

export interface HttpExchange {
  readonly request: HttpRequest;
  readonly response?: HttpResponse;
  readonly error?: string;
  readonly startedAt: Date;
  /** The transport faults absorbed before this answer (or before giving up), as `503 (Retry-After 1 s)`, `reset (ECONNRESET)`. */
  readonly faults?: readonly string[];
}

type ExchangeListener = (exchange: HttpExchange) => void;
const listeners = new Set<ExchangeListener>();

/** Registers a listener for every exchange; returns the function that removes it. */
export function onExchange(listener: ExchangeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads an answer whole, and hands the exchange to the listeners. */
async function exchange(httpRequest: HttpRequest, dispatcher: Dispatcher | undefined, faults: readonly string[]): Promise<HttpResponse> {
  const startedAt = new Date();
  const started = performance.now();
  const timeout = httpRequest.timeoutMs ?? 10_000;
  try {
    const answer = await request(httpRequest.url, {
      method: httpRequest.method as 'GET',
      headers: httpRequest.headers,
      body: httpRequest.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      // With retries, each try has its own time limits; the whole exchange is bounded by the tries.
      ...(faults === NO_FAULTS ? { signal: AbortSignal.timeout(timeout) } : {}),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await answer.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const response: HttpResponse = {
      status: answer.statusCode,
      headers,
      text,
      json: parseJson(text),
      durationMs: performance.now() - started,
    };
    witnessExchange(httpRequest.headers, httpRequest.body, text);
    const absorbed = faults.length > 0 ? { faults: [...faults] } : {};
    for (const listener of listeners) listener({ request: httpRequest, response, startedAt, ...absorbed });
    return response;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const absorbed = faults.length > 0 ? { faults: [...faults] } : {};
    for (const listener of listeners) listener({ request: httpRequest, error: message, startedAt, ...absorbed });
    throw error;
  }
}

const NO_FAULTS: readonly string[] = Object.freeze([]);

export async function send(httpRequest: HttpRequest): Promise<HttpResponse> {
  const route = routes.size > 0 && httpRequest.direct !== true ? routeOf(httpRequest.url) : undefined;
  return route ? sendToTarget(httpRequest, route) : exchange(httpRequest, httpRequest.dispatcher, NO_FAULTS);
}

/** A target the suites send requests to, and which of its requests are harmless to send again. */
interface TargetRoute {
  readonly target: TransportTarget;
  readonly repeatable: (method: string, url: string) => boolean;
}

const routes = new Map<string, TargetRoute>();

function routeOf(url: string): TargetRoute | undefined {
  try {
    return routes.get(new URL(url).origin);
  } catch {
    return undefined;
  }
}

/**
 * Declares that requests to these bases go to a target: they are paced with the run's other workers, a transport
 * fault is absorbed where it is safe to (see nextTry), and a target that cannot answer ends the test as not run.
 */
export function routeTarget(target: TransportTarget, bases: readonly (string | undefined)[], repeatable: TargetRoute['repeatable']): void {
  for (const base of bases) if (base) routes.set(new URL(base).origin, { target, repeatable });
}

/** Forgets every declared target, for the tests of the HTTP layer. */
export function clearTargetRoutes(): void {
  routes.clear();
}

let sharedAgent: Agent | undefined;
/** The pool for requests to targets: undici's own Agent, since the process's global one may be Node's bundled copy. */
const targetAgent = (): Agent => (sharedAgent ??= new Agent());

let transport: { readonly policy: TransportPolicy; readonly link: PacingLink } | undefined;

/** This process's transport policy and its link to the run's pacing, made on the first request to a target. */
export function transportOfProcess(): { readonly policy: TransportPolicy; readonly link: PacingLink } {
  if (!transport) {
    const policy = readTransportPolicy();
    transport = { policy, link: pacingLink(policy.pace) };
  }
  return transport;
}

/** How the network behaved for this process's own requests, when it paces them itself (certify's clean-up). */
export function networkOfProcess(): TargetNetwork[] {
  return transport?.link.report() ?? [];
}

/** Sends what this process still owes the run's pacing service (how its last requests went). */
export async function flushTransport(): Promise<void> {
  await transport?.link.flush();
}

/** Uses this policy and link from now on, for the tests of the HTTP layer. */
export function useTransport(next: { readonly policy: TransportPolicy; readonly link: PacingLink } | undefined): void {
  transport = next;
}

let whenTargetDown: ((record: TargetUnavailableRecord) => void) | undefined;

/**
 * What to do when a request finds its target down (several requests in a row given up): the suites end the test
 * there as not run, rather than fail it, since a failed test costs a new worker and a start again that cannot help.
 */
export function onTargetDown(handler: ((record: TargetUnavailableRecord) => void) | undefined): void {
  whenTargetDown = handler;
}

/** The requests of the current test given up after their tries: each makes the test "not run", never a failure. */
export const unavailableTargets: TargetUnavailableRecord[] = [];

/**
 * A request to a target: each try waits for its turn, a fault is answered as nextTry says (undici's RetryAgent sends
 * the request again; its own default would retry a 500, which is a finding, so the decision is ours), and a request
 * that cannot be answered within its tries throws TargetUnavailableError.
 */
async function sendToTarget(httpRequest: HttpRequest, route: TargetRoute): Promise<HttpResponse> {
  const { policy, link } = transportOfProcess();
  const { target } = route;
  const repeatable = route.repeatable(httpRequest.method, httpRequest.url);
  const faults: TransportFault[] = [];
  const described: string[] = [];
  let why: string | undefined;
  const unavailable = (reason: string): TargetUnavailableError => {
    link.gaveUp(target, reason !== TARGET_DOWN);
    const record: TargetUnavailableRecord = {
      target,
      method: httpRequest.method,
      path: new URL(httpRequest.url).pathname,
      tries: faults.length,
      faults: [...described],
      why: reason,
    };
    unavailableTargets.push(record);
    return new TargetUnavailableError(record);
  };
  await link.ready;
  if (link.down(target)) {
    // Not tried: the requests before it to this target could not be answered either.
    const error = unavailable(TARGET_DOWN);
    whenTargetDown?.(error.record);
    throw error;
  }

  let waited = 0;
  let held = false;
  let started = 0;
  const takeTurn = async (): Promise<void> => {
    held = link.limited(target);
    if (held) waited += await link.acquire(target);
    started = performance.now();
  };
  const reportTry = (fault: TransportFault | undefined): void => {
    link.tried({ target, fault: fault?.kind, latencyMs: performance.now() - started, retry: faults.length > 0, waitedMs: waited, held });
    waited = 0;
    held = false;
  };
  await takeTurn();
  const dispatcher = new RetryAgent(httpRequest.dispatcher ?? targetAgent(), {
    statusCodes: [...FAULT_STATUSES],
    errorCodes: Object.keys(CONNECTION_CODES),
    methods: ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxRetries: policy.maxTries,
    retry: (error, _context, decide) => {
      const fault = faultOf(error);
      if (!fault) {
        decide(error);
        return;
      }
      reportTry(fault);
      faults.push(fault);
      described.push(describeFault(fault));
      const next = nextTry(fault, {
        repeatable,
        triesSoFar: faults.length,
        maxTries: policy.maxTries,
        maxRetryAfterMs: policy.maxRetryAfterMs,
      });
      if (!next.again) {
        why = next.why;
        decide(error);
        return;
      }
      setTimeout(() => {
        waited += next.delayMs;
        takeTurn().then(
          () => decide(null),
          () => decide(error),
        );
      }, next.delayMs);
    },
  });
  try {
    const response = await exchange(httpRequest, dispatcher, described);
    reportTry(undefined);
    return response;
  } catch (error) {
    if (why !== undefined) throw unavailable(why);
    const fault = faultOf(error);
    if (fault && faults.length === 0) {
      // A fault the retry handler did not see (the connection failed before a try began): one try, given up.
      reportTry(fault);
      faults.push(fault);
      described.push(describeFault(fault));
      throw unavailable(`${describeFault(fault)} before any answer`);
    }
    throw error;
  }
}

export const jsonRequest = (method: string, url: string, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpRequest => ({
  method,
  url,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const formRequest = (
  url: string,
  fields: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): HttpRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

export const basicAuthorization = (clientId: string, clientSecret: string): string =>
  `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
