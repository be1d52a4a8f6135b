import { createRequire } from 'node:module';

/** One request of a load run; autocannon's connections go through the list in turn. */
export interface LoadRequestSpec {
  readonly method: string;
  /** Path and query, from the origin of `url`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpLoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds to run; ignored when `amount` is given. */
  readonly durationSeconds?: number;
  /** Requests to send in all, whatever the time it takes. */
  readonly amount?: number;
  readonly requests: readonly LoadRequestSpec[];
}

export interface HttpLoadFigures {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** The part of autocannon's results this project reads (autocannon ships no types). */
interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

// autocannon is CommonJS without type declarations; its programmatic API is one function returning a promise.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Runs autocannon in this process (its programmatic API) and keeps the figures the bench reports. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadFigures> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.durationSeconds ?? 5 } : { amount: options.amount }),
    requests: options.requests.map((request) => ({ ...request, headers: { ...request.headers } })),
    timeout: 30,
  });
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
