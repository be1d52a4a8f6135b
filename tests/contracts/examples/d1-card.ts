import type { FieldExampleSet } from './field-example-set.js';

/** Rule-id prefixes of the v2 card writes, one per API summary row (two-operation rows share their rules). */
const v2Rows = ['CARD-CREATE-REGISTER', 'CARD-RENEW-REPLACE', 'CARD-DELETE', 'CARD-SUSPEND-RESUME'] as const;
/** Rule-id prefixes of the two v1 getters. */
const v1Getters = ['CARD-OPERATION', 'CARD-OPERATIONS'] as const;
/** Rule-id prefixes of the operation model, once for the single getter and once for the list entries. */
const models = ['CARD-OPERATION-MODEL', 'CARD-OPERATIONS-MODEL'] as const;
const ids = (prefixes: readonly string[], suffix: string): string[] => prefixes.map((p) => `${p}-${suffix}`);

/** A JWE in compact serialization (header.encryptedKey.iv.ciphertext.tag), shaped like RFC 7516's examples. */
const jwe =
  'eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZ.48V1_ALb6US04U3b.' +
  '5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4v.XFBoMYUZodetZdvTiFvSkQ';
/** Direct encryption ("dir") leaves the encrypted-key part empty. */
const jweDirect = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rp.XFBoMYUZodetZdvTiFvSkQ';

/** The operation values of the v1 card operation model, plus CREATE (Notify Card Operations has it). */
const cardOperationNames = [
  'ACTIVATE',
  'D1_PAY_ENROLMENT',
  'CLICK_TO_PAY_ENROLMENT',
  'CLICK_TO_PAY_UPDATE',
  'CLICK_TO_PAY_OPTOUT',
  'DELETE',
  'DIGITIZE',
  'DISPLAY',
  'PIN_CHANGE',
  'PIN_DISPLAY',
  'PRODUCE',
  'PUSH',
  'REGISTER',
  'RENEW',
  'REPLACE',
  'RESUME',
  'SUSPEND',
  'UPDATE_ORDER',
  'VERIFY',
  'CARDHOLDER_VERIFICATION',
  'CREATE',
];

