import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BodyTooLarge, readBody } from '../../lib/http/body.js';
import { send, type HttpResponse } from '../../lib/http/client.js';
import { endToEndHeaders } from '../../lib/http/hop-by-hop.js';
import { redactText } from '../../lib/redaction.js';
import { ConfigurationError } from '../../lib/config/errors.js';
import { listen, ONE_MIB } from '../http/server.js';
import { issuerErrorBody } from './answers.js';

/**
 * An unreliable network and backend in front of the reference issuer, for notification calls only: some are answered
 * 500 without being processed, some are processed but their answer never comes back (the caller times out), some
 * have their connection reset before anything is processed. Each call's fate comes from a seeded generator, so a run
 * is replayed by giving the same seed.
 */
export interface ChaosOptions {
  /** Seed of the generator that decides each notification call's fate; printed by whoever wants a replayable run. */
  readonly seed: number;
  /** Probability that a notification call is answered 500 and not processed. */
  readonly serverError?: number;
  /** Probability that a notification call is processed but its answer withheld until the caller gives up. */
  readonly timeout?: number;
  /** Probability that a notification call's connection is reset before it is processed. */
  readonly reset?: number;
  /** How long a withheld answer keeps its connection open at most; default 60 s. */
  readonly holdMs?: number;
}

export type ChaosOutcome = 'passed' | 'server-error' | 'timeout' | 'reset';

export interface ChaosStats {
  readonly seed: number;
  /** Notification calls that met the chaos, whatever their fate. */
  readonly calls: number;
  readonly passed: number;
  readonly serverError: number;
  readonly timeout: number;
  readonly reset: number;
  /** Statuses the issuer itself answered to the calls let through (passed and timed out), by status. */
  readonly issuerAnswers: Readonly<Record<string, number>>;
}

interface ResolvedChaos {
  readonly seed: number;
  readonly serverError: number;
  readonly timeout: number;
  readonly reset: number;
  readonly holdMs: number;
}

export interface RunningChaosFront {
  readonly url: string;
  stats(): ChaosStats;
  stop(): Promise<void>;
}

/** Only these calls meet the chaos: the token endpoint, consumer information and /__mock/ pass untouched. */
const NOTIFICATION_PREFIX = '/notifications/';

const probability = (value: number | undefined, name: string): number => {
  const p = value ?? 0;
  if (!Number.isFinite(p) || p < 0 || p > 1)
    throw new ConfigurationError(`chaos.${name} must be a probability from 0 to 1, got ${String(value)}`);
  return p;
};

export function resolveChaos(options: ChaosOptions): ResolvedChaos {
  if (!Number.isSafeInteger(options.seed)) throw new ConfigurationError(`chaos.seed must be an integer, got ${String(options.seed)}`);
  const resolved = {
    seed: options.seed,
    serverError: probability(options.serverError, 'serverError'),
    timeout: probability(options.timeout, 'timeout'),
    reset: probability(options.reset, 'reset'),
    holdMs: options.holdMs ?? 60_000,
  };
  if (resolved.serverError + resolved.timeout + resolved.reset > 1)
    throw new ConfigurationError('chaos probabilities must add up to at most 1');
  if (!Number.isFinite(resolved.holdMs) || resolved.holdMs < 0)
    throw new ConfigurationError(`chaos.holdMs must be 0 or more, got ${String(options.holdMs)}`);
  return resolved;
}

/** mulberry32: small, fast and good enough to spread fates; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function answer(response: ServerResponse, upstream: HttpResponse): void {
  // The caller may have given up while the issuer answered; there is no one left to tell.
  if (response.destroyed) return;
  // Framing and connection headers belong to one hop; the answer gets its own.
  response.writeHead(upstream.status, endToEndHeaders(upstream.headers));
  response.end(upstream.text === '' ? undefined : upstream.text);
}

/** Starts the chaos front on an ephemeral loopback port, forwarding what it lets through to the issuer at `targetUrl`. */
export async function startChaosFront(targetUrl: string, options: ChaosOptions, log: (line: string) => void): Promise<RunningChaosFront> {
  const chaos = resolveChaos(options);
  const random = seededRandom(chaos.seed);
  const counts = { calls: 0, passed: 0, serverError: 0, timeout: 0, reset: 0 };
  const issuerAnswers: Record<string, number> = {};
  const held = new Set<NodeJS.Timeout>();

  const isNotification = (request: IncomingMessage): boolean =>
    request.method === 'POST' && (request.url ?? '').startsWith(NOTIFICATION_PREFIX);

  const fateOf = (request: IncomingMessage): ChaosOutcome => {
    if (!isNotification(request)) return 'passed';
    counts.calls += 1;
    const draw = random();
    const outcome: ChaosOutcome =
      draw < chaos.serverError
        ? 'server-error'
        : draw < chaos.serverError + chaos.timeout
          ? 'timeout'
          : draw < chaos.serverError + chaos.timeout + chaos.reset
            ? 'reset'
            : 'passed';
    if (outcome === 'server-error') counts.serverError += 1;
    else if (outcome === 'timeout') counts.timeout += 1;
    else if (outcome === 'reset') counts.reset += 1;
    else counts.passed += 1;
    if (outcome !== 'passed') log(`[reference-issuer chaos] ${request.method} ${redactText(request.url ?? '')} -> ${outcome}`);
    return outcome;
  };

  const server = createServer((request, response) => {
    const outcome = fateOf(request);
    if (outcome === 'reset') {
      // An RST rather than a clean close: the caller sees the connection fail mid-call, as on a broken network.
      request.socket.resetAndDestroy();
      return;
    }
    if (outcome === 'server-error') {
      request.resume();
      const body = JSON.stringify({ error: 'server_error', error_description: 'planted by the chaos option: the call was not processed' });
      response.writeHead(500, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
      return;
    }
    // Within the issuer's own limit: a larger body would be refused 413 by the issuer too.
    readBody(request, ONE_MIB)
      .then((body) =>
        send({
          method: request.method ?? 'GET',
          url: `${targetUrl}${request.url ?? '/'}`,
          headers: endToEndHeaders(request.headers),
          ...(body.length > 0 ? { body } : {}),
        }),
      )
      .then((upstream) => {
        if (isNotification(request)) issuerAnswers[upstream.status] = (issuerAnswers[upstream.status] ?? 0) + 1;
        if (outcome === 'passed') {
          answer(response, upstream);
          return;
        }
        // Processed, but the answer is lost: the connection stays silent until the caller gives up or the hold ends.
        const timer = setTimeout(() => {
          held.delete(timer);
          response.destroy();
        }, chaos.holdMs);
        timer.unref();
        held.add(timer);
        response.once('close', () => {
          clearTimeout(timer);
          held.delete(timer);
        });
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          // The rest of the body is not read, so the connection cannot be reused.
          if (!response.headersSent && !response.destroyed) {
            // As the issuer behind would answer it.
            response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
            response.end(JSON.stringify(issuerErrorBody(413, 'BODY_TOO_LARGE', `the body exceeds ${ONE_MIB} bytes`)));
          }
          request.resume();
          return;
        }
        log(`[reference-issuer chaos] forwarding failed: ${redactText(error instanceof Error ? error.message : String(error))}`);
        if (!response.headersSent && !response.destroyed) {
          response.writeHead(502, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'bad_gateway', error_description: 'the chaos front could not reach the issuer' }));
        }
      });
  });

  const running = await listen(server);
  return {
    url: running.url,
    stats: () => ({ seed: chaos.seed, ...counts, issuerAnswers: { ...issuerAnswers } }),
    stop: () => {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      return running.stop();
    },
  };
}
