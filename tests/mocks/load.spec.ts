/**
 * Load on both mocks, each alone in a child process: 10,000 requests from 50 concurrent clients, mixing valid,
 * schema-breaking and malformed requests. No answer may be a 5xx, the server must still answer its health check, and
 * once its state is reset its heap must come back near where it started. Nothing here is timed: a slow machine makes
 * the test slower, never red.
 */
import { generateKeyPairSync } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { operations } from '../../gen/operations.js';
import { startIsolatedServer, type IsolatedServer } from '../../bench/isolated-server.js';
import { D1Client } from '../../lib/d1-client.js';
import { basicAuthorization, formRequest, send, type HttpRequest } from '../../lib/http/client.js';

const TOTAL_REQUESTS = 10_000;
const CONCURRENT_CLIENTS = 50;
const WARM_UP_REQUESTS = 1_000;
/**
 * How far above its baseline the heap may stay once the mock's state is reset and a full collection ran. What the
 * requests legitimately leave behind goes with the reset; what stays is V8's own (compiled code, inline caches, the
 * string table) and the open connections, measured at 0.3 MiB for both mocks. After a forced full collection that
 * figure does not depend on how busy the machine is, so 5 MiB (more than fifteen times it) keeps the check steady
 * while still catching a mock that keeps every request it served (about 7 MiB for 10,000 requests, tried).
 */
const HEAP_TOLERANCE_BYTES = 5 * 1024 * 1024;

const MIB = 1024 * 1024;
const ISSUER_ID = 'TESTBANK01';

type RequestKind = 'valid' | 'invalid' | 'malformed';

interface LoadRequest {
  readonly kind: RequestKind;
  /** Says what the request is, for a failure message; never a token or a secret. */
  readonly label: string;
  readonly request: HttpRequest;
}

interface Mismatch {
  readonly label: string;
  readonly status: number | string;
  readonly body: string;
}

interface LoadOutcome {
  readonly statuses: Readonly<Record<RequestKind, Readonly<Record<string, number>>>>;
  /** Answers of 500 and above, and requests that got no answer at all. */
  readonly serverFailures: readonly Mismatch[];
  /** Valid requests not answered 2xx, invalid or malformed ones not answered 4xx. */
  readonly unexpected: readonly Mismatch[];
}

const expectedClass: Readonly<Record<RequestKind, (status: number) => boolean>> = {
  valid: (status) => status >= 200 && status < 300,
  invalid: (status) => status >= 400 && status < 500,
  malformed: (status) => status >= 400 && status < 500,
};

