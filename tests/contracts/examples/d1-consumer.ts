import type { FieldExampleSet } from './field-example-set.js';

/** Rule-id prefixes of the six consumer operations. */
const allOperations = [
  'CONSUMER-REGISTER',
  'CONSUMER-DELETE',
  'CONSUMER-UPDATE',
  'CONSUMER-CARDS',
  'CONSUMER-OPERATION',
  'CONSUMER-OPERATIONS',
] as const;
/** Rule-id prefixes of the writes, whose answer is an operation result. */
const writes = ['CONSUMER-REGISTER', 'CONSUMER-DELETE', 'CONSUMER-UPDATE'] as const;
/** Rule-id prefixes of the writes that carry consumerInfo. */
const withConsumerInfo = ['CONSUMER-REGISTER', 'CONSUMER-UPDATE'] as const;
/** Rule-id prefixes of the operation model, once for the single getter and once for the list entries. */
const models = ['CONSUMER-OPERATION-MODEL', 'CONSUMER-OPERATIONS-MODEL'] as const;
const ids = (prefixes: readonly string[], suffix: string): string[] => prefixes.map((p) => `${p}-${suffix}`);

const arabicName = 'محمد بن علي';
const cjkName = '王小明';

export const consumerExamples: readonly FieldExampleSet[] = [
  // --- path parameters and headers ---------------------------------------------------------------------------------
  {
    title: 'issuerId is exactly 10 characters',
    rules: ids(allOperations, 'ISSUERID-LENGTH'),
    accept: ['TESTBANK01', 'is_tbank01'],
    reject: ['TESTBANK0', 'TESTBANK012', ''],
  },
  {
    title: 'consumerId has 1 to 64 characters',
    rules: ids(allOperations, 'CONSUMERID-LENGTH'),
    accept: ['c', 'C'.repeat(64)],
    reject: ['', 'C'.repeat(65)],
  },
  {
    title: 'consumerId is ASCII letters, digits, underscore, hyphen (anchored)',
    rules: ids(allOperations, 'CONSUMERID-PATTERN'),
    accept: ['cns_7f3k2m9q1x', 'CONSUMER-42', 'C'.repeat(64)],
    reject: ['cns.7', 'jane@example.com', 'cns 7', 'ünï', 'cns_7\n'],
  },
  {
    title: 'x-correlation-id is 1 to 64 ASCII letters, digits, underscore, hyphen',
    rules: ids(allOperations, 'CORRELATIONID-PATTERN'),
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'x', 'A'.repeat(64)],
    reject: ['A'.repeat(65), 'corr.id', 'corr id', ''],
  },
  {
    title: 'x-user-id is 1 to 15 ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-REGISTER-USERID-PATTERN'],
    accept: ['agent_0042', 'u', 'A'.repeat(15)],
    reject: ['A'.repeat(16), 'agent.42', 'agent 42', 'jane@bank', ''],
  },
  {
    title: 'operationId in the getter path has 1 to 64 characters',
    rules: ['CONSUMER-OPERATION-OPERATIONID-LENGTH'],
    accept: ['o', 'O'.repeat(64)],
    reject: ['', 'O'.repeat(65)],
  },
  {
    title: 'operationId in the getter path is ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-OPERATION-OPERATIONID-PATTERN'],
    accept: ['op_01HZX6OPT0000000000000000B', '01c5a05e-e197-11ec-8fea-0242ac120002'],
    reject: ['op.1', 'op 1', 'op/1'],
  },
  // --- consumerInfo -------------------------------------------------------------------------------------------
  {
    title: 'consumerInfo is one object',
    rules: ids(withConsumerInfo, 'CONSUMERINFO-TYPE'),
    accept: [{}, { language: 'en-US', firstName: 'John', lastName: 'Smith' }],
    reject: ['John Smith', [{ firstName: 'John' }], null],
  },
  {
    title: 'language has exactly 5 characters',
    rules: ids(withConsumerInfo, 'LANGUAGE-LENGTH'),
    accept: ['en-US', 'fr-FR'],
    reject: ['en', 'enUS', 'en-USA', ''],
  },
  {
    title: "language is ISO 639-1 lower-case, hyphen, ISO 3166-1 country (the SDK's en_US form is not it)",
    rules: ids(withConsumerInfo, 'LANGUAGE-PATTERN'),
    accept: ['en-US', 'fr-FR', 'pt-br', 'ar-AE'],
    reject: ['en_US', 'EN-US', 'e1-US', 'eng-US', 'en-U5'],
  },
  {
    title: "first, middle and last names are 1 to 128 letters or digits of any script, space and , . ' _ # ; : / -",
    rules: [
      ...ids(withConsumerInfo, 'FIRSTNAME-PATTERN'),
      ...ids(withConsumerInfo, 'MIDDLENAME-PATTERN'),
      ...ids(withConsumerInfo, 'LASTNAME-PATTERN'),
    ],
    accept: ['John', 'José Müller-Ångström', "O'Brien", arabicName, cjkName, 'Анна', 'A'.repeat(128)],
    reject: ['', 'A'.repeat(129), 'John@Smith', 'Jane"Doe', 'A+B', 'John\tSmith', 'Smith (Jr)'],
  },
  {
    title: "title is 1 to 40 letters or digits of any script, space and , . ' _ # ; : / -",
    rules: ids(withConsumerInfo, 'TITLE-PATTERN'),
    accept: ['Mr.', 'Dr', 'Mme', 'A'.repeat(40)],
    reject: ['', 'A'.repeat(41), 'Mr!', '<b>Dr</b>'],
  },
  {
    title: 'date of birth is YYYY-MM-DD, month 01-12, day 01-31 (the pattern does not check the calendar)',
    rules: ids(withConsumerInfo, 'DATEOFBIRTH-PATTERN'),
    accept: ['1990-01-25', '2000-12-31', '1990-02-31'],
    reject: ['1990-13-01', '1990-00-10', '1990-01-32', '1990-01-00', '25/01/1990', '1990-1-5', '90-01-25'],
  },
  {
    title: 'email is a string',
    rules: ids(withConsumerInfo, 'EMAIL-TYPE'),
    accept: ['john.smith@example.com'],
    reject: [42, null, { address: 'john.smith@example.com' }],
  },
  // --- delete body ---------------------------------------------------------------------------------------------------
  {
    title: 'delete reason is 1 to 64 ASCII letters, digits or spaces',
    rules: ['CONSUMER-DELETE-REASON-PATTERN'],
    accept: ['customer was contacted on June 28', 'x', 'A'.repeat(64)],
    reject: ['', 'A'.repeat(65), 'closed!', 'card-closed', 'déjà vu'],
  },
  {
    title: 'delete reasonCode is USER_DECISION or ISSUER_DECISION',
    rules: ['CONSUMER-DELETE-REASONCODE-ENUM'],
    accept: ['USER_DECISION', 'ISSUER_DECISION'],
    reject: ['user_decision', 'FRAUD', 'CLOSED_ACCOUNT', ''],
  },
  // --- answers ---------------------------------------------------------------------------------------------------------
  {
    title: 'an answered operationId has 1 to 64 characters',
    rules: [...ids(writes, 'RESULT-OPERATIONID-LENGTH'), ...ids(models, 'OPERATIONID-LENGTH')],
    accept: ['o', 'O'.repeat(64)],
    reject: ['', 'O'.repeat(65)],
  },
  {
    title: 'an answered operationId is ASCII letters, digits, underscore, hyphen',
    rules: [...ids(writes, 'RESULT-OPERATIONID-PATTERN'), ...ids(models, 'OPERATIONID-PATTERN')],
    accept: ['op_01HZX5REG0000000000000000A', '01c5a05e-e197-11ec-8fea-0242ac120002'],
    reject: ['op.1', 'op 1', 'op/1'],
  },
  {
    title: 'an operation status is SUCCESSFUL, PENDING or FAILED',
    rules: [...ids(writes, 'RESULT-STATUS-ENUM'), ...ids(models, 'STATUS-ENUM')],
    accept: ['SUCCESSFUL', 'PENDING', 'FAILED'],
    reject: ['pending', 'SUCCESS', 'DONE', ''],
  },
  // --- card list -------------------------------------------------------------------------------------------------------
  {
    title: 'the card list is an array',
    rules: ['CONSUMER-CARDS-LIST-TYPE'],
    accept: [[], [{ cardId: 'crd_h2otddwm5uwujlye3qyxmjkpha' }]],
    reject: [{}, 'crd_h2otddwm5uwujlye3qyxmjkpha', null],
  },
  {
    title: 'a listed cardId has 1 to 48 characters',
    rules: ['CONSUMER-CARDS-CARDID-LENGTH'],
    accept: ['c', 'A'.repeat(48)],
    reject: ['', 'A'.repeat(49)],
  },
  {
    title: 'a listed cardId is ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-CARDS-CARDID-PATTERN'],
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha', 'CARD-0002'],
    reject: ['crd.1', '4111 1111 1111 1111', 'crd 1'],
  },
  {
    title: 'a listed cardProductId has 1 to 48 characters',
    rules: ['CONSUMER-CARDS-CARDPRODUCTID-LENGTH'],
    accept: ['p', 'P'.repeat(48)],
    reject: ['', 'P'.repeat(49)],
  },
  {
    title: 'a listed cardProductId is ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-CARDS-CARDPRODUCTID-PATTERN'],
    accept: ['prd_debit_classic', 'GOLD-2025'],
    reject: ['prd.debit', 'Gold Card'],
  },
  // --- consumer operation model ----------------------------------------------------------------------------------------
  {
    title: 'a consumer operation is one of the model values (CLICK_TO_PAY_OPTOUT and UPDATE added by us)',
    rules: ids(models, 'OPERATION-ENUM'),
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
    reject: ['CLICK_TO_PAY_ENROLMENT', 'ENROL_AUTHN', 'delete', 'RENEW', ''],
  },
  {
    title: 'a consumer operation requestorType is ISSUER, USER or CCI',
    rules: ids(models, 'REQUESTORTYPE-ENUM'),
    accept: ['ISSUER', 'USER', 'CCI'],
    reject: ['TSP', 'D1', 'issuer', ''],
  },
  {
    title: 'operation times are strings',
    rules: [...ids(models, 'STARTTIME-TYPE'), ...ids(models, 'ENDTIME-TYPE')],
    accept: ['2025-01-20T10:00:00.000Z'],
    reject: [1737367200000, null, true],
  },
  {
    title: 'operation times are ISO 8601 date-times with an offset',
    rules: [...ids(models, 'STARTTIME-FORMAT'), ...ids(models, 'ENDTIME-FORMAT')],
    accept: ['2025-01-20T10:00:00.000Z', '2025-01-20T11:00:00+01:00'],
    reject: ['2025-01-20', '2025-01-20T10:00:00', '20/01/2025 10:00', '2025-01-20T25:00:00Z', ''],
  },
  // --- operation list --------------------------------------------------------------------------------------------------
  {
    title: 'the operation list is an array',
    rules: ['CONSUMER-OPERATIONS-LIST-TYPE'],
    accept: [
      [],
      [
        {
          operationId: 'op_1',
          operation: 'REGISTER',
          status: 'PENDING',
          startTime: '2025-01-18T09:12:44.015Z',
          requestorType: 'ISSUER',
          requestorId: 'TESTBANK01',
        },
      ],
    ],
    reject: [{}, 'REGISTER', null],
  },
  {
    title: 'offset is an integer index, 0 being the most recent operation',
    rules: ['CONSUMER-OPERATIONS-OFFSET-TYPE'],
    accept: [0, 20],
    reject: ['latest', 2.5, 'ten'],
  },
  {
    title: 'limit is an integer count (the v1 page gives 10 as example)',
    rules: ['CONSUMER-OPERATIONS-LIMIT-TYPE'],
    accept: [10, 1],
    reject: ['all', 2.5, 'ten'],
  },
];
