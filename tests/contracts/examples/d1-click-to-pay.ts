import type { FieldExampleSet } from './field-example-set.js';

const cardOperations = ['ENROL', 'UPDATE-CARD', 'OPTOUT-CARD'] as const;
const consumerOperations = ['UPDATE-CONSUMER', 'OPTOUT-CONSUMER'] as const;
const writeOperations = [...cardOperations, ...consumerOperations] as const;
const ids = (prefixes: readonly string[], suffix: string): string[] => prefixes.map((p) => `CTP-${p}-${suffix}`);

const arabicName = 'محمد بن علي';
const cjkName = '王小明';

export const clickToPayExamples: readonly FieldExampleSet[] = [
  {
    title: 'issuerId is exactly 10 characters',
    rules: ids([...writeOperations, 'PROFILES'], 'ISSUERID-LENGTH'),
    accept: ['TESTBANK01', 'is_tbank01'],
    reject: ['TESTBANK0', 'TESTBANK012', ''],
  },
  {
    title: 'cardId has 1 to 48 characters',
    rules: ids(cardOperations, 'CARDID-LENGTH'),
    accept: ['c', 'A'.repeat(48)],
    reject: ['', 'A'.repeat(49)],
  },
  {
    title: 'cardId is ASCII letters, digits, underscore, hyphen',
    rules: ids(cardOperations, 'CARDID-PATTERN'),
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha', 'CARD-0001', '_-_'],
    reject: ['crd.1', 'crd 1', 'carte-é', 'crd:1', '4111111111111111\n'],
  },
  {
    title: 'consumerId has 1 to 64 characters',
    rules: ids([...consumerOperations, 'PROFILES'], 'CONSUMERID-LENGTH'),
    accept: ['c', 'C'.repeat(64)],
    reject: ['', 'C'.repeat(65)],
  },
  {
    title: 'consumerId is ASCII letters, digits, underscore, hyphen',
    rules: ids([...consumerOperations, 'PROFILES'], 'CONSUMERID-PATTERN'),
    accept: ['cns_7f3k2m9q1x', 'CONSUMER-42'],
    reject: ['cns.7', 'jane@example.com', 'cns 7', 'ünï'],
  },
  {
    title: 'x-correlation-id is 1 to 64 ASCII letters, digits, underscore, hyphen',
    rules: ids([...writeOperations, 'PROFILES'], 'CORRELATIONID-PATTERN'),
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'x', 'A'.repeat(64)],
    reject: ['A'.repeat(65), 'corr.id', 'corr id', ''],
  },
  {
    title: 'cardholder name has 1 to 26 characters',
    rules: ids(['ENROL', 'UPDATE-CARD'], 'NAME-LENGTH'),
    accept: ['J', 'A'.repeat(26), 'Ł'.repeat(26)],
    reject: ['', 'A'.repeat(27), 'Ł'.repeat(27)],
  },
  {
    title: "cardholder name is letters and digits of any script, Arabic block, space and , . ' _ # ; : / -",
    rules: ids(['ENROL', 'UPDATE-CARD'], 'NAME-PATTERN'),
    accept: ['John Smith', 'José Müller-Ångström', "Zoë O'Brien", arabicName, cjkName, 'Анна Петрова', 'Flat 4/B; #2: x_y.z,', '١٢٣ ٤٥٦'],
    reject: ['<script>', 'John@Smith', 'A+B', 'John\tSmith', 'Smith (Jr)', 'Jane"Doe'],
  },
  {
    title: 'reason is 1 to 64 ASCII letters, digits or spaces',
    rules: ids(writeOperations, 'REASON-PATTERN'),
    accept: ['customer was contacted on June 28', 'x', 'A'.repeat(64)],
    reject: ['', 'A'.repeat(65), 'fraud!', 'card-closed', 'déjà vu'],
  },
  {
    title: 'reasonCode is USER_DECISION or ISSUER_DECISION',
    rules: ids(writeOperations, 'REASONCODE-ENUM'),
    accept: ['USER_DECISION', 'ISSUER_DECISION'],
    reject: ['user_decision', 'Issuer_Decision', 'FRAUD', ''],
  },
  {
    title: 'the answered operationId has 1 to 64 characters',
    rules: ids(writeOperations, 'RESULT-OPERATIONID-LENGTH'),
    accept: ['o', 'O'.repeat(64)],
    reject: ['', 'O'.repeat(65)],
  },
  {
    title: 'the answered operationId is ASCII letters, digits, underscore, hyphen',
    rules: ids(writeOperations, 'RESULT-OPERATIONID-PATTERN'),
    accept: ['op_01HZX3J8K2M4N6P8Q0R2S4T6V8', '01c5a05e-e197-11ec-8fea-0242ac120002'],
    reject: ['op.1', 'op 1', 'op/1'],
  },
  {
    title: 'the answered status is SUCCESSFUL, PENDING or FAILED',
    rules: ids(writeOperations, 'RESULT-STATUS-ENUM'),
    accept: ['SUCCESSFUL', 'PENDING', 'FAILED'],
    reject: ['pending', 'SUCCESS', 'COMPLETED', ''],
  },
  {
    title: 'clickToPayProfiles is an array',
    rules: ['CTP-PROFILES-LIST-TYPE'],
    accept: [[]],
    reject: ['VISA', { scheme: 'VISA' }, null],
  },
  {
    title: 'at most one profile per scheme, two schemes',
    rules: ['CTP-PROFILES-MAX-TWO'],
    accept: [[{ scheme: 'VISA' }, { scheme: 'MASTERCARD' }]],
    reject: [[{ scheme: 'VISA' }, { scheme: 'MASTERCARD' }, { scheme: 'VISA' }]],
  },
  {
    title: 'the profiles message is a string',
    rules: ['CTP-PROFILES-MESSAGE-TYPE'],
    accept: ['Mastercard directory did not answer'],
    reject: [42, { text: 'x' }],
  },
  {
    title: 'a profile names its scheme VISA or MASTERCARD',
    rules: ['CTP-PROFILES-SCHEME-ENUM'],
    accept: ['VISA', 'MASTERCARD'],
    reject: ['visa', 'AMEX', 'Mastercard'],
  },
  {
    title: 'a profile card is named by a cardId of 1 to 48 characters',
    rules: ['CTP-PROFILES-CARDID-LENGTH'],
    accept: ['c', 'A'.repeat(48)],
    reject: ['', 'A'.repeat(49)],
  },
  {
    title: 'a profile card is named by a documented cardId',
    rules: ['CTP-PROFILES-CARDID-PATTERN'],
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha'],
    reject: ['crd.1', '4111 1111 1111 1111'],
  },
];
