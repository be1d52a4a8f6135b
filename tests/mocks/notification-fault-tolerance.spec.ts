/**
 * At-least-once delivery through an unreliable issuer: the reference issuer answers about half of its notification
 * calls 500, leaves others unanswered past the mock D1's attempt timeout (after processing them, so the retry is a
 * duplicate) and resets the connection of others. Every notification the mock D1 produced for a few hundred
 * operations must reach the issuer at least once, none may be lost, and the repeats must be acknowledged, not refused.
 * Replay a run with `SEED=<seed> npx playwright test --project=self-test tests/mocks/notification-fault-tolerance.spec.ts`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { D1Client } from '../../lib/d1-client.js';
import { startMockD1 } from '../../mocks/d1/index.js';
import type { OperationRecord } from '../../mocks/d1/state.js';
import { startReferenceIssuer } from '../../mocks/issuer/index.js';

const ISSUER_ID = 'TESTBANK01';
const KEY_ID = 'fault-tolerance-key';
const CONSUMERS = 40;
/** Consumers whose journeys run at once: enough to interleave notifications, few enough for a shared machine. */
const JOURNEYS_AT_ONCE = 8;
const CHAOS = { serverError: 0.5, timeout: 0.1, reset: 0.1 } as const;
/** Short delays, so that a few hundred retries fit in seconds; the attempt timeout is what the chaos's silence outlasts. */
const RETRY = { firstDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 250 } as const;

function seedOfRun(): number {
  const fromEnv = process.env.SEED;
  if (fromEnv === undefined || fromEnv === '') return Math.floor(Math.random() * 0x7fffffff);
  const seed = Number(fromEnv);
  if (!Number.isSafeInteger(seed)) throw new Error(`SEED must be an integer, got ${fromEnv}`);
  return seed;
}

/** One consumer's journey: registered, two cards created and enrolled; some opt a card out, some the consumer. */
async function journey(client: D1Client, index: number): Promise<void> {
  const accepted = async (
    operation: Parameters<D1Client['call']>[0],
    parts: Parameters<D1Client['call']>[1],
  ): Promise<Record<string, unknown>> => {
    const response = await client.call(operation, parts);
    expect(response.status, `${operation}: ${response.text}`).toBe(200);
    return response.json as Record<string, unknown>;
  };
  const consumerId = `cns_chaos_${index}_${Date.now().toString(36)}`;
  await accepted('registerConsumer', {
    path: { consumerId },
    body: { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' } },
  });
  const cards: string[] = [];
  for (const cardProductId of ['prd_debit_classic', 'prd_credit_gold']) {
    cards.push(String((await accepted('createCard', { body: { consumerId, cardProductId } })).cardId));
  }
  for (const cardId of cards) await accepted('clickToPayEnrol', { path: { cardId }, body: { name: 'Ana Lima' } });
  if (index % 2 === 0) await accepted('clickToPayOptoutCard', { path: { cardId: cards[0] ?? '' }, body: {} });
  if (index % 4 === 0) await accepted('clickToPayOptoutConsumer', { path: { consumerId }, body: {} });
}

/** Runs the journeys, `atOnce` at a time. */
async function runJourneys(client: D1Client, count: number, atOnce: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await journey(client, index);
    }
  };
  await Promise.all(Array.from({ length: atOnce }, lane));
}

const itemKey = (kind: string, operationId: string, status: string): string => `${kind} ${operationId} ${status}`;