/** Sends `total` requests, request i being `requestAt(i)`, from `clients` clients each waiting for its answer before the next. */
async function load(total: number, clients: number, requestAt: (index: number) => LoadRequest): Promise<LoadOutcome> {
  const statuses: Record<RequestKind, Record<string, number>> = { valid: {}, invalid: {}, malformed: {} };
  const serverFailures: Mismatch[] = [];
  const unexpected: Mismatch[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < total) {
      const { kind, label, request } = requestAt(next);
      next += 1;
      try {
        const response = await send({ ...request, timeoutMs: 30_000 });
        statuses[kind][response.status] = (statuses[kind][response.status] ?? 0) + 1;
        const mismatch = { label, status: response.status, body: response.text.slice(0, 200) };
        if (response.status >= 500) serverFailures.push(mismatch);
        else if (!expectedClass[kind](response.status)) unexpected.push(mismatch);
      } catch (error) {
        statuses[kind].error = (statuses[kind].error ?? 0) + 1;
        serverFailures.push({ label, status: 'no answer', body: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { statuses, serverFailures, unexpected };
}

const describeFailures = (failures: readonly Mismatch[]): string =>
  failures
    .slice(0, 5)
    .map((f) => `${f.label} -> ${f.status} ${f.body}`)
    .join('\n');

const json = (method: string, url: string, body: unknown, headers: Readonly<Record<string, string>>): HttpRequest => ({
  method,
  url,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Request i is made by template i modulo their number: every kind in every stretch of the run, the same on every run. */
function inTurn(templates: readonly ((index: number) => LoadRequest)[]): (index: number) => LoadRequest {
  return (index) => {
    const template = templates[index % templates.length];
    if (!template) throw new Error('no request templates');
    return template(index);
  };
}

/** Bytes no parser makes sense of, the same on every run. */
const GARBAGE = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256));

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

/** Every request answered, none 5xx, each in the class its kind calls for; a crashed server's last words come along. */
function expectEveryAnswerBelow500(outcome: LoadOutcome, total: number, stage: string, server: IsolatedServer): void {
  const crashed = server.alive() ? '' : `\nthe server process ended; its stderr:\n${server.stderr().slice(-2_000)}`;
  expect(
    outcome.serverFailures.length,
    `${stage}: answers of 500 or more, or no answer; the first ones:\n${describeFailures(outcome.serverFailures)}${crashed}`,
  ).toBe(0);
  expect(
    outcome.unexpected.length,
    `${stage}: valid requests must get a 2xx, invalid and malformed ones a 4xx; ` +
      `the first that did not:\n${describeFailures(outcome.unexpected)}`,
  ).toBe(0);
  const answered = Object.values(outcome.statuses).reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
  expect(answered, `${stage}: every request was sent and answered`).toBe(total);
}

/**
 * Warms the server up with the same mix, resets its state and measures its heap; loads it; checks every answer and
 * that it still answers its health check; resets it again and checks its heap is back near the baseline. `setUp`
 * prepares what the valid requests need (a token, a consumer, cards) and runs again after a reset, which forgets it.
 */
async function loadAndCheck(label: string, server: IsolatedServer, setUp: () => Promise<(index: number) => LoadRequest>): Promise<void> {
  const reset = async (): Promise<void> => {
    const response = await send({ method: 'POST', url: `${server.url}/__mock/reset` });
    expect(response.status, `reset: ${response.text}`).toBeLessThan(300);
  };
  expectEveryAnswerBelow500(await load(WARM_UP_REQUESTS, CONCURRENT_CLIENTS, await setUp()), WARM_UP_REQUESTS, 'warm-up', server);
  await reset();
  const baseline = await server.memory(true);
  expect(baseline.afterGarbageCollection, 'the child runs with --expose-gc').toBe(true);

  const outcome = await load(TOTAL_REQUESTS, CONCURRENT_CLIENTS, await setUp());
  const counts = Object.entries(outcome.statuses).map(([kind, byStatus]) => `${kind} ${JSON.stringify(byStatus)}`);
  console.log(`[load ${label}] ${TOTAL_REQUESTS} requests, ${CONCURRENT_CLIENTS} clients; statuses: ${counts.join('; ')}`);
  expectEveryAnswerBelow500(outcome, TOTAL_REQUESTS, 'load', server);
  const health = await send({ method: 'GET', url: `${server.url}/__mock/health` });
  expect(health.status, 'the health check after the load').toBe(200);

  const afterLoad = await server.memory(true);
  await reset();
  const afterReset = await server.memory(true);
  const allowed = baseline.heapUsedBytes + HEAP_TOLERANCE_BYTES;
  console.log(
    `[load ${label}] heap used after a full GC: baseline ${mib(baseline.heapUsedBytes)}, after the load ${mib(afterLoad.heapUsedBytes)}, ` +
      `after the reset ${mib(afterReset.heapUsedBytes)} (allowed below ${mib(allowed)}); RSS ${mib(afterReset.rssBytes)}`,
  );
  expect(afterReset.heapUsedBytes, 'heap used after the load, the state reset and a full GC').toBeLessThan(allowed);
}

test.describe('load on the mocks', () => {
  // Not a time limit on the load: room for 10,000 requests on a busy two-core machine, and the child's start-up.
  test.setTimeout(120_000);

  test('the mock D1 answers 10,000 mixed requests from 50 clients without a 5xx and its heap comes back near its baseline', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = 'load-key';
    const server = await startIsolatedServer({
      kind: 'mock-d1',
      issuerId: ISSUER_ID,
      kid,
      publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    try {
      const setUp = async (): Promise<(index: number) => LoadRequest> => {
        const client = new D1Client({
          bankingUrl: `${server.url}/banking`,
          authUrl: `${server.url}/authz/v1`,
          issuerId: ISSUER_ID,
          keyId: kid,
          privateKey: keys.privateKey,
        });
        client.forgetToken();
        const bearer = { authorization: `Bearer ${await client.token()}` };
        const consumerId = `cns_load_${Date.now().toString(36)}`;
        const registered = await client.call('registerConsumer', {
          path: { consumerId },
          body: { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' } },
        });
        expect(registered.status, registered.text).toBe(200);
        const cards: string[] = [];
        for (let i = 0; i < 10; i += 1) {
          const created = await client.call('createCard', { body: { consumerId, cardProductId: 'prd_debit_classic' } });
          expect(created.status, created.text).toBe(200);
          cards.push(String((created.json as { cardId: unknown }).cardId));
        }
        const optOutUrl = (cardId: string): string => client.urlOf('clickToPayOptoutCard', { cardId });
        const reason = operations.clickToPayOptoutCard.examples.requestBody['application/json'];
        const templates: ((i: number) => LoadRequest)[] = [
          (i) => ({
            kind: 'valid',
            label: 'card opt-out',
            request: json('POST', optOutUrl(cards[i % cards.length] ?? ''), reason, bearer),
          }),
          () => ({
            kind: 'valid',
            label: 'create card',
            request: json('POST', client.urlOf('createCard'), { consumerId, cardProductId: 'prd_credit_gold' }, bearer),
          }),
          (i) => ({
            kind: 'valid',
            label: 'register consumer',
            request: json(
              'PUT',
              client.urlOf('registerConsumer', { consumerId: `cns_load_${i}` }),
              { consumerInfo: { language: 'fr-FR', lastName: 'Roy' } },
              bearer,
            ),
          }),
          () => ({
            kind: 'valid',
            label: 'consumer profiles',
            request: { method: 'GET', url: client.urlOf('clickToPayGetConsumerProfiles', { consumerId }), headers: bearer },
          }),
          (i) => ({
            kind: 'invalid',
            label: 'opt-out with an unknown reasonCode',
            request: json('POST', optOutUrl(cards[i % cards.length] ?? ''), { reasonCode: 'BECAUSE' }, bearer),
          }),
          () => ({
            kind: 'invalid',
            label: 'create card with a numeric cardProductId',
            request: json('POST', client.urlOf('createCard'), { consumerId, cardProductId: 42 }, bearer),
          }),
          () => ({
            kind: 'invalid',
            label: 'opt-out of a cardId with forbidden characters',
            request: json('POST', optOutUrl('crd<!>'), {}, bearer),
          }),
          () => ({
            kind: 'invalid',
            label: 'register consumer with a language out of pattern',
            request: json('PUT', client.urlOf('registerConsumer', { consumerId }), { consumerInfo: { language: 'english' } }, bearer),
          }),
          () => ({ kind: 'invalid', label: 'opt-out without a token', request: json('POST', optOutUrl(cards[0] ?? ''), reason, {}) }),
          () => ({
            kind: 'malformed',
            label: 'unparseable JSON',
            request: {
              method: 'POST',
              url: client.urlOf('createCard'),
              headers: { 'content-type': 'application/json', ...bearer },
              body: '{"consumerId": "cns_',
            },
          }),
          () => ({
            kind: 'malformed',
            label: 'JSON sent as text/plain',
            request: {
              method: 'POST',
              url: client.urlOf('createCard'),
              headers: { 'content-type': 'text/plain', ...bearer },
              body: JSON.stringify({ consumerId, cardProductId: 'prd_debit_classic' }),
            },
          }),
          (i) => ({
            kind: 'malformed',
            label: 'garbage bytes as JSON',
            request: {
              method: 'POST',
              url: optOutUrl(cards[i % cards.length] ?? ''),
              headers: { 'content-type': 'application/json', ...bearer },
              body: GARBAGE,
            },
          }),
          () => ({
            kind: 'malformed',
            label: 'a form where JSON is expected',
            request: formRequest(client.urlOf('createCard'), { consumerId, cardProductId: 'prd_debit_classic' }, bearer),
          }),
          () => ({
            kind: 'malformed',
            label: 'garbage token request',
            request: {
              method: 'POST',
              url: client.urlOf('getToken'),
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: GARBAGE,
            },
          }),
        ];
        return inTurn(templates);
      };
      await loadAndCheck('mock D1', server, setUp);
    } finally {
      await server.stop();
    }
  });

  test(
    'the reference issuer answers 10,000 mixed requests from 50 clients ' + 'without a 5xx and its heap comes back near its baseline',
    async () => {
      const clientSecret = 'load-test-secret-5b8e21';
      const server = await startIsolatedServer({ kind: 'reference-issuer', clientSecret });
      try {
        const notificationUrl = (kind: 'cards' | 'consumers'): string => `${server.url}/notifications/d1/v2/issuers/${ISSUER_ID}/${kind}`;
        const cardExample = operations.notifyCardOperations.examples.requestBody['application/json'] as {
          operations: Record<string, unknown>[];
        };
        const consumerExample = operations.notifyConsumerOperations.examples.requestBody['application/json'] as {
          operations: Record<string, unknown>[];
        };
        const setUp = async (): Promise<(index: number) => LoadRequest> => {
          const granted = await send(
            formRequest(
              `${server.url}/authz/d1/v1/oauth2/token`,
              { grant_type: 'client_credentials' },
              { authorization: basicAuthorization('d1-notifier', clientSecret) },
            ),
          );
          expect(granted.status, granted.text).toBe(200);
          const bearer = { authorization: `Bearer ${String((granted.json as { access_token: unknown }).access_token)}` };
          // A fresh operationId per request, so that the ledger grows as it would under real traffic.
          const withIds = (example: { operations: Record<string, unknown>[] }, i: number): unknown => ({
            operations: example.operations.map((item, n) => ({ ...item, operationId: `op_load_${i}_${n}` })),
          });
          const consumerInfoUrl = `${server.url}/banking/d1/v1/issuers/${ISSUER_ID}/consumers/cns_known_0001`;
          const templates: ((i: number) => LoadRequest)[] = [
            (i) => ({
              kind: 'valid',
              label: 'card notification',
              request: json('POST', notificationUrl('cards'), withIds(cardExample, i), bearer),
            }),
            (i) => ({
              kind: 'valid',
              label: 'consumer notification',
              request: json('POST', notificationUrl('consumers'), withIds(consumerExample, i), bearer),
            }),
            () => ({
              kind: 'valid',
              label: 'repeated card notification',
              request: json('POST', notificationUrl('cards'), cardExample, bearer),
            }),
            () => ({ kind: 'valid', label: 'consumer information', request: { method: 'GET', url: consumerInfoUrl, headers: bearer } }),
            () => ({
              kind: 'invalid',
              label: 'card notification with an unknown status',
              request: json('POST', notificationUrl('cards'), { operations: [{ ...cardExample.operations[0], status: 'DONE' }] }, bearer),
            }),
            () => ({
              kind: 'invalid',
              label: 'consumer notification whose item has no startTime',
              request: json(
                'POST',
                notificationUrl('consumers'),
                { operations: consumerExample.operations.map(({ startTime: _startTime, ...item }) => item) },
                bearer,
              ),
            }),
            () => ({
              kind: 'invalid',
              label: 'card notification without a token',
              request: json('POST', notificationUrl('cards'), cardExample, {}),
            }),
            () => ({
              kind: 'invalid',
              label: 'token request with a wrong secret',
              request: formRequest(
                `${server.url}/authz/d1/v1/oauth2/token`,
                { grant_type: 'client_credentials' },
                { authorization: basicAuthorization('d1-notifier', 'wrong') },
              ),
            }),
            () => ({
              kind: 'malformed',
              label: 'unparseable JSON',
              request: {
                method: 'POST',
                url: notificationUrl('cards'),
                headers: { 'content-type': 'application/json', ...bearer },
                body: '{"operations": [',
              },
            }),
            () => ({
              kind: 'malformed',
              label: 'JSON sent as text/plain',
              request: {
                method: 'POST',
                url: notificationUrl('consumers'),
                headers: { 'content-type': 'text/plain', ...bearer },
                body: JSON.stringify(consumerExample),
              },
            }),
            () => ({
              kind: 'malformed',
              label: 'garbage bytes as JSON',
              request: {
                method: 'POST',
                url: notificationUrl('cards'),
                headers: { 'content-type': 'application/json', ...bearer },
                body: GARBAGE,
              },
            }),
            () => ({
              kind: 'malformed',
              label: 'garbage token request',
              request: {
                method: 'POST',
                url: `${server.url}/authz/d1/v1/oauth2/token`,
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: GARBAGE,
              },
            }),
          ];
          return inTurn(templates);
        };
        await loadAndCheck('reference issuer', server, setUp);
      } finally {
        await server.stop();
      }
    },
  );
});
