/**
 * Every D1 API but the token endpoint wants a valid access token: without one, D1 answers 401 with errorCode
 * AUTHORIZER_UNAUTHORIZED. One test per row of the API summary tries each operation of the row without a token, with a
 * malformed Authorization header and with a JWT D1 never issued; one test ages the tokens and tries an expired one.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { operations, type OperationId } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { errorCodeIs, holds, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import type { CallParts } from '../../lib/d1-client.js';
import { send, type HttpResponse } from '../../lib/http/client.js';
import { test, expect, rule, type D1Party, type ResolvedTargets } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';
import { documentedRequest } from '../../fixtures/requests.js';

interface Row {
  readonly api: string;
  readonly authRule: RuleId;
  readonly operations: OperationId[];
}

/** The rows of the API summary that D1 serves behind a bearer token, with the rule that says so. */
const rows: Row[] = [];
for (const operationId of Object.keys(operations) as OperationId[]) {
  const entry = operations[operationId];
  if (entry.party !== 'd1' || entry.security.length === 0) continue;
  const authRule = entry.rules.find((id) => id.endsWith('-AUTH-REQUIRED')) as RuleId | undefined;
  if (!authRule) throw new Error(`${operationId} is behind a bearer token but names no *-AUTH-REQUIRED rule`);
  const row = rows.find((r) => r.api === entry.api);
  if (row) row.operations.push(operationId);
  else rows.push({ api: entry.api, authRule, operations: [operationId] });
}

/** The operation's documented request with fresh identifiers, so that a call let through touches no other test's data. */
function requestFor(d1: D1Party, operationId: OperationId): CallParts {
  const request = documentedRequest(operationId, d1.issuerId);
  for (const [name, prefix] of [
    ['cardId', 'crd'],
    ['consumerId', 'cns'],
  ] as const) {
    if (name in request.path) request.path[name] = testObjectId(prefix);
  }
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body.consumerId === 'string') body.consumerId = testObjectId('cns');
  if ('x-correlation-id' in request.headers) request.headers['x-correlation-id'] = randomUUID();
  return { path: request.path, query: request.query, headers: request.headers, body: request.body };
}

/** Sends the operation with the Authorization given (or none) instead of a valid token. */
function callWith(d1: D1Party, operationId: OperationId, authorization: string | undefined): Promise<HttpResponse> {
  const parts = requestFor(d1, operationId);
  return d1.client.call(operationId, {
    ...parts,
    token: null,
    headers: { ...parts.headers, ...(authorization === undefined ? {} : { authorization }) },
  });
}

const isRefused = (ruleId: RuleId, operationId: OperationId, response: HttpResponse): void => {
  statusIs(ruleId, response, 401);
  errorCodeIs(ruleId, response, 'AUTHORIZER_UNAUTHORIZED');
  responseConformsToContract(operationId, response);
};

for (const row of rows) {
  test(
    `${row.api}: a call without a valid access token is refused with 401 AUTHORIZER_UNAUTHORIZED`,
    rule(row.authRule, 'D1-TOKEN-UNAUTHORIZED'),
    async ({ d1 }) => {
      const valid = await d1.client.token();
      // A well-formed ES256 JWT for this issuer, signed by a key of our own: a token D1 never issued.
      const neverIssued = await d1.client.assertion({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
      const cases: [string, string | undefined][] = [
        ['no Authorization header', undefined],
        ['Bearer and no token', 'Bearer'],
        ['the access token without the Bearer scheme', valid],
        ['Basic credentials', `Basic ${Buffer.from(`${d1.issuerId}:secret`).toString('base64')}`],
        ['a JWT signed by a key D1 does not know', `Bearer ${neverIssued}`],
      ];
      for (const operationId of row.operations) {
        for (const [name, authorization] of cases) {
          await test.step(`${operationId} with ${name}`, async () =>
            isRefused(row.authRule, operationId, await callWith(d1, operationId, authorization)));
        }
      }
    },
  );
}

test('an access token altered by one character is refused with 401', rule('D1-TOKEN-UNAUTHORIZED'), async ({ d1 }) => {
  const token = await d1.client.token();
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  isRefused('D1-TOKEN-UNAUTHORIZED', 'getCardList', await callWith(d1, 'getCardList', `Bearer ${token.slice(0, -1)}${last}`));
});

/**
 * A valid token on another issuer's path: the documents answer 401 to a missing or invalid Authorization, but also
 * list 403 (forbidden action) and 404 (issuerId not found), so any of the three refuses it; 401 carries its errorCode.
 */
test(
  "an access token used on another issuer's resources opens none of them (401, 403 or 404)",
  rule('D1-TOKEN-UNAUTHORIZED'),
  async ({ d1 }) => {
    const otherIssuer = d1.issuerId === 'OTHERBANK1' ? 'OTHERBANK2' : 'OTHERBANK1';
    const response = await d1.client.call('getCardList', { path: { issuerId: otherIssuer, consumerId: testObjectId('cns') } });
    statusIs('D1-TOKEN-UNAUTHORIZED', response, [401, 403, 404]);
    if (response.status === 401) {
      errorCodeIs('D1-TOKEN-UNAUTHORIZED', response, 'AUTHORIZER_UNAUTHORIZED');
      responseConformsToContract('getCardList', response);
      return;
    }
    // The contract declares no 403 or 404 for this operation, so only D1's error convention is asked of them.
    const body = (response.json ?? {}) as { errorCode?: unknown; error?: unknown };
    holds(
      'D1-TOKEN-UNAUTHORIZED',
      typeof body.errorCode === 'string' || typeof body.error === 'string',
      '/',
      'a D1 error body (errorCode, error)',
      response.text || 'no body',
    );
  },
);

/**
 * Ages every access token D1 issued so far, where D1 lets the suite do so: the embedded mock directly, an external
 * `npm run mock:d1` through its control endpoint. Returns why it cannot, otherwise undefined.
 */
async function expireTokens(targets: ResolvedTargets): Promise<string | undefined> {
  if (targets.d1.mock) {
    targets.d1.mock.expireTokens();
    return undefined;
  }
  const url = `${new URL(targets.d1.client.bankingUrl).origin}/__mock/expire-tokens`;
  const why = `this D1 cannot be asked to age its tokens (POST ${url} answered`;
  try {
    const response = await send({ method: 'POST', url });
    if (response.status >= 200 && response.status < 300) return undefined;
    return `${why} ${response.status}), and an expired token would take 15 minutes of waiting`;
  } catch (error) {
    return `${why} no HTTP response: ${error instanceof Error ? error.message : String(error)})`;
  }
}

test(
  'an expired access token is refused with 401 AUTHORIZER_UNAUTHORIZED on every D1 operation',
  rule('D1-TOKEN-UNAUTHORIZED', ...rows.map((r) => r.authRule)),
  async ({ d1, targets }) => {
    const token = await d1.client.token();
    const before = await d1.client.call('getCardList', { path: { consumerId: testObjectId('cns') }, token });
    expect(before.status, 'the token opens D1 before it expires').not.toBe(401);
    const cannot = await expireTokens(targets);
    test.skip(cannot !== undefined, cannot);
    for (const row of rows) {
      for (const operationId of row.operations) {
        await test.step(`${operationId} with the expired token`, async () => {
          const parts = requestFor(d1, operationId);
          isRefused('D1-TOKEN-UNAUTHORIZED', operationId, await d1.client.call(operationId, { ...parts, token }));
        });
      }
    }
  },
);
