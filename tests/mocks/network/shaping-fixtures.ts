/**
 * Fixtures of the shaping proxy's tests: each test gets its own recording upstream on loopback and the proxies it
 * starts in front of it, all closed when it ends, so tests share no state and run in any order.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { test as base } from '@playwright/test';
import { listen } from '../../../mocks/http/server.js';
import { startShapingProxy, type RunningShapingProxy, type ShapingProxyOptions } from '../../../mocks/network/shaping-proxy.js';

/** One request as the upstream received it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RecordingUpstream {
  readonly url: string;
  /** Every request received, in order of arrival. */
  readonly seen: SeenRequest[];
  /** How many connections were opened to it. */
  connections(): number;
}

/**
 * A tiny upstream that records what it receives. It answers:
 * - `/answer?status=N`: status N, two Set-Cookie headers, `x-upstream: recorded`, a text body (none to a HEAD);
 * - `/bytes?count=N`: N pseudo-random bytes with their Content-Length;
 * - anything else: 200 and JSON naming the method, target, body length and body SHA-256.
 */
async function startRecordingUpstream(): Promise<RecordingUpstream & { close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = request.url ?? '/';
      seen.push({ method: request.method ?? '', url: target, headers: request.headers, body });
      const url = new URL(target, 'http://upstream.invalid');
      if (url.pathname === '/answer') {
        response.statusMessage = 'Chosen By Upstream';
        response.setHeader('set-cookie', ['first=1; Path=/', 'second=2; Path=/']);
        response.setHeader('x-upstream', 'recorded');
        response.setHeader('content-type', 'text/plain');
        response.writeHead(Number(url.searchParams.get('status') ?? '200'));
        response.end(request.method === 'HEAD' ? undefined : 'answered by the upstream');
        return;
      }
      if (url.pathname === '/bytes') {
        const payload = patternBytes(Number(url.searchParams.get('count') ?? '0'));
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(payload.length) });
        response.end(payload);
        return;
      }
      const text = JSON.stringify({ method: request.method, target, length: body.length, sha256: sha256(body) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(text);
    });
  });
  server.on('connection', () => (connections += 1));
  const running = await listen(server);
  return { url: running.url, seen, connections: () => connections, close: () => running.stop() };
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Bytes that differ from one position to the next, so a reordered or truncated stream shows in the hash. */
export function patternBytes(count: number): Buffer {
  const bytes = Buffer.alloc(count);
  let state = 0x9e3779b9;
  for (let i = 0; i < count; i += 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

export interface Received {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** Whether the request went over a connection kept alive from an earlier one. */
  readonly reusedSocket: boolean;
  readonly elapsedMs: number;
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: Buffer | string;
  readonly agent?: Agent;
}

/** One HTTP/1.1 exchange with node:http, which keeps raw headers (repeated Set-Cookie) and socket reuse visible. */
export function call(url: string, options: CallOptions = {}): Promise<Received> {
  const started = performance.now();
  return new Promise<Received>((resolve, reject) => {
    const outgoing = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false });
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          statusMessage: response.statusMessage ?? '',
          headers: response.headers,
          rawHeaders: response.rawHeaders,
          body: Buffer.concat(chunks),
          reusedSocket: outgoing.reusedSocket,
          elapsedMs: performance.now() - started,
        }),
      );
    });
    outgoing.end(options.body);
  });
}

export interface ShapingFixtures {
  upstream: RecordingUpstream;
  /** Starts a proxy in front of this test's upstream (seed 1 unless given); closed when the test ends. */
  startProxy: (options?: Omit<ShapingProxyOptions, 'upstream'> & { upstream?: string }) => Promise<RunningShapingProxy>;
}

export const test = base.extend<ShapingFixtures>({
  // Playwright reads a fixture's dependencies from this pattern, so it stays even when empty.
  upstream: async ({}, use) => {
    const upstream = await startRecordingUpstream();
    await use(upstream);
    await upstream.close();
  },
  startProxy: async ({ upstream }, use) => {
    const started: RunningShapingProxy[] = [];
    await use(async (options = {}) => {
      const proxy = await startShapingProxy({ upstream: upstream.url, seed: 1, ...options });
      started.push(proxy);
      return proxy;
    });
    await Promise.all(started.map((proxy) => proxy.close()));
  },
});

export { expect } from '@playwright/test';
