/**
 * The legitimate variants of the mock D1: each one does what its description says, and only when switched on; an
 * unknown name is a configuration error, like an unknown fault.
 */
import { send } from '../../../lib/http/client.js';
import { encryptCardData } from '../../../lib/card-data.js';
import { ConfigurationError } from '../../../lib/config/errors.js';
import { d1Variants, startMockD1, type D1Variant } from '../../../mocks/d1/index.js';
import { expect, test, type MockD1Fixtures } from './mock-d1-fixtures.js';
import { createCard, registerConsumer } from './scenario.js';

type Probe = (fixtures: Pick<MockD1Fixtures, 'client' | 'd1'>) => Promise<void>;

/** One observation per variant of what it changes. */
const probes: Readonly<Record<D1Variant, Probe>> = {
  'strict-anchored-ids': async ({ client }) => {
    // The v1 getter publishes cardId unanchored; "crd.1" holds a match of it, but is no cardId as a whole.
    const response = await client.call('getCardOperation', { path: { cardId: 'crd.1', operationId: 'op_1' } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'cardId' });
  },
  'media-type-415': async ({ client }) => {
    const response = await send({
      method: 'POST',
      url: client.urlOf('clickToPayEnrol', { cardId: 'c1' }),
      headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'text/plain' },
      body: 'name=John',
    });
    expect(response.status).toBe(415);
    expect(response.json).toMatchObject({ errorCode: 'UNSUPPORTED_MEDIA_TYPE' });
  },
  'optional-fields-absent': async ({ client }) => {
    const consumerId = await registerConsumer(client);
    await createCard(client, consumerId);
    const cards = (await client.call('getCardList', { path: { consumerId } })).json as { cards: Record<string, unknown>[] };
    expect(cards.cards.length).toBe(1);
    expect(Object.keys(cards.cards[0] ?? {})).toEqual(['cardId']);
    const token = (await client.requestToken()).json as Record<string, unknown>;
    expect(token.scope).toBeUndefined();
    expect(token.access_token).toEqual(expect.any(String));
  },
  'unknown-fields': async ({ client }) => {
    const token = (await client.requestToken()).json as Record<string, unknown>;
    expect(token.additionalInformation).toEqual(expect.any(String));
    const refused = await client.call('clickToPayEnrol', { path: { cardId: 'crd.1' } });
    expect(refused.json).toMatchObject({ errorCode: 'FIELD_INVALID_FORMAT', error: 'cardId', additionalInformation: expect.any(String) });
  },
  'lengths-in-utf16-units': async ({ client }) => {
    // 26 characters, the documented maximum, of which one outside the Basic Multilingual Plane: 27 UTF-16 units.
    const response = await client.call('clickToPayEnrol', { path: { cardId: 'c1' }, body: { name: `${'N'.repeat(25)}𠀋` } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'name' });
  },
  'issuer-id-resolved-strictly': async ({ client }) => {
    const response = await client.call('clickToPayEnrol', { path: { issuerId: 'OTHERBANK1', cardId: 'c1' } });
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ errorCode: 'FORBIDDEN' });
  },
  'pan-like-ids-refused': async ({ client, d1 }) => {
    const consumerId = await registerConsumer(client);
    const encryptedData = await encryptCardData(d1.cardDataJwk, { pan: '4111111111111111', expiry: '1230' });
    const response = await client.call('registerCard', { path: { cardId: '4111111111111111' }, body: { consumerId, encryptedData } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_VALUE', error: 'cardId' });
  },
};

test.describe('legitimate variants of the mock D1', () => {
  for (const [name, probe] of Object.entries(probes)) {
    test.describe(name, () => {
      test.use({ mockOptions: { variants: [name] } });
      test(`${name}: ${d1Variants[name as D1Variant].description}`, async ({ client, d1 }) => {
        expect([...d1.variants]).toEqual([name]);
        await probe({ client, d1 });
      });
    });
  }

  test('every variant has exactly one probe', () => {
    expect(Object.keys(probes).sort()).toEqual(Object.keys(d1Variants).sort());
  });

  test('every variant says why the documents allow it', () => {
    const unexplained = Object.entries(d1Variants).filter(
      ([, variant]) => variant.allowedBy.trim() === '' || variant.description.trim() === '',
    );
    expect(unexplained).toEqual([]);
  });

  test(
    'without variants the mock answers as before: 401 for another issuer, ' + 'the unanchored cardId of the v1 getter taken as published',
    async ({ client }) => {
      expect((await client.call('clickToPayEnrol', { path: { issuerId: 'OTHERBANK1', cardId: 'c1' } })).status).toBe(401);
      const response = await client.call('getCardOperation', { path: { cardId: 'crd.1', operationId: 'op_1' } });
      expect(response.status).toBe(404);
    },
  );

  test('an unknown variant is refused before the mock listens', async ({ issuerKeys }) => {
    const starting = startMockD1({
      issuers: [{ issuerId: 'TESTBANK01', keys: [{ kid: 'k', publicKey: issuerKeys.publicKey }] }],
      variants: ['no-such-variant'],
    });
    await expect(starting).rejects.toThrow(ConfigurationError);
    await expect(starting).rejects.toThrow(/unknown variant no-such-variant; known variants: strict-anchored-ids/);
  });
});
