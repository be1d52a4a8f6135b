import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rules } from '../../../gen/catalogue.js';
import type { OperationId } from '../../../gen/operations.js';
import { D1Client, type CallParts } from '../../../lib/d1-client.js';
import type { HttpResponse } from '../../../lib/http/client.js';
import { fromRoot } from '../../../lib/paths.js';
import { validateResponse } from '../../../lib/validation/index.js';
import { d1Faults, startMockD1, type D1Fault, type MockD1Options, type RunningMockD1 } from '../../../mocks/d1/index.js';
import { startIssuerSink, type IssuerSink } from '../../../fixtures/notify-sink.js';
import { ISSUER_ID, KEY_ID, expect, test as base } from './mock-d1-fixtures.js';

/** One mock D1 with its issuer sink and a client for it. */
interface Target {
  readonly d1: RunningMockD1;
  readonly sink: IssuerSink;
  readonly client: D1Client;
}

type StartTarget = (faults: readonly D1Fault[], options?: Partial<MockD1Options>) => Promise<Target>;

/** Small JSON values, so that a failed comparison prints what each mock did. */
type Observation = string | number | boolean | readonly Observation[];

interface Probe {
  /** What the scenario looks at, as the test title shows it. */
  readonly observes: string;
  /** What the fault's rule requires, and so what the conformant mock must show. */
  readonly conformant: Observation;
  /** Options for both mocks, beyond the fault. */
  readonly options?: Partial<MockD1Options>;
  observe(target: Target): Promise<Observation>;
}

// Each test compares two mocks side by side, so it starts its own instead of taking the fixture's single one.
const test = base.extend<{ startTarget: StartTarget }>({
  startTarget: async ({ issuerKeys }, use) => {
    const stops: (() => Promise<void>)[] = [];
    await use(async (faults, options = {}) => {
      const sink = await startIssuerSink();
      stops.push(() => sink.stop());
      const d1 = await startMockD1({
        operationDelayMs: 10,
        retry: { firstDelayMs: 10, maxDelayMs: 100, attemptTimeoutMs: 500 },
        ...options,
        faults,
        issuers: [
          {
            issuerId: ISSUER_ID,
            keys: [{ kid: KEY_ID, publicKey: issuerKeys.publicKey }],
            backend: { baseUrl: sink.url, authUrl: sink.authUrl, clientId: sink.clientId, clientSecret: sink.clientSecret },
          },
        ],
      });
      stops.push(() => d1.stop());
      const client = new D1Client({
        bankingUrl: d1.bankingUrl,
        authUrl: d1.authUrl,
        issuerId: ISSUER_ID,
        keyId: KEY_ID,
        privateKey: issuerKeys.privateKey,
      });
      return { d1, sink, client };
    });
    // Each mock stops before the sink it notifies.
    for (const stop of stops.reverse()) await stop();
  },
});

// --- scenario steps --------------------------------------------------------------------------------------------

const uniqueId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

const bodyOf = (response: HttpResponse): Record<string, unknown> => (response.json ?? {}) as Record<string, unknown>;

/** Calls a set-up step that must succeed on any mock, faulty or not, and returns its JSON body. */
async function step(client: D1Client, operationId: OperationId, parts: CallParts): Promise<Record<string, unknown>> {
  const response = await client.call(operationId, parts);
  expect(response.status, `${operationId} answered ${response.text}`).toBe(200);
  return bodyOf(response);
}

async function operationIdOf(client: D1Client, operationId: OperationId, parts: CallParts): Promise<string> {
  const body = await step(client, operationId, parts);
  expect(typeof body.operationId, `${operationId} answered no operationId`).toBe('string');
  return String(body.operationId);
}

