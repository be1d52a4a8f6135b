/**
 * The HTTP layer in front of a real network: a gateway's 429 and 503 with Retry-After are waited out and the request
 * sent again; other faults are absorbed only for requests that are harmless to repeat; a 500 is an answer, never
 * retried; a target that cannot answer throws TargetUnavailableError, as data; and the pace is held across processes.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { readTransportPolicy, type TransportPolicy } from '../../lib/config/transport.js';
import {
  clearTargetRoutes,
  onExchange,
  routeTarget,
  send,
  unavailableTargets,
  useTransport,
  type HttpExchange,
} from '../../lib/http/client.js';
import { localLink, pacingLink, PacingService, servePacing } from '../../lib/http/pacing.js';
import { fromRoot } from '../../lib/paths.js';
import { nextTry, retryAfterMs, TargetUnavailableError } from '../../lib/http/transport-faults.js';

type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

async function serve(handler: Handler): Promise<{ url: string; seen: { method: string; at: number }[]; close(): Promise<void> }> {
  const seen: { method: string; at: number }[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push({ method: request.method ?? '', at: performance.now() });
      handler(request, response, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const answer = (response: ServerResponse, status: number, headers: Record<string, string> = {}): void => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ status }));
};

/** Reads and writes are harmless to repeat here; a POST is a write that may have been processed. */
const readsOnly = (method: string): boolean => method === 'GET';

function policyWith(env: Record<string, string> = {}): TransportPolicy {
  return readTransportPolicy({ CERTIFY_MAX_TRIES: '3', ...env });
}

test.beforeEach(() => {
  unavailableTargets.length = 0;
  const policy = policyWith();
  useTransport({ policy, link: localLink(new PacingService(policy.pace)) });
});
test.afterEach(() => {
  clearTargetRoutes();
  useTransport(undefined);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  expect(retryAfterMs('2')).toBe(2000);
  const now = Date.parse('2026-12-07T10:00:00Z');
  expect(retryAfterMs('Mon, 07 Dec 2026 10:00:03 GMT', now)).toBe(3000);
  expect(retryAfterMs('soon')).toBeUndefined();
  expect(retryAfterMs(undefined)).toBeUndefined();
});

