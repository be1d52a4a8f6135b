import { ConfigurationError } from '../../lib/config/errors.js';

/**
 * How the shaping proxy degrades the link it stands for. Every field is optional: an empty profile forwards every
 * request untouched. Shares are probabilities from 0 to 1, drawn per request from the proxy's seeded generator.
 */
export interface ShapingProfile {
  /** Delay before each request is handled, answered or refused: the link's one-way latency. */
  readonly latencyMs?: number;
  /** Up to this much more delay, drawn uniformly per request. */
  readonly jitterMs?: number;
  /** A token bucket for the whole proxy, as a gateway limits one client: refused requests get 429 and are not forwarded. */
  readonly rate?: { readonly perSecond: number; readonly burst?: number };
  /** Share of requests answered 503 with Retry-After, not forwarded. */
  readonly unavailableShare?: number;
  /** Share of requests answered 502 or 504 (half each) without Retry-After, not forwarded. */
  readonly badGatewayShare?: number;
  /** Share of requests whose connection is reset before forwarding: the upstream never processed them. */
  readonly resetBeforeShare?: number;
  /** Share of requests forwarded and processed, whose connection is then reset instead of answered. */
  readonly resetAfterShare?: number;
  /** Share of answers held for `slowMs` after the upstream answered. */
  readonly slowShare?: number;
  readonly slowMs?: number;
  /** Every request answered 503 with Retry-After: the upstream is down for as long as the profile says so. */
  readonly down?: boolean;
  /** The Retry-After of a 503 (share or down), in seconds; 1 when unset. */
  readonly retryAfterSeconds?: number;
  /** Retry-After as delta-seconds (the default) or as the HTTP date that many seconds ahead; both are valid (RFC 9110 §10.2.3). */
  readonly retryAfterForm?: 'seconds' | 'http-date';
}

/** A profile checked and completed with its defaults, as the proxy applies it. */
export interface ResolvedProfile {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly rate: { readonly perSecond: number; readonly burst: number } | undefined;
  readonly unavailableShare: number;
  readonly badGatewayShare: number;
  readonly resetBeforeShare: number;
  readonly resetAfterShare: number;
  readonly slowShare: number;
  readonly slowMs: number;
  readonly down: boolean;
  readonly retryAfterSeconds: number;
  readonly retryAfterForm: 'seconds' | 'http-date';
}

/** Longest delay a profile may add: a timer beyond it would overflow and fire at once. */
const MAX_DELAY_MS = 2_147_483_647;

type ShareField = 'unavailableShare' | 'badGatewayShare' | 'resetBeforeShare' | 'resetAfterShare' | 'slowShare';

function share(profile: ShapingProfile, field: ShareField): number {
  const value = profile[field] ?? 0;
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ConfigurationError(`profile.${field} must be a share from 0 to 1, got ${String(value)}`);
  return value;
}

function duration(value: unknown, name: string): number {
  const number = value ?? 0;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > MAX_DELAY_MS)
    throw new ConfigurationError(`${name} must be a number of milliseconds from 0 to ${MAX_DELAY_MS}, got ${String(value)}`);
  return number;
}

function rateOf(rate: ShapingProfile['rate']): ResolvedProfile['rate'] {
  if (rate === undefined) return undefined;
  if (!Number.isFinite(rate.perSecond) || rate.perSecond <= 0)
    throw new ConfigurationError(`profile.rate.perSecond must be a number above 0, got ${String(rate.perSecond)}`);
  // Without a burst, one second's worth of requests may come at once, as most gateways allow.
  const burst = rate.burst ?? Math.max(1, Math.ceil(rate.perSecond));
  if (!Number.isInteger(burst) || burst < 1)
    throw new ConfigurationError(`profile.rate.burst must be a whole number of 1 or more, got ${String(burst)}`);
  return { perSecond: rate.perSecond, burst };
}

/** Checks a profile and fills in its defaults; anything wrong is a ConfigurationError naming the field. */
export function resolveProfile(profile: ShapingProfile): ResolvedProfile {
  const resolved: ResolvedProfile = {
    latencyMs: duration(profile.latencyMs, 'profile.latencyMs'),
    jitterMs: duration(profile.jitterMs, 'profile.jitterMs'),
    rate: rateOf(profile.rate),
    unavailableShare: share(profile, 'unavailableShare'),
    badGatewayShare: share(profile, 'badGatewayShare'),
    resetBeforeShare: share(profile, 'resetBeforeShare'),
    resetAfterShare: share(profile, 'resetAfterShare'),
    slowShare: share(profile, 'slowShare'),
    slowMs: duration(profile.slowMs, 'profile.slowMs'),
    down: profile.down === true,
    retryAfterSeconds: profile.retryAfterSeconds ?? 1,
    retryAfterForm: profile.retryAfterForm ?? 'seconds',
  };
  if (!Number.isInteger(resolved.retryAfterSeconds) || resolved.retryAfterSeconds < 0)
    throw new ConfigurationError(`profile.retryAfterSeconds must be a whole number of 0 or more, got ${String(profile.retryAfterSeconds)}`);
  if (resolved.retryAfterForm !== 'seconds' && resolved.retryAfterForm !== 'http-date')
    throw new ConfigurationError(`profile.retryAfterForm must be "seconds" or "http-date", got ${String(profile.retryAfterForm)}`);
  // One draw decides each request's fate before forwarding, another its fate after: each set of shares splits one draw.
  if (resolved.unavailableShare + resolved.badGatewayShare + resolved.resetBeforeShare > 1)
    throw new ConfigurationError('profile.unavailableShare, badGatewayShare and resetBeforeShare must add up to at most 1');
  if (resolved.resetAfterShare + resolved.slowShare > 1)
    throw new ConfigurationError('profile.resetAfterShare and slowShare must add up to at most 1');
  if (resolved.slowShare > 0 && resolved.slowMs === 0) throw new ConfigurationError('profile.slowShare needs a slowMs above 0');
  return resolved;
}
