import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { redactText } from '../../lib/redaction.js';
import { BodyTooLarge, readBodyThen } from '../../lib/http/body.js';

/** One request as a mock's handler sees it: read whole, within the size limit. */
export interface IncomingExchange {
  /** Per-server sequence id, also sent back as `x-request-id`. */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  /** The request target exactly as sent (path and query, not normalised), for a handler that forwards it. */
  readonly target: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON, a string as text, undefined as no body. */
  readonly body?: unknown;
}

export type RequestHandler = (exchange: IncomingExchange) => Answer | Promise<Answer>;

/** How a mock words an error it answers before its handler runs (body too large, unreadable request). */
export type ErrorBody = (status: number, code: string, message: string) => unknown;

export interface ServerOptions {
  /** Shown in log lines, e.g. `mock-d1`. */
  readonly name: string;
  readonly host?: string;
  /** 0, the default, picks a free ephemeral port. */
  readonly port?: number;
  readonly maxBodyBytes?: number;
  readonly errorBody: ErrorBody;
  /** Receives one redacted line per request. */
  readonly log?: (line: string) => void;
  /** A certificate and its private key, as PEM text: the server then speaks HTTPS, and its url starts with `https://`. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` (`https://` for an HTTPS server), with the host it listens on; no trailing slash. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const ONE_MIB = 1024 * 1024;

/**
 * A request target URL parsing gives back unchanged as its path: plain characters only, no dot segment, no query, no
 * `//` start (which would read as a host). Most targets are; they skip the parsing, which showed under load.
 */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-_~!$&'()*+,;=:@/]*$/;

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}

