/**
 * How the suites treat the network to each target: how many times a request is tried before the target counts as
 * unavailable, and the pace held across every worker of a run. Read from the environment (certify's options set the
 * same variables), so that the runner process and every Playwright worker see one policy.
 */
import { ConfigurationError } from './errors.js';
import { numberAtLeast, wholeNumber } from './values.js';

/** The parties the suites send requests to: D1 (when the suite plays the bank) and the bank (when it plays D1). */
export const TRANSPORT_TARGETS = ['d1', 'issuer'] as const;
export type TransportTarget = (typeof TRANSPORT_TARGETS)[number];

export interface TargetPace {
  /** Requests per second across the whole run; undefined lets the pace adapt (a 429 lowers it, success raises it). */
  readonly rate: number | undefined;
  /** Requests in flight at once across the whole run; undefined for no limit. */
  readonly inFlight: number | undefined;
}

export interface TransportPolicy {
  /** Tries of one request before the target counts as unavailable for the test (the first try included). */
  readonly maxTries: number;
  /** Times a test is started again from its beginning after a transport fault its requests could not absorb. */
  readonly testRestarts: number;
  /** The longest Retry-After waited out; a longer one ends the tries at once. */
  readonly maxRetryAfterMs: number;
  readonly pace: Readonly<Record<TransportTarget, TargetPace>>;
}

export const DEFAULT_MAX_TRIES = 4;
export const DEFAULT_TEST_RESTARTS = 2;
const DEFAULT_MAX_RETRY_AFTER_S = 60;

/** The variable that carries a target's setting, e.g. CERTIFY_D1_RATE_LIMIT. */
export const paceVariable = (target: TransportTarget, setting: 'RATE_LIMIT' | 'MAX_IN_FLIGHT'): string =>
  `CERTIFY_${target.toUpperCase()}_${setting}`;

function optional<T>(env: NodeJS.ProcessEnv, name: string, parse: (value: string, name: string) => T): T | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : parse(value, name);
}

export function readTransportPolicy(env: NodeJS.ProcessEnv = process.env): TransportPolicy {
  const pace = Object.fromEntries(
    TRANSPORT_TARGETS.map((target): [TransportTarget, TargetPace] => {
      const rate = optional(env, paceVariable(target, 'RATE_LIMIT'), (v, n) => numberAtLeast(v, n, { min: 0.1 }));
      const inFlight = optional(env, paceVariable(target, 'MAX_IN_FLIGHT'), (v, n) => wholeNumber(v, n, 1, 10_000));
      return [target, { rate, inFlight }];
    }),
  ) as Record<TransportTarget, TargetPace>;
  return {
    maxTries: optional(env, 'CERTIFY_MAX_TRIES', (v, n) => wholeNumber(v, n, 1, 20)) ?? DEFAULT_MAX_TRIES,
    testRestarts: optional(env, 'CERTIFY_TEST_RESTARTS', (v, n) => wholeNumber(v, n, 0, 5)) ?? DEFAULT_TEST_RESTARTS,
    maxRetryAfterMs: (optional(env, 'CERTIFY_MAX_RETRY_AFTER', (v, n) => wholeNumber(v, n, 1, 3_600)) ?? DEFAULT_MAX_RETRY_AFTER_S) * 1000,
    pace,
  };
}

/** certify's options for the transport, each turned into the variable the workers read. */
export const TRANSPORT_OPTIONS: Readonly<Record<string, string>> = {
  '--max-tries': 'CERTIFY_MAX_TRIES',
  '--test-restarts': 'CERTIFY_TEST_RESTARTS',
  '--max-retry-after': 'CERTIFY_MAX_RETRY_AFTER',
  '--d1-rate-limit': paceVariable('d1', 'RATE_LIMIT'),
  '--d1-max-in-flight': paceVariable('d1', 'MAX_IN_FLIGHT'),
  '--issuer-rate-limit': paceVariable('issuer', 'RATE_LIMIT'),
  '--issuer-max-in-flight': paceVariable('issuer', 'MAX_IN_FLIGHT'),
};

/** Takes certify's transport options out of `args` into `env`; a wrong value stops the run with one line. */
export function transportOptionsInto(args: readonly string[], env: Record<string, string | undefined>): string[] {
  const rest: string[] = [];
  const given = new Map<string, string>();
  for (const arg of args) {
    const [name, value] = arg.split(/=(.*)/s, 2);
    const variable = name ? TRANSPORT_OPTIONS[name] : undefined;
    if (variable === undefined) {
      rest.push(arg);
      continue;
    }
    if (value === undefined || value === '') throw new ConfigurationError(`${name ?? arg} needs a value: ${name ?? arg}=N`);
    env[variable] = value;
    given.set(variable, name ?? arg);
  }
  try {
    readTransportPolicy(env);
  } catch (error) {
    // A wrong value given as an option is named as the user wrote it.
    const option = error instanceof ConfigurationError ? [...given].find(([variable]) => error.message.startsWith(variable)) : undefined;
    if (option && error instanceof ConfigurationError) throw new ConfigurationError(error.message.replace(option[0], option[1]));
    throw error;
  }
  return rest;
}