test('a 429 or a 503 with Retry-After is waited out and the same write sent again: it was not processed', async () => {
  const server = await serve((request, response, index) =>
    index === 0
      ? answer(response, 429, { 'retry-after': '1' })
      : index === 1
        ? answer(response, 503, { 'retry-after': '0' })
        : answer(response, 200),
  );
  try {
    routeTarget('d1', [server.url], readsOnly);
    const seen: HttpExchange[] = [];
    const stop = onExchange((exchange) => seen.push(exchange));
    const started = performance.now();
    const response = await send({ method: 'POST', url: `${server.url}/write`, body: '{}' }).finally(stop);
    expect(response.status).toBe(200);
    // One exchange for the evidence, with the faults it absorbed on the way.
    expect(seen.map((e) => e.faults)).toEqual([['429 (Retry-After 1 s)', '503 (Retry-After 0 s)']]);
    expect(server.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
    // The second try came after the second asked for by Retry-After.
    expect((server.seen[1]?.at ?? 0) - (server.seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  } finally {
    await server.close();
  }
});

test('a 502 ends the tries of a write at once, and the test learns that its target was unavailable', async () => {
  const server = await serve((_request, response) => answer(response, 502));
  try {
    routeTarget('d1', [server.url], readsOnly);
    const error = await send({ method: 'POST', url: `${server.url}/consumers/x`, body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(server.seen).toHaveLength(1);
    expect(unavailableTargets).toEqual([
      expect.objectContaining({ target: 'd1', method: 'POST', path: '/consumers/x', tries: 1, faults: ['502'] }),
    ]);
  } finally {
    await server.close();
  }
});

test('a read is tried again after a 502 or a 504, up to its tries', async () => {
  const server = await serve((_request, response, index) => answer(response, index < 2 ? ([502, 504][index] ?? 502) : 200));
  try {
    routeTarget('issuer', [server.url], readsOnly);
    expect((await send({ method: 'GET', url: `${server.url}/r` })).status).toBe(200);
    expect(server.seen).toHaveLength(3);
  } finally {
    await server.close();
  }
});

test('a 500 is the server answering: returned as it is, never tried again', async () => {
  const server = await serve((_request, response) => answer(response, 500));
  try {
    routeTarget('issuer', [server.url], readsOnly);
    expect((await send({ method: 'GET', url: `${server.url}/r` })).status).toBe(500);
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test("a direct request (a proxy forwarding, a mock's own call) is sent once and its answer returned, whatever its target", async () => {
  const server = await serve((_request, response) => answer(response, 503, { 'retry-after': '1' }));
  try {
    routeTarget('d1', [server.url], readsOnly);
    expect((await send({ method: 'GET', url: `${server.url}/r`, direct: true })).status).toBe(503);
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test('a refused connection is tried again for a read, then the target counts as unavailable', async () => {
  const server = await serve((_request, response) => answer(response, 200));
  const url = server.url;
  await server.close();
  routeTarget('issuer', [url], readsOnly);
  const error = await send({ method: 'GET', url: `${url}/r` }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TargetUnavailableError);
  expect((error as TargetUnavailableError).record).toMatchObject({ target: 'issuer', tries: 3, why: '3 tries' });
  expect((error as TargetUnavailableError).record.faults).toEqual([
    'refused (ECONNREFUSED)',
    'refused (ECONNREFUSED)',
    'refused (ECONNREFUSED)',
  ]);
});

test('a reset connection is absorbed for a read', async () => {
  const server = await serve((request, response, index) => (index === 0 ? request.socket.destroy() : answer(response, 200)));
  try {
    routeTarget('issuer', [server.url], readsOnly);
    expect((await send({ method: 'GET', url: `${server.url}/r` })).status).toBe(200);
    expect(server.seen).toHaveLength(2);
  } finally {
    await server.close();
  }
});

test('after several requests given up in a row, the target is down and the next request fails at once', async () => {
  const server = await serve((_request, response) => answer(response, 503));
  try {
    const policy = policyWith({ CERTIFY_MAX_TRIES: '1' });
    useTransport({ policy, link: localLink(new PacingService(policy.pace)) });
    routeTarget('d1', [server.url], readsOnly);
    for (let i = 0; i < 3; i += 1)
      await expect(send({ method: 'GET', url: `${server.url}/r` })).rejects.toBeInstanceOf(TargetUnavailableError);
    expect(server.seen).toHaveLength(3);
    await expect(send({ method: 'GET', url: `${server.url}/r` })).rejects.toThrow(/target down/);
    expect(server.seen).toHaveLength(3);
  } finally {
    await server.close();
  }
});

test('nextTry never repeats a write after a fault that may have reached the API, and bounds the tries and the waits', () => {
  const options = { repeatable: false, triesSoFar: 1, maxTries: 3, maxRetryAfterMs: 60_000 };
  expect(nextTry({ kind: 'reset', code: 'ECONNRESET' }, options).again).toBe(false);
  expect(nextTry({ kind: 'unavailable', status: 503 }, options).again).toBe(false);
  expect(nextTry({ kind: 'unavailable', status: 503, retryAfterMs: 1000 }, options)).toEqual({ again: true, delayMs: 1000 });
  expect(nextTry({ kind: 'throttled', status: 429 }, options).again).toBe(true);
  expect(nextTry({ kind: 'throttled', status: 429 }, { ...options, triesSoFar: 3 }).again).toBe(false);
  expect(nextTry({ kind: 'throttled', status: 429, retryAfterMs: 120_000 }, options).again).toBe(false);
  expect(nextTry({ kind: 'reset', code: 'ECONNRESET' }, { ...options, repeatable: true }).again).toBe(true);
});

test('a configured rate is held across processes: two links to one pacing service share it', async () => {
  const server = await serve((_request, response) => answer(response, 200));
  const policy = policyWith({ CERTIFY_ISSUER_RATE_LIMIT: '20' });
  const service = new PacingService(policy.pace);
  const served = await servePacing(service);
  try {
    routeTarget('issuer', [server.url], readsOnly);
    // Two links stand for two workers: each sends 10 requests at once, 20 in all at 20 per second.
    const links = [pacingLink(policy.pace, served.address), pacingLink(policy.pace, served.address)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all(
      links.map(async (link) => {
        useTransport({ policy, link });
        await Promise.all(Array.from({ length: 10 }, () => send({ method: 'GET', url: `${server.url}/r` })));
      }),
    );
    await Promise.all(links.map((l) => l.flush()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const times = server.seen.map((s) => s.at).sort((a, b) => a - b);
    // 20 requests at 20 per second span at least 19 intervals of 50 ms (a little less for timer granularity).
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(19 * 45);
    const [issuer] = service.report();
    expect(issuer).toMatchObject({ target: 'issuer', requests: 20, limit: { rate: 20 } });
    expect(issuer?.peakRate).toBeLessThanOrEqual(21);
  } finally {
    await served.close();
    await server.close();
  }
});

test('without a configured rate, a 429 lowers the pace until the gateway stops refusing', async () => {
  // A gateway allowing 10 requests a second, with a burst of 10.
  let tokens = 10;
  let last = performance.now();
  const server = await serve((_request, response) => {
    const now = performance.now();
    tokens = Math.min(10, tokens + ((now - last) / 1000) * 10);
    last = now;
    if (tokens < 1) return answer(response, 429, { 'retry-after': '1' });
    tokens -= 1;
    answer(response, 200);
  });
  try {
    const policy = policyWith({ CERTIFY_MAX_TRIES: '6' });
    const service = new PacingService(policy.pace);
    useTransport({ policy, link: localLink(service) });
    routeTarget('d1', [server.url], readsOnly);
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () => send({ method: 'GET', url: `${server.url}/r` }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const [d1] = service.report();
    expect(d1?.faults.throttled).toBeGreaterThan(0);
    expect(d1?.limit.rate).toBe('adaptive');
    expect(d1?.limit.finalRate).toBeLessThanOrEqual(12);
    // Once the pace adapted, most requests went through at the first try.
    expect(d1?.faults.throttled ?? 0).toBeLessThan(60);
  } finally {
    await server.close();
  }
});

test('a process with nothing else to do stays alive while it waits out a Retry-After', async () => {
  const server = await serve((_request, response, index) =>
    answer(response, index === 0 ? 503 : 200, index === 0 ? { 'retry-after': '1' } : {}),
  );
  try {
    // certify's clean-up runs alone in its process once the suites are over: a wait that kept nothing alive ended it.
    const script = [
      `import { routeTarget, send } from ${JSON.stringify(fromRoot('lib', 'http', 'client.ts'))};`,
      `routeTarget('d1', [${JSON.stringify(server.url)}], () => true);`,
      `const response = await send({ method: 'POST', url: ${JSON.stringify(`${server.url}/x`)}, body: '{}' });`,
      'console.log(`answered ${response.status}`);',
    ].join('\n');
    // Asynchronously: the server answering it lives in this process.
    const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fromRoot(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stdout.trim(), child.stderr).toBe('answered 200');
    expect(server.seen).toHaveLength(2);
  } finally {
    await server.close();
  }
});
