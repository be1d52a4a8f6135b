import { ConfigurationError } from '../../lib/config/errors.js';
import { resolveProfile, type ShapingProfile } from './shaping-profile.js';

export interface NamedProfile {
  /** One line: the link it stands for. */
  readonly description: string;
  readonly profile: ShapingProfile;
}

/** The links a run is usually shaped like; `--profile NAME` on the command line, `namedProfiles[NAME].profile` embedded. */
export const namedProfiles = {
  loopback: { description: 'Nothing added: every request forwarded as it came.', profile: {} },
  'wan-80ms': { description: '80 ms added to every request, as on a link across the internet.', profile: { latencyMs: 80 } },
  'gateway-20rps': {
    description: 'An API gateway allowing 20 requests a second in bursts of 20; beyond, 429 with Retry-After.',
    profile: { rate: { perSecond: 20, burst: 20 } },
  },
  'gateway-50rps': {
    description: 'As gateway-20rps at 50 requests a second in bursts of 50, for short tests.',
    profile: { rate: { perSecond: 50, burst: 50 } },
  },
  'flaky-503': {
    description: '1 % of requests answered 503 with Retry-After: 1, not forwarded.',
    profile: { unavailableShare: 0.01, retryAfterSeconds: 1 },
  },
  'flaky-503-5pct': {
    description: 'As flaky-503 with 5 % of requests, so that short tests meet some.',
    profile: { unavailableShare: 0.05, retryAfterSeconds: 1 },
  },
  'bad-gateway': {
    description: '1 % of requests answered 502 or 504 without Retry-After, not forwarded.',
    profile: { badGatewayShare: 0.01 },
  },
  resets: {
    description: '1 % of connections reset before forwarding: the request was never processed.',
    profile: { resetBeforeShare: 0.01 },
  },
  'resets-after': {
    description: '1 % of connections reset after the upstream answered: the request was processed, its answer lost.',
    profile: { resetAfterShare: 0.01 },
  },
  slow: { description: '5 % of answers held 2 s after the upstream gave them.', profile: { slowShare: 0.05, slowMs: 2_000 } },
  down: {
    description: 'Every request answered 503 with Retry-After: 5, none forwarded: an upstream that stays down.',
    profile: { down: true, retryAfterSeconds: 5 },
  },
  'internet-gateway': {
    description: 'All at once: 70 to 90 ms, 20 requests a second, 1 % 503, 0.5 % 502/504, 0.5 % resets, 1 % answers 2 s late.',
    profile: {
      latencyMs: 70,
      jitterMs: 20,
      rate: { perSecond: 20, burst: 20 },
      unavailableShare: 0.01,
      badGatewayShare: 0.005,
      resetBeforeShare: 0.005,
      slowShare: 0.01,
      slowMs: 2_000,
    },
  },
} as const satisfies Record<string, NamedProfile>;

export type ProfileName = keyof typeof namedProfiles;

const isProfileName = (name: string): name is ProfileName => Object.hasOwn(namedProfiles, name);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface SpecKey {
  readonly meaning: string;
  readonly apply: (profile: Mutable<ShapingProfile>, value: string, item: string) => void;
}

/** What one `key=value` of a profile spec sets, in the order the documentation and the errors list them. */
const specKeys: ReadonlyMap<string, SpecKey> = new Map<string, SpecKey>([
  [
    'latency',
    { meaning: 'milliseconds added before each request', apply: (profile, value, item) => (profile.latencyMs = milliseconds(value, item)) },
  ],
  [
    'jitter',
    {
      meaning: 'up to this many more milliseconds, drawn per request',
      apply: (profile, value, item) => (profile.jitterMs = milliseconds(value, item)),
    },
  ],
  [
    'rate',
    {
      meaning: 'requests a second the token bucket allows',
      apply: (profile, value, item) => (profile.rate = { ...profile.rate, perSecond: positive(value, item) }),
    },
  ],
  [
    'burst',
    {
      meaning: "the token bucket's size (one second's worth when unset)",
      apply: (profile, value, item) =>
        (profile.rate = { perSecond: profile.rate?.perSecond ?? Number.NaN, burst: wholeAtLeastOne(value, item) }),
    },
  ],
  [
    '503',
    { meaning: 'share answered 503 with Retry-After', apply: (profile, value, item) => (profile.unavailableShare = shareOf(value, item)) },
  ],
  [
    'retry-after',
    {
      meaning: "the 503s' Retry-After in seconds (default 1)",
      apply: (profile, value, item) => (profile.retryAfterSeconds = wholeSeconds(value, item)),
    },
  ],
  [
    'retry-after-form',
    {
      meaning: '"seconds" (default) or "http-date"',
      apply: (profile, value, item) => {
        if (value !== 'seconds' && value !== 'http-date') throw new SpecError(item, 'must be seconds or http-date');
        profile.retryAfterForm = value;
      },
    },
  ],
  [
    'bad-gateway',
    { meaning: 'share answered 502 or 504', apply: (profile, value, item) => (profile.badGatewayShare = shareOf(value, item)) },
  ],
  [
    'reset',
    {
      meaning: 'share of connections reset before forwarding',
      apply: (profile, value, item) => (profile.resetBeforeShare = shareOf(value, item)),
    },
  ],
  [
    'reset-after',
    {
      meaning: 'share of connections reset after the upstream answered',
      apply: (profile, value, item) => (profile.resetAfterShare = shareOf(value, item)),
    },
  ],
  ['slow', { meaning: 'share of answers held back', apply: (profile, value, item) => (profile.slowShare = shareOf(value, item)) }],
  [
    'slow-ms',
    {
      meaning: 'how long a slow answer is held (default 2000)',
      apply: (profile, value, item) => (profile.slowMs = milliseconds(value, item)),
    },
  ],
  [
    'down',
    {
      meaning: 'true: every request answered 503 with Retry-After',
      apply: (profile, value, item) => {
        if (value !== 'true' && value !== 'false') throw new SpecError(item, 'must be true or false');
        profile.down = value === 'true';
      },
    },
  ],
]);

