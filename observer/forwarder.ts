import type { Dispatcher } from 'undici';
import { send } from '../lib/http/client.js';
import { endToEndHeaders } from '../lib/http/hop-by-hop.js';
import { startServer, type Answer, type IncomingExchange, type RunningServer } from '../mocks/http/server.js';
import type { ObservedResponse } from './observed-exchange.js';

/** Where the observer sends what it receives: D1's banking and OAuth bases, and in recording mode the mock's controls. */
export interface Upstream {
  /** D1_BASE_URL of the D1 behind the observer, without a trailing slash. */
  readonly bankingUrl: string;
  /** D1_AUTH_URL of the D1 behind the observer, without a trailing slash. */
  readonly authUrl: string;
  /** Origin of an embedded mock D1 whose `/__mock/` controls are passed through; undefined in front of a real D1. */
  readonly controlsOrigin?: string;
  /** A connection pool carrying the mutual-TLS credentials for the upstream. */
  readonly dispatcher?: Dispatcher;
}

/** The observer's own mount points, the same as D1's and the mock's, so an issuer changes only the origin. */
export const BANKING_MOUNT = '/banking';
export const AUTH_MOUNT = '/authz/v1';
const CONTROLS_MOUNT = '/__mock/';

/** What was forwarded and what came back, handed to the observer's session for recording. */
export interface ForwardedCall {
  readonly incoming: IncomingExchange;
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly response: ObservedResponse | undefined;
  readonly transportError: string | undefined;
}

export interface ForwarderOptions {
  readonly upstream: Upstream;
  readonly port?: number;
  readonly log?: (line: string) => void;
  /** Called for every call to a D1 base (banking or OAuth), after its answer went back. */
  readonly onCall: (call: ForwardedCall) => void;
  readonly timeoutMs?: number;
}

// The answer is relayed as text, so the upstream must not compress it.
const NOT_FORWARDED: ReadonlySet<string> = new Set(['accept-encoding']);
const NOT_RELAYED: ReadonlySet<string> = new Set(['content-encoding']);

const isUnder = (path: string, mount: string): boolean => path === mount || path.startsWith(`${mount}/`);

/** The path and query to send on, exactly as the client wrote them (an absolute-form target keeps only its path). */
function pathAndQuery(incoming: IncomingExchange): string {
  if (incoming.target.startsWith('/')) return incoming.target;
  try {
    const url = new URL(incoming.target);
    return `${url.pathname}${url.search}`;
  } catch {
    return incoming.path;
  }
}

/** The upstream URL of a call, or undefined for a path outside D1's bases. */
export function upstreamUrlOf(upstream: Upstream, incoming: IncomingExchange): { url: string; observed: boolean } | undefined {
  const target = pathAndQuery(incoming);
  if (isUnder(incoming.path, AUTH_MOUNT)) return { url: `${upstream.authUrl}${target.slice(AUTH_MOUNT.length)}`, observed: true };
  if (isUnder(incoming.path, BANKING_MOUNT)) return { url: `${upstream.bankingUrl}${target.slice(BANKING_MOUNT.length)}`, observed: true };
  if (upstream.controlsOrigin && incoming.path.startsWith(CONTROLS_MOUNT))
    return { url: `${upstream.controlsOrigin}${target}`, observed: false };
  return undefined;
}

const forwardedHeaders = (headers: IncomingExchange['headers']): Record<string, string> => endToEndHeaders(headers, NOT_FORWARDED);

const relayedHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => endToEndHeaders(headers, NOT_RELAYED);

const observerError = (code: string, message: string): Record<string, string> => ({ errorCode: code, error: message });

/**
 * The observer's front: every call under D1's banking and OAuth bases is sent on to the upstream unchanged (but for
 * the hop-by-hop headers) and D1's answer comes back as it was, 5xx included. Nothing the client sends makes it
 * crash: a path outside D1's bases is a 404 and a request the upstream cannot be asked is a 400, each with a body;
 * an unreachable upstream is a 502.
 */
export async function startForwarder(options: ForwarderOptions): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const handler = async (incoming: IncomingExchange): Promise<Answer> => {
    const destination = upstreamUrlOf(options.upstream, incoming);
    if (!destination)
      return {
        status: 404,
        body: observerError('NOT_FOUND', `the observer serves D1's bases only: ${BANKING_MOUNT}/... and ${AUTH_MOUNT}/...`),
      };
    const receivedAt = Date.now();
    const started = performance.now();
    let response: ObservedResponse | undefined;
    let transportError: string | undefined;
    let answer: Answer;
    try {
      const upstreamAnswer = await send({
        method: incoming.method,
        url: destination.url,
        headers: forwardedHeaders(incoming.headers),
        ...(incoming.rawBody.length > 0 ? { body: incoming.rawBody } : {}),
        timeoutMs,
        ...(options.upstream.dispatcher ? { dispatcher: options.upstream.dispatcher } : {}),
        direct: true,
      });
      response = { status: upstreamAnswer.status, headers: upstreamAnswer.headers, text: upstreamAnswer.text, json: upstreamAnswer.json };
      answer = {
        status: upstreamAnswer.status,
        headers: relayedHeaders(upstreamAnswer.headers),
        body: upstreamAnswer.text === '' ? undefined : upstreamAnswer.text,
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      transportError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      // undici refuses some requests before any byte is sent (a GET with a body, a forbidden method): the client's doing.
      answer = /InvalidArgument|NotSupported/.test(name)
        ? { status: 400, body: observerError('INVALID_REQUEST', 'the request cannot be forwarded to D1 as sent') }
        : { status: 502, body: observerError('UPSTREAM_UNREACHABLE', 'the D1 behind the observer did not answer') };
    }
    if (destination.observed) {
      options.onCall({ incoming, receivedAt, durationMs: performance.now() - started, response, transportError });
    }
    return answer;
  };
  return startServer(handler, {
    name: 'observer',
    port: options.port,
    log: options.log,
    errorBody: (_status, code, message) => observerError(code, message),
  });
}
