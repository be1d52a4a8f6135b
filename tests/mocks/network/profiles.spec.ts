/**
 * The shaping proxy's profiles: the named ones, the spec strings of the command line, the checks of an embedded
 * profile, and the token bucket's arithmetic on a clock the test moves.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ConfigurationError } from '../../../lib/config/errors.js';
import { fromRoot } from '../../../lib/paths.js';
import { namedProfiles, profileFrom, profileSpecKeys } from '../../../mocks/network/profiles.js';
import { resolveProfile, type ShapingProfile } from '../../../mocks/network/shaping-profile.js';
import { TokenBucket } from '../../../mocks/network/token-bucket.js';

test('every named profile is valid and described in one line', () => {
  for (const [name, { description, profile }] of Object.entries(namedProfiles)) {
    expect(() => resolveProfile(profile), name).not.toThrow();
    expect(description, name).toMatch(/^[A-Z0-9].*\.$/);
    expect(description, name).not.toContain('\n');
    expect(profileFrom(name), name).toEqual(profile);
  }
});

test('the named profiles say what their names say', () => {
  expect(resolveProfile(namedProfiles.loopback.profile)).toEqual(resolveProfile({}));
  expect(namedProfiles['wan-80ms'].profile).toEqual({ latencyMs: 80 });
  expect(namedProfiles['gateway-20rps'].profile).toEqual({ rate: { perSecond: 20, burst: 20 } });
  expect(namedProfiles['flaky-503'].profile).toEqual({ unavailableShare: 0.01, retryAfterSeconds: 1 });
  expect(namedProfiles.resets.profile).toEqual({ resetBeforeShare: 0.01 });
  expect(resolveProfile(namedProfiles.down.profile)).toMatchObject({ down: true });
  expect(resolveProfile(namedProfiles.slow.profile).slowShare).toBeGreaterThan(0);
});

test('a spec string sets each key, and names and keys combine, the later winning', () => {
  expect(profileFrom('latency=80,rate=20,burst=20,503=0.01,reset=0.01')).toEqual({
    latencyMs: 80,
    rate: { perSecond: 20, burst: 20 },
    unavailableShare: 0.01,
    resetBeforeShare: 0.01,
  });
  expect(
    profileFrom('jitter=5, bad-gateway=2%, reset-after=0.5%, slow=0.1, slow-ms=750, retry-after=4, retry-after-form=http-date, down=true'),
  ).toEqual({
    jitterMs: 5,
    badGatewayShare: 0.02,
    resetAfterShare: 0.005,
    slowShare: 0.1,
    slowMs: 750,
    retryAfterSeconds: 4,
    retryAfterForm: 'http-date',
    down: true,
  });
  expect(profileFrom('wan-80ms,gateway-20rps,503=5%,rate=10')).toEqual({
    latencyMs: 80,
    rate: { perSecond: 10, burst: 20 },
    unavailableShare: 0.05,
  });
  expect(profileFrom('down,down=false')).toEqual({ down: false, retryAfterSeconds: 5 });
  // A slow share without its delay takes the slow profile's.
  expect(profileFrom('slow=0.2').slowMs).toBe(2_000);
});

test('a wrong spec is a ConfigurationError naming the option and the item at fault', () => {
  const cases: readonly (readonly [string, RegExp])[] = [
    ['latency=-1', /^--profile "latency=-1" must be a number of milliseconds/],
    ['latency=fast', /"latency=fast" must be a number of milliseconds/],
    ['503=2', /"503=2" must be a share from 0 to 1/],
    ['503=150%', /"503=150%" must be a share/],
    ['rate=0', /"rate=0" must be a number above 0/],
    ['rate=5,burst=0.5', /"burst=0.5" must be a whole number of 1 or more/],
    ['burst=5', /"burst" needs a rate/],
    ['colour=red', /"colour=red" has an unknown key "colour" \(keys: latency, jitter, rate/],
    ['no-such-profile', /"no-such-profile" is neither a profile \(loopback, wan-80ms/],
    ['wan-80ms,,down', /has an empty item/],
    ['retry-after=1.5', /"retry-after=1.5" must be a whole number of seconds/],
    ['retry-after-form=minutes', /must be seconds or http-date/],
    ['down=yes', /"down=yes" must be true or false/],
    ['503=0.6,reset=0.6', /unavailableShare, badGatewayShare and resetBeforeShare must add up to at most 1/],
    ['reset-after=0.7,slow=0.7', /resetAfterShare and slowShare must add up to at most 1/],
  ];
  for (const [spec, message] of cases) {
    let caught: unknown;
    try {
      profileFrom(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught, spec).toBeInstanceOf(ConfigurationError);
    expect((caught as Error).message, spec).toMatch(message);
  }
});

test('an embedded profile is checked before the proxy starts', () => {
  const wrong: readonly ShapingProfile[] = [
    { latencyMs: -5 },
    { jitterMs: Number.NaN },
    { unavailableShare: 1.01 },
    { rate: { perSecond: 0 } },
    { rate: { perSecond: 5, burst: 0 } },
    { slowShare: 0.5 },
    { retryAfterSeconds: -1 },
    { unavailableShare: 0.5, badGatewayShare: 0.3, resetBeforeShare: 0.3 },
  ];
  for (const profile of wrong) expect(() => resolveProfile(profile), JSON.stringify(profile)).toThrow(ConfigurationError);
  // A rate without a burst allows one second's worth at once.
  expect(resolveProfile({ rate: { perSecond: 7.5 } }).rate).toEqual({ perSecond: 7.5, burst: 8 });
});

test('the token bucket starts full, refills at its rate up to its size, and advertises the whole seconds until a token', () => {
  let now = 0;
  const bucket = new TokenBucket(0.25, 2, () => now);
  expect(bucket.take()).toEqual({ taken: true });
  expect(bucket.take()).toEqual({ taken: true });
  // Empty, a token every 4 s.
  expect(bucket.take()).toEqual({ taken: false, retryAfterSeconds: 4 });
  now += 1_000;
  expect(bucket.take()).toEqual({ taken: false, retryAfterSeconds: 3 });
  now += 2_500;
  // Half a second left: rounded up, never 0.
  expect(bucket.take()).toEqual({ taken: false, retryAfterSeconds: 1 });
  now += 500;
  expect(bucket.take()).toEqual({ taken: true });
  // A long pause refills it to its size, not beyond.
  now += 60_000;
  expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([{ taken: true }, { taken: true }, { taken: false, retryAfterSeconds: 4 }]);

  const fast = new TokenBucket(100, 1, () => now);
  expect(fast.take()).toEqual({ taken: true });
  // 10 ms to the next token: still at least 1 s, as Retry-After counts whole seconds.
  expect(fast.take()).toEqual({ taken: false, retryAfterSeconds: 1 });
});

test('docs/mocks.md lists every named profile with its description, and every spec key', () => {
  const page = readFileSync(fromRoot('docs/mocks.md'), 'utf8');
  for (const [name, { description }] of Object.entries(namedProfiles)) expect(page, name).toContain(`| \`${name}\` | ${description} |`);
  for (const [key] of profileSpecKeys) expect(page, key).toContain(`\`${key}`);
});
