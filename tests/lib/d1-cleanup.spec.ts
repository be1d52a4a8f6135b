/**
 * The clean-up of what a run created in D1, against a mock D1 started here: what the ledger lists is deleted (or
 * found gone already), the mock then holds none of it live, and what D1 refuses to delete is listed with why.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OperationId } from '../../gen/operations.js';
import { encryptCardData } from '../../lib/card-data.js';
import { cleanUpCreated, readLedger } from '../../lib/d1-cleanup.js';
import { CREATED_LEDGER, D1_TEST_ID_PREFIX, type D1Client } from '../../lib/d1-client.js';
import { send } from '../../lib/http/client.js';
import { testObjectId, uniquePan } from '../../fixtures/d1.js';
import { test, expect } from '../mocks/d1/mock-d1-fixtures.js';

type Json = Record<string, unknown>;

/** Calls a write and follows it to its final status through the getter. */
async function write(client: D1Client, operationId: OperationId, ids: Record<string, string>, body: Json): Promise<Json> {
  const accepted = await client.call(operationId, { path: ids, body });
  expect(accepted.status, `${operationId}: ${accepted.text}`).toBe(200);
  const answer = accepted.json as Json;
  const getter = 'consumerId' in ids && !('cardId' in ids) ? 'getConsumerOperation' : 'getCardOperation';
  const subject: Record<string, string> =
    getter === 'getConsumerOperation' ? { consumerId: ids.consumerId ?? '' } : { cardId: ids.cardId ?? String(answer.cardId) };
  for (;;) {
    const read = (await client.call(getter, { path: { ...subject, operationId: String(answer.operationId) } })).json as Json;
    if (read.status !== 'PENDING') return { ...read, cardId: answer.cardId };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const registerConsumer = async (client: D1Client): Promise<string> => {
  const consumerId = testObjectId('cns');
  expect((await write(client, 'registerConsumer', { consumerId }, {})).status).toBe('SUCCESSFUL');
  return consumerId;
};

const createCard = async (client: D1Client, consumerId: string): Promise<string> => {
  const final = await write(client, 'createCard', {}, { consumerId, cardProductId: 'prd_debit_classic' });
  expect(final.status).toBe('SUCCESSFUL');
  return String(final.cardId);
};

const registerCard = async (client: D1Client, jwk: Readonly<Json>, consumerId: string): Promise<string> => {
  const cardId = testObjectId('crd');
  const encryptedData = await encryptCardData(jwk, { pan: uniquePan(), expiry: '1230' });
  expect((await write(client, 'registerCard', { cardId }, { consumerId, encryptedData })).status).toBe('SUCCESSFUL');
  return cardId;
};

/** The mock's own count of live objects (of ids with the prefix given), through its control; each test has its own mock. */
async function liveObjects(url: string, prefix = ''): Promise<Json> {
  const response = await send({ method: 'GET', url: `${url}/__mock/objects${prefix ? `?prefix=${prefix}` : ''}` });
  expect(response.status).toBe(200);
  return response.json as Json;
}

let work = '';
test.beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'd1-cleanup-'));
});
test.afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