test(
  'every notification reaches an issuer that fails, stalls and resets its calls, at least once, ' + 'and repeats are acknowledged',
  async () => {
    test.setTimeout(90_000);
    const seed = seedOfRun();
    console.log(
      `[fault tolerance] chaos seed ${seed} (replay: SEED=${seed}); 500 ${CHAOS.serverError}, timeout ${CHAOS.timeout}, ` +
        `reset ${CHAOS.reset}`,
    );

    const issuer = await startReferenceIssuer({ clientSecret: 'fault-tolerance-secret-3a9c', chaos: { seed, ...CHAOS, holdMs: 5_000 } });
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d1 = await startMockD1({
      issuers: [
        {
          issuerId: ISSUER_ID,
          keys: [{ kid: KEY_ID, publicKey: keys.publicKey }],
          backend: { baseUrl: issuer.url, authUrl: issuer.authUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret },
        },
      ],
      operationDelayMs: 5,
      retry: RETRY,
    });
    try {
      const client = new D1Client({
        bankingUrl: d1.bankingUrl,
        authUrl: d1.authUrl,
        issuerId: ISSUER_ID,
        keyId: KEY_ID,
        privateKey: keys.privateKey,
      });
      await runJourneys(client, CONSUMERS, JOURNEYS_AT_ONCE);

      // What D1 did, from its own records: every operation is notified PENDING, then with its final status.
      const state = d1.state(ISSUER_ID);
      const records = (): { kind: string; record: OperationRecord }[] => [
        ...[...state.cardOperations.values()].flat().map((record) => ({ kind: 'card', record })),
        ...[...state.consumerOperations.values()].flat().map((record) => ({ kind: 'consumer', record })),
      ];
      await expect
        .poll(() => records().filter(({ record }) => record.status === 'PENDING').length, {
          message: 'operations still PENDING',
          timeout: 10_000,
        })
        .toBe(0);
      await expect.poll(() => d1.deliveryStats().pending, { message: 'notifications D1 still has to deliver', timeout: 60_000 }).toBe(0);

      const operations = records();
      const expected = new Set(
        operations.flatMap(({ kind, record }) => [
          itemKey(kind, record.operationId, 'PENDING'),
          itemKey(kind, record.operationId, record.status),
        ]),
      );
      const received = issuer
        .deliveries()
        .flatMap((delivery) =>
          delivery.operations.map((item) => ({ key: itemKey(delivery.kind, item.operationId, item.status), duplicate: item.duplicate })),
        );
      const receivedKeys = new Set(received.map((item) => item.key));
      const stats = d1.deliveryStats();
      const chaos = issuer.chaosStats();
      const duplicated = received.filter((item) => item.duplicate).length;

      console.log(
        `[fault tolerance] ${operations.length} operations; produced ${stats.produced}, delivered ${receivedKeys.size} distinct ` +
          `(${received.length} received), retried ${stats.retries} of ${stats.attempts} calls, duplicated ${duplicated}; ` +
          `chaos on ${chaos?.calls ?? 0} calls: 500 ${chaos?.serverError ?? 0}, timeout ${chaos?.timeout ?? 0}, ` +
          `reset ${chaos?.reset ?? 0}, passed ${chaos?.passed ?? 0}`,
      );

      expect(operations.length, 'a few hundred operations').toBeGreaterThanOrEqual(200);
      expect(stats.produced, 'D1 produced one PENDING and one final item per operation').toBe(expected.size);
      const lost = [...expected].filter((key) => !receivedKeys.has(key));
      expect(lost, `items D1 produced that never reached the issuer (${lost.length}): ${lost.slice(0, 5).join('; ')}`).toEqual([]);
      expect(
        [...receivedKeys].filter((key) => !expected.has(key)),
        'items the issuer received that D1 never produced',
      ).toEqual([]);
      expect({ delivered: stats.delivered, refused: stats.refused, pending: stats.pending }, 'D1 saw every item acknowledged').toEqual({
        delivered: stats.produced,
        refused: 0,
        pending: 0,
      });

      // The chaos must really have struck, or the test proves nothing.
      expect(chaos?.serverError, 'calls answered 500').toBeGreaterThan(0);
      expect(chaos?.timeout, 'calls left unanswered').toBeGreaterThan(0);
      expect(chaos?.reset, 'connections reset').toBeGreaterThan(0);
      expect(stats.retries, 'retries').toBeGreaterThan(0);
      // A call processed but left unanswered comes again: the issuer records the repeat as such and acknowledges it.
      expect(duplicated, 'repeated items recorded as duplicates').toBeGreaterThan(0);
      expect(Object.keys(chaos?.issuerAnswers ?? {}), 'statuses the issuer answered to the calls it processed, repeats included').toEqual([
        '204',
      ]);

      // A late or repeated PENDING never overwrote a final status on the issuer's side.
      const finalOnIssuer = new Map(issuer.operationStates().map((s) => [itemKey(s.kind, s.operationId, ''), s.status]));
      const wrongFinal = operations.filter(
        ({ kind, record }) => finalOnIssuer.get(itemKey(kind, record.operationId, '')) !== record.status,
      );
      expect(
        wrongFinal.map(({ record }) => `${record.operationId} ${record.status}`),
        'operations whose final status the issuer does not hold',
      ).toEqual([]);
    } finally {
      await d1.stop();
      await issuer.stop();
    }
  },
);
