import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream';
import { httpUrl } from '../../lib/config/values.js';
import { endToEndHeaders, HOP_BY_HOP } from '../../lib/http/hop-by-hop.js';
import { redactText } from '../../lib/redaction.js';
import { listen } from '../http/server.js';
import { seededRandom } from '../issuer/chaos.js';
import { PeakRate } from '../../lib/http/peak-rate.js';
import { resolveProfile, type ResolvedProfile, type ShapingProfile } from './shaping-profile.js';
import { TokenBucket } from './token-bucket.js';

export type { ShapingProfile } from './shaping-profile.js';

/**
 * A reverse proxy that stands for the network between a caller and the mocks: latency, a gateway's rate limit, 503s,
 * 502/504s, connection resets and slow answers, as a profile says, each drawn from a seeded generator so that a run
 * is replayed by giving its seed. Everything it forwards goes through unchanged but for the hop-by-hop headers.
 */
export interface ShapingProxyOptions {
  /** The origin (and optional base path) requests are forwarded to, http or https. */
  readonly upstream: string;
  /** Nothing shaped when unset. */
  readonly profile?: ShapingProfile;
  /** `127.0.0.1` when unset. */
  readonly host?: string;
  /** 0, the default, picks a free port. */
  readonly port?: number;
  /** Seed of the generator that draws the faults; a random one when unset, readable as `seed`. */
  readonly seed?: number;
  /** Receives one line (redacted) per request the profile did not forward untouched. */
  readonly log?: (line: string) => void;
}

/** What the proxy did since it started; also served at `GET /__shaper/stats`. */
export interface ShapingStats {
  readonly seed: number;
  /** Requests that met the profile (the proxy's own `/__shaper/` requests are not counted). */
  readonly received: number;
  /** Requests sent on to the upstream, whatever became of their answer. */
  readonly forwarded: number;
  readonly refused429: number;
  /** 503s, from the share and from `down`. */
  readonly unavailable503: number;
  /** 502s and 504s from the share; not the 502s for an unreachable upstream, which are `upstreamFailures`. */
  readonly badGateway: number;
  /** Connections reset, before and after forwarding. */
  readonly resets: number;
  readonly resetsBefore: number;
  readonly resetsAfter: number;
  readonly slowed: number;
  /** Forwarded requests the upstream did not answer (refused connection, reset): answered 502 when still possible. */
  readonly upstreamFailures: number;
  /** The most requests received within any one second. */
  readonly peakReceivedPerSecond: number;
  /** The most requests forwarded within any one second: what the upstream had to bear. */
  readonly peakForwardedPerSecond: number;
}

export interface RunningShapingProxy {
  readonly url: string;
  readonly port: number;
  readonly seed: number;
  stats(): ShapingStats;
  /** Applies to requests arriving from now on; the token bucket starts full again only when the rate changes. */
  setProfile(profile: ShapingProfile): void;
  /** Stops listening and drops every connection, pending delays included. */
  close(): Promise<void>;
}

/** The proxy's own paths: never shaped, never forwarded. */
export const CONTROL_PREFIX = '/__shaper/';

/** A request's draws, taken on arrival so that a seed and an arrival order give the same fates whatever the timing. */
interface Draws {
  readonly jitter: number;
  readonly before: number;
  readonly gatewayStatus: number;
  readonly after: number;
}

type Counter = Exclude<keyof ShapingStats, 'seed' | 'peakReceivedPerSecond' | 'peakForwardedPerSecond'>;

/** The answer's headers without the hop-by-hop ones; kept as raw pairs so that repeated headers (Set-Cookie) stay apart. */
function endToEndRawHeaders(rawHeaders: readonly string[]): string[] {
  const connection = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() !== 'connection') continue;
    for (const name of (rawHeaders[i + 1] ?? '').split(',')) connection.add(name.trim().toLowerCase());
  }
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connection.has(lower)) continue;
    kept.push(name, rawHeaders[i + 1] ?? '');
  }
  return kept;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

/** A Retry-After of `seconds`, as delta-seconds or as an HTTP date rounded up so that it is never sooner. */
function retryAfter(seconds: number, form: ResolvedProfile['retryAfterForm']): string {
  if (form === 'seconds') return String(seconds);
  return new Date((Math.ceil(Date.now() / 1000) + seconds) * 1000).toUTCString();
}

