import { randomBytes } from 'node:crypto';
import { readBodyAs, startServer, type Answer, type IncomingExchange } from '../../../mocks/http/server.js';

/** What the sink does with the next notification call: answer a status, or hold the answer back past a timeout. */
export type SinkReply = { readonly status: number } | { readonly stallMs: number };

export interface SinkCall {
  readonly kind: 'card' | 'consumer';
  readonly authorization: string | undefined;
  readonly operations: readonly Record<string, unknown>[];
}

/**
 * A scriptable stand-in for the issuer's backend, for the mock D1's own tests: it records notification calls, token
 * requests and consumer-information requests, and answers notifications as scripted (204 by default).
 */
export interface IssuerSink {
  readonly url: string;
  readonly authUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly calls: SinkCall[];
  readonly tokenRequests: { authorization: string | undefined; contentType: string | undefined; body: string }[];
  readonly consumerInfoRequests: string[];
  /** Replies used in order for the next notification calls; when empty, 204. */
  readonly script: SinkReply[];
  /** consumerId -> consumerInfo for Get Consumer Information; others get 404. */
  readonly consumers: Map<string, Record<string, unknown>>;
  /** Every operation item received, flattened. */
  items(kind?: 'card' | 'consumer'): Record<string, unknown>[];
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startIssuerSink(): Promise<IssuerSink> {
  const clientId = 'sink-client';
  const clientSecret = randomBytes(12).toString('hex');
  const tokens = new Set<string>();
  const calls: SinkCall[] = [];
  const tokenRequests: IssuerSink['tokenRequests'] = [];
  const consumerInfoRequests: string[] = [];
  const script: SinkReply[] = [];
  const consumers = new Map<string, Record<string, unknown>>();

  const handler = async (exchange: IncomingExchange): Promise<Answer> => {
    if (exchange.path === '/authz/d1/v1/oauth2/token') {
      tokenRequests.push({
        authorization: exchange.headers.authorization,
        contentType: exchange.headers['content-type'],
        body: exchange.rawBody.toString('utf8'),
      });
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      if (exchange.headers.authorization !== expected) return { status: 401, body: { error: 'invalid_client' } };
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: '900' } };
    }
    const notification = /^\/notifications\/d1\/v2\/issuers\/[^/]+\/(cards|consumers)$/.exec(exchange.path);
    if (notification) {
      const reading = readBodyAs(exchange);
      const operations = reading.kind === 'json' ? ((reading.value as { operations?: Record<string, unknown>[] }).operations ?? []) : [];
      calls.push({ kind: notification[1] === 'cards' ? 'card' : 'consumer', authorization: exchange.headers.authorization, operations });
      const reply = script.shift();
      if (reply && 'stallMs' in reply) {
        await new Promise((resolve) => setTimeout(resolve, reply.stallMs));
        return { status: 204 };
      }
      return { status: reply?.status ?? 204 };
    }
    const consumer = /^\/banking\/d1\/v1\/issuers\/[^/]+\/consumers\/([^/]+)$/.exec(exchange.path);
    if (consumer?.[1]) {
      consumerInfoRequests.push(consumer[1]);
      const info = consumers.get(consumer[1]);
      return info ? { status: 200, body: { consumerInfo: info } } : { status: 404, body: { error: 'unknown consumer' } };
    }
    return { status: 404, body: { error: 'not found' } };
  };

  const server = await startServer(handler, { name: 'issuer-sink', errorBody: (_s, code, message) => ({ error: code, message }) });
  return {
    url: server.url,
    authUrl: `${server.url}/authz/d1/v1`,
    clientId,
    clientSecret,
    calls,
    tokenRequests,
    consumerInfoRequests,
    script,
    consumers,
    items: (kind) => calls.filter((c) => !kind || c.kind === kind).flatMap((c) => c.operations),
    waitFor: async (predicate, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('the sink did not receive what was expected in time');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop: () => server.stop(),
  };
}