test('the clean-up deletes every consumer and card the ledger lists, and the mock holds none of them live', async ({ d1, client }) => {
  const ledger = path.join(work, CREATED_LEDGER);
  client.recordCreationsIn(ledger);
  const first = await registerConsumer(client);
  const second = await registerConsumer(client);
  const deletedByTheTest = await registerConsumer(client);
  const cards = [await createCard(client, first), await registerCard(client, d1.cardDataJwk, first), await createCard(client, second)];
  const orphan = await createCard(client, deletedByTheTest);
  expect((await write(client, 'deleteConsumer', { consumerId: deletedByTheTest }, { reasonCode: 'ISSUER_DECISION' })).status).toBe(
    'SUCCESSFUL',
  );
  client.recordCreationsIn(undefined);

  const entries = readLedger(ledger);
  // Each issuer-chosen id is written once before it is sent, and every creation once it was answered 200.
  expect(
    entries
      .filter((e) => e.sent)
      .map((e) => `${e.kind} ${e.id}`)
      .sort(),
  ).toEqual([...[first, second, deletedByTheTest].map((id) => `consumer ${id}`), `card ${cards[1] ?? ''}`].sort());
  expect(
    entries
      .filter((e) => !e.sent)
      .map((e) => `${e.kind} ${e.id}`)
      .sort(),
  ).toEqual([...[first, second, deletedByTheTest].map((id) => `consumer ${id}`), ...[...cards, orphan].map((id) => `card ${id}`)].sort());
  // Ids and kinds only: no consumer details, no card data.
  expect(readFileSync(ledger, 'utf8')).not.toMatch(/encryptedData|consumerInfo|pan/i);
  expect(await liveObjects(d1.url)).toMatchObject({ consumers: 2, cards: 3 });

  const outcome = await cleanUpCreated(client, entries, { concurrency: 2 });

  expect(outcome).toEqual({
    created: { consumers: 3, cards: 4 },
    removed: { consumers: 2, cards: 3 },
    alreadyGone: { consumers: 1, cards: 1 },
    notRemoved: [],
  });
  expect(await liveObjects(d1.url)).toEqual({ prefix: '', consumers: 0, cards: 0 });
});

test('a card in a final state D1 refuses to delete is listed as not removed, with D1 errorCode', async ({ d1, client }) => {
  const ledger = path.join(work, CREATED_LEDGER);
  // The consumer is not the run's; its card is, and gets replaced: the replaced card cannot be deleted any more.
  const holder = await registerConsumer(client);
  client.recordCreationsIn(ledger);
  const replaced = await registerCard(client, d1.cardDataJwk, holder);
  client.recordCreationsIn(undefined);
  const encryptedData = await encryptCardData(d1.cardDataJwk, { pan: uniquePan(), expiry: '1233' });
  const replacement = testObjectId('crd');
  expect((await write(client, 'replaceCard', { cardId: replaced }, { newCardId: replacement, encryptedData })).status).toBe('SUCCESSFUL');

  const outcome = await cleanUpCreated(client, readLedger(ledger));

  expect(outcome.notRemoved.map((o) => [o.kind, o.id])).toEqual([['card', replaced]]);
  expect(outcome.notRemoved[0]?.reason).toMatch(/replaced.*FAILED.*CARD_NOT_FOUND/);
  // The card's consumer, made known to the run by the card, goes with the replacement card it holds.
  expect(outcome.removed).toEqual({ consumers: 1, cards: 0 });
  expect(await liveObjects(d1.url)).toMatchObject({ consumers: 0, cards: 0 });
});

test('a clean-up stopped before it starts lists everything as not removed and deletes nothing', async ({ d1, client }) => {
  const ledger = path.join(work, CREATED_LEDGER);
  client.recordCreationsIn(ledger);
  await createCard(client, await registerConsumer(client));
  client.recordCreationsIn(undefined);
  const stop = new AbortController();
  stop.abort('SIGTERM');

  const outcome = await cleanUpCreated(client, readLedger(ledger), { signal: stop.signal });

  expect(outcome.notRemoved.map((o) => [o.kind, o.reason])).toEqual([
    ['consumer', 'the clean-up was stopped before deleting it'],
    ['card', 'the clean-up was stopped before deleting it'],
  ]);
  expect(await liveObjects(d1.url)).toMatchObject({ consumers: 1, cards: 1 });
});

test('the objects control counts live consumers and cards, by id prefix when given one', async ({ d1, client }) => {
  const consumerId = await registerConsumer(client);
  await createCard(client, consumerId);
  const other = `other_${consumerId}`;
  expect((await write(client, 'registerConsumer', { consumerId: other }, {})).status).toBe('SUCCESSFUL');

  await registerCard(client, d1.cardDataJwk, consumerId);

  expect(await liveObjects(d1.url)).toEqual({ prefix: '', consumers: 2, cards: 2 });
  // D1 chooses the created card's id, so only the registered card carries the prefix.
  expect(await liveObjects(d1.url, D1_TEST_ID_PREFIX)).toEqual({ prefix: D1_TEST_ID_PREFIX, consumers: 1, cards: 1 });
  expect((await send({ method: 'POST', url: `${d1.url}/__mock/objects` })).status).toBe(405);
});