/** The operation's status once it leaves PENDING, or PENDING when it has not within the time given. */
async function settledStatus(
  client: D1Client,
  target: { cardId: string } | { consumerId: string },
  operationId: string,
  timeoutMs = 1_500,
): Promise<string> {
  const getter: OperationId = 'cardId' in target ? 'getCardOperation' : 'getConsumerOperation';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = String((await step(client, getter, { path: { ...target, operationId } })).status);
    if (status !== 'PENDING' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function registeredConsumer(client: D1Client): Promise<string> {
  const consumerId = uniqueId('cns');
  await step(client, 'registerConsumer', {
    path: { consumerId },
    body: { consumerInfo: { language: 'en-US', firstName: 'Ada', lastName: 'Lovelace' } },
  });
  return consumerId;
}

async function createdCard(client: D1Client, consumerId: string, cardProductId = 'prd_debit_classic'): Promise<string> {
  const body = await step(client, 'createCard', { body: { consumerId, cardProductId } });
  expect(typeof body.cardId, 'createCard answered no cardId').toBe('string');
  return String(body.cardId);
}

/** Enrols the card and waits for the enrolment to succeed; returns the enrol's operationId. */
async function enrolled(client: D1Client, cardId: string): Promise<string> {
  const operationId = await operationIdOf(client, 'clickToPayEnrol', { path: { cardId } });
  expect(await settledStatus(client, { cardId }, operationId), `enrolment of ${cardId}`).toBe('SUCCESSFUL');
  return operationId;
}

/** A consumer with one VISA card enrolled in Click to Pay. */
async function enrolledCard(client: D1Client): Promise<{ consumerId: string; cardId: string; enrolOperationId: string }> {
  const consumerId = await registeredConsumer(client);
  const cardId = await createdCard(client, consumerId);
  return { consumerId, cardId, enrolOperationId: await enrolled(client, cardId) };
}

interface Profile {
  readonly scheme: string;
  readonly cards: readonly { readonly cardId: string }[];
}

async function profilesOf(client: D1Client, consumerId: string): Promise<readonly Profile[]> {
  const body = await step(client, 'clickToPayGetConsumerProfiles', { path: { consumerId } });
  return (body.clickToPayProfiles ?? []) as Profile[];
}

const enrolledCardIds = (profiles: readonly Profile[]): string[] => profiles.flatMap((p) => p.cards.map((c) => c.cardId)).sort();

async function optedOutCard(client: D1Client, cardId: string): Promise<void> {
  const operationId = await operationIdOf(client, 'clickToPayOptoutCard', { path: { cardId } });
  expect(await settledStatus(client, { cardId }, operationId), `opt-out of ${cardId}`).toBe('SUCCESSFUL');
}

async function optedOutConsumer(client: D1Client, consumerId: string): Promise<string> {
  const operationId = await operationIdOf(client, 'clickToPayOptoutConsumer', { path: { consumerId } });
  expect(await settledStatus(client, { consumerId }, operationId), `opt-out of ${consumerId}`).toBe('SUCCESSFUL');
  return operationId;
}

/** A fresh access token, not the client's cached one. */
async function freshToken(client: D1Client): Promise<string> {
  const response = await client.requestToken();
  const token = bodyOf(response).access_token;
  expect(typeof token, `token endpoint answered ${response.status} ${response.text}`).toBe('string');
  return String(token);
}

/** The final statuses the issuer was notified for one card operation, in arrival order. */
const notifiedFinalStatuses = (sink: IssuerSink, operationId: string): string[] =>
  sink
    .items('card')
    .filter((item) => item.operationId === operationId && item.status !== 'PENDING')
    .map((item) => String(item.status));

// --- one probe per fault ---------------------------------------------------------------------------------------

const NAME_OF_27_CHARACTERS = 'Maximilian Alexander Smythe';

const enrolFinalStatusesProbe: Probe = {
  observes: 'the final statuses notified for an enrol',
  conformant: ['SUCCESSFUL'],
  observe: async ({ client, d1, sink }) => {
    const { enrolOperationId } = await enrolledCard(client);
    await d1.notificationsSettled();
    return notifiedFinalStatuses(sink, enrolOperationId);
  },
};

const probes: Record<D1Fault, Probe> = {
  'consumer-optout-repeat-409': {
    observes: 'the answer to a second consumer opt-out',
    conformant: '200 SUCCESSFUL',
    observe: async ({ client }) => {
      const { consumerId } = await enrolledCard(client);
      await optedOutConsumer(client, consumerId);
      const repeat = await client.call('clickToPayOptoutConsumer', { path: { consumerId } });
      return `${repeat.status} ${String(bodyOf(repeat).status)}`;
    },
  },
  'consumer-optout-never-enrolled-fails': {
    observes: 'the final status of opting out a consumer never enrolled',
    conformant: 'SUCCESSFUL',
    observe: async ({ client }) => {
      const consumerId = await registeredConsumer(client);
      const operationId = await operationIdOf(client, 'clickToPayOptoutConsumer', { path: { consumerId } });
      return settledStatus(client, { consumerId }, operationId);
    },
  },
  'enrol-operation-id-bad-pattern': {
    observes: 'the rules the enrol answer breaks',
    conformant: [],
    observe: async ({ client }) => {
      const cardId = await createdCard(client, await registeredConsumer(client));
      const response = await client.call('clickToPayEnrol', { path: { cardId } });
      const violations = validateResponse('clickToPayEnrol', { status: response.status, headers: response.headers, body: response.json });
      return violations.map((v) => `${v.ruleId ?? '(no rule)'} ${v.pointer}`);
    },
  },
  'enrol-issuer-id-length-unchecked': {
    observes: 'the status answered to an enrol whose issuerId has 11 characters',
    conformant: 400,
    observe: async ({ client }) => {
      const cardId = await createdCard(client, await registeredConsumer(client));
      return (await client.call('clickToPayEnrol', { path: { cardId, issuerId: `${ISSUER_ID}X` } })).status;
    },
  },
  'enrol-name-length-unchecked': {
    observes: 'the status answered to an enrol with a 27-character name',
    conformant: 400,
    observe: async ({ client }) => {
      expect(NAME_OF_27_CHARACTERS).toHaveLength(27);
      const cardId = await createdCard(client, await registeredConsumer(client));
      return (await client.call('clickToPayEnrol', { path: { cardId }, body: { name: NAME_OF_27_CHARACTERS } })).status;
    },
  },
  'missing-token-accepted': {
    observes: 'the status answered to an enrol without Authorization',
    conformant: 401,
    observe: async ({ client }) => {
      const cardId = await createdCard(client, await registeredConsumer(client));
      return (await client.call('clickToPayEnrol', { path: { cardId }, token: null })).status;
    },
  },
  'expired-token-accepted': {
    observes: 'the status answered to a call with a token expired 0.2 s ago',
    conformant: 401,
    options: { tokenLifetimeSeconds: 1 },
    observe: async ({ client }) => {
      const consumerId = await registeredConsumer(client);
      const token = await freshToken(client);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      return (await client.call('getCardList', { path: { consumerId }, token })).status;
    },
  },
  'token-lifetime-one-hour': {
    observes: 'the expires_in of a granted token',
    conformant: 900,
    observe: async ({ client }) => {
      const response = await client.requestToken();
      expect(response.status, response.text).toBe(200);
      return Number(bodyOf(response).expires_in);
    },
  },
  'assertion-exp-unbounded': {
    observes: 'the status answered to an assertion expiring in 3 hours',
    conformant: 400,
    observe: async ({ client }) => (await client.requestToken(await client.assertion({ expiresIn: 3 * 3600 }))).status,
  },
  'assertion-sub-unchecked': {
    observes: 'the status answered to an assertion whose sub is another issuer',
    conformant: 400,
    observe: async ({ client }) => (await client.requestToken(await client.assertion({ claims: { sub: 'OTHERBANK1' } }))).status,
  },
  'profiles-never-enrolled-404': {
    observes: 'the answer to reading the profiles of a consumer never enrolled',
    conformant: '200 []',
    observe: async ({ client }) => {
      const consumerId = await registeredConsumer(client);
      const response = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
      return `${response.status} ${JSON.stringify(bodyOf(response).clickToPayProfiles ?? null)}`;
    },
  },
  'consumer-optout-keeps-cards': {
    observes: 'the cards still enrolled after a consumer opt-out',
    conformant: [],
    observe: async ({ client }) => {
      const consumerId = await registeredConsumer(client);
      for (const product of ['prd_debit_classic', 'prd_credit_gold'])
        await enrolled(client, await createdCard(client, consumerId, product));
      expect(enrolledCardIds(await profilesOf(client, consumerId)), 'both cards enrolled before the opt-out').toHaveLength(2);
      await optedOutConsumer(client, consumerId);
      return enrolledCardIds(await profilesOf(client, consumerId));
    },
  },
  'last-card-optout-keeps-profile': {
    observes: 'the profiles left after opting out the only card',
    conformant: [],
    observe: async ({ client }) => {
      const { consumerId, cardId } = await enrolledCard(client);
      await optedOutCard(client, cardId);
      return (await profilesOf(client, consumerId)).map((p) => `${p.scheme} with ${p.cards.length} card(s)`);
    },
  },
  'delete-card-keeps-enrolment': {
    observes: 'the cards still enrolled after deleting the only enrolled card',
    conformant: [],
    observe: async ({ client }) => {
      const { consumerId, cardId } = await enrolledCard(client);
      const operationId = await operationIdOf(client, 'deleteCard', { path: { cardId }, body: { reasonCode: 'CLOSED_CARD' } });
      expect(await settledStatus(client, { cardId }, operationId), 'deleteCard').toBe('SUCCESSFUL');
      return enrolledCardIds(await profilesOf(client, consumerId));
    },
  },
  'reenrol-after-optout-fails': {
    observes: 'the final status of enrolling again a card opted out',
    conformant: 'SUCCESSFUL',
    observe: async ({ client }) => {
      const { cardId } = await enrolledCard(client);
      await optedOutCard(client, cardId);
      const operationId = await operationIdOf(client, 'clickToPayEnrol', { path: { cardId } });
      return settledStatus(client, { cardId }, operationId);
    },
  },
  'duplicate-scheme-profile': {
    observes: 'the schemes of the profiles of a consumer with two VISA cards enrolled',
    conformant: ['VISA'],
    observe: async ({ client }) => {
      const consumerId = await registeredConsumer(client);
      for (let i = 0; i < 2; i += 1) await enrolled(client, await createdCard(client, consumerId, 'prd_debit_classic'));
      return (await profilesOf(client, consumerId)).map((p) => p.scheme);
    },
  },
  'enrol-stays-pending': {
    observes: 'the status of an enrol 1.5 s after it started',
    conformant: 'SUCCESSFUL',
    observe: async ({ client }) => {
      const cardId = await createdCard(client, await registeredConsumer(client));
      const operationId = await operationIdOf(client, 'clickToPayEnrol', { path: { cardId } });
      return settledStatus(client, { cardId }, operationId);
    },
  },
  'notification-without-start-time': {
    observes: 'the card notification items that lack startTime',
    conformant: 0,
    observe: async ({ client, d1, sink }) => {
      await enrolledCard(client);
      await d1.notificationsSettled();
      const items = sink.items('card');
      expect(items.length, 'card notifications received').toBeGreaterThan(0);
      return items.filter((item) => item.startTime === undefined).length;
    },
  },
  // A missing final notification and two different ones are both seen in the final statuses notified.
  'enrol-notification-never-sent': enrolFinalStatusesProbe,
  'two-final-results': enrolFinalStatusesProbe,
  'consumer-optout-notified-as-card': {
    observes: 'the notification endpoints a consumer opt-out was notified to',
    conformant: ['consumer'],
    observe: async ({ client, d1, sink }) => {
      const { consumerId } = await enrolledCard(client);
      const operationId = await optedOutConsumer(client, consumerId);
      await d1.notificationsSettled();
      return [
        ...new Set(sink.calls.filter((call) => call.operations.some((item) => item.operationId === operationId)).map((call) => call.kind)),
      ].sort();
    },
  },
  'notification-not-retried': {
    observes: 'the calls carrying an enrol result whose first delivery was answered 500',
    conformant: 2,
    // Without PENDING notifications the enrol result travels alone, so the scripted 500 hits exactly it.
    options: { behaviour: { notifyPending: false } },
    observe: async ({ client, d1, sink }) => {
      const consumerId = await registeredConsumer(client);
      const created = await step(client, 'createCard', { body: { consumerId, cardProductId: 'prd_debit_classic' } });
      const cardId = String(created.cardId);
      // The card's creation is notified too: it must be delivered before the 500 is scripted, or it takes the 500.
      expect(await settledStatus(client, { cardId }, String(created.operationId)), 'createCard').toBe('SUCCESSFUL');
      await d1.notificationsSettled();
      sink.script.push({ status: 500 });
      const operationId = await operationIdOf(client, 'clickToPayEnrol', { path: { cardId } });
      expect(await settledStatus(client, { cardId }, operationId), 'enrolment').toBe('SUCCESSFUL');
      await d1.notificationsSettled();
      expect(sink.script, 'the scripted 500 was used').toEqual([]);
      return sink.calls.filter((call) => call.operations.some((item) => item.operationId === operationId)).length;
    },
  },
};

// --- the tests -------------------------------------------------------------------------------------------------

test.describe('planted faults of the mock D1', () => {
  for (const [name, fault] of Object.entries(d1Faults) as [D1Fault, (typeof d1Faults)[D1Fault]][]) {
    const probe = probes[name];
    test(`${name} changes ${probe.observes} (${fault.rule})`, async ({ startTarget }) => {
      const [conformant, faulty] = await Promise.all([startTarget([], probe.options), startTarget([name], probe.options)]);
      const [expected, received] = await Promise.all([probe.observe(conformant), probe.observe(faulty)]);
      expect(expected, `conformant mock: ${probe.observes}`).toEqual(probe.conformant);
      expect(received, `mock with ${name}: ${probe.observes}; ${fault.description}`).not.toEqual(expected);
    });
  }

  test('every fault has exactly one probe', () => {
    expect(Object.keys(probes).sort()).toEqual(Object.keys(d1Faults).sort());
  });

  test('every fault breaks a rule of the catalogue', () => {
    const known = new Set<string>(rules.map((rule) => rule.id));
    const unknown = Object.entries(d1Faults)
      .filter(([, fault]) => !known.has(fault.rule))
      .map(([name, fault]) => `${name} -> ${fault.rule}`);
    expect(unknown).toEqual([]);
  });

  test('every fault is switched on somewhere in the mock D1 code besides its table', () => {
    const directory = fromRoot('mocks', 'd1');
    // The endpoint modules sit in a subdirectory.
    const code = readdirSync(directory, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== 'faults.ts')
      .map((file) => readFileSync(`${directory}/${file}`, 'utf8'))
      .join('\n');
    expect(code.length, 'mock D1 code read').toBeGreaterThan(0);
    const unwired = Object.keys(d1Faults).filter((name) => !code.includes(`'${name}'`) && !code.includes(`"${name}"`));
    expect(unwired).toEqual([]);
  });
});