function send(response: ServerResponse, answer: Answer, requestId: string, close = false): void {
  const headers: Record<string, string> = answer.headers ? { 'x-request-id': requestId, ...answer.headers } : { 'x-request-id': requestId };
  let payload: string | undefined;
  if (answer.body !== undefined) {
    if (typeof answer.body === 'string') {
      payload = answer.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(answer.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  if (close) headers.connection = 'close';
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  response.writeHead(answer.status, headers);
  response.end(payload);
}

/** One request being served: its id, and the answer sent and logged once. A class, not closures: cheaper per request. */
class ServedRequest {
  readonly method: string;
  /** The path as parsed, `?` until it is. */
  pathForLog = '?';
  private readonly started: bigint;

  constructor(
    request: IncomingMessage,
    private readonly response: ServerResponse,
    readonly id: string,
    private readonly options: ServerOptions,
    private readonly log: (line: string) => void,
  ) {
    this.method = request.method ?? 'GET';
    // Redacting a log line costs a few regular expressions per request: only done when someone reads the log.
    this.started = options.log === undefined ? 0n : process.hrtime.bigint();
  }

  finish(answer: Answer, close = false): void {
    const response = this.response;
    if (response.headersSent || response.destroyed) return;
    send(response, answer, this.id, close);
    if (this.options.log === undefined) return;
    const ms = Number(process.hrtime.bigint() - this.started) / 1e6;
    const path = this.pathForLog;
    // A hostile client can send a very long path; the log keeps its start.
    const shown = path.length > 300 ? `${path.slice(0, 300)}…(${path.length} characters)` : path;
    this.log(`[${this.options.name} ${this.id}] ${this.method} ${redactText(shown)} -> ${answer.status} (${ms.toFixed(1)} ms)`);
  }
}

/**
 * Starts a mock server. Every request gets an id, is read within the body limit, handed to the handler, and logged
 * (redacted) with its outcome. Whatever a client sends, the answer is a 4xx with a body rather than a crash: an
 * error the handler throws is logged and answered 500, which the garbage-input tests look for as a defect.
 */
export async function startServer(handler: RequestHandler, options: ServerOptions): Promise<RunningServer> {
  const limit = options.maxBodyBytes ?? ONE_MIB;
  const log = options.log ?? ((): void => undefined);
  let sequence = 0;

  /** A body too large is answered 413; whatever else went wrong (the handler threw, the stream failed) is logged and answered 500. */
  const failed = (served: ServedRequest, request: IncomingMessage, error: unknown): void => {
    if (error instanceof BodyTooLarge) {
      // The rest of the body is not read, so the connection cannot be reused.
      served.finish({ status: 413, body: options.errorBody(413, 'BODY_TOO_LARGE', `the body exceeds ${limit} bytes`) }, true);
      request.resume();
      return;
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`[${options.name} ${served.id}] handler error: ${redactText(text)}`);
    served.finish({ status: 500, body: options.errorBody(500, 'MOCK_INTERNAL_ERROR', 'the mock failed; see its log') });
  };

  const listener: RequestListener = (request, response) => {
    sequence += 1;
    const served = new ServedRequest(request, response, `req-${String(sequence).padStart(6, '0')}`, options, log);
    const target = request.url ?? '/';
    let path = target;
    let query: Record<string, string | string[]> = {};
    if (!PLAIN_TARGET.test(target)) {
      try {
        const url = new URL(target, 'http://mock.invalid');
        path = url.pathname;
        query = queryOf(url);
      } catch {
        served.finish({ status: 400, body: options.errorBody(400, 'INVALID_REQUEST_URI', 'the request target is not a valid URI') });
        return;
      }
    }
    served.pathForLog = path;

    // Callbacks rather than a promise chain: the handler runs as the body ends, and only a handler that waits for
    // something costs a promise (both showed in the mocks' profile under load).
    readBodyThen(request, limit, (rawBody) => {
      if (rawBody instanceof Error) {
        failed(served, request, rawBody);
        return;
      }
      try {
        const answer = handler({ id: served.id, method: served.method, path, target, query, headers: request.headers, rawBody });
        if (answer instanceof Promise) {
          answer.then((settled) => served.finish(settled)).catch((error: unknown) => failed(served, request, error));
          return;
        }
        served.finish(answer);
      } catch (error) {
        failed(served, request, error);
      }
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  // A client that sends bytes no HTTP parser accepts gets a 400 instead of a dropped socket; a HEAD gets no body.
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (socket.writable) {
      const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
      const body = head ? '' : JSON.stringify(options.errorBody(400, 'MALFORMED_HTTP', 'the request is not valid HTTP/1.1'));
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else socket.destroy(error);
  });
  // An Expect header other than 100-continue is refused with a body, like every other refusal.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    sequence += 1;
    send(
      response,
      { status: 417, body: options.errorBody(417, 'EXPECTATION_FAILED', 'only Expect: 100-continue is supported') },
      `req-${String(sequence).padStart(6, '0')}`,
      true,
    );
    request.resume();
  });

  return listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
}

/**
 * Listens (on loopback unless told otherwise) and gives the origin and a stop that also ends kept-alive connections,
 * so that a stopped server never holds its test or command open.
 */
export async function listen(server: Server | HttpsServer, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `${server instanceof HttpsServer ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type BodyReading =
  | { readonly kind: 'empty' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly value: Record<string, string> }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Reads a body by its declared media type; JSON that does not parse is reported, not thrown. */
export function readBodyAs(exchange: IncomingExchange): BodyReading {
  if (exchange.rawBody.length === 0) return { kind: 'empty' };
  const declared = exchange.headers['content-type'];
  // The usual media type is taken as it is; only another one is split from its parameters.
  const mediaType = declared === 'application/json' ? declared : ((declared ?? '').split(';')[0]?.trim().toLowerCase() ?? '');
  const text = exchange.rawBody.toString('utf8');
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { kind: 'form', value: Object.fromEntries(new URLSearchParams(text)) };
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch {
      return { kind: 'unreadable', reason: 'the body is not valid JSON' };
    }
  }
  return { kind: 'unreadable', reason: `unsupported media type ${mediaType || '(none)'}` };
}
