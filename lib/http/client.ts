import { request, type Dispatcher } from 'undici';
import { witnessExchange } from '../evidence/witness.js';

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

export async function send(httpRequest: HttpRequest): Promise<HttpResponse> {
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
      signal: AbortSignal.timeout(timeout),
      ...(httpRequest.dispatcher ? { dispatcher: httpRequest.dispatcher } : {}),
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
    for (const listener of listeners) listener({ request: httpRequest, response, startedAt });
    return response;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const listener of listeners) listener({ request: httpRequest, error: message, startedAt });
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
