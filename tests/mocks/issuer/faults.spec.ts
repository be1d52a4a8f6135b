/**
 * The planted bugs of the reference issuer. For each fault a small probe plays D1 and describes what it observes:
 * the correct issuer gives the answer the fault's rule requires, the faulty one the answer that breaks it.
 */
import { rules } from '../../../gen/catalogue.js';
import { operations } from '../../../gen/operations.js';
import { basicAuthorization, jsonRequest, send } from '../../../lib/http/client.js';
import {
  DEFAULT_CONSUMER_ID,
  DEFAULT_RESTRICTED_CONSUMER_ID,
  issuerFaults,
  type IssuerFaultName,
  type RunningReferenceIssuer,
} from '../../../mocks/issuer/index.js';
import {
  accessToken,
  brokenRules,
  cardItem,
  consumerItem,
  getConsumerInfo,
  notify,
  requestToken,
  tokenUrl,
  uniqueOperationId,
} from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

interface FaultProbe {
  /** Plays D1 against the issuer and says, in a few words, what came back. */
  readonly observe: (issuer: RunningReferenceIssuer) => Promise<string>;
  /** The observation when the rule holds. */
  readonly holds: string;
  /** The observation when the fault breaks the rule. */
  readonly broken: string;
}

function errorCodeOf(json: unknown): string {
  const error = (json as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : '';
}

const tokenAnswerRules = async (issuer: RunningReferenceIssuer): Promise<string> =>
  `broken rules: ${brokenRules('issuerGetToken', await requestToken(issuer)) || 'none'}`;

async function statusesOf(
  issuer: RunningReferenceIssuer,
  kind: 'card' | 'consumer',
  bodies: readonly unknown[],
  token?: string,
): Promise<string> {
  const statuses: number[] = [];
  for (const body of bodies) statuses.push((await notify(issuer, kind, body, token)).status);
  return statuses.join(' ');
}

const probes: Readonly<Record<IssuerFaultName, FaultProbe>> = {
  'token-wrong-secret-accepted': {
    observe: async (issuer) => {
      const response = await requestToken(issuer, { grant_type: 'client_credentials' }, 'not-the-secret');
      return `${response.status} ${errorCodeOf(response.json)}`.trim();
    },
    holds: '401 invalid_client',
    broken: '200',
  },
  'token-json-body-accepted': {
    observe: async (issuer) => {
      const authorization = basicAuthorization(issuer.clientId, issuer.clientSecret);
      const response = await send(jsonRequest('POST', tokenUrl(issuer), { grant_type: 'client_credentials' }, { authorization }));
      return `${response.status} ${errorCodeOf(response.json)}`.trim();
    },
    holds: '400 invalid_request',
    broken: '200',
  },
  'token-unsupported-grant-accepted': {
    observe: async (issuer) => {
      const response = await requestToken(issuer, { grant_type: 'password' });
      return `${response.status} ${errorCodeOf(response.json)}`.trim();
    },
    holds: '400 unsupported_grant_type',
    broken: '200',
  },
  'token-type-lowercase': {
    observe: tokenAnswerRules,
    holds: 'broken rules: none',
    broken: 'broken rules: ISSUER-TOKEN-TOKENTYPE-ENUM',
  },
  'token-expires-in-number': {
    observe: tokenAnswerRules,
    holds: 'broken rules: none',
    broken: 'broken rules: ISSUER-TOKEN-EXPIRESIN-TYPE',
  },
  'token-wrong-secret-answered-400': {
    observe: async (issuer) => {
      const response = await requestToken(issuer, { grant_type: 'client_credentials' }, 'not-the-secret');
      return `${response.status} ${errorCodeOf(response.json)}`.trim();
    },
    holds: '401 invalid_client',
    broken: '400 invalid_request',
  },
  'card-notification-without-token-answered-403': {
    observe: (issuer) => statusesOf(issuer, 'card', [{ operations: [cardItem()] }]),
    holds: '401',
    broken: '403',
  },
  'consumer-notification-without-token-answered-403': {
    observe: (issuer) => statusesOf(issuer, 'consumer', [{ operations: [consumerItem()] }]),
    holds: '401',
    broken: '403',
  },
  'consumer-info-without-token-answered-403': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID)).status),
    holds: '401',
    broken: '403',
  },
  'card-notification-without-token-accepted': {
    observe: (issuer) => statusesOf(issuer, 'card', [{ operations: [cardItem()] }]),
    holds: '401',
    broken: '204',
  },
  'consumer-notification-without-token-accepted': {
    observe: (issuer) => statusesOf(issuer, 'consumer', [{ operations: [consumerItem()] }]),
    holds: '401',
    broken: '204',
  },
  'invalid-card-notification-acknowledged': {
    observe: async (issuer) => statusesOf(issuer, 'card', [{ operations: [cardItem({ cardId: undefined })] }], await accessToken(issuer)),
    holds: '400',
    broken: '204',
  },
  'duplicate-card-notification-conflict': {
    observe: async (issuer) => {
      const item = cardItem({ status: 'PENDING' });
      return statusesOf(issuer, 'card', [{ operations: [item] }, { operations: [item] }], await accessToken(issuer));
    },
    holds: '204 204',
    broken: '204 409',
  },
  'duplicate-consumer-notification-server-error': {
    observe: async (issuer) => {
      const item = consumerItem({ status: 'SUCCESSFUL' });
      return statusesOf(issuer, 'consumer', [{ operations: [item] }, { operations: [item] }], await accessToken(issuer));
    },
    holds: '204 204',
    broken: '204 500',
  },
  'final-before-pending-rejected': {
    observe: async (issuer) => {
      const operationId = uniqueOperationId();
      const bodies = [
        { operations: [cardItem({ operationId, status: 'SUCCESSFUL' })] },
        { operations: [cardItem({ operationId, status: 'PENDING' })] },
      ];
      const statuses = await statusesOf(issuer, 'card', bodies, await accessToken(issuer));
      return `${statuses}, kept ${issuer.operationStates()[0]?.status ?? 'nothing'}`;
    },
    holds: '204 204, kept SUCCESSFUL',
    broken: '409 204, kept PENDING',
  },
  'card-batch-rejected': {
    observe: async (issuer) =>
      statusesOf(issuer, 'card', [{ operations: [cardItem(), cardItem({ status: 'FAILED' })] }], await accessToken(issuer)),
    holds: '204',
    broken: '400',
  },
  'unknown-card-operation-rejected': {
    observe: async (issuer) =>
      statusesOf(issuer, 'card', [{ operations: [cardItem({ operation: 'UPDATE_ORDER' })] }], await accessToken(issuer)),
    holds: '204',
    broken: '400',
  },
  'consumer-notification-answered-200': {
    observe: async (issuer) => {
      const response = await notify(issuer, 'consumer', { operations: [consumerItem()] }, await accessToken(issuer));
      return `${response.status} ${response.text === '' ? 'without body' : 'with body'}`;
    },
    holds: '204 without body',
    broken: '200 with body',
  },
  'consumer-language-pattern-broken': {
    observe: async (issuer) => {
      const answer = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, await accessToken(issuer));
      return `broken rules: ${brokenRules('getConsumerInformation', answer) || 'none'}`;
    },
    holds: 'broken rules: none',
    broken: 'broken rules: CONSUMER-INFO-LANGUAGE-PATTERN',
  },
  'restricted-consumer-served': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, DEFAULT_RESTRICTED_CONSUMER_ID, await accessToken(issuer))).status),
    holds: '403',
    broken: '200',
  },
  'unknown-consumer-answered-200': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, 'cns_nobody_0001', await accessToken(issuer))).status),
    holds: '404',
    broken: '200',
  },
  'unknown-consumer-answered-200-in-odd-runs': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, 'cns_nobody_0001', await accessToken(issuer))).status),
    holds: '404',
    broken: '200',
  },
  'consumer-info-without-token-served': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID)).status),
    holds: '401',
    broken: '200',
  },
  'consumer-info-bad-request-answered-404': {
    observe: async (issuer) => String((await getConsumerInfo(issuer, 'a.b', await accessToken(issuer))).status),
    holds: '400',
    broken: '404',
  },
};

