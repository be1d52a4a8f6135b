/**
 * The legitimate variants of the reference issuer. For each variant a small probe plays D1 and describes what it
 * observes: the default issuer and the variant differ exactly where the variant says, and every answer of the
 * variant is one the contract allows or a 4xx with a body.
 */
import { ConfigurationError } from '../../../lib/config/errors.js';
import {
  DEFAULT_CARD_ID,
  DEFAULT_CONSUMER_ID,
  issuerVariants,
  type IssuerVariantName,
  type RunningReferenceIssuer,
} from '../../../mocks/issuer/index.js';
import { formRequest, send } from '../../../lib/http/client.js';
import {
  accessToken,
  bearer,
  cardItem,
  consumerItem,
  expectJsonError,
  getConsumerInfo,
  notificationUrl,
  notify,
  requestToken,
  tokenUrl,
} from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

interface VariantProbe {
  /** Plays D1 against the issuer and says, in a few words, what came back. */
  readonly observe: (issuer: RunningReferenceIssuer) => Promise<string>;
  /** The observation of the default issuer. */
  readonly byDefault: string;
  /** The observation of the issuer with the variant on. */
  readonly withVariant: string;
}

/** A time of D1's form, then one a looser reading of the card contract (RFC 3339 with an offset) also admits. */
const D1_TIME = '2025-01-17T06:28:02.492Z';
const OFFSET_TIME = '2025-01-17T07:28:02+01:00';

async function cardStatuses(issuer: RunningReferenceIssuer, items: readonly Record<string, unknown>[]): Promise<string> {
  const token = await accessToken(issuer);
  const statuses: number[] = [];
  for (const item of items) statuses.push((await notify(issuer, 'card', { operations: [item] }, token)).status);
  return statuses.join(' ');
}

async function consumerInfoKeys(issuer: RunningReferenceIssuer): Promise<string> {
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, await accessToken(issuer));
  const body = response.json as { consumerInfo?: Record<string, unknown> } & Record<string, unknown>;
  return `${response.status} ${Object.keys(body).sort().join(',')} / ${Object.keys(body.consumerInfo ?? {})
    .sort()
    .join(',')}`;
}

/** The token answer's expires_in type and fields, then the answer to a request without client authentication. */
async function tokenAnswers(issuer: RunningReferenceIssuer): Promise<string> {
  const granted = await requestToken(issuer);
  const answer = granted.json as Record<string, unknown>;
  const anonymous = await send(formRequest(tokenUrl(issuer), { grant_type: 'client_credentials' }));
  return (
    `${granted.status} ${typeof answer.expires_in} ${Object.keys(answer).sort().join(',')}; ` +
    `no client authentication ${anonymous.status} ${String((anonymous.json as { error?: unknown }).error)}`
  );
}