export const cardExamples: readonly FieldExampleSet[] = [
  // --- identifiers and headers of the v2 writes ---------------------------------------------------------------
  {
    title: 'issuerId is exactly 10 characters',
    rules: ids([...v2Rows, ...v1Getters], 'ISSUERID-LENGTH'),
    accept: ['TESTBANK01', 'is_tbank01'],
    reject: ['TESTBANK0', 'TESTBANK012', ''],
  },
  {
    title: 'v2 cardId has 1 to 48 characters',
    rules: [
      ...ids(['CARD-REGISTER', 'CARD-RENEW-REPLACE', 'CARD-DELETE', 'CARD-SUSPEND-RESUME'], 'CARDID-LENGTH'),
      'CARD-CREATE-RESULT-CARDID-LENGTH',
      'CARD-REPLACE-NEWCARDID-LENGTH',
    ],
    accept: ['c', 'A'.repeat(48)],
    reject: ['', 'A'.repeat(49)],
  },
  {
    title: 'v2 cardId is ASCII letters, digits, underscore, hyphen (anchored)',
    rules: [
      ...ids(['CARD-REGISTER', 'CARD-RENEW-REPLACE', 'CARD-DELETE', 'CARD-SUSPEND-RESUME'], 'CARDID-PATTERN'),
      'CARD-CREATE-RESULT-CARDID-PATTERN',
      'CARD-REPLACE-NEWCARDID-PATTERN',
    ],
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha', 'CARD-0001', '271b-6e47-8ec3-7f3f'],
    reject: ['crd.1', 'crd 1', 'carte-é', 'crd:1', '4111 1111 1111 1111', 'crd_1\n'],
  },
  {
    title: 'v2 x-correlation-id is 1 to 64 ASCII letters, digits, underscore, hyphen',
    rules: ids(v2Rows, 'CORRELATIONID-PATTERN'),
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'x', 'A'.repeat(64)],
    reject: ['A'.repeat(65), 'corr.id', 'corr id', ''],
  },
  {
    title: 'x-user-id is 1 to 15 ASCII letters, digits, underscore, hyphen',
    rules: ['CARD-CREATE-USERID-PATTERN'],
    accept: ['agent_0042', 'u', 'A'.repeat(15)],
    reject: ['A'.repeat(16), 'agent.42', 'agent 42', 'jane@bank', ''],
  },
  // --- create card body ------------------------------------------------------------------------------------------
  {
    title: 'consumerId in a card body has 1 to 64 characters',
    rules: ['CARD-CREATE-CONSUMERID-LENGTH', 'CARD-REGISTER-CONSUMERID-LENGTH'],
    accept: ['c', 'C'.repeat(64)],
    reject: ['', 'C'.repeat(65)],
  },
  {
    title: 'consumerId in a card body is ASCII letters, digits, underscore, hyphen',
    rules: ['CARD-CREATE-CONSUMERID-PATTERN', 'CARD-REGISTER-CONSUMERID-PATTERN'],
    accept: ['cns_7f3k2m9q1x', 'CONSUMER-42'],
    reject: ['cns.7', 'jane@example.com', 'cns 7', 'ünï'],
  },
  {
    title: 'cardProductId has 1 to 48 characters',
    rules: ['CARD-CREATE-CARDPRODUCTID-LENGTH'],
    accept: ['p', 'P'.repeat(48)],
    reject: ['', 'P'.repeat(49)],
  },
  {
    title: 'cardProductId is ASCII letters, digits, underscore, hyphen',
    rules: ['CARD-CREATE-CARDPRODUCTID-PATTERN'],
    accept: ['prd_debit_classic', 'GOLD-2025'],
    reject: ['prd.debit', 'Gold Card', 'prd/1'],
  },
  {
    title: 'state of a new card is ACTIVE or INACTIVE',
    rules: ['CARD-CREATE-STATE-ENUM'],
    accept: ['ACTIVE', 'INACTIVE'],
    reject: ['active', 'SUSPENDED', 'DELETED', ''],
  },
  // --- encrypted card credentials and life-cycle reasons -----------------------------------------------------------
  {
    title: 'card credentials travel as a compact JWE (five base64url parts), never in clear',
    rules: ['CARD-REGISTER-ENCRYPTEDDATA-PATTERN', 'CARD-RENEW-REPLACE-ENCRYPTEDDATA-PATTERN'],
    accept: [jwe, jweDirect],
    reject: [
      '4111111111111111',
      '{"pan":"4111111111111111","exp":"1228"}',
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
      `${jwe}.extra`,
      '',
    ],
  },
  {
    title: 'a delete reason is a code string (CLOSED_ACCOUNT, CLOSED_CARD, CARD_LOST, CARD_STOLEN, ...)',
    rules: ['CARD-DELETE-REASONCODE-TYPE'],
    accept: ['CLOSED_ACCOUNT', 'CLOSED_CARD', 'CARD_LOST', 'CARD_STOLEN'],
    reject: [1, null, ['CLOSED_CARD']],
  },
  {
    title: 'a suspend reason is CARD_LOST, CARD_STOLEN, CARD_BROKEN, FRAUD, USER_DECISION or ISSUER_DECISION',
    rules: ['CARD-SUSPEND-REASONCODE-ENUM'],
    accept: ['CARD_LOST', 'CARD_STOLEN', 'CARD_BROKEN', 'FRAUD', 'USER_DECISION', 'ISSUER_DECISION'],
    reject: ['CARD_FOUND', 'LOST', 'card_lost', 'CLOSED_CARD', ''],
  },
  {
    title: 'a resume reason is CARD_FOUND, ISSUER_DECISION or USER_DECISION',
    rules: ['CARD-RESUME-REASONCODE-ENUM'],
    accept: ['CARD_FOUND', 'ISSUER_DECISION', 'USER_DECISION'],
    reject: ['CARD_LOST', 'FRAUD', 'FOUND', 'card_found', ''],
  },
  // --- answers of the writes ---------------------------------------------------------------------------------------
  {
    title: 'an operationId has 1 to 64 characters',
    rules: [...ids(v2Rows, 'RESULT-OPERATIONID-LENGTH'), 'CARD-OPERATION-OPERATIONID-LENGTH', ...ids(models, 'OPERATIONID-LENGTH')],
    accept: ['o', 'O'.repeat(64)],
    reject: ['', 'O'.repeat(65)],
  },
  {
    title: 'an operationId is ASCII letters, digits, underscore, hyphen',
    rules: [...ids(v2Rows, 'RESULT-OPERATIONID-PATTERN'), 'CARD-OPERATION-OPERATIONID-PATTERN', ...ids(models, 'OPERATIONID-PATTERN')],
    accept: ['op_01HZX3J8K2M4N6P8Q0R2S4T6V8', '01c5a05e-e197-11ec-8fea-0242ac120002'],
    reject: ['op.1', 'op 1', 'op/1', 'op#1'],
  },
  {
    title: 'an operation status is SUCCESSFUL, PENDING or FAILED',
    rules: [...ids(v2Rows, 'RESULT-STATUS-ENUM'), ...ids(models, 'STATUS-ENUM')],
    accept: ['SUCCESSFUL', 'PENDING', 'FAILED'],
    reject: ['pending', 'SUCCESS', 'COMPLETED', 'ERROR', ''],
  },
  // --- the v1 getters: unanchored patterns -------------------------------------------------------------------------
  {
    title: 'v1 cardId has 1 to 48 characters, whatever its characters',
    rules: ids(v1Getters, 'CARDID-LENGTH'),
    accept: ['c', 'A'.repeat(48), 'crd.1'],
    reject: ['', 'A'.repeat(49), `crd.${'A'.repeat(45)}`],
  },
  {
    title: 'v1 cardId pattern has no anchors: one allowed character anywhere is enough',
    rules: ids(v1Getters, 'CARDID-PATTERN'),
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha', 'crd.1', 'crd 1', '#a'],
    reject: ['.', '@@', 'é é', ''],
  },
  {
    title: 'v1 x-correlation-id has 1 to 64 characters',
    rules: ids(v1Getters, 'CORRELATIONID-LENGTH'),
    accept: ['x', 'A'.repeat(64)],
    reject: ['', 'A'.repeat(65)],
  },
  {
    title: 'v1 x-correlation-id pattern has no anchors and also allows dot and space',
    rules: ids(v1Getters, 'CORRELATIONID-PATTERN'),
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'corr.id 1', 'é1', '#x'],
    reject: ['#', '@@', 'ü', ''],
  },
  // --- the card operation model --------------------------------------------------------------------------------------
  {
    title: 'an operation is one of the model values (CREATE added from Notify Card Operations)',
    rules: ids(models, 'OPERATION-ENUM'),
    accept: cardOperationNames,
    reject: ['ENROL', 'CLICK_TO_PAY_ENROLLMENT', 'click_to_pay_enrolment', 'OPT_OUT', 'UPDATE', ''],
  },
  {
    title: 'requestorType is ISSUER, USER, TSP, CCI or D1',
    rules: ids(models, 'REQUESTORTYPE-ENUM'),
    accept: ['ISSUER', 'USER', 'TSP', 'CCI', 'D1'],
    reject: ['issuer', 'CONSUMER', 'BANK', 'd1', ''],
  },
  {
    title: 'operation times are strings',
    rules: [...ids(models, 'STARTTIME-TYPE'), ...ids(models, 'ENDTIME-TYPE')],
    accept: ['2025-01-17T06:28:02.492Z'],
    reject: [1737095282492, null, { iso: '2025-01-17T06:28:02.492Z' }],
  },
  {
    title: 'operation times are ISO 8601 date-times with an offset',
    rules: [...ids(models, 'STARTTIME-FORMAT'), ...ids(models, 'ENDTIME-FORMAT')],
    accept: ['2025-01-17T06:28:02.492Z', '2022-06-16T06:28:02Z', '2022-06-16T08:28:02.49+02:00'],
    reject: ['2025-01-17', '2025-01-17T06:28:02', '17/01/2025 06:28:02', '2025-13-17T06:28:02Z', ''],
  },
  // --- the operation list ----------------------------------------------------------------------------------------------
  {
    title: 'the operation list is an array',
    rules: ['CARD-OPERATIONS-LIST-TYPE'],
    accept: [
      [],
      [
        {
          operationId: 'op_1',
          operation: 'SUSPEND',
          status: 'PENDING',
          startTime: '2025-01-18T09:12:44.015Z',
          requestorType: 'ISSUER',
          requestorId: 'TESTBANK01',
        },
      ],
    ],
    reject: [{}, 'SUSPEND', null],
  },
  {
    title: 'offset is an integer index, 0 being the most recent operation',
    rules: ['CARD-OPERATIONS-OFFSET-TYPE'],
    accept: [0, 20],
    reject: ['latest', 2.5, 'ten'],
  },
  {
    title: 'limit is an integer count',
    rules: ['CARD-OPERATIONS-LIMIT-TYPE'],
    accept: [10, 1],
    reject: ['all', 2.5, 'ten'],
  },
];
