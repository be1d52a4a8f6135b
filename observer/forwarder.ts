import { timingSafeEqual } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { send } from '../lib/http/client.js';
import { endToEndHeaders } from '../lib/http/hop-by-hop.js';
import { startServer, type Answer, type IncomingExchange, type RunningServer } from '../mocks/http/server.js';

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
  /** The upstream in this process (the embedded mock D1 of a recording): asked directly, with no HTTP between. */
  readonly inProcess?: (incoming: IncomingExchange) => Answer | Promise<Answer>;
}

/** The observer's own mount points, the same as D1's and the mock's, so an issuer changes only the origin. */
export const BANKING_MOUNT = '/banking';
export const AUTH_MOUNT = '/authz/v1';
const CONTROLS_MOUNT = '/__mock/';
/** The observer's own pages (the live view). */
export const OBSERVER_MOUNT = '/__observer/';

/** D1's answer to one of the issuer's calls, as the observer passed it back. */
export interface ForwardedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** What was forwarded and what came back, handed to the observer for judging and keeping. */
export interface ForwardedCall {
  readonly incoming: IncomingExchange;
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly response: ForwardedResponse | undefined;
  readonly transportError: string | undefined;
}

export interface ForwarderOptions {
  readonly upstream: Upstream;
  /** Where to listen; 127.0.0.1 unless told otherwise. */
  readonly host?: string;
  readonly port?: number;
  /** The observer's own server certificate and key (PEM): it then serves HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The observer's own pages, answered before anything is forwarded; undefined for a path that is not one. */
  readonly local?: (incoming: IncomingExchange) => Answer | undefined;
  /** When set, the mock's controls and the observer's own pages answer only a request that carries it. */
  readonly controlToken?: string;
  readonly log?: (line: string) => void;
  /**
   * Called for every call to a D1 base (banking or OAuth) once D1 answered; the answer goes back to the caller when
   * what it returns settles (the call kept where a crash cannot lose it).
   */
  readonly onCall: (call: ForwardedCall) => void | Promise<void>;
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

/** An in-process upstream's answer as an HTTP answer reads: its body as text, and as JSON when it is JSON. */
function responseOf(answer: Answer): ForwardedResponse {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body === undefined) return { status: answer.status, headers, text: '', json: undefined };
  if (typeof answer.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    return { status: answer.status, headers, text: answer.body, json: undefined };
  }
  headers['content-type'] ??= 'application/json';
  return { status: answer.status, headers, text: JSON.stringify(answer.body), json: answer.body };
}

/** The in-process upstream's answer; a failure of its own is the 500 its server would have answered. */
async function answeredInProcess(upstream: NonNullable<Upstream['inProcess']>, incoming: IncomingExchange): Promise<ForwardedResponse> {
  try {
    return responseOf(await upstream(incoming));
  } catch {
    return responseOf({ status: 500, body: observerError('MOCK_INTERNAL_ERROR', 'the embedded mock D1 failed on this request') });
  }
}

/** The control token a request presents: `x-observer-token`, `Authorization: Bearer`, or `?token=` (a browser's address bar). */
function presentedToken(incoming: IncomingExchange): string | undefined {
  const header = incoming.headers['x-observer-token'];
  if (typeof header === 'string') return header;
  const bearer = /^Bearer\s+(\S+)$/i.exec(incoming.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const query = incoming.query.token;
  return typeof query === 'string' ? query : undefined;
}

const sameToken = (presented: string | undefined, expected: string): boolean => {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The observer's front: every call under D1's banking and OAuth bases is sent on to the upstream unchanged (but for
 * the hop-by-hop headers) and D1's answer comes back as it was, 5xx included. Nothing the client sends makes it
 * crash: a path outside D1's bases is a 404 and a request the upstream cannot be asked is a 400, each with a body;
 * an unreachable upstream is a 502.
 */
export async function startForwarder(options: ForwarderOptions): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const handler = async (incoming: IncomingExchange): Promise<Answer> => {
    const controlled = incoming.path.startsWith(CONTROLS_MOUNT) || incoming.path.startsWith(OBSERVER_MOUNT);
    if (controlled && options.controlToken !== undefined && !sameToken(presentedToken(incoming), options.controlToken))
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="observer controls"' },
        body: observerError('CONTROL_TOKEN_REQUIRED', 'the observer controls and live view need the token it printed at start'),
      };
    const local = controlled ? options.local?.(incoming) : undefined;
    if (local) return local;
    const destination = upstreamUrlOf(options.upstream, incoming);
    if (!destination)
      return {
        status: 404,
        body: observerError(
          'NOT_FOUND',
          `the observer serves D1's bases only: ${BANKING_MOUNT}/... and ${AUTH_MOUNT}/... (and its live view at ${OBSERVER_MOUNT}live)`,
        ),
      };
    const receivedAt = Date.now();
    const started = performance.now();
    let response: ForwardedResponse | undefined;
    let transportError: string | undefined;
    let answer: Answer;
    try {
      const upstreamAnswer = options.upstream.inProcess
        ? await answeredInProcess(options.upstream.inProcess, incoming)
        : await send({
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
      const kept = options.onCall({ incoming, receivedAt, durationMs: performance.now() - started, response, transportError });
      if (kept) await kept;
    }
    return answer;
  };
  return startServer(handler, {
    name: 'observer',
    ...(options.host ? { host: options.host } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    port: options.port,
    log: options.log,
    errorBody: (_status, code, message) => observerError(code, message),
  });
}