const probes: Readonly<Record<IssuerVariantName, VariantProbe>> = {
  'standard-oauth-answers': {
    observe: tokenAnswers,
    byDefault: '200 string access_token,expires_at,expires_in,token_type; no client authentication 401 invalid_client',
    withVariant: '200 number access_token,expires_in,token_type; no client authentication 400 invalid_request',
  },
  'oauth-server-oidc-provider': {
    // The token comes from another origin and still opens the notification endpoint.
    observe: async (issuer) => {
      const answers = await tokenAnswers(issuer);
      const sameOrigin = new URL(issuer.authUrl).origin === new URL(issuer.url).origin;
      const notified = await notify(issuer, 'card', { operations: [cardItem({ cardId: DEFAULT_CARD_ID })] }, await accessToken(issuer));
      return `${answers}; ${sameOrigin ? 'same origin' : 'own origin'}; notification ${notified.status}`;
    },
    byDefault:
      '200 string access_token,expires_at,expires_in,token_type; ' +
      'no client authentication 401 invalid_client; same origin; notification 204',
    withVariant:
      '200 number access_token,expires_in,token_type; no client authentication 400 invalid_request; own origin; notification 204',
  },
  'strict-anchored-ids': {
    // In D1's form; with an operationId the unanchored pattern admits; with an offset time.
    observe: (issuer) =>
      cardStatuses(issuer, [
        cardItem({ cardId: DEFAULT_CARD_ID, startTime: D1_TIME }),
        cardItem({ operationId: 'op.1!' }),
        cardItem({ startTime: OFFSET_TIME }),
      ]),
    byDefault: '204 204 204',
    withVariant: '204 400 400',
  },
  'media-type-415': {
    observe: async (issuer) => {
      const headers = { ...bearer(await accessToken(issuer)), 'content-type': 'text/plain' };
      const response = await send({
        method: 'POST',
        url: notificationUrl(issuer, 'card'),
        headers,
        body: JSON.stringify({ operations: [cardItem()] }),
      });
      expectJsonError(response, response.status);
      return String(response.status);
    },
    byDefault: '400',
    withVariant: '415',
  },
  'optional-fields-absent': {
    observe: consumerInfoKeys,
    byDefault: '200 consumerInfo / dateOfBirth,email,firstName,language,lastName,middleName,mobilePhoneNumber,title',
    withVariant: '200 consumerInfo / firstName,language,lastName',
  },
  'unknown-fields': {
    observe: consumerInfoKeys,
    byDefault: '200 consumerInfo / dateOfBirth,email,firstName,language,lastName,middleName,mobilePhoneNumber,title',
    withVariant:
      '200 consumerInfo,traceId / customerSegment,dateOfBirth,email,firstName,language,lastName,middleName,mobilePhoneNumber,title',
  },
  'unknown-card-refused': {
    observe: (issuer) => cardStatuses(issuer, [cardItem({ cardId: DEFAULT_CARD_ID }), cardItem({ cardId: 'crd_unknown_0001' })]),
    byDefault: '204 204',
    withVariant: '204 400',
  },
  'unknown-card-acknowledged': {
    observe: (issuer) => cardStatuses(issuer, [cardItem({ cardId: DEFAULT_CARD_ID }), cardItem({ cardId: 'crd_unknown_0001' })]),
    byDefault: '204 204',
    withVariant: '204 204',
  },
  'lengths-in-utf16-units': {
    // 63 ASCII characters and one outside the Basic Multilingual Plane: 64 code points, 65 UTF-16 units.
    observe: (issuer) => cardStatuses(issuer, [cardItem({ operationId: `${'a'.repeat(63)}𠮷` })]),
    byDefault: '204',
    withVariant: '400',
  },
  'lengths-in-code-points': {
    observe: (issuer) => cardStatuses(issuer, [cardItem({ operationId: `${'a'.repeat(63)}𠮷` })]),
    byDefault: '204',
    withVariant: '204',
  },
  'notifications-validated-lazily': {
    observe: async (issuer) => {
      const statuses = await cardStatuses(issuer, [cardItem(), cardItem({ status: 'pending' })]);
      return `${statuses}, ${issuer.operationStates().length} recorded`;
    },
    byDefault: '204 400, 1 recorded',
    withVariant: '204 204, 1 recorded',
  },
};

test.describe('each variant makes one documented choice differently', () => {
  for (const [name, definition] of Object.entries(issuerVariants) as [IssuerVariantName, (typeof issuerVariants)[IssuerVariantName]][]) {
    test(`${name}: ${definition.description}`, async ({ startIssuer }) => {
      const probe = probes[name];
      expect(definition.allowedBy.length, 'the variant says why the documents allow it').toBeGreaterThan(0);
      expect(await probe.observe(await startIssuer()), 'the default issuer').toBe(probe.byDefault);
      expect(await probe.observe(await startIssuer({ variants: [name] })), `the issuer with ${name}`).toBe(probe.withVariant);
    });
  }
});

test('an unknown variant name is a configuration error naming the known ones', async ({ startIssuer }) => {
  await expect(startIssuer({ variants: ['no-such-variant'] })).rejects.toThrow(ConfigurationError);
  await expect(startIssuer({ variants: ['no-such-variant'] })).rejects.toThrow(
    /unknown variant no-such-variant; known variants: strict-anchored-ids/,
  );
});

test('two variants answering the same question two ways cannot both be on', async ({ startIssuer }) => {
  await expect(startIssuer({ variants: ['unknown-card-refused', 'unknown-card-acknowledged'] })).rejects.toThrow(/exclude each other/);
});

test('a known card D1 could never name is a configuration error', async ({ startIssuer }) => {
  await expect(startIssuer({ cards: ['crd.with.dots'] })).rejects.toThrow(ConfigurationError);
});

test('the variants switched on are listed by the health endpoint, and the consumer notification keeps its 204', async ({ startIssuer }) => {
  const issuer = await startIssuer({ variants: ['unknown-card-refused', 'media-type-415'] });
  const health = await send({ method: 'GET', url: `${issuer.url}/__mock/health`, headers: {} });
  expect((health.json as { variants?: unknown }).variants).toEqual(['unknown-card-refused', 'media-type-415']);
  const response = await notify(issuer, 'consumer', { operations: [consumerItem()] }, await accessToken(issuer));
  expect(response.status).toBe(204);
});
