import type { FieldExampleSet } from './field-example-set.js';

const kinds = ['CARD', 'CONSUMER'] as const;
const ids = (suffix: string, prefixes: readonly string[] = kinds): string[] => prefixes.map((p) => `NOTIFY-${p}-${suffix}`);

/** The PRODUCE item published as an example of Notify Card Operations. */
const produceItem = {
  operationId: '01c5a05e-e197-11ec-8fea-0242ac120002',
  operation: 'PRODUCE',
  status: 'PENDING',
  startTime: '2025-01-17T06:28:02.492Z',
  cardId: '271b-6e47-8ec3-7f3f',
  details: { status: 'CARD_PROD_REQUESTED' },
};
const enrolItem = {
  operationId: 'op_01HZX3J8K2M4N6P8Q0R2S4T6V8',
  operation: 'CLICK_TO_PAY_ENROLMENT',
  status: 'SUCCESSFUL',
  startTime: '2025-01-17T06:28:02.492Z',
  endTime: '2025-01-17T06:28:05.118Z',
  cardId: 'crd_h2otddwm5uwujlye3qyxmjkpha',
};
const consumerOptoutItem = {
  operationId: 'op_01HZX9Q4W6E8R0T2Y4U6I8O0P2',
  operation: 'CLICK_TO_PAY_OPTOUT',
  status: 'SUCCESSFUL',
  startTime: '2025-01-17T06:28:02.492Z',
  consumerId: 'cns_7f3k2m9q1x',
};

export const issuerNotificationsExamples: readonly FieldExampleSet[] = [
  {
    title: 'issuerId in the notification path is exactly 10 characters',
    rules: ids('ISSUERID-LENGTH'),
    accept: ['TESTBANK01', 'is_tbank01'],
    reject: ['TESTBANK0', 'TESTBANK012', ''],
  },
  {
    title: 'operations of a card notification is an array of items',
    rules: ['NOTIFY-CARD-OPERATIONS-TYPE'],
    accept: [[produceItem], [produceItem, enrolItem]],
    reject: [produceItem, 'PRODUCE', null],
  },
  {
    title: 'operations of a consumer notification is an array of items (inferred)',
    rules: ['NOTIFY-CONSUMER-OPERATIONS-TYPE'],
    accept: [[consumerOptoutItem]],
    reject: [consumerOptoutItem, 'CLICK_TO_PAY_OPTOUT', null],
  },
  {
    title: 'operationId has 1 to 64 characters',
    rules: ids('OPERATIONID-LENGTH'),
    accept: ['o', 'O'.repeat(64), '01c5a05e-e197-11ec-8fea-0242ac120002'],
    reject: ['', 'O'.repeat(65)],
  },
  {
    title: 'operationId pattern [A-Za-z0-9_-]{1,64} is published without anchors: one allowed character anywhere is enough',
    rules: ids('OPERATIONID-PATTERN'),
    accept: ['op.1!', '01c5a05e-e197-11ec-8fea-0242ac120002', 'op_01HZX3J8K2M4N6P8Q0R2S4T6V8', 'op 1', 'é-1'],
    reject: ['!!!', '...', ' ', 'é', '@#$%'],
  },
  {
    title: 'card notification operation: the twelve published values plus CLICK_TO_PAY_UPDATE and CLICK_TO_PAY_OPTOUT (inferred)',
    rules: ['NOTIFY-CARD-OPERATION-ENUM'],
    accept: [
      'CREATE',
      'REGISTER',
      'ACTIVATE',
      'SUSPEND',
      'RESUME',
      'DELETE',
      'DIGITIZE',
      'RENEW',
      'REPLACE',
      'PRODUCE',
      'STANDALONE_TRACKING',
      'CLICK_TO_PAY_ENROLMENT',
      'CLICK_TO_PAY_UPDATE',
      'CLICK_TO_PAY_OPTOUT',
    ],
    reject: ['CLICK_TO_PAY_ENROLLMENT', 'click_to_pay_enrolment', 'CLICK_TO_PAY_OPT_OUT', 'ENROL', 'DELETE_AUTHN', ''],
  },
  {
    title: 'consumer notification operation: the v1 consumer operation values plus CLICK_TO_PAY_OPTOUT and UPDATE (inferred)',
    rules: ['NOTIFY-CONSUMER-OPERATION-ENUM'],
    accept: [
      'CLICK_TO_PAY_UPDATE',
      'DELETE',
      'DELETE_AUTHN',
      'ENROLL_AUTHN',
      'REGISTER',
      'RESUME',
      'SUSPEND',
      'CLICK_TO_PAY_OPTOUT',
      'UPDATE',
    ],
    reject: ['CLICK_TO_PAY_ENROLMENT', 'PRODUCE', 'DELETE_AUTH', 'optout', ''],
  },
  {
    title: 'status is PENDING, SUCCESSFUL or FAILED',
    rules: ids('STATUS-ENUM'),
    accept: ['PENDING', 'SUCCESSFUL', 'FAILED'],
    reject: ['pending', 'SUCCESS', 'COMPLETED', 'CANCELLED', ''],
  },
  {
    title: 'card operation times are ISO 8601 date-times with an offset',
    rules: ['NOTIFY-CARD-STARTTIME-FORMAT', 'NOTIFY-CARD-ENDTIME-FORMAT'],
    accept: ['2025-01-17T06:28:02.492Z', '2022-06-16T06:28:02.49+01:00', '2025-01-17T06:28:02Z'],
    reject: ['2025-01-17 06:28:02', '2025-01-17T06:28:02.492', '2025-01-17', '17/01/2025 06:28', '1737095282'],
  },
  {
    title:
      "consumer operation times follow D1's notification timestamp expression: 3-digit fraction and Z, " +
      'or 2-digit fraction and whole-hour offset (inferred)',
    rules: ['NOTIFY-CONSUMER-STARTTIME-PATTERN', 'NOTIFY-CONSUMER-ENDTIME-PATTERN'],
    accept: ['2025-01-17T06:28:02.492Z', '2022-06-16T06:28:02.49+01:00', '2023-02-29T23:59:59.000Z', '2024-11-30T00:00:00.12-12:00'],
    reject: [
      '2025-01-17T06:28:02Z',
      '2025-01-17T06:28:02.492+01:00',
      '2022-06-16T06:28:02.49+01:30',
      '2025-04-31T06:28:02.492Z',
      '2025-01-17T24:00:00.000Z',
      '2025-01-17 06:28:02.492Z',
      '2025-01-17',
    ],
  },
  {
    title: 'consumerId of a consumer notification has 1 to 64 characters (inferred)',
    rules: ['NOTIFY-CONSUMER-CONSUMERID-LENGTH'],
    accept: ['c', 'C'.repeat(64)],
    reject: ['', 'C'.repeat(65)],
  },
  {
    title: 'consumerId of a consumer notification is ASCII letters, digits, underscore, hyphen (inferred)',
    rules: ['NOTIFY-CONSUMER-CONSUMERID-PATTERN'],
    accept: ['cns_7f3k2m9q1x', 'CONSUMER-42'],
    reject: ['cns.7', 'jane@example.com', 'cns 7'],
  },
  {
    title: 'details is a JSON object whose content depends on the operation',
    rules: ids('DETAILS-TYPE'),
    accept: [{ status: 'CARD_PROD_REQUESTED' }, {}],
    reject: ['CARD_PROD_REQUESTED', ['CARD_PROD_REQUESTED'], null, 42],
  },
];