/** The spec's keys with their meaning, for the documentation and the error that lists them. */
export const profileSpecKeys: readonly (readonly [key: string, meaning: string])[] = [...specKeys].map(([key, { meaning }]) => [
  key,
  meaning,
]);

class SpecError extends Error {
  constructor(
    readonly item: string,
    problem: string,
  ) {
    super(problem);
  }
}

const numberIn = (value: string): number => (value.trim() === '' ? Number.NaN : Number(value));

function milliseconds(value: string, item: string): number {
  const number = numberIn(value);
  if (!Number.isFinite(number) || number < 0) throw new SpecError(item, 'must be a number of milliseconds, 0 or more');
  return number;
}

function positive(value: string, item: string): number {
  const number = numberIn(value);
  if (!Number.isFinite(number) || number <= 0) throw new SpecError(item, 'must be a number above 0');
  return number;
}

function wholeAtLeastOne(value: string, item: string): number {
  const number = numberIn(value);
  if (!Number.isInteger(number) || number < 1) throw new SpecError(item, 'must be a whole number of 1 or more');
  return number;
}

function wholeSeconds(value: string, item: string): number {
  const number = numberIn(value);
  if (!Number.isInteger(number) || number < 0) throw new SpecError(item, 'must be a whole number of seconds, 0 or more');
  return number;
}

/** A share as a fraction (0.05) or a percentage (5%). */
function shareOf(value: string, item: string): number {
  const percent = value.endsWith('%');
  const number = numberIn(percent ? value.slice(0, -1) : value) / (percent ? 100 : 1);
  if (!Number.isFinite(number) || number < 0 || number > 1)
    throw new SpecError(item, 'must be a share from 0 to 1, or a percentage (0.05 or 5%)');
  return number;
}

/** A profile with `more` laid over `base`: the later word wins, as on a command line. */
const merged = (base: ShapingProfile, more: ShapingProfile): ShapingProfile => ({ ...base, ...more });

/**
 * The profile a spec gives: a profile's name, or comma-separated items, each a profile's name or `key=value`, later
 * items overriding earlier ones (`wan-80ms,rate=20,burst=20,503=0.01,reset=1%`). Anything wrong is a
 * ConfigurationError naming `option` and the item.
 */
export function profileFrom(spec: string, option = '--profile'): ShapingProfile {
  const items = spec.split(',').map((item) => item.trim());
  let profile: ShapingProfile = {};
  try {
    for (const item of items) {
      if (item === '') throw new SpecError(spec, 'has an empty item');
      const equals = item.indexOf('=');
      if (equals < 0) {
        if (!isProfileName(item))
          throw new SpecError(
            item,
            `is neither a profile (${Object.keys(namedProfiles).join(', ')}) nor a key=value (keys: ${[...specKeys.keys()].join(', ')})`,
          );
        profile = merged(profile, namedProfiles[item].profile);
        continue;
      }
      const key = item.slice(0, equals).trim();
      const setting = specKeys.get(key);
      if (setting === undefined) throw new SpecError(item, `has an unknown key "${key}" (keys: ${[...specKeys.keys()].join(', ')})`);
      const next: Mutable<ShapingProfile> = { ...profile };
      setting.apply(next, item.slice(equals + 1).trim(), item);
      profile = next;
    }
    if (profile.rate !== undefined && Number.isNaN(profile.rate.perSecond)) throw new SpecError('burst', 'needs a rate');
    // A slow share without its delay gets the named profile's 2 s, rather than a refusal.
    if ((profile.slowShare ?? 0) > 0 && profile.slowMs === undefined) profile = { ...profile, slowMs: 2_000 };
    resolveProfile(profile);
  } catch (error) {
    if (error instanceof SpecError) throw new ConfigurationError(`${option} "${error.item}" ${error.message}`);
    if (error instanceof ConfigurationError) throw new ConfigurationError(`${option} "${spec}": ${error.message}`);
    throw error;
  }
  return profile;
}
