/**
 * The shaping proxy: transparent for what it forwards, and shaping as its profile says, from its seed.
 */
import { Agent, createServer } from 'node:http';
import { listen } from '../../../mocks/http/server.js';
import type { RunningShapingProxy } from '../../../mocks/network/shaping-proxy.js';
import { call, expect, patternBytes, sha256, test, type Received } from './shaping-fixtures.js';

const statsOf = async (proxy: RunningShapingProxy): Promise<Record<string, number>> =>
  JSON.parse((await call(`${proxy.url}/__shaper/stats`)).body.toString('utf8')) as Record<string, number>;

/** Sends `count` requests, `inFlight` at a time over kept-alive connections, and returns their statuses in order of sending. */
async function statuses(url: string, count: number, inFlight = 8): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const seen: number[] = new Array<number>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      seen[index] = (await call(url, { agent })).status;
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    agent.destroy();
  }
  return seen;
}

/** What a caller sees of a request whose connection was reset: the socket error's code. */
async function failureCode(url: string, body?: string): Promise<string | undefined> {
  try {
    await call(url, { method: body === undefined ? 'GET' : 'POST', ...(body === undefined ? {} : { body }) });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  return undefined;
}

test.describe('what it forwards goes through unchanged', () => {
  test('method, path, query, headers and body reach the upstream as sent', async ({ upstream, startProxy }) => {
    const proxy = await startProxy();
    const body = JSON.stringify({ consumerId: 'cns_1', note: 'ünïcode' });
    const target = '/banking/v1/issuers/TESTBANK01/consumers?q=1&q=2&x=%20y&empty=';
    const received = await call(`${proxy.url}${target}`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer token-for-the-test',
        'x-correlation-id': 'corr-0001',
        accept: 'application/json',
        'x-repeated': ['one', 'two'],
      },
      body,
    });
    expect(received.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0];
    expect(seen?.method).toBe('PATCH');
    expect(seen?.url).toBe(target);
    expect(seen?.body.toString('utf8')).toBe(body);
    expect(seen?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer token-for-the-test',
      'x-correlation-id': 'corr-0001',
      accept: 'application/json',
      'x-repeated': 'one, two',
      'content-length': String(Buffer.byteLength(body)),
    });
    // No header of the proxy's own.
    expect(Object.keys(seen?.headers ?? {}).filter((name) => name.startsWith('x-forwarded') || name === 'via')).toEqual([]);
  });

  test('every method goes through, and the answer keeps its status, reason, repeated headers and body', async ({
    upstream,
    startProxy,
  }) => {
    const proxy = await startProxy();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) {
      const received = await call(`${proxy.url}/answer?status=207`, { method });
      expect(received.status, method).toBe(207);
      expect(received.statusMessage, method).toBe('Chosen By Upstream');
      expect(received.headers['x-upstream'], method).toBe('recorded');
      // Set-Cookie may not be folded into one line (RFC 9110 §5.3): each stays a header of its own.
      expect(received.headers['set-cookie'], method).toEqual(['first=1; Path=/', 'second=2; Path=/']);
      expect(received.body.toString('utf8'), method).toBe(method === 'HEAD' ? '' : 'answered by the upstream');
    }
    expect(upstream.seen.map((seen) => seen.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
    for (const status of [201, 204, 400, 404, 409, 500, 503]) {
      expect((await call(`${proxy.url}/answer?status=${status}`)).status).toBe(status);
    }
  });

  test('hop-by-hop headers, and those the Connection header names, stay on their hop', async ({ upstream, startProxy }) => {
    const proxy = await startProxy();
    await call(`${proxy.url}/hops`, {
      headers: { connection: 'keep-alive, x-hop-only', 'x-hop-only': 'secret', 'proxy-authorization': 'Basic eDp5', 'x-kept': 'yes' },
    });
    const headers = upstream.seen[0]?.headers ?? {};
    expect(headers['x-kept']).toBe('yes');
    expect(headers['x-hop-only']).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
  });

  test('large bodies stream through whole, both ways', async ({ upstream, startProxy }) => {
    const proxy = await startProxy();
    const upload = patternBytes(5 * 1024 * 1024 + 3);
    const answer = await call(`${proxy.url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: upload,
    });
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      method: 'POST',
      target: '/upload',
      length: upload.length,
      sha256: sha256(upload),
    });
    expect(upstream.seen[0]?.headers['content-length']).toBe(String(upload.length));

    const count = 8 * 1024 * 1024 + 1;
    const download = await call(`${proxy.url}/bytes?count=${count}`);
    expect(download.headers['content-length']).toBe(String(count));
    expect(download.body.length).toBe(count);
    expect(sha256(download.body)).toBe(sha256(patternBytes(count)));
  });

  test('connections are kept alive on both sides', async ({ upstream, startProxy }) => {
    const proxy = await startProxy();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const received: Received[] = [];
      for (let i = 0; i < 5; i += 1) received.push(await call(`${proxy.url}/again?i=${i}`, { agent, method: 'POST', body: `call ${i}` }));
      expect(received.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(received.map((answer) => answer.reusedSocket)).toEqual([false, true, true, true, true]);
      expect(upstream.connections()).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  test('an upstream that cannot be reached is answered 502, counted apart from the 502 share', async ({ startProxy }) => {
    const closed = await listen(createServer());
    await closed.stop();
    const proxy = await startProxy({ upstream: closed.url });
    const received = await call(`${proxy.url}/anything`);
    expect(received.status).toBe(502);
    expect(JSON.parse(received.body.toString('utf8'))).toMatchObject({ error: 'upstream_unreachable', source: 'shaping-proxy' });
    expect(await statsOf(proxy)).toMatchObject({ forwarded: 1, upstreamFailures: 1, badGateway: 0 });
  });
});

test.describe('the profile shapes the link', () => {
  test('latency is added before each request', async ({ startProxy }) => {
    const latencyMs = 150;
    const proxy = await startProxy({ profile: { latencyMs, jitterMs: 30 } });
    for (let i = 0; i < 3; i += 1) {
      const received = await call(`${proxy.url}/slow-link`);
      expect(received.status).toBe(200);
      // A lower bound only: on a shared machine the upper one says nothing about the proxy.
      expect(received.elapsedMs).toBeGreaterThanOrEqual(latencyMs - 1);
    }
  });

  test('the token bucket refuses a burst beyond it with 429 and Retry-After, forwards none of them, and accepts again later', async ({
    upstream,
    startProxy,
  }) => {
    // Two tokens a second: whatever the timing, the next token is at most half a second away, so Retry-After is 1.
    const proxy = await startProxy({ profile: { rate: { perSecond: 2, burst: 3 } } });
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => call(`${proxy.url}/burst?i=${i}`)));
    const accepted = burst.filter((answer) => answer.status === 200);
    const refused = burst.filter((answer) => answer.status === 429);
    expect(accepted.length + refused.length).toBe(8);
    // Three from the full bucket; a slow machine may let the refill add one more.
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeLessThanOrEqual(4);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ error: 'rate_limited', retryAfterSeconds: 1 });
    }
    expect(upstream.seen).toHaveLength(accepted.length);
    expect(new Set(upstream.seen.map((seen) => seen.url))).toEqual(
      new Set(burst.flatMap((answer, i) => (answer.status === 200 ? [`/burst?i=${i}`] : []))),
    );
    expect(await statsOf(proxy)).toMatchObject({ received: 8, forwarded: accepted.length, refused429: refused.length });

    await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(refused[0]?.headers['retry-after'] ?? '1')));
    expect((await call(`${proxy.url}/after-waiting`)).status).toBe(200);
    expect(upstream.seen.at(-1)?.url).toBe('/after-waiting');
  });

  test('with a 503 share of 1 every request is answered 503 with Retry-After, and none is forwarded', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { unavailableShare: 1, retryAfterSeconds: 3 }, seed: 7 });
    for (let i = 0; i < 10; i += 1) {
      const received = await call(`${proxy.url}/unavailable`, { method: 'POST', body: 'dropped' });
      expect(received.status).toBe(503);
      expect(received.headers['retry-after']).toBe('3');
      expect(JSON.parse(received.body.toString('utf8'))).toMatchObject({ error: 'service_unavailable', source: 'shaping-proxy' });
    }
    expect(upstream.seen).toHaveLength(0);
    expect(await statsOf(proxy)).toMatchObject({ received: 10, forwarded: 0, unavailable503: 10 });
  });

  test('Retry-After may be an HTTP date, at least the seconds given ahead', async ({ startProxy }) => {
    const proxy = await startProxy({ profile: { unavailableShare: 1, retryAfterSeconds: 5, retryAfterForm: 'http-date' } });
    const before = Date.now();
    const value = (await call(`${proxy.url}/unavailable`)).headers['retry-after'] ?? '';
    expect(value).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(Date.parse(value)).toBeGreaterThanOrEqual(before + 5_000);
  });

  test('with a 503 share of 0 every request is forwarded', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { unavailableShare: 0 }, seed: 7 });
    expect(await statuses(`${proxy.url}/available`, 50)).toEqual(new Array<number>(50).fill(200));
    expect(upstream.seen).toHaveLength(50);
  });

  test('a 503 share of 10 % strikes about 10 % of 2,000 requests, the same ones for the same seed', async ({ upstream, startProxy }) => {
    const count = 2_000;
    const first = await startProxy({ profile: { unavailableShare: 0.1 }, seed: 20_260_101 });
    const seen = await statuses(`${first.url}/share`, count);
    const unavailable = seen.filter((status) => status === 503).length;
    expect(seen.filter((status) => status !== 503 && status !== 200)).toEqual([]);
    // Mean 200, standard deviation about 13: the band is more than five deviations wide on each side.
    expect(unavailable).toBeGreaterThan(120);
    expect(unavailable).toBeLessThan(280);
    expect(upstream.seen).toHaveLength(count - unavailable);
    expect(await statsOf(first)).toMatchObject({ received: count, unavailable503: unavailable, forwarded: count - unavailable });

    // One at a time, so that the order of arrival is the order of sending: the same seed gives the same fates.
    const sequence = async (seed: number): Promise<number[]> => {
      const proxy = await startProxy({ profile: { unavailableShare: 0.3, badGatewayShare: 0.2 }, seed });
      return statuses(`${proxy.url}/replay`, 40, 1);
    };
    const replayed = await sequence(99);
    expect(await sequence(99)).toEqual(replayed);
    expect(await sequence(100)).not.toEqual(replayed);
    expect(replayed.filter((status) => ![200, 502, 503, 504].includes(status))).toEqual([]);
    expect(replayed).toContain(503);
  });

  test('the bad-gateway share answers 502 or 504, without Retry-After, and forwards none', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { badGatewayShare: 1 }, seed: 3 });
    const received = await Promise.all(Array.from({ length: 20 }, () => call(`${proxy.url}/gateway`)));
    expect(new Set(received.map((answer) => answer.status))).toEqual(new Set([502, 504]));
    for (const answer of received) expect(answer.headers['retry-after']).toBeUndefined();
    expect(upstream.seen).toHaveLength(0);
    expect(await statsOf(proxy)).toMatchObject({ badGateway: 20, forwarded: 0 });
  });

  test('a reset before forwarding breaks the connection, and the upstream never sees the request', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { resetBeforeShare: 1 } });
    expect(await failureCode(`${proxy.url}/reset`, 'never processed')).toBe('ECONNRESET');
    expect(await failureCode(`${proxy.url}/reset`)).toBe('ECONNRESET');
    expect(upstream.seen).toHaveLength(0);
    expect(await statsOf(proxy)).toMatchObject({ resets: 2, resetsBefore: 2, resetsAfter: 0, forwarded: 0 });
  });

  test('a reset after forwarding breaks the connection, though the upstream processed the request', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { resetAfterShare: 1 } });
    expect(await failureCode(`${proxy.url}/reset-after`, 'processed')).toBe('ECONNRESET');
    expect(upstream.seen.map((seen) => seen.body.toString('utf8'))).toEqual(['processed']);
    expect(await statsOf(proxy)).toMatchObject({ resets: 1, resetsBefore: 0, resetsAfter: 1, forwarded: 1 });
  });

  test('a slow answer comes whole, at least slowMs after the request', async ({ startProxy }) => {
    const proxy = await startProxy({ profile: { slowShare: 1, slowMs: 300 } });
    const received = await call(`${proxy.url}/bytes?count=100000`);
    expect(received.status).toBe(200);
    expect(sha256(received.body)).toBe(sha256(patternBytes(100_000)));
    expect(received.elapsedMs).toBeGreaterThanOrEqual(299);
    expect(await statsOf(proxy)).toMatchObject({ slowed: 1, forwarded: 1 });
  });

  test('down answers every request 503 with Retry-After until the profile changes', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { down: true, retryAfterSeconds: 5 } });
    for (const answer of await Promise.all(Array.from({ length: 5 }, () => call(`${proxy.url}/down`, { method: 'POST', body: '{}' })))) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
    }
    expect(upstream.seen).toHaveLength(0);
    proxy.setProfile({});
    expect((await call(`${proxy.url}/back-up`)).status).toBe(200);
    expect(upstream.seen.map((seen) => seen.url)).toEqual(['/back-up']);
  });
});

test.describe('its own paths', () => {
  test('/__shaper/stats counts each outcome and is never shaped', async ({ startProxy }) => {
    const proxy = await startProxy({ profile: { rate: { perSecond: 0.01, burst: 4 } } });
    await Promise.all(Array.from({ length: 6 }, () => call(`${proxy.url}/counted`)));
    proxy.setProfile({ down: true });
    await call(`${proxy.url}/counted`);
    // Down, and with no token left: the proxy's own path still answers.
    const received = await call(`${proxy.url}/__shaper/stats`);
    expect(received.status).toBe(200);
    expect(received.headers['content-type']).toBe('application/json');
    const stats = JSON.parse(received.body.toString('utf8')) as Record<string, number>;
    const { peakReceivedPerSecond = 0, peakForwardedPerSecond = 0, ...counts } = stats;
    expect(counts).toEqual({
      seed: 1,
      received: 7,
      forwarded: 4,
      refused429: 2,
      unavailable503: 1,
      badGateway: 0,
      resets: 0,
      resetsBefore: 0,
      resetsAfter: 0,
      slowed: 0,
      upstreamFailures: 0,
    });
    // Never more forwarded within a second than the bucket holds.
    expect(peakForwardedPerSecond).toBeGreaterThanOrEqual(1);
    expect(peakForwardedPerSecond).toBeLessThanOrEqual(4);
    expect(peakReceivedPerSecond).toBeGreaterThanOrEqual(peakForwardedPerSecond);
    expect(proxy.stats()).toEqual(stats);
  });

  test('another path under /__shaper/ is 404, another method 405 with Allow', async ({ upstream, startProxy }) => {
    const proxy = await startProxy({ profile: { down: true } });
    expect((await call(`${proxy.url}/__shaper/nothing`)).status).toBe(404);
    const wrongMethod = await call(`${proxy.url}/__shaper/stats`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
    expect(upstream.seen).toHaveLength(0);
    expect(proxy.stats().received).toBe(0);
  });
});