for (const [name, fault] of Object.entries(issuerFaults) as [IssuerFaultName, (typeof issuerFaults)[IssuerFaultName]][]) {
  test(`fault ${name} breaks ${fault.rule}`, async ({ startIssuer }) => {
    const probe = probes[name];
    const correct = await startIssuer();
    const faulty = await startIssuer({ faults: [name] });
    expect(await probe.observe(correct), 'the reference issuer keeps the rule').toBe(probe.holds);
    expect(await probe.observe(faulty), 'the fault breaks the rule').toBe(probe.broken);
  });
}

test('every fault names a catalogue rule of an operation the issuer serves, and explains itself', () => {
  const issuerRules = new Set(
    Object.values(operations)
      .filter((entry) => entry.party === 'issuer')
      .flatMap((entry) => entry.rules),
  );
  const catalogued = new Set(rules.map((rule) => rule.id));
  expect(Object.keys(issuerFaults).length).toBeGreaterThanOrEqual(12);
  for (const [name, fault] of Object.entries(issuerFaults)) {
    expect(catalogued.has(fault.rule), `${name}: ${fault.rule} is in the catalogue`).toBe(true);
    expect(issuerRules.has(fault.rule), `${name}: ${fault.rule} is an issuer operation's rule`).toBe(true);
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(fault.description).toMatch(/^[A-Z].{20,}\.$/);
  }
});

test('the intermittent fault answers wrongly in odd-numbered runs of a repeated certification only', async ({ startIssuer }) => {
  const name = 'unknown-consumer-answered-200-in-odd-runs';
  const statuses: string[] = [];
  for (const repetition of [1, 2, 3, 4]) statuses.push(await probes[name].observe(await startIssuer({ faults: [name], repetition })));
  expect(statuses).toEqual(['200', '404', '200', '404']);
  await expect(startIssuer({ faults: [name], repetition: 0 })).rejects.toThrow(/repetition must be a whole number, at least 1/);
});

test('faults switched on together each still show', async ({ startIssuer }) => {
  const issuer = await startIssuer({ faults: ['token-type-lowercase', 'token-expires-in-number', 'card-batch-rejected'] });
  expect(await tokenAnswerRules(issuer)).toBe('broken rules: ISSUER-TOKEN-EXPIRESIN-TYPE,ISSUER-TOKEN-TOKENTYPE-ENUM');
  expect(await probes['card-batch-rejected'].observe(issuer)).toBe(probes['card-batch-rejected'].broken);
  // A fault left off stays off.
  expect(await probes['unknown-card-operation-rejected'].observe(issuer)).toBe(probes['unknown-card-operation-rejected'].holds);
});
