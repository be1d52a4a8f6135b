/**
 * The reference issuer's chaos option, used by the fault-tolerance test: checked like every option, replayable from
 * its seed, and limited to the notification calls.
 */
import { jsonRequest, send } from '../../../lib/http/client.js';
import { ConfigurationError } from '../../../lib/config/errors.js';
import { seededRandom } from '../../../mocks/issuer/chaos.js';
import { startReferenceIssuer, type RunningReferenceIssuer } from '../../../mocks/issuer/index.js';
import { accessToken, bearer, cardItem, inspectionUrl, notificationUrl } from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

const CALLS = 30;
/** Long enough for any answer on a busy loopback, far shorter than the chaos's silence. */
const CALL_TIMEOUT_MS = 600;

/** What D1 would see of each of `CALLS` notification calls in a row: the status, or that no answer came. */
async function fates(issuer: RunningReferenceIssuer): Promise<(number | 'no answer')[]> {
  const token = await accessToken(issuer);
  const seen: (number | 'no answer')[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    try {
      const response = await send({
        ...jsonRequest('POST', notificationUrl(issuer, 'card'), { operations: [cardItem()] }, bearer(token)),
        timeoutMs: CALL_TIMEOUT_MS,
      });
      seen.push(response.status);
    } catch {
      seen.push('no answer');
    }
  }
  return seen;
}

test('a wrong chaos option is a ConfigurationError before anything listens', async () => {
  for (const chaos of [
    { seed: 1, serverError: 1.5 },
    { seed: 1, serverError: 0.6, timeout: 0.3, reset: 0.2 },
    { seed: 1.5 },
    { seed: 1, holdMs: -1 },
  ]) {
    await expect(startReferenceIssuer({ chaos }), JSON.stringify(chaos)).rejects.toBeInstanceOf(ConfigurationError);
  }
});

test('the same seed gives the same sequence of fates; another seed another one', () => {
  const draws = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: 8 }, () => random());
  };
  expect(draws(20261122)).toEqual(draws(20261122));
  expect(draws(20261122)).not.toEqual(draws(20261123));
  for (const draw of draws(7)) expect(draw >= 0 && draw < 1, String(draw)).toBe(true);
});

test('notification calls meet 500s, silence and resets as the seed decides, and a replay meets the same', async ({ startIssuer }) => {
  const chaos = { seed: 424242, serverError: 0.4, timeout: 0.2, reset: 0.2, holdMs: 3_000 };
  const first = await startIssuer({ chaos });
  const second = await startIssuer({ chaos });
  const seen = await fates(first);
  expect(await fates(second)).toEqual(seen);
  expect(new Set(seen)).toEqual(new Set([204, 500, 'no answer']));
  const stats = first.chaosStats();
  expect(stats).toEqual(second.chaosStats());
  expect(stats).toMatchObject({ seed: 424242, calls: CALLS });
  expect(seen.filter((fate) => fate === 500)).toHaveLength(stats?.serverError ?? -1);
  expect(seen.filter((fate) => fate === 'no answer')).toHaveLength((stats?.timeout ?? 0) + (stats?.reset ?? 0));
  // A call left unanswered was processed all the same; a reset or a 500 was not.
  expect(first.deliveries()).toHaveLength((stats?.passed ?? 0) + (stats?.timeout ?? 0));
});

test('the token endpoint and the inspection interface are never struck', async ({ startIssuer }) => {
  const issuer = await startIssuer({ chaos: { seed: 1, serverError: 0.5, reset: 0.5 } });
  for (let i = 0; i < 10; i += 1) await accessToken(issuer);
  expect((await send({ method: 'GET', url: inspectionUrl(issuer, 'health') })).status).toBe(200);
  expect(issuer.chaosStats()?.calls).toBe(0);
});

test('without the option there is no chaos and no stats', ({ issuer }) => {
  expect(issuer.chaosStats()).toBeUndefined();
});
