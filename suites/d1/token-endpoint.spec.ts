/**
 * D1's token endpoint, called as the issuer calls it: an ES256 JWT assertion signed with the onboarded key is
 * exchanged for a Bearer token of 900 seconds; an assertion that breaks one of the JWT rules gets a 400 and no token.
 * The assertions here are built by hand, so that each one breaks exactly the rule its test stands for.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { RuleId } from '../../gen/catalogue.js';
import { holds, responseConformsToContract, statusIs, valueIs } from '../../lib/checks/index.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { test, rule, type D1Party } from '../../fixtures/index.js';

type Claims = Record<string, unknown>;

const base64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

const issuerKey = (d1: D1Party): KeyObject => {
  const key = d1.client.options.privateKey;
  return typeof key === 'string' ? createPrivateKey(key) : key;
};

type Signer = (input: string) => string;

/** ES256 as JWS wants it: the raw r || s pair, not DER. */
const es256 =
  (key: KeyObject): Signer =>
  (input) =>
    sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');

/** A compact JWS of the given header and claims; the signer decides what, if anything, follows the last dot. */
const compactJwt = (header: Claims, claims: Claims, signer: Signer): string => {
  const input = `${base64url(header)}.${base64url(claims)}`;
  return `${input}.${signer(input)}`;
};

/** The header and claims of a conforming assertion, for the issuer under test: each test changes one thing. */
const conforming = (d1: D1Party): { header: Claims; claims: Claims } => ({
  header: { alg: 'ES256', kid: d1.client.options.keyId, typ: 'JWT' },
  claims: { iss: d1.issuerId, sub: d1.issuerId, exp: now() + 300 },
});

/** An assertion signed with the issuer's onboarded key, with the header and claims changed as given. */
const assertionWith = (d1: D1Party, change: { header?: Claims; claims?: Claims; drop?: readonly string[] } = {}): string => {
  const { header, claims } = conforming(d1);
  const all: Claims = { ...claims, ...change.claims };
  const head: Claims = { ...header, ...change.header };
  for (const name of change.drop ?? []) {
    delete all[name];
    delete head[name];
  }
  return compactJwt(head, all, es256(issuerKey(d1)));
};

/** The assertion is refused: a 400 that follows the contract, as D1 answers a token request it cannot accept. */
const refused = (ruleId: RuleId, response: HttpResponse): void => {
  statusIs(ruleId, response, 400);
  responseConformsToContract('getToken', response);
};

const granted = (ruleId: RuleId, response: HttpResponse): void => {
  statusIs(ruleId, response, 200);
  responseConformsToContract('getToken', response);
  const token = (response.json as { access_token?: unknown } | undefined)?.access_token;
  holds(
    ruleId,
    typeof token === 'string' && token.length > 0,
    '/access_token',
    'a non-empty access token',
    JSON.stringify(token) ?? 'absent',
  );
};

