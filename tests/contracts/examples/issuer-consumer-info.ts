import type { FieldExampleSet } from './field-example-set.js';

const names = ['FIRSTNAME', 'MIDDLENAME', 'LASTNAME'] as const;
const ids = (suffixes: readonly string[], rest: string): string[] => suffixes.map((s) => `CONSUMER-INFO-${s}-${rest}`);

const latinWithDiacritics = 'José Ångström-Müller';
const arabicName = 'محمد بن علي';
const cjkName = '王小明';

export const issuerConsumerInfoExamples: readonly FieldExampleSet[] = [
  {
    title: 'issuerId in the path is exactly 10 characters',
    rules: ['CONSUMER-INFO-ISSUERID-LENGTH'],
    accept: ['TESTBANK01', 'is_tbank01'],
    reject: ['TESTBANK0', 'TESTBANK012', ''],
  },
  {
    title: 'consumerId in the path has 1 to 64 characters',
    rules: ['CONSUMER-INFO-CONSUMERID-LENGTH'],
    accept: ['c', 'C'.repeat(64)],
    reject: ['', 'C'.repeat(65)],
  },
  {
    title: 'consumerId in the path is ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-INFO-CONSUMERID-PATTERN'],
    accept: ['cns_7f3k2m9q1x', 'CONSUMER-42'],
    reject: ['cns.7', 'jane@example.com', 'cns 7', 'ünï'],
  },
  {
    title: 'the cardId query parameter has 1 to 48 characters',
    rules: ['CONSUMER-INFO-CARDID-LENGTH'],
    accept: ['c', 'A'.repeat(48), 'crd_h2otddwm5uwujlye3qyxmjkpha'],
    reject: ['', 'A'.repeat(49)],
  },
  {
    title: 'the cardId query parameter is ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-INFO-CARDID-PATTERN'],
    accept: ['crd_h2otddwm5uwujlye3qyxmjkpha', 'CARD-0001'],
    reject: ['crd.1', 'crd 1', 'carte-é', '4111111111111111\n'],
  },
  {
    title: 'x-correlation-id is 1 to 64 ASCII letters, digits, underscore, hyphen',
    rules: ['CONSUMER-INFO-CORRELATIONID-PATTERN'],
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'x', 'A'.repeat(64)],
    reject: ['A'.repeat(65), 'corr.id', 'corr id', ''],
  },
  {
    title: 'consumerInfo is a JSON object',
    rules: ['CONSUMER-INFO-CONSUMERINFO-TYPE'],
    accept: [{ language: 'en-US', firstName: 'John', lastName: 'Smith' }],
    reject: ['John Smith', [{ language: 'en-US', firstName: 'John', lastName: 'Smith' }], null],
  },
  {
    title: 'language is exactly 5 characters',
    rules: ['CONSUMER-INFO-LANGUAGE-LENGTH'],
    accept: ['en-US', 'fr-fr'],
    reject: ['eng-US', 'en-USA', 'en', 'en-U', ''],
  },
  {
    title: 'language is a lower-case ISO 639-1 code, a hyphen and an ISO 3166-1 alpha-2 code in either case',
    rules: ['CONSUMER-INFO-LANGUAGE-PATTERN'],
    accept: ['en-US', 'fr-fr', 'pt-BR', 'ar-Ae'],
    reject: ['en_US', 'EN-US', 'eng-US', 'en-U1', 'en US', 'enUS'],
  },
  {
    title: "names are 1 to 128 letters or digits of any script, Arabic block, space and , . ' _ # ; : / -",
    rules: ids(names, 'PATTERN'),
    accept: ['John', latinWithDiacritics, "Zoë O'Brien", arabicName, cjkName, 'Анна', 'Jean-Luc', 'N', 'Ł'.repeat(128), '王'.repeat(128)],
    reject: ['<', '@', 'Jean <b>', 'john@smith', 'A'.repeat(129), 'Ł'.repeat(129), '', 'John\tSmith', 'A+B'],
  },
  {
    title: 'dateOfBirth is YYYY-MM-DD with month 01-12 and day 01-31 (the day is not checked against the month)',
    rules: ['CONSUMER-INFO-DATEOFBIRTH-PATTERN'],
    accept: ['1990-01-25', '2000-02-29', '1985-12-31', '1990-02-31'],
    reject: ['1990-1-25', '25-01-1990', '1990-13-01', '1990-01-32', '1990/01/25', '1990-00-10', '90-01-25', '1990-01-25T00:00:00Z'],
  },
  {
    title: 'title is 1 to 40 characters of the name character set',
    rules: ['CONSUMER-INFO-TITLE-PATTERN'],
    accept: ['Mr.', 'Dr', 'Mme', 'السيد', 'T'.repeat(40)],
    reject: ['Mr<', '@Mr', 'T'.repeat(41), ''],
  },
  {
    title: 'email is an e-mail address (inferred field)',
    rules: ['CONSUMER-INFO-EMAIL-FORMAT'],
    accept: ['john.smith@example.com', 'jane+ctp@bank.co.uk'],
    reject: ['john.smith', 'john@', '@example.com', 'john smith@example.com'],
  },
  {
    title: 'mobilePhoneNumber is an object of country code and national number (inferred shape)',
    rules: ['CONSUMER-INFO-MOBILE-TYPE'],
    accept: [{ countryCode: '65', phoneNumber: '99998888' }],
    reject: ['+6599998888', 6599998888, ['65', '99998888'], null],
  },
  {
    title: 'mobile country code is 1 to 3 digits without + (inferred)',
    rules: ['CONSUMER-INFO-MOBILE-COUNTRYCODE-PATTERN'],
    accept: ['65', '1', '852'],
    reject: ['+65', '0065', '6a', ''],
  },
  {
    title: 'mobile national number is 4 to 14 digits without the country code (inferred)',
    rules: ['CONSUMER-INFO-MOBILE-NUMBER-PATTERN'],
    accept: ['99998888', '0612345678'],
    reject: ['9999 8888', '+6599998888', '999', '123456789012345'],
  },
];