export async function startShapingProxy(options: ShapingProxyOptions): Promise<RunningShapingProxy> {
  const upstream = new URL(httpUrl(options.upstream, 'upstream'));
  const secure = upstream.protocol === 'https:';
  const sendUpstream = secure ? httpsRequest : httpRequest;
  // Kept-alive connections to the upstream, as a gateway keeps them: a fresh connection per request would add its own latency.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const upstreamHost = upstream.hostname.replace(/^\[(.*)\]$/, '$1');
  const upstreamPort = upstream.port === '' ? undefined : Number(upstream.port);

  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  let profile = resolveProfile(options.profile ?? {});
  let bucket = profile.rate ? new TokenBucket(profile.rate.perSecond, profile.rate.burst) : undefined;
  const log = options.log;

  const counts: Record<Counter, number> = {
    received: 0,
    forwarded: 0,
    refused429: 0,
    unavailable503: 0,
    badGateway: 0,
    resets: 0,
    resetsBefore: 0,
    resetsAfter: 0,
    slowed: 0,
    upstreamFailures: 0,
  };
  const receivedRate = new PeakRate();
  const forwardedRate = new PeakRate();
  const timers = new Set<NodeJS.Timeout>();

  const stats = (): ShapingStats => ({
    seed,
    ...counts,
    peakReceivedPerSecond: receivedRate.peak,
    peakForwardedPerSecond: forwardedRate.peak,
  });

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const note = (request: IncomingMessage, outcome: string): void => {
    log?.(`[shaper] ${request.method ?? 'GET'} ${redactText(request.url ?? '/')} -> ${outcome}`);
  };

  const reset = (request: IncomingMessage, when: 'before' | 'after'): void => {
    counts.resets += 1;
    if (when === 'before') counts.resetsBefore += 1;
    else counts.resetsAfter += 1;
    note(request, `connection reset ${when} forwarding`);
    // An RST rather than a clean close: the caller sees the connection fail, as on a broken network.
    request.socket.resetAndDestroy();
  };

  /** An answer made up by the proxy: the request's body is read and dropped, so the connection can be kept alive. */
  const refuse = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: object,
    headers: Record<string, string> = {},
  ): void => {
    request.resume();
    note(request, `${status}${headers['retry-after'] === undefined ? '' : ` (Retry-After: ${headers['retry-after']})`}`);
    sendJson(response, status, { ...body, source: 'shaping-proxy' }, headers);
  };

  const unavailable = (request: IncomingMessage, response: ServerResponse, shaping: ResolvedProfile, why: string): void => {
    counts.unavailable503 += 1;
    refuse(
      request,
      response,
      503,
      { error: 'service_unavailable', message: why },
      { 'retry-after': retryAfter(shaping.retryAfterSeconds, shaping.retryAfterForm) },
    );
  };

  const relay = (upstreamResponse: IncomingMessage, response: ServerResponse): void => {
    if (response.destroyed) {
      upstreamResponse.resume();
      return;
    }
    response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, endToEndRawHeaders(upstreamResponse.rawHeaders));
    // A failure on either side ends both: a truncated body must reach the caller as a broken connection, not as an end.
    pipeline(upstreamResponse, response, (error) => {
      if (error) response.destroy();
    });
  };

  const forward = (request: IncomingMessage, response: ServerResponse, shaping: ResolvedProfile, draws: Draws): void => {
    counts.forwarded += 1;
    forwardedRate.mark();
    const headers = endToEndHeaders(request.headers);
    // The length is kept when the caller gave one, so the upstream sees the same framing; the body streams either way.
    const length = request.headers['content-length'];
    if (length !== undefined && request.headers['transfer-encoding'] === undefined) headers['content-length'] = length;
    const outgoing = sendUpstream({
      host: upstreamHost,
      ...(upstreamPort === undefined ? {} : { port: upstreamPort }),
      method: request.method ?? 'GET',
      path: `${basePath}${request.url ?? '/'}`,
      headers,
      agent,
    });
    let callerLeft = false;
    response.once('close', () => {
      // The caller left (or was reset) before the answer was complete: the upstream exchange is of no use any more.
      if (response.writableFinished) return;
      callerLeft = true;
      outgoing.destroy();
    });
    let failed = false;
    outgoing.on('error', (error) => {
      // A request destroyed after a first failure may report another, and one the caller left is no upstream failure.
      if (failed || callerLeft) return;
      failed = true;
      counts.upstreamFailures += 1;
      request.unpipe(outgoing);
      request.resume();
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      note(request, `502 (upstream failed: ${error.message})`);
      sendJson(response, 502, { error: 'upstream_unreachable', message: error.message, source: 'shaping-proxy' });
    });
    outgoing.once('response', (upstreamResponse) => {
      const resetAfter = draws.after < shaping.resetAfterShare;
      if (resetAfter) {
        // The upstream processed the request; only its answer is lost. Its body is read so the connection can be reused.
        upstreamResponse.resume();
        reset(request, 'after');
        return;
      }
      if (draws.after < shaping.resetAfterShare + shaping.slowShare) {
        counts.slowed += 1;
        note(request, `slowed by ${shaping.slowMs} ms`);
        // Paused, the upstream's answer waits in the socket's buffer, held back by flow control like a slow link.
        upstreamResponse.pause();
        later(shaping.slowMs, () => relay(upstreamResponse, response));
        return;
      }
      relay(upstreamResponse, response);
    });
    request.pipe(outgoing);
  };

  const handle = (request: IncomingMessage, response: ServerResponse, shaping: ResolvedProfile, draws: Draws): void => {
    // The caller may have given up during the latency.
    if (request.socket.destroyed || response.writableEnded) return;
    if (shaping.down) {
      unavailable(request, response, shaping, 'the upstream is down');
      return;
    }
    const token = bucket?.take();
    if (token !== undefined && !token.taken) {
      counts.refused429 += 1;
      const seconds = String(token.retryAfterSeconds);
      refuse(
        request,
        response,
        429,
        { error: 'rate_limited', message: 'too many requests', retryAfterSeconds: token.retryAfterSeconds },
        {
          'retry-after': seconds,
        },
      );
      return;
    }
    let threshold = shaping.resetBeforeShare;
    if (draws.before < threshold) {
      reset(request, 'before');
      return;
    }
    threshold += shaping.unavailableShare;
    if (draws.before < threshold) {
      unavailable(request, response, shaping, 'the upstream is unavailable for a moment');
      return;
    }
    threshold += shaping.badGatewayShare;
    if (draws.before < threshold) {
      counts.badGateway += 1;
      if (draws.gatewayStatus < 0.5)
        refuse(request, response, 502, { error: 'bad_gateway', message: 'the upstream answered nothing usable' });
      else refuse(request, response, 504, { error: 'gateway_timeout', message: 'the upstream did not answer in time' });
      return;
    }
    forward(request, response, shaping, draws);
  };

  const control = (request: IncomingMessage, response: ServerResponse): void => {
    request.resume();
    const path = (request.url ?? '').split('?')[0];
    if (path !== `${CONTROL_PREFIX}stats`) {
      sendJson(response, 404, { error: 'not_found', message: `the shaping proxy serves ${CONTROL_PREFIX}stats only` });
      return;
    }
    if (request.method !== 'GET') {
      sendJson(response, 405, { error: 'method_not_allowed', message: 'GET only' }, { allow: 'GET' });
      return;
    }
    sendJson(response, 200, stats());
  };

  const server = createServer((request, response) => {
    if ((request.url ?? '').startsWith(CONTROL_PREFIX)) {
      control(request, response);
      return;
    }
    counts.received += 1;
    receivedRate.mark();
    const shaping = profile;
    // Always four draws per request, whatever the profile: the fates of a seed do not shift when a share is zero.
    const draws: Draws = { jitter: random(), before: random(), gatewayStatus: random(), after: random() };
    const delay = shaping.latencyMs + draws.jitter * shaping.jitterMs;
    if (delay > 0) later(delay, () => handle(request, response, shaping, draws));
    else handle(request, response, shaping, draws);
  });

  const running = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: running.url,
    port: running.port,
    seed,
    stats,
    setProfile: (next) => {
      const resolved = resolveProfile(next);
      const sameRate = resolved.rate?.perSecond === profile.rate?.perSecond && resolved.rate?.burst === profile.rate?.burst;
      if (!sameRate) bucket = resolved.rate ? new TokenBucket(resolved.rate.perSecond, resolved.rate.burst) : undefined;
      profile = resolved;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await running.stop();
      agent.destroy();
    },
  };
}