test.describe('a conforming assertion', () => {
  test(
    'an ES256 assertion signed with the onboarded key, iss and sub the issuerId, is granted a token',
    rule('D1-TOKEN-JWT-ES256', 'D1-TOKEN-ASSERTION-JWT', 'D1-TOKEN-JWT-KID', 'D1-TOKEN-JWT-ISS', 'D1-TOKEN-JWT-SUB'),
    async ({ d1 }) => {
      granted('D1-TOKEN-JWT-ES256', await d1.client.requestToken(assertionWith(d1)));
    },
  );

  test('a granted token answer names its type Bearer and carries the token', rule('D1-TOKEN-TYPE-BEARER'), async ({ d1 }) => {
    const response = await d1.client.requestToken();
    granted('D1-TOKEN-TYPE-BEARER', response);
    valueIs('D1-TOKEN-TYPE-BEARER', '/token_type', (response.json as { token_type?: unknown }).token_type, 'Bearer');
  });

  test(
    'a granted token lives 900 seconds, stated as the number expires_in',
    rule('D1-TOKEN-LIFETIME', 'D1-TOKEN-EXPIRESIN-TYPE'),
    async ({ d1 }) => {
      const response = await d1.client.requestToken();
      granted('D1-TOKEN-LIFETIME', response);
      // valueIs compares JSON, so the string "900" is reported as not the documented number.
      valueIs('D1-TOKEN-LIFETIME', '/expires_in', (response.json as { expires_in?: unknown }).expires_in, 900);
    },
  );

  test('the token request is accepted form-encoded and as JSON', rule('D1-TOKEN-CONTENT-TYPE'), async ({ d1 }) => {
    granted('D1-TOKEN-CONTENT-TYPE', await d1.client.requestToken(assertionWith(d1), false));
    granted('D1-TOKEN-CONTENT-TYPE', await d1.client.requestToken(assertionWith(d1), true));
  });

  test('an assertion without aud is granted', rule('D1-TOKEN-JWT-AUD-OPTIONAL'), async ({ d1 }) => {
    granted('D1-TOKEN-JWT-AUD-OPTIONAL', await d1.client.requestToken(assertionWith(d1, { drop: ['aud'] })));
  });

  test('iat and jti are neither needed nor refused', rule('D1-TOKEN-JWT-OTHER-CLAIMS'), async ({ d1 }) => {
    await test.step('without iat and jti', async () => {
      granted('D1-TOKEN-JWT-OTHER-CLAIMS', await d1.client.requestToken(assertionWith(d1, { drop: ['iat', 'jti'] })));
    });
    await test.step('with iat and jti', async () => {
      granted('D1-TOKEN-JWT-OTHER-CLAIMS', await d1.client.requestToken(assertionWith(d1, { claims: { iat: now(), jti: randomUUID() } })));
    });
  });

  test(
    'an assertion whose exp lies 14 minutes ahead is granted',
    rule('D1-TOKEN-JWT-EXP-MAX', 'D1-TOKEN-JWT-EXP-INTEGER'),
    async ({ d1 }) => {
      granted('D1-TOKEN-JWT-EXP-MAX', await d1.client.requestToken(assertionWith(d1, { claims: { exp: now() + 14 * 60 } })));
    },
  );
});

test.describe('an assertion breaking a JWT rule is refused with 400', () => {
  test(
    'an assertion that is not a complete signed JWT',
    rule('D1-TOKEN-ASSERTION-JWT', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      const { header, claims } = conforming(d1);
      const unsigned = `${base64url(header)}.${base64url(claims)}`;
      const cases: [string, string][] = [
        ['plain text', 'not-a-jwt'],
        ['header and claims without a signature part', unsigned],
        ['header and claims with an empty signature', `${unsigned}.`],
        ['three parts that decode to nothing', 'abc.def.ghi'],
      ];
      for (const [name, assertion] of cases) {
        await test.step(name, async () => refused('D1-TOKEN-ASSERTION-JWT', await d1.client.requestToken(assertion)));
      }
    },
  );

  test(
    'an assertion signed with HS256 or not signed at all',
    rule('D1-TOKEN-JWT-ES256', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      const { header, claims } = conforming(d1);
      // The classic confusion: the issuer's public key used as an HMAC secret.
      const publicPem = createPublicKey(issuerKey(d1)).export({ type: 'spki', format: 'pem' });
      const hs256: Signer = (input) => createHmac('sha256', publicPem).update(input).digest('base64url');
      await test.step('HS256 with the public key as secret', async () => {
        refused('D1-TOKEN-JWT-ES256', await d1.client.requestToken(compactJwt({ ...header, alg: 'HS256' }, claims, hs256)));
      });
      await test.step('alg none, no signature', async () => {
        refused('D1-TOKEN-JWT-ES256', await d1.client.requestToken(compactJwt({ ...header, alg: 'none' }, claims, () => '')));
      });
      await test.step('an ES256 signature announced as ES384', async () => {
        refused('D1-TOKEN-JWT-ES256', await d1.client.requestToken(assertionWith(d1, { header: { alg: 'ES384' } })));
      });
    },
  );

  test(
    'an assertion whose kid is absent or names no key of the issuer',
    rule('D1-TOKEN-JWT-KID', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      await test.step('no kid', async () =>
        refused('D1-TOKEN-JWT-KID', await d1.client.requestToken(assertionWith(d1, { drop: ['kid'] }))));
      await test.step('an unknown kid', async () => {
        refused('D1-TOKEN-JWT-KID', await d1.client.requestToken(assertionWith(d1, { header: { kid: `unknown-${randomUUID()}` } })));
      });
    },
  );

  test(
    'an assertion signed by a key D1 does not hold, under the onboarded kid',
    rule('D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-JWT-KID', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      const { header, claims } = conforming(d1);
      const { privateKey: stranger } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      refused('D1-TOKEN-ASSERTION-REFUSED', await d1.client.requestToken(compactJwt(header, claims, es256(stranger))));
    },
  );

  test(
    'an assertion whose claims were altered after signing',
    rule('D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      const [head, , signature] = assertionWith(d1).split('.');
      const altered = { ...conforming(d1).claims, exp: now() + 600 };
      refused('D1-TOKEN-ASSERTION-REFUSED', await d1.client.requestToken(`${head ?? ''}.${base64url(altered)}.${signature ?? ''}`));
    },
  );

  test(
    'an assertion whose iss is absent or not the issuerId',
    rule('D1-TOKEN-JWT-ISS', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      await test.step('another issuerId', async () => {
        refused('D1-TOKEN-JWT-ISS', await d1.client.requestToken(assertionWith(d1, { claims: { iss: otherIssuerId(d1.issuerId) } })));
      });
      await test.step('no iss', async () =>
        refused('D1-TOKEN-JWT-ISS', await d1.client.requestToken(assertionWith(d1, { drop: ['iss'] }))));
    },
  );

  test(
    'an assertion whose sub is absent or not the issuerId',
    rule('D1-TOKEN-JWT-SUB', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      await test.step('another issuerId', async () => {
        refused('D1-TOKEN-JWT-SUB', await d1.client.requestToken(assertionWith(d1, { claims: { sub: otherIssuerId(d1.issuerId) } })));
      });
      await test.step('no sub', async () =>
        refused('D1-TOKEN-JWT-SUB', await d1.client.requestToken(assertionWith(d1, { drop: ['sub'] }))));
    },
  );

  test(
    'an assertion whose exp is absent or not an integer',
    rule('D1-TOKEN-JWT-EXP-INTEGER', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      const exp = now() + 300;
      const cases: [string, { claims?: Claims; drop?: string[] }][] = [
        ['a fractional exp', { claims: { exp: exp + 0.5 } }],
        ['exp as a string of digits', { claims: { exp: String(exp) } }],
        ['exp as a date text', { claims: { exp: new Date(exp * 1000).toISOString() } }],
        ['no exp', { drop: ['exp'] }],
      ];
      for (const [name, change] of cases) {
        await test.step(name, async () => refused('D1-TOKEN-JWT-EXP-INTEGER', await d1.client.requestToken(assertionWith(d1, change))));
      }
    },
  );

  test(
    'an assertion whose exp lies more than 15 minutes ahead',
    rule('D1-TOKEN-JWT-EXP-MAX', 'D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      // 20 minutes leaves room for any clock allowance D1 may grant; 2 hours and a day are plainly too far.
      for (const minutes of [20, 120, 24 * 60]) {
        await test.step(`exp ${minutes} minutes ahead`, async () => {
          refused('D1-TOKEN-JWT-EXP-MAX', await d1.client.requestToken(assertionWith(d1, { claims: { exp: now() + minutes * 60 } })));
        });
      }
    },
  );

  test(
    'an assertion that has expired',
    rule('D1-TOKEN-ASSERTION-REFUSED', 'D1-TOKEN-JWT-EXP-INTEGER', 'D1-TOKEN-ERROR-BAD-REQUEST'),
    async ({ d1 }) => {
      refused('D1-TOKEN-ASSERTION-REFUSED', await d1.client.requestToken(assertionWith(d1, { claims: { exp: now() - 10 * 60 } })));
    },
  );
});

test('a token request D1 cannot accept is answered 400', rule('D1-TOKEN-ERROR-BAD-REQUEST'), async ({ d1 }) => {
  const assertion = assertionWith(d1);
  const cases: [string, Claims][] = [
    ['an empty form', {}],
    ['another grant type', { grant_type: 'client_credentials', assertion }],
    ['no assertion', { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }],
  ];
  for (const [name, body] of cases) {
    await test.step(name, async () => refused('D1-TOKEN-ERROR-BAD-REQUEST', await d1.client.requestTokenWith(body)));
  }
});

/** A 10-character issuerId that is not the one under test. */
function otherIssuerId(issuerId: string): string {
  const other = 'OTHERBANK1';
  return other === issuerId ? 'OTHERBANK2' : other;
}
